//! Live updates: `GET /api/tickets/events`, a Server-Sent Events stream.
//!
//! One [`LiveHub`] per process subscribes once to the queue's events (on Redis, events of
//! every server sharing the Redis arrive through pub/sub). For each event it writes the
//! SSE frame once, and after each burst of events it reads the state once (one store
//! round trip) and writes a `state` frame: the work per event is the same whether one
//! client or ten thousand are connected. Clients only copy shared bytes.
//!
//! On (re)connect a client first gets the current state, so a dropped connection loses
//! nothing. A client that falls more than [`CLIENT_BUFFER`] frames behind is dropped and
//! reconnects (the `retry` hint says when). The public stream carries what the public may
//! see: per service, its waiting count, next label, estimated wait and waiting numbers in
//! calling order (so a phone shows its own position); staff get the day's figures and
//! each service's figures too.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt;
use serde_json::{Value, json};
use tickets_core::{
    Action, BusinessDay, DeskId, Missed, OfficeConfig, QueueBackend, QueueEvent, QueueStatus,
    Snapshot, SnapshotOptions, TicketNumber,
};
use tokio::sync::broadcast;

use crate::app::AppState;
use crate::auth::Auth;

/// Frames a client may fall behind before it is dropped (it then reconnects).
pub const CLIENT_BUFFER: usize = 256;
/// A comment is sent this often so proxies keep idle streams open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The state is read again this often even without events (day change, lost events).
pub const STATE_REFRESH: Duration = Duration::from_secs(30);
/// The reconnection delay suggested to clients, in milliseconds.
pub const RETRY_MS: u64 = 2000;
/// How many recent calls the state lists (for the display board).
const RECENT_CALLS: usize = 8;
/// How many waiting numbers of each service the state lists, in calling order: a ticket
/// further back knows it has at least this many ahead.
pub const QUEUE_LIMIT: usize = 100;
/// How many ticket labels the hub remembers from the events it saw (for the calls list).
const LABELS_KEPT: usize = 1024;

/// One frame in its public and staff forms.
#[derive(Debug)]
struct Frame {
    public: Bytes,
    staff: Bytes,
}

/// The process-wide fan-out of queue events to SSE clients.
#[derive(Debug)]
pub struct LiveHub {
    tx: broadcast::Sender<Arc<Frame>>,
    latest: Mutex<Option<Arc<Frame>>>,
    started: AtomicBool,
    clients: Arc<AtomicUsize>,
    default_service_seconds: f64,
    /// Set when the state changed while nobody was connected; the next client asks for it.
    stale: AtomicBool,
    wake: tokio::sync::Notify,
    /// Becomes true when the server stops: every stream ends, so that the graceful
    /// shutdown does not wait for clients that never hang up.
    closing: tokio::sync::watch::Sender<bool>,
}

impl LiveHub {
    /// A hub; its reader starts with the first client.
    pub fn new(default_service_seconds: f64) -> Self {
        let (tx, _) = broadcast::channel(CLIENT_BUFFER);
        Self {
            tx,
            latest: Mutex::new(None),
            started: AtomicBool::new(false),
            clients: Arc::new(AtomicUsize::new(0)),
            default_service_seconds,
            stale: AtomicBool::new(true),
            wake: tokio::sync::Notify::new(),
            closing: tokio::sync::watch::Sender::new(false),
        }
    }

    /// Ends every stream, now and for clients that connect later (the server is stopping).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
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

    fn latest(&self) -> Option<Arc<Frame>> {
        self.latest.lock().map(|l| l.clone()).unwrap_or(None)
    }

