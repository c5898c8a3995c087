//! The accept loop: connection caps (total and per client address), `TCP_NODELAY`, the header-read timeout and
//! graceful shutdown.
//!
//! `axum::serve` has none of the limits: a client trickling header bytes held its connection forever, and enough
//! half-open connections used up the process's file descriptors (then the database and the sandbox failed with "Too
//! many open files"). Without `TCP_NODELAY`, a session-mode response's body waited ~40 ms behind its head (Nagle's
//! algorithm meeting the client's delayed ACK).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Most connections open at once when not configured: half the file-descriptor limit (the rest is for the
/// database, the sandbox and files), between 16 and 4096.
pub fn default_max_connections() -> usize {
    let soft = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft).unwrap_or(1024);
    usize::try_from(soft / 2).unwrap_or(4096).clamp(16, 4096)
}

/// The process's file-descriptor limit (soft), if it can be read.
pub(super) fn descriptor_limit() -> Option<u64> {
    rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft)
}

/// Connection limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub(super) struct ConnectionLimits {
    pub(super) max_connections: usize,
    pub(super) max_per_client: usize,
    pub(super) header_timeout: Duration,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// Open connections, by client address.
#[derive(Clone)]
struct Admission {
    counts: Arc<Mutex<Counts>>,
    limits: ConnectionLimits,
}

/// One admitted connection; dropping it frees its place.
struct Slot {
    counts: Arc<Mutex<Counts>>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.per_client.remove(&self.client);
            }
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    Total,
    Client,
}

impl Admission {
    fn admit(&self, client: IpAddr) -> Result<Slot, Refusal> {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.total >= self.limits.max_connections {
            return Err(Refusal::Total);
        }
        let mine = counts.per_client.entry(client).or_default();
        if *mine >= self.limits.max_per_client {
            return Err(Refusal::Client);
        }
        *mine += 1;
        counts.total += 1;
        Ok(Slot { counts: self.counts.clone(), client })
    }
}

/// Accepts and serves connections until `stop` is cancelled, then lets open connections finish their current
/// request (HTTP/1 graceful close) and returns. Dropping the future aborts every connection.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let admission = Admission { counts: Arc::default(), limits };
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    loop {
        // Reap finished connection tasks so the set does not grow with the server's lifetime.
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of descriptors or a connection reset before it was accepted: wait a moment, keep serving.
                tracing::warn!(error = %e, "cannot accept a connection; retrying shortly");
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                }
            }
        };
        let slot = match admission.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refusal) => {
                let (what, limit) = match refusal {
                    Refusal::Total => ("connections", limits.max_connections),
                    Refusal::Client => ("connections from this client address", limits.max_per_client),
                };
                tracing::warn!(client = %peer.ip(), limit, "refused a connection: too many open {what}");
                drop(stream);
                continue;
            }
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(client = %peer.ip(), error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    while connections.join_next().await.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn caps_count_open_connections_per_address() {
        let limits = ConnectionLimits { max_connections: 3, max_per_client: 2, header_timeout: Duration::from_secs(1) };
        let admission = Admission { counts: Arc::default(), limits };
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = admission.admit(a).unwrap();
        let _a2 = admission.admit(a).unwrap();
        assert_eq!(admission.admit(a).err(), Some(Refusal::Client));
        let _b1 = admission.admit(b).unwrap();
        assert_eq!(admission.admit(b).err(), Some(Refusal::Total));
        drop(a1);
        let _b2 = admission.admit(b).unwrap();
        assert_eq!(admission.counts.lock().unwrap().total, 3);
    }

    #[test]
    fn default_cap_stays_below_the_descriptor_limit() {
        let cap = default_max_connections();
        if let Some(limit) = descriptor_limit() {
            assert!((cap as u64) < limit.max(17), "cap {cap}, limit {limit}");
        }
        assert!((16..=4096).contains(&cap));
    }
}
