//! The stdio transport: newline-delimited JSON-RPC, every line answered.
//!
//! rmcp's own stdio transport drops unparsable and oversized lines without a reply, so a client waits until its own
//! timeout. Here a reader task frames the lines itself (bounded: a line longer than the limit is skipped to its
//! newline without being buffered), answers the bad ones through [`framing::check`] and hands the good ones to rmcp;
//! a writer task owns stdout, so rmcp's responses and these error answers never interleave within a line.

use std::io;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::framing;

/// What the client is told to do about an oversized line.
const RAISE_LIMIT: &str = "split the content, or ask the operator to raise serve --max-body-bytes";

/// Newline-delimited JSON-RPC over a reader and a writer (stdin and stdout in production).
pub(crate) struct LineTransport {
    incoming: mpsc::Receiver<RxJsonRpcMessage<RoleServer>>,
    outgoing: Option<mpsc::UnboundedSender<Vec<u8>>>,
    reader: JoinHandle<()>,
    writer: Option<JoinHandle<()>>,
}

impl LineTransport {
    /// Starts the reader and writer tasks; lines over `max_line_bytes` (without the newline) are refused.
    pub(crate) fn new<R, W>(read: R, write: W, max_line_bytes: usize) -> Self
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let (in_tx, in_rx) = mpsc::channel(16);
        let reader = tokio::spawn(read_lines(BufReader::new(read), max_line_bytes, in_tx, out_tx.clone()));
        let writer = tokio::spawn(write_lines(write, out_rx));
        LineTransport { incoming: in_rx, outgoing: Some(out_tx), reader, writer: Some(writer) }
    }
}

impl Transport<RoleServer> for LineTransport {
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        // Queued now, in call order: rmcp may run several send futures at once.
        let queued = match (serde_json::to_vec(&item), &self.outgoing) {
            (Ok(bytes), Some(tx)) => {
                tx.send(bytes).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "stdout is closed"))
            }
            (Err(e), _) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            (_, None) => Err(io::Error::new(io::ErrorKind::NotConnected, "the transport is closed")),
        };
        std::future::ready(queued)
    }

    fn receive(&mut self) -> impl Future<Output = Option<RxJsonRpcMessage<RoleServer>>> + Send {
        self.incoming.recv()
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.reader.abort();
        self.outgoing = None;
        // The writer ends once every queued message is written (the reader's sender went with the reader).
        if let Some(writer) = self.writer.take() {
            let _ = writer.await;
        }
        Ok(())
    }
}

impl Drop for LineTransport {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// How one read of a line ended.
#[derive(Debug, PartialEq, Eq)]
enum LineEnd {
    /// A whole line is in the buffer (without its newline).
    Line,
    /// The line was longer than the limit; it was skipped up to and including its newline (or end of input).
    TooLong(usize),
    /// End of input; the buffer holds the unterminated rest, possibly empty.
    Eof,
}

/// Reads one line into `line` (cleared first), never buffering more than `limit` bytes of it.
async fn next_line<R: AsyncBufRead + Unpin>(read: &mut R, line: &mut Vec<u8>, limit: usize) -> io::Result<LineEnd> {
    line.clear();
    let mut skipped: Option<usize> = None;
    loop {
        let buf = read.fill_buf().await?;
        if buf.is_empty() {
            return Ok(match skipped {
                Some(n) => LineEnd::TooLong(n),
                None => LineEnd::Eof,
            });
        }
        let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        let consumed = done.unwrap_or(buf.len());
        match &mut skipped {
            Some(n) => *n += chunk.len(),
            None if line.len() + chunk.len() > limit => skipped = Some(line.len() + chunk.len()),
            None => line.extend_from_slice(chunk),
        }
        if skipped.is_some() {
            line.clear();
        }
        read.consume(consumed);
        if done.is_some() {
            return Ok(match skipped {
                Some(n) => LineEnd::TooLong(n),
                None => LineEnd::Line,
            });
        }
    }
}

async fn read_lines<R: AsyncBufRead + Unpin>(
    mut read: R,
    limit: usize,
    incoming: mpsc::Sender<RxJsonRpcMessage<RoleServer>>,
    outgoing: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut line = Vec::new();
    loop {
        let end = match next_line(&mut read, &mut line, limit).await {
            Ok(end) => end,
            Err(e) => {
                tracing::error!(error = %e, "cannot read stdin; closing the session");
                return;
            }
        };
        let reply = match end {
            LineEnd::TooLong(n) => {
                tracing::warn!(bytes = n, limit, "refused a message over the size limit");
                Some(framing::oversize(Some(n), limit, RAISE_LIMIT))
            }
            LineEnd::Line | LineEnd::Eof => {
                let text = line.strip_suffix(b"\r").unwrap_or(&line);
                if text.iter().all(u8::is_ascii_whitespace) {
                    None
                } else {
                    match framing::check(text) {
                        Ok(Some(message)) => {
                            if incoming.send(message).await.is_err() {
                                return;
                            }
                            None
                        }
                        Ok(None) => None,
                        Err(rejection) => {
                            tracing::debug!(code = rejection.code, "refused a malformed message");
                            Some(rejection)
                        }
                    }
                }
            }
        };
        if let Some(rejection) = reply
            && outgoing.send(rejection.to_bytes()).is_err()
        {
            return;
        }
        if end == LineEnd::Eof {
            return;
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(mut write: W, mut lines: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(mut bytes) = lines.recv().await {
        bytes.push(b'\n');
        if let Err(e) = async {
            write.write_all(&bytes).await?;
            write.flush().await
        }
        .await
        {
            tracing::info!(error = %e, "stdout closed; no more responses can be sent");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn lines(input: &[u8], limit: usize) -> Vec<(LineEnd, Vec<u8>)> {
        // A tiny buffer, so lines span several reads.
        let mut read = BufReader::with_capacity(3, input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        loop {
            let end = next_line(&mut read, &mut line, limit).await.unwrap();
            let eof = end == LineEnd::Eof;
            out.push((end, line.clone()));
            if eof {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn long_lines_are_skipped_to_their_newline() {
        let got = lines(b"ab\n0123456789\ncd\n0123456789", 5).await;
        assert_eq!(
            got,
            vec![
                (LineEnd::Line, b"ab".to_vec()),
                (LineEnd::TooLong(10), Vec::new()),
                (LineEnd::Line, b"cd".to_vec()),
                (LineEnd::TooLong(10), Vec::new()),
                (LineEnd::Eof, Vec::new()),
            ]
        );
        assert_eq!(lines(b"12345\nx", 5).await[0], (LineEnd::Line, b"12345".to_vec()));
        assert_eq!(lines(b"x", 5).await, vec![(LineEnd::Eof, b"x".to_vec())]);
    }
}