    fn publish(&self, frame: Frame, keep: bool) {
        let frame = Arc::new(frame);
        if let (true, Ok(mut l)) = (keep, self.latest.lock()) {
            *l = Some(frame.clone());
            self.stale.store(false, Ordering::Release);
        }
        let _ = self.tx.send(frame);
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
    let mut last_state: Option<Bytes> = None;
    let mut labels = Labels::default();
    loop {
        tokio::select! {
            received = events.recv() => {
                match received {
                    Ok(event) => {
                        observe(&event);
                        labels.learn(&event);
                        hub.publish(event_frame(&event), false);
                        // Take the rest of a burst before reading the state once.
                        while let Some(more) = events.recv().now_or_never() {
                            match more {
                                Ok(event) => {
                                    observe(&event);
                                    labels.learn(&event);
                                    hub.publish(event_frame(&event), false);
                                }
                                Err(Missed::Closed) => return,
                                Err(_) => break,
                            }
                        }
                    }
                    Err(Missed::Closed) => return,
                    Err(missed) => tracing::info!(%missed, "live: reading the state again"),
                }
                // Nobody listening: no store read; the next client gets a fresh state.
                if hub.clients() > 0 {
                    publish_state(state, &mut last_state, &labels, true).await;
                } else {
                    hub.stale.store(true, Ordering::Release);
                }
            }
            _ = hub.wake.notified() => publish_state(state, &mut last_state, &labels, true).await,
            _ = refresh.tick() => {
                if hub.clients() > 0 {
                    publish_state(state, &mut last_state, &labels, false).await;
                } else {
                    hub.stale.store(true, Ordering::Release);
                }
            }
        }
    }
}

/// Metrics of the shared event feed.
fn observe(e: &QueueEvent) {
    metrics::gauge!("queue_length").set(e.queue_length as f64);
    metrics::counter!("queue_events_total", "action" => e.action.as_str()).increment(1);
}

/// The labels of the tickets the hub saw in events, most recent kept, so that the calls
/// the state lists read `B007` even once the ticket left its desk.
#[derive(Debug, Default)]
struct Labels {
    by_ticket: HashMap<(BusinessDay, TicketNumber), String>,
    order: VecDeque<(BusinessDay, TicketNumber)>,
}

impl Labels {
    fn learn(&mut self, e: &QueueEvent) {
        let (Some(n), Some(label)) = (e.ticket, e.label.as_ref()) else {
            return;
        };
        let key = (e.day, n);
        if self.by_ticket.insert(key, label.clone()).is_none() {
            self.order.push_back(key);
            if self.order.len() > LABELS_KEPT
                && let Some(old) = self.order.pop_front()
            {
                self.by_ticket.remove(&old);
            }
        }
    }

    fn get(&self, day: BusinessDay, n: TicketNumber) -> Option<&str> {
        self.by_ticket.get(&(day, n)).map(String::as_str)
    }
}

/// Reads the state and publishes it (always after events; on the timer only when it
/// changed): one snapshot and one status read, whatever the number of clients.
async fn publish_state<B: QueueBackend>(
    state: &web::Data<AppState<B>>,
    last: &mut Option<Bytes>,
    labels: &Labels,
    always: bool,
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
            if always || last.as_ref() != Some(&frame.staff) {
                *last = Some(frame.staff.clone());
                state.live.publish(frame, true);
            }
        }
        Err(e) => tracing::warn!(error = %e, "live: cannot read the state"),
    }
}

fn sse(id: Option<&str>, event: &str, data: &Value) -> Bytes {
    let mut s = String::with_capacity(256);
    if let Some(id) = id {
        s.push_str("id: ");
        s.push_str(id);
        s.push('\n');
    }
    s.push_str("event: ");
    s.push_str(event);
    s.push_str("\ndata: ");
    s.push_str(&data.to_string());
    s.push_str("\n\n");
    Bytes::from(s)
}

fn event_frame(e: &QueueEvent) -> Frame {
    let id = format!("{}:{}", e.day, e.seq);
    let data = serde_json::to_value(e).unwrap_or(Value::Null);
    let bytes = sse(Some(&id), "queue", &data);
    Frame {
        public: bytes.clone(),
        staff: bytes,
    }
}

/// What a state frame is made of.
struct StateView<'a> {
    snap: &'a Snapshot,
    /// The status (per-service next label and estimated wait), when it could be read.
    status: Option<&'a QueueStatus>,
    office: &'a OfficeConfig,
    labels: &'a Labels,
    default_service_seconds: f64,
}

