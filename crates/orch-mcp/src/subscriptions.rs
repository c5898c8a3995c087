//! `resources/subscribe`: who watches which resource, and `notifications/resources/updated` when it changes.
//!
//! Every tool call that may write (any tool not annotated read-only) ends with [`Subscriptions::board_changed`]. One
//! worker per server then reads each watched resource again and notifies the sessions whose last seen content
//! differs, so a write that leaves a resource as it was (a refused call, a status set to what it already was, a
//! change in another project) sends nothing, and a burst of writes costs one pass. Writes made by other processes on
//! the same database (the CLI, other replicas) are not seen.
//!
//! Subscriptions belong to a session: stdio, or Streamable HTTP in session mode. A stateless HTTP server has no
//! session to deliver notifications on, so it refuses them with a message saying so.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use orch_service::Orchestrator;
use rmcp::model::{InitializeRequestParams, ResourceUpdatedNotificationParam};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Peer, RoleServer};
use tokio::sync::Notify;

use crate::resources::{BoardUri, ResourceError};

/// A session may watch at most this many resources (each costs a read on every write).
pub const MAX_SUBSCRIPTIONS_PER_SESSION: usize = 256;

/// What a watcher last saw: a digest of the content, or that the resource did not exist.
type Seen = Option<u64>;

