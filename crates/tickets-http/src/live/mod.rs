//! Live updates: `GET /api/tickets/events`, a Server-Sent Events stream.
//!
//! One [`LiveHub`] per process subscribes once to the queue's events (on Redis, events of
//! every server sharing the Redis arrive through pub/sub). For each event it writes the
//! SSE frame once, and after each burst of events it reads the state once (one store
//! round trip) and writes a `state` frame: the work per event is the same whether one
//! client or ten thousand are connected. It sends a burst's frames and the state after
//! them as one message, so that each client is woken once and copies shared bytes to its
//! socket in one write; the keep-alive comment comes from the hub too, so a connected
//! client waits on nothing but that channel (and, for staff, its session check).
//!
//! On (re)connect a client first gets the current state, so a dropped connection loses
//! nothing. A client that falls more than [`CLIENT_BUFFER`] messages behind is dropped and
//! reconnects (the `retry` hint says when). The public stream carries what the public may
//! see: per service, its waiting count, next label, estimated wait and waiting numbers in
//! calling order (so a phone shows its own position); staff get the day's figures and
//! each service's figures too.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;
use actix_web::web::Bytes;
use tickets_core::{DeskId, Missed, QueueBackend, QueueEvent, SnapshotOptions};
use tokio::sync::broadcast;

use crate::state::AppState;

mod frames;
pub(crate) mod stream;

use frames::{Frame, Labels, StateFrame, StateView, event_frame, state_frame};
pub use stream::events;

/// Messages (a burst's frames and the state after them, or a comment) a client may fall
/// behind before it is dropped (it then reconnects).
pub const CLIENT_BUFFER: usize = 256;
/// A comment is sent this often so proxies keep idle streams open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The keep-alive comment.
const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n\n";
/// The state is read again this often even without events (day change, lost events).
pub const STATE_REFRESH: Duration = Duration::from_secs(30);
/// The reconnection delay suggested to clients, in milliseconds.
pub const RETRY_MS: u64 = 2000;
/// How many recent calls the state lists (for the display board).
const RECENT_CALLS: usize = 8;
/// While no client is connected, how long the reader lets events gather before it takes
/// them (well under the time the event buffer takes to fill at the fastest rate measured).
const IDLE_PACE: Duration = Duration::from_millis(10);
/// How many waiting numbers of each service the state lists, in calling order: a ticket
/// further back knows it has at least this many ahead.
pub const QUEUE_LIMIT: usize = 100;
/// How many ticket labels the hub remembers from the events it saw (for the calls list).
const LABELS_KEPT: usize = 1024;

/// The process-wide fan-out of queue events to SSE clients.
#[derive(Debug)]
pub struct LiveHub {
    /// Taken away when the server stops: every stream then ends, so that the graceful
    /// shutdown does not wait for clients that never hang up.
    tx: Mutex<Option<broadcast::Sender<Arc<Frame>>>>,
    /// The latest state, which a new client gets first.
    latest: Mutex<Option<StateFrame>>,
    started: AtomicBool,
    clients: Arc<AtomicUsize>,
    default_service_seconds: f64,
    /// Set when the state changed while nobody was connected; the next client asks for it.
    stale: AtomicBool,
    wake: tokio::sync::Notify,
}

impl LiveHub {
    /// A hub; its reader starts with the first client.
    pub fn new(default_service_seconds: f64) -> Self {
        let (tx, _) = broadcast::channel(CLIENT_BUFFER);
        Self {
            tx: Mutex::new(Some(tx)),
            latest: Mutex::new(None),
            started: AtomicBool::new(false),
            clients: Arc::new(AtomicUsize::new(0)),
            default_service_seconds,
            stale: AtomicBool::new(true),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Ends every stream, now and for clients that connect later (the server is stopping):
    /// each gets what was sent before, then its stream ends.
    pub fn close_streams(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
    }

    /// A new client's receiver; none once the streams are closed.
    fn subscribe(&self) -> Option<broadcast::Receiver<Arc<Frame>>> {
        self.tx
            .lock()
            .ok()?
            .as_ref()
            .map(broadcast::Sender::subscribe)
    }

    /// Sends every client a fresh state soon (the office configuration changed, which
    /// emits no queue event).
    pub fn refresh(&self) {
        self.wake.notify_one();
    }

    /// How many clients are connected now.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    fn latest(&self) -> Option<StateFrame> {
        self.latest.lock().map(|l| l.clone()).unwrap_or(None)
    }

    /// Sends the frames of `events` and then `state` (which new clients get first from
    /// now on) to every client, as one message.
    fn publish(&self, events: &[Bytes], state: Option<StateFrame>) {
        if events.is_empty() && state.is_none() {
            return;
        }
        let frame = Frame::burst(events, state.as_ref());
        if let (Some(state), Ok(mut l)) = (state, self.latest.lock()) {
            *l = Some(state);
            self.stale.store(false, Ordering::Release);
        }
        self.send(frame);
    }

    fn send(&self, frame: Frame) {
        if let Ok(tx) = self.tx.lock()
            && let Some(tx) = tx.as_ref()
        {
            let _ = tx.send(Arc::new(frame));
        }
    }
}

/// Starts the hub's reader for `state` if it is not running (needs a Tokio runtime).
pub fn ensure_started<B: QueueBackend>(state: &web::Data<AppState<B>>) {
    if state.live.started.swap(true, Ordering::AcqRel) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        run(&state).await;
        state.live.started.store(false, Ordering::Release);
    });
}