/// The services of a state frame: for everyone, each service's name, prefix, waiting
/// count, next label, estimated wait and waiting numbers in calling order; for staff, its
/// figures too.
fn services_json(view: &StateView<'_>, staff: bool) -> Vec<Value> {
    view.snap
        .services
        .iter()
        .map(|f| {
            let conf = view.office.service(&f.code);
            let st = view
                .status
                .and_then(|s| s.services.iter().find(|s| s.code == f.code));
            let mut v = json!({
                "code": f.code,
                "name": f.name,
                "prefix": conf.map_or("", |c| c.prefix.as_str()),
                "open": conf.is_some_and(|c| c.open),
                "priority": conf.is_some_and(|c| c.priority),
                "waiting": f.waiting,
                "next_label": st.and_then(|s| s.next_label.as_ref()),
                "estimated_wait_seconds": st.and_then(|s| s.estimated_wait_seconds),
                "queue": f.queue,
            });
            if let (true, Value::Object(m)) = (staff, &mut v) {
                m.insert("waiting_by_priority".into(), json!(f.waiting_by_priority));
                m.insert("called".into(), json!(f.called));
                m.insert("served".into(), json!(f.served));
                m.insert("avg_wait_seconds".into(), json!(f.avg_wait_seconds));
                m.insert("p90_wait_seconds".into(), json!(f.p90_wait_seconds));
                m.insert("target_wait_minutes".into(), json!(f.target_wait_minutes));
                m.insert("within_target_share".into(), json!(f.within_target_share));
            }
            v
        })
        .collect()
}

/// The state every page needs, from a snapshot: public fields, and the figures for staff.
fn state_frame(view: &StateView<'_>) -> Frame {
    let snap = view.snap;
    let desks: Vec<Value> = snap
        .desks
        .iter()
        .map(|d| {
            let t = d.current.as_ref();
            json!({
                "desk": d.desk,
                "ticket": t.map(|t| t.number),
                "label": t.map(|t| &t.label),
                "service": t.map(|t| &t.service),
            })
        })
        .collect();
    // A called ticket's label: from its desk while it is there, else from the events seen.
    let label_of = |n: Option<TicketNumber>| {
        let n = n?;
        snap.desks
            .iter()
            .filter_map(|d| d.current.as_ref())
            .find(|t| t.number == n)
            .map(|t| t.label.as_str())
            .or_else(|| view.labels.get(snap.day, n))
    };
    let calls: Vec<Value> = snap
        .logs
        .iter()
        .filter(|l| {
            matches!(
                l.action,
                Action::CallNext | Action::CallTicket | Action::Recall
            )
        })
        .take(RECENT_CALLS)
        .map(|l| {
            json!({
                "ticket": l.ticket,
                "label": label_of(l.ticket),
                "desk": l.desk,
                "at": tickets_core::iso(l.time),
                "recall": l.action == Action::Recall,
            })
        })
        .collect();
    let default_service_seconds = view.default_service_seconds;
    let mut public = json!({
        "day": snap.day,
        "open": snap.open,
        "queue_length": snap.queue_length,
        "next_ticket": snap.next_ticket,
        "total_tickets": snap.total_tickets,
        "desks": desks,
        "calls": calls,
        "desks_at_work": snap.figures.desks_at_work,
        "service_rate_per_hour": snap.figures.service_rate_per_hour,
        "default_service_seconds": default_service_seconds,
        "last_event": snap.last_event,
        "services": services_json(view, false),
    });
    let id = format!("{}:{}", snap.day, snap.last_event);
    let public_bytes = sse(Some(&id), "state", &public);
    if let Value::Object(m) = &mut public {
        m.insert("figures".into(), json!(snap.figures));
        m.insert("services".into(), json!(services_json(view, true)));
        m.insert("priorities".into(), json!(snap.priorities));
    }
    Frame {
        public: public_bytes,
        staff: sse(Some(&id), "state", &public),
    }
}

/// Counts a connected client while it lives.
struct ClientGuard(Arc<AtomicUsize>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        let now = self.0.fetch_sub(1, Ordering::Relaxed) - 1;
        metrics::gauge!("sse_clients").set(now as f64);
    }
}