/// The subscriptions of every session of one server (shared by the HTTP sessions, which are clones of it).
pub(crate) struct Subscriptions {
    shared: Arc<Shared>,
    /// Started with the first subscription; stopped when the last clone of the server is dropped.
    worker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

struct Shared {
    sessions: Mutex<Vec<Session>>,
    changed: Notify,
}

struct Session {
    /// The session's handshake record: its address identifies the session while we hold it.
    identity: Arc<InitializeRequestParams>,
    peer: Peer<RoleServer>,
    watched: HashMap<String, (BoardUri, Seen)>,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Subscriptions {
            shared: Arc::new(Shared { sessions: Mutex::new(Vec::new()), changed: Notify::new() }),
            worker: Mutex::new(None),
        }
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.get_mut().ok().and_then(Option::take) {
            worker.abort();
        }
    }
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriptions").field("sessions", &self.shared.lock().len()).finish()
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Session>> {
        // A panic while holding the lock leaves the list consistent (every edit is one push, remove or insert).
        self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An HTTP request without `Mcp-Session-Id`: a stateless server, where each request is its own short-lived
/// connection (rmcp still gives it a peer, made up for the request), so a notification would go nowhere.
fn is_stateless_http(context: &RequestContext<RoleServer>) -> bool {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .is_some_and(|parts| !parts.headers.contains_key("mcp-session-id"))
}

fn digest(content: &str) -> u64 {
    let mut h = DefaultHasher::new();
    content.hash(&mut h);
    h.finish()
}

/// Reads a watched resource for comparison; `Err` when the store failed (then nothing is decided).
async fn seen(uri: &BoardUri, orch: &Orchestrator) -> Result<Seen, ResourceError> {
    match uri.read(orch).await {
        Ok(content) => Ok(Some(digest(&content))),
        Err(ResourceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Subscriptions {
    /// `resources/subscribe` from the session of `peer`.
    pub(crate) async fn subscribe(
        &self,
        uri: String,
        context: &RequestContext<RoleServer>,
        orch: &Arc<Orchestrator>,
    ) -> Result<(), ErrorData> {
        let parsed = BoardUri::parse(&uri)?;
        let peer = context.peer.clone();
        let identity = peer.peer_info().filter(|_| !is_stateless_http(context));
        let Some(identity) = identity else {
            return Err(ErrorData::invalid_request(
                "resources/subscribe needs a session to deliver notifications on, and this server answers each \
                 request on its own (stateless HTTP); read the resource again instead, or use a server started \
                 without --stateless (or over stdio)",
                None,
            ));
        };
        // The current content is the baseline; a task that does not exist cannot be watched.
        let now = match seen(&parsed, orch).await? {
            Some(d) => Some(d),
            None => return Err(ErrorData::resource_not_found(format!("{uri} does not exist"), None)),
        };
        {
            let mut sessions = self.shared.lock();
            sessions.retain(|s| !s.peer.is_transport_closed());
            let index = match sessions.iter().position(|s| Arc::ptr_eq(&s.identity, &identity)) {
                Some(i) => i,
                None => {
                    sessions.push(Session { identity, peer, watched: HashMap::new() });
                    sessions.len() - 1
                }
            };
            let watched = &mut sessions[index].watched;
            if !watched.contains_key(&uri) && watched.len() >= MAX_SUBSCRIPTIONS_PER_SESSION {
                return Err(ErrorData::invalid_params(
                    format!(
                        "this session already watches {MAX_SUBSCRIPTIONS_PER_SESSION} resources, the most allowed; \
                         unsubscribe from some first (board://ready and project://{{project_id}}/ready cover many \
                         tasks at once)"
                    ),
                    None,
                ));
            }
            watched.insert(uri, (parsed, now));
        }
        self.start_worker(orch);
        // A write between reading the baseline and registering it would otherwise go unnoticed until the next one.
        self.shared.changed.notify_one();
        Ok(())
    }

    /// `resources/unsubscribe`: forgetting a URI the session does not watch is not an error.
    pub(crate) fn unsubscribe(&self, uri: &str, peer: &Peer<RoleServer>) -> Result<(), ErrorData> {
        BoardUri::parse(uri)?;
        let Some(identity) = peer.peer_info() else { return Ok(()) };
        let mut sessions = self.shared.lock();
        if let Some(s) = sessions.iter_mut().find(|s| Arc::ptr_eq(&s.identity, &identity)) {
            s.watched.remove(uri);
        }
        sessions.retain(|s| !s.watched.is_empty() && !s.peer.is_transport_closed());
        Ok(())
    }

    /// Something may have been written: watched resources are compared again (soon, once for a burst).
    pub(crate) fn board_changed(&self) {
        // Without a worker nobody watches; the permit `notify_one` keeps makes a write during a pass count.
        if self.worker.lock().is_ok_and(|w| w.is_some()) {
            self.shared.changed.notify_one();
        }
    }

    fn start_worker(&self, orch: &Arc<Orchestrator>) {
        let mut worker = self.worker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if worker.is_some() {
            return;
        }
        let shared = self.shared.clone();
        let orch = orch.clone();
        *worker = Some(tokio::spawn(async move {
            loop {
                shared.changed.notified().await;
                compare_and_notify(&shared, &orch).await;
            }
        }));
    }
}

/// One pass: read every watched resource once, notify each session whose view is stale.
async fn compare_and_notify(shared: &Shared, orch: &Orchestrator) {
    let watched: HashMap<String, BoardUri> = {
        let mut sessions = shared.lock();
        sessions.retain(|s| !s.peer.is_transport_closed());
        sessions.iter().flat_map(|s| s.watched.iter().map(|(k, (u, _))| (k.clone(), u.clone()))).collect()
    };
    let mut current: HashMap<String, Seen> = HashMap::new();
    for (key, uri) in watched {
        match seen(&uri, orch).await {
            Ok(now) => {
                current.insert(key, now);
            }
            Err(e) => {
                tracing::warn!(uri = %key, error = %e, "could not read a watched resource; will retry on the next write")
            }
        }
    }
    let mut due: Vec<(Peer<RoleServer>, String)> = Vec::new();
    for session in shared.lock().iter_mut() {
        for (key, (_, last)) in session.watched.iter_mut() {
            if let Some(now) = current.get(key)
                && now != last
            {
                *last = *now;
                due.push((session.peer.clone(), key.clone()));
            }
        }
    }
    for (peer, uri) in due {
        tracing::debug!(%uri, "notifying a subscriber");
        if let Err(e) = peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri)).await {
            // The session ended; the next pass drops it.
            tracing::debug!(error = %e, "a subscriber went away");
        }
    }
}
