//! Live updates: one watcher per server polls the store's cheap change signal (SQLite's `data_version`,
//! PostgreSQL's LISTEN/NOTIFY counter) while any page is open, and the board's own writes announce themselves at
//! once; every open page gets a server-sent `change` event and reloads what it shows.

use std::convert::Infallible;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use orch_service::Orchestrator;
use tokio::sync::{OnceCell, watch};
use tokio_util::sync::CancellationToken;

use crate::AppState;

/// How often the change signal is read while a page is open (a pragma or an atomic load: microseconds).
const POLL: Duration = Duration::from_millis(250);
/// With a backend that has no change signal, pages are told to reload this often.
const FALLBACK_EVERY: u32 = 8;

/// The board's change counter and its watcher.
#[derive(Clone)]
pub(crate) struct Changes {
    counter: Arc<watch::Sender<u64>>,
    watcher: Arc<OnceCell<()>>,
    orch: Arc<Orchestrator>,
    shutdown: CancellationToken,
}

impl Changes {
    pub(crate) fn new(orch: Arc<Orchestrator>, shutdown: CancellationToken) -> Self {
        Changes { counter: Arc::new(watch::channel(0).0), watcher: Arc::default(), orch, shutdown }
    }

    /// Announces a change made through the board.
    pub(crate) fn bump(&self) {
        self.counter.send_modify(|n| *n += 1);
    }

    /// A receiver of change counts. The first one starts the watcher from the signal's current value, read before
    /// the stream opens, so no write after the page's `hello` reload goes unannounced.
    async fn subscribe(&self) -> watch::Receiver<u64> {
        let receiver = self.counter.subscribe();
        self.watcher
            .get_or_init(|| async {
                let initial = self.orch.store().change_signal().await.ok().flatten();
                let counter = Arc::downgrade(&self.counter);
                tokio::spawn(watch_store(counter, self.orch.clone(), self.shutdown.clone(), initial));
            })
            .await;
        receiver
    }
}

async fn watch_store(
    counter: Weak<watch::Sender<u64>>,
    orch: Arc<Orchestrator>,
    shutdown: CancellationToken,
    mut last: Option<u64>,
) {
    let mut quiet_polls = 0u32;
    let mut warned = false;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(POLL) => {}
        }
        // The board is gone (its router was dropped): so is the watcher.
        let Some(counter) = counter.upgrade() else { return };
        if counter.receiver_count() == 0 {
            // No page open: nothing to tell. `last` is kept, so a change meanwhile is announced to the next page.
            continue;
        }
        match orch.store().change_signal().await {
            Ok(Some(v)) => {
                if last != Some(v) {
                    counter.send_modify(|n| *n += 1);
                }
                last = Some(v);
                warned = false;
            }
            Ok(None) => {
                quiet_polls += 1;
                if quiet_polls >= FALLBACK_EVERY {
                    quiet_polls = 0;
                    counter.send_modify(|n| *n += 1);
                }
            }
            Err(e) => {
                if !warned {
                    tracing::warn!(error = %e, "the board cannot read the store's change signal; retrying");
                    warned = true;
                }
            }
        }
    }
}

/// `GET /api/events`: a `change` event whenever the board changes (and a keep-alive comment every 15 s). Ends when
/// the server shuts down, so open pages never hold a graceful shutdown back.
pub(crate) async fn events(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.changes.subscribe().await;
    let first = futures::stream::once(async { Ok(Event::default().event("hello").data("0")) });
    let changes = futures::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        let n = *rx.borrow_and_update();
        Some((Ok(Event::default().event("change").data(n.to_string())), rx))
    });
    let stream = first.chain(changes).take_until(state.changes.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