struct Client {
    rx: broadcast::Receiver<Arc<Frame>>,
    staff: bool,
    first: Option<Bytes>,
    keep_alive: tokio::time::Interval,
    closing: tokio::sync::watch::Receiver<bool>,
    _guard: ClientGuard,
}

/// One client's stream: the retry hint and the latest state, then every frame, with
/// keep-alive comments; it ends when the client falls [`CLIENT_BUFFER`] frames behind.
fn client_stream(
    hub: &LiveHub,
    staff: bool,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + use<> {
    let rx = hub.tx.subscribe();
    let now = hub.clients.fetch_add(1, Ordering::Relaxed) + 1;
    metrics::gauge!("sse_clients").set(now as f64);
    let mut first = format!("retry: {RETRY_MS}\n\n").into_bytes();
    if hub.stale.swap(false, Ordering::AcqRel) {
        // The hub sends a fresh state to everyone in a moment.
        hub.wake.notify_one();
    } else if let Some(frame) = hub.latest() {
        first.extend_from_slice(if staff { &frame.staff } else { &frame.public });
    }
    let client = Client {
        rx,
        staff,
        first: Some(Bytes::from(first)),
        keep_alive: tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE),
        closing: hub.closing.subscribe(),
        _guard: ClientGuard(hub.clients.clone()),
    };
    futures_util::stream::unfold(client, |mut c| async move {
        if *c.closing.borrow_and_update() {
            return None;
        }
        if let Some(first) = c.first.take() {
            return Some((Ok::<_, actix_web::Error>(first), c));
        }
        tokio::select! {
            frame = c.rx.recv() => match frame {
                Ok(f) => {
                    let bytes = if c.staff { f.staff.clone() } else { f.public.clone() };
                    Some((Ok(bytes), c))
                }
                // Too far behind (or the hub is gone): end; the browser reconnects and
                // starts again from the current state.
                Err(_) => None,
            },
            _ = c.keep_alive.tick() => Some((Ok(Bytes::from_static(b": keep-alive\n\n")), c)),
            // The server stops (or the hub is gone).
            _ = c.closing.changed() => None,
        }
    })
}