/// Reads events until the backend is gone.
async fn run<B: QueueBackend>(state: &web::Data<AppState<B>>) {
    let hub = &state.live;
    let mut events = state.queue.events();
    let mut refresh = tokio::time::interval(STATE_REFRESH);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut keep_alive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_state: Option<Bytes> = None;
    let mut labels = Labels::default();
    let mut feed = FeedMetrics::default();
    // The event frames of a burst, sent with the state read after it.
    let mut burst = Vec::new();
    loop {
        tokio::select! {
            received = events.recv() => {
                // Take the rest of a burst before reading the state once.
                let mut next = Some(received);
                while let Some(received) = next {
                    match received {
                        Ok(event) => {
                            feed.observe(&event);
                            labels.learn(&event);
                            // A frame only for clients to send it to.
                            if hub.clients() > 0 {
                                burst.push(event_frame(&event));
                            }
                        }
                        Err(Missed::Closed) => return,
                        Err(missed) => tracing::info!(%missed, "live: reading the state again"),
                    }
                    next = events.try_recv();
                }
                // Nobody listening: no store read; the next client gets a fresh state.
                if hub.clients() > 0 {
                    publish_state(state, &mut last_state, &labels, true, &mut burst).await;
                } else {
                    burst.clear();
                    hub.stale.store(true, Ordering::Release);
                    // Nobody waits for the next events either: they are taken a burst at
                    // a time, and this task (on another thread than the requests) is not
                    // woken once per event.
                    tokio::time::sleep(IDLE_PACE).await;
                }
            }
            _ = hub.wake.notified() => {
                publish_state(state, &mut last_state, &labels, true, &mut burst).await;
            }
            _ = refresh.tick() => {
                if hub.clients() > 0 {
                    publish_state(state, &mut last_state, &labels, false, &mut burst).await;
                } else {
                    hub.stale.store(true, Ordering::Release);
                }
            }
            _ = keep_alive.tick() => {
                if hub.clients() > 0 {
                    hub.send(Frame::comment(KEEP_ALIVE_COMMENT));
                }
            }
        }
    }
}

/// Metrics of the shared event feed, with their handles (looked up once, not per event).
#[derive(Default)]
struct FeedMetrics {
    queue_length: Option<metrics::Gauge>,
    events: Vec<(tickets_core::Action, metrics::Counter)>,
}

impl FeedMetrics {
    fn observe(&mut self, e: &QueueEvent) {
        self.queue_length
            .get_or_insert_with(|| metrics::gauge!("queue_length"))
            .set(e.queue_length as f64);
        match self.events.iter().find(|(a, _)| *a == e.action) {
            Some((_, c)) => c.increment(1),
            None => {
                let c = metrics::counter!("queue_events_total", "action" => e.action.as_str());
                c.increment(1);
                self.events.push((e.action, c));
            }
        }
    }
}

/// Reads the state and publishes it after the burst's events (always after events; on the
/// timer only when it changed): one snapshot and one status read, whatever the number of
/// clients.
async fn publish_state<B: QueueBackend>(
    state: &web::Data<AppState<B>>,
    last: &mut Option<Bytes>,
    labels: &Labels,
    always: bool,
    burst: &mut Vec<Bytes>,
) {
    let opts = SnapshotOptions {
        waiting: QUEUE_LIMIT,
        logs: 50,
        activity_minutes: 0,
    };
    let default_desk = DeskId::default();
    let (snap, status) = tokio::join!(
        state.queue.snapshot(opts),
        state.queue.status(&default_desk)
    );
    let status = status
        .inspect_err(|e| tracing::debug!(error = %e, "live: no per-service status"))
        .ok();
    match snap {
        Ok(snap) => {
            let view = StateView {
                snap: &snap,
                status: status.as_ref(),
                office: &state.queue.office(),
                labels,
                default_service_seconds: state.live.default_service_seconds,
            };
            let frame = state_frame(&view);
            let changed = always || last.as_ref() != Some(&frame.staff);
            if changed {
                *last = Some(frame.staff.clone());
            }
            state.live.publish(burst, changed.then_some(frame));
        }
        Err(e) => {
            state.live.publish(burst, None);
            tracing::warn!(error = %e, "live: cannot read the state");
        }
    }
    burst.clear();
}
