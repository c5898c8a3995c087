//! Shared test plumbing: a schema per test on the server named by `TEST_DATABASE_URL`, and a TCP proxy that can
//! simulate a database outage without touching the shared server.
#![allow(clippy::unwrap_used, dead_code, missing_docs)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use orch_core::TaskStore;
use orch_store_postgres::{PgConfig, PgStore};
use sqlx_core::connection::Connection;
use sqlx_core::executor::Executor;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_postgres::PgConnection;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// `TEST_DATABASE_URL`, or `None` with a note on stderr (the test then passes without running).
pub fn database_url(test: &str) -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("note: {test} skipped: set TEST_DATABASE_URL=postgres://… to run the PostgreSQL tests");
            None
        }
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A uniquely named schema, dropped (with everything in it) when this value is dropped.
pub struct TestDb {
    pub url: String,
    pub schema: String,
}

impl TestDb {
    pub fn new(test: &str) -> Option<Self> {
        let url = database_url(test)?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let schema = format!("orch_t{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        Some(TestDb { url, schema })
    }

    /// Configuration for this schema with a test-sized pool and short timeouts.
    pub fn config(&self) -> PgConfig {
        let mut c = PgConfig::from_url(&self.url).unwrap().with_schema(&self.schema).unwrap();
        c.pool_size = 4;
        c.connect_timeout = std::time::Duration::from_secs(5);
        c
    }

    pub async fn store(&self) -> PgStore {
        PgStore::connect(self.config()).await.unwrap_or_else(|e| {
            panic!("TEST_DATABASE_URL is set but PostgreSQL is not usable ({e}); the PostgreSQL tests fail instead of skipping")
        })
    }

    /// A direct connection with this schema on the search path, for inspecting what the store wrote.
    pub async fn raw(&self) -> PgConnection {
        let mut conn = PgConnection::connect(&self.url).await.unwrap();
        conn.execute(AssertSqlSafe(format!("SET search_path TO \"{}\"", self.schema))).await.unwrap();
        conn
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Drop may run inside the test's runtime, which cannot be blocked on: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&url).await {
                    let _ = conn.execute(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// A fresh store in its own schema, usable as `&dyn TaskStore`.
pub struct Fresh {
    pub store: Arc<PgStore>,
    pub db: TestDb,
}

impl std::ops::Deref for Fresh {
    type Target = dyn TaskStore;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

pub async fn fresh(test: &str) -> Option<Fresh> {
    let db = TestDb::new(test)?;
    let store = Arc::new(db.store().await);
    Some(Fresh { store, db })
}

/// A TCP forwarder to PostgreSQL that can be cut (every connection dropped, the port closed, so new connections are
/// refused) and restored on the same port: an outage as the store sees it, without stopping the server other tests
/// share.
pub struct Proxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy { addr: listener.local_addr().unwrap(), upstream, tasks: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, Arc::clone(&self.tasks));
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(link);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Drops every open connection and closes the port.
    pub fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens on the same port again.
    pub async fn restore(&self) {
        // The aborted accept loop releases the port once its task is dropped; retry briefly until it has.
        for _ in 0..100 {
            if let Ok(listener) = TcpListener::bind(self.addr).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("could not listen on {} again", self.addr);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// The host:port of a postgres URL, resolved.
pub fn upstream(url: &str) -> SocketAddr {
    let parsed = sqlx_core::Url::parse(url).unwrap();
    let host = parsed.host_str().unwrap_or("127.0.0.1");
    let port = parsed.port().unwrap_or(5432);
    std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).unwrap().next().unwrap()
}

/// `url` with its host and port replaced by `addr`.
pub fn via(url: &str, addr: SocketAddr) -> String {
    let mut parsed = sqlx_core::Url::parse(url).unwrap();
    parsed.set_host(Some(&addr.ip().to_string())).unwrap();
    parsed.set_port(Some(addr.port())).unwrap();
    parsed.to_string()
}