/// The live stream of the queue (Server-Sent Events).
///
/// `GET /api/tickets/events`: public; staff credentials add the figures. It starts with a
/// `retry:` hint and a `state` event (the current state), then sends `queue` events as they
/// happen and a `state` event after each burst, with a comment every 15 s to keep
/// connections open. It ends only when the server stops or when a client falls too far
/// behind (256 frames); either way the browser reconnects. See docs/http-api.md for the
/// event formats.
#[utoipa::path(
    get,
    path = "/api/tickets/events",
    tag = crate::openapi::TAG_PUBLIC,
    responses((
        status = 200,
        description = "An endless `text/event-stream`.",
        content_type = "text/event-stream",
        body = String,
    ))
)]
pub async fn events<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
) -> HttpResponse {
    ensure_started(&state);
    let staff = auth.is_staff(&req);
    let stream = client_stream(&state.live, staff);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-transform"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn frame(i: usize) -> Frame {
        Frame {
            public: Bytes::from(format!("event: queue\ndata: {{\"n\":{i}}}\n\n")),
            staff: Bytes::from(format!(
                "event: queue\ndata: {{\"n\":{i},\"staff\":true}}\n\n"
            )),
        }
    }

    #[tokio::test]
    async fn a_client_starts_with_the_retry_hint_and_the_latest_state() {
        let hub = LiveHub::new(300.0);
        hub.publish(frame(0), true);
        let mut public = Box::pin(client_stream(&hub, false));
        let mut staff = Box::pin(client_stream(&hub, true));
        let first = public.next().await.unwrap().unwrap();
        assert!(first.starts_with(b"retry: 2000\n\n"));
        assert!(String::from_utf8_lossy(&first).ends_with("{\"n\":0}\n\n"));
        let first = staff.next().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).contains("\"staff\":true"));
        assert_eq!(hub.clients(), 2);
        drop(public);
        assert_eq!(hub.clients(), 1);
    }

    /// The JSON of a frame's `data:` line.
    fn data(frame: &Bytes) -> Value {
        let text = String::from_utf8_lossy(frame);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .expect("a data line");
        serde_json::from_str(line).expect("JSON data")
    }

    #[tokio::test]
    async fn the_state_gives_each_service_its_queue_in_calling_order_and_staff_its_figures() {
        use tickets_core::{MemoryBackend, PriorityCode, Service, TakeRequest, TicketQueue};
        let office = OfficeConfig::from_toml(include_str!("../../../deploy/office.example.toml"))
            .expect("the example office");
        let queue = TicketQueue::new(MemoryBackend::with_office(office).expect("valid"));
        let mut events = queue.events();
        queue.open_day().await.unwrap();
        let take = |service: &str, priority: Option<&str>| TakeRequest {
            service: Service::parse(service).unwrap(),
            idempotency_key: None,
            priority: priority.map(|p| PriorityCode::parse(p).unwrap()),
        };
        queue.take(take("courrier", None)).await.unwrap();
        queue.take(take("colis", None)).await.unwrap();
        queue
            .take(take("courrier", Some("prioritaire")))
            .await
            .unwrap();
        let desk = DeskId::default();
        queue.call_next(&desk).await.unwrap();
        let mut labels = Labels::default();
        while let Ok(Ok(e)) = tokio::time::timeout(Duration::from_millis(50), events.recv()).await {
            labels.learn(&e);
        }
        let snap = queue
            .snapshot(SnapshotOptions {
                waiting: QUEUE_LIMIT,
                logs: 50,
                activity_minutes: 0,
            })
            .await
            .unwrap();
        let status = queue.status(&desk).await.unwrap();
        let view = StateView {
            snap: &snap,
            status: Some(&status),
            office: &queue.office(),
            labels: &labels,
            default_service_seconds: 300.0,
        };
        let frame = state_frame(&view);
        let public = data(&frame.public);
        let services = public["services"].as_array().expect("services");
        assert_eq!(services.len(), 2);
        // The priority ticket A002 (number 3) was called; A001 and B001 wait.
        assert_eq!(services[0]["code"], "courrier");
        assert_eq!(services[0]["name"]["en"], "Letters");
        assert_eq!(services[0]["prefix"], "A");
        assert_eq!(services[0]["queue"], json!([1]));
        assert_eq!(services[0]["next_label"], "A001");
        assert!(services[0]["estimated_wait_seconds"].as_u64().is_some());
        assert_eq!(services[1]["queue"], json!([2]));
        assert_eq!(services[1]["waiting"], 1);
        assert!(services[0].get("served").is_none(), "no figures in public");
        assert_eq!(public["desks"][0]["label"], "A002");
        assert_eq!(public["calls"][0]["label"], "A002");
        assert!(public.get("figures").is_none());
        let staff = data(&frame.staff);
        assert_eq!(staff["services"][0]["called"], 1);
        assert_eq!(staff["services"][0]["target_wait_minutes"], 10);
        assert_eq!(staff["priorities"][0]["code"], "prioritaire");
        assert!(staff["figures"].is_object());
    }

    #[tokio::test]
    async fn a_slow_client_is_dropped_while_a_fast_one_gets_everything() {
        let hub = LiveHub::new(300.0);
        let mut slow = Box::pin(client_stream(&hub, false));
        let mut fast = Box::pin(client_stream(&hub, false));
        // Both read their first bytes; then the slow one stops reading.
        slow.next().await.unwrap().unwrap();
        fast.next().await.unwrap().unwrap();
        let total = CLIENT_BUFFER * 2;
        for i in 1..=total {
            hub.publish(frame(i), false);
            let got = fast.next().await.unwrap().unwrap();
            assert!(String::from_utf8_lossy(&got).contains(&format!("{{\"n\":{i}}}")));
        }
        // The slow one fell more than the buffer behind: its stream ends (it reconnects).
        assert!(slow.next().await.is_none());
        assert_eq!(hub.clients(), 1, "an ended stream no longer counts");
    }
}
