//! [`Hub`]: the [`Board`] shared between whoever feeds it (the Kafka
//! feed's thread, the demo) and the web server, and the two broadcast
//! channels live pages listen on. Each change is applied, its delta
//! computed and sent under one lock, and a page subscribes under that
//! same lock while taking the whole state: it misses no delta and sees
//! none twice.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::board::{Board, BoardOptions};
use crate::input::Input;
use crate::view::FeedStatus;

/// Messages a live page may fall behind by before it is sent the whole
/// state again.
const BACKLOG: usize = 256;

/// One message of a live channel, already serialised.
pub type Message = Arc<str>;

/// The shared board and its live channels.
#[derive(Debug)]
pub struct Hub {
    inner: Mutex<Inner>,
    operator: broadcast::Sender<Message>,
    public: broadcast::Sender<Message>,
}

#[derive(Debug)]
struct Inner {
    board: Board,
    /// The public state last sent (it is sent whole, when it changes).
    last_public: String,
}

/// Which page's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The operator view: whole state, then deltas.
    Operator,
    /// The status view: its whole (small) state each time it changes.
    Public,
}

impl Hub {
    /// A hub over an empty board.
    pub fn new(opts: BoardOptions) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                board: Board::new(opts),
                last_public: String::new(),
            }),
            operator: broadcast::channel(BACKLOG).0,
            public: broadcast::channel(BACKLOG).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a usable board.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Apply `inputs` and push what changed to live pages.
    pub fn apply(&self, inputs: impl IntoIterator<Item = Input>) {
        let mut inner = self.lock();
        for i in inputs {
            inner.board.apply(i);
        }
        self.publish(&mut inner);
    }

    /// Replace the feed's status (pushed with the next change).
    pub fn set_feed(&self, feed: FeedStatus) {
        let mut inner = self.lock();
        inner.board.set_feed(feed);
        self.publish(&mut inner);
    }

    /// Push what time changed (uptime, staleness, the clock).
    pub fn tick(&self) {
        let mut inner = self.lock();
        self.publish(&mut inner);
    }

    fn publish(&self, inner: &mut Inner) {
        if let Some(d) = inner.board.delta() {
            let json = serde_json::to_string(&d).unwrap_or_default();
            // No page listening is not an error.
            let _ = self.operator.send(json.into());
        }
        let public = serde_json::to_string(&inner.board.public()).unwrap_or_default();
        if public != inner.last_public {
            inner.last_public = public.clone();
            let _ = self.public.send(public.into());
        }
    }

    /// The whole state for `audience`, as JSON.
    pub fn state_json(&self, audience: Audience) -> String {
        let inner = self.lock();
        Self::whole(&inner, audience)
    }

    fn whole(inner: &Inner, audience: Audience) -> String {
        match audience {
            Audience::Operator => serde_json::to_string(&inner.board.state()),
            Audience::Public => serde_json::to_string(&inner.board.public()),
        }
        .unwrap_or_default()
    }

    /// The whole state for `audience` and a receiver of every change after it.
    pub fn subscribe(&self, audience: Audience) -> (String, broadcast::Receiver<Message>) {
        let inner = self.lock();
        let rx = match audience {
            Audience::Operator => self.operator.subscribe(),
            Audience::Public => self.public.subscribe(),
        };
        (Self::whole(&inner, audience), rx)
    }
}
