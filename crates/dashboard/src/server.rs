//! [`Server`]: the dashboard over HTTP, served by axum on a one-thread
//! tokio runtime of its own (the feed is synchronous, as the rest of the
//! Kafka edge). Pages and their assets are compiled into the binary
//! (`include_str!`), nothing is fetched from elsewhere, and the pages say
//! so to the browser (`Content-Security-Policy: default-src 'self'`).
//!
//! | path | what |
//! |---|---|
//! | `/` | operator view |
//! | `/status` | status view for customers |
//! | `/api/state` | operator state (JSON) |
//! | `/api/status` | status view state (JSON) |
//! | `/api/events` | operator live updates (server-sent events: `state`, then `delta`s) |
//! | `/api/status/events` | status view live updates (`state` events) |
//! | `/health` | 200 while serving |

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::error::Error;
use crate::hub::{Audience, Hub};

const OPERATOR_HTML: &str = include_str!("assets/operator.html");
const STATUS_HTML: &str = include_str!("assets/status.html");
const STYLE_CSS: &str = include_str!("assets/style.css");
const COMMON_JS: &str = include_str!("assets/common.js");
const OPERATOR_JS: &str = include_str!("assets/operator.js");
const STATUS_JS: &str = include_str!("assets/status.js");

/// How often time-driven changes (uptime, staleness) are pushed.
const TICK: Duration = Duration::from_secs(1);

/// How soon a browser reconnects after losing the live stream.
const RETRY: Duration = Duration::from_secs(2);

/// The running web server; stops when dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Bind `addr` (port 0 for any) and serve `hub` on a thread of its own.
    pub fn start(addr: SocketAddr, hub: Arc<Hub>) -> Result<Self, Error> {
        let listener =
            std::net::TcpListener::bind(addr).map_err(|source| Error::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| Error::Bind { addr, source })?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("dashboard-http".into())
            .spawn(move || {
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(error = %e, "Dashboard listener unusable.");
                            return;
                        }
                    };
                    let ticking = Arc::clone(&hub);
                    tokio::spawn(async move {
                        let mut every = tokio::time::interval(TICK);
                        loop {
                            every.tick().await;
                            ticking.tick();
                        }
                    });
                    // Open live streams never end on their own: the server
                    // is stopped by dropping its tasks with the runtime.
                    tokio::select! {
                        r = axum::serve(listener, router(hub)) => {
                            if let Err(e) = r {
                                tracing::error!(error = %e, "Dashboard server failed.");
                            }
                        }
                        _ = stopped => {}
                    }
                });
            })
            .map_err(Error::Runtime)?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The operator view's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The routes, over `hub`.
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/", get(|| async { page(OPERATOR_HTML) }))
        .route("/status", get(|| async { page(STATUS_HTML) }))
        .route(
            "/assets/style.css",
            get(|| async { asset("text/css", STYLE_CSS) }),
        )
        .route(
            "/assets/common.js",
            get(|| async { asset("text/javascript", COMMON_JS) }),
        )
        .route(
            "/assets/operator.js",
            get(|| async { asset("text/javascript", OPERATOR_JS) }),
        )
        .route(
            "/assets/status.js",
            get(|| async { asset("text/javascript", STATUS_JS) }),
        )
        .route("/api/state", get(operator_state))
        .route("/api/status", get(public_state))
        .route("/api/events", get(operator_events))
        .route("/api/status/events", get(public_events))
        .route("/health", get(|| async { "ok\n" }))
        .with_state(hub)
}

fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn json(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn operator_state(State(hub): State<Arc<Hub>>) -> Response {
    json(hub.state_json(Audience::Operator))
}

async fn public_state(State(hub): State<Arc<Hub>>) -> Response {
    json(hub.state_json(Audience::Public))
}

async fn operator_events(
    State(hub): State<Arc<Hub>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    live(hub, Audience::Operator)
}

async fn public_events(
    State(hub): State<Arc<Hub>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    live(hub, Audience::Public)
}

/// A live stream: the whole state (`state`), then each change (`delta`
/// for the operator, `state` again for the status view). A page that
/// falls behind is sent the whole state again.
fn live(hub: Arc<Hub>, audience: Audience) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (first, rx) = hub.subscribe(audience);
    let change = match audience {
        Audience::Operator => "delta",
        Audience::Public => "state",
    };
    let first = Event::default().event("state").retry(RETRY).data(first);
    let stream = futures_util::stream::unfold(
        (Some(first), rx, hub),
        move |(first, mut rx, hub)| async move {
            if let Some(e) = first {
                return Some((Ok(e), (None, rx, hub)));
            }
            match rx.recv().await {
                Ok(m) => Some((
                    Ok(Event::default().event(change).data(&*m)),
                    (None, rx, hub),
                )),
                Err(RecvError::Lagged(_)) => {
                    let (whole, rx) = hub.subscribe(audience);
                    let e = Event::default().event("state").data(whole);
                    Some((Ok(e), (None, rx, hub)))
                }
                Err(RecvError::Closed) => None,
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
