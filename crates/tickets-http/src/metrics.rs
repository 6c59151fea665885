//! Prometheus metrics at `GET /metrics` (staff: session cookie or bearer token).
//!
//! | metric | kind | labels | what |
//! |---|---|---|---|
//! | `http_requests_total` | counter | `method`, `route`, `status` | requests answered |
//! | `http_request_duration_seconds` | histogram | `method`, `route` | time to the response head |
//! | `store_operation_duration_seconds` | histogram | `op` | one queue operation on the store |
//! | `store_errors_total` | counter | `op`, `kind` | failed store operations (`unavailable`, `internal`) |
//! | `tickets_taken_total`, `tickets_called_total`, `tickets_served_total`, `tickets_no_show_total` | counter | | tickets through this server |
//! | `ticket_wait_seconds` | histogram | | taken → called, for tickets called through this server |
//! | `ticket_service_seconds` | histogram | | called → finished, for tickets finished through this server |
//! | `queue_length` | gauge | | tickets waiting (from the shared event feed) |
//! | `queue_events_total` | counter | `action` | events seen by this server (from every server) |
//! | `sse_clients` | gauge | | event-stream clients connected to this server |
//!
//! `method` is one of the seven standard methods or `other`; `route` is a pattern of the
//! route table or `unmatched`: no label takes what a client writes.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tickets_core::{
    BusinessDay, Called, DayChange, DeskId, ErrorKind, EventStream, HistoryClose, HistoryRecord,
    Moment, OfficeConfig, QueueBackend, QueueStatus, Reset, Result, Snapshot, SnapshotOptions,
    TakeRequest, Taken, Ticket, TicketLookup, TicketNumber, Transfer,
};

use crate::auth::Staff;

const LATENCY: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const MINUTES: [f64; 10] = [
    30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0,
];

/// The process's recorder (installed once; `None` if another recorder was installed first).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), &LATENCY)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Prefix("ticket_".into()), &MINUTES))
                .ok()?;
            builder.install_recorder().ok()
        })
        .as_ref()
}

/// The server's metrics in the Prometheus text format (staff).
///
/// `GET /metrics`: what each metric means is in docs/operations.md.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = crate::openapi::TAG_OPS,
    security(("staff_token" = []), ("staff_session" = [])),
    responses((
        status = 200,
        description = "Prometheus text exposition format 0.0.4.",
        content_type = "text/plain",
        body = String,
    ))
)]
pub async fn render(_staff: Staff) -> HttpResponse {
    let body = handle()
        .map(|h| {
            h.run_upkeep();
            h.render()
        })
        .unwrap_or_default();
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The `method` label of a request: the standard methods by name, any other as `other`,
/// so that a client making up methods cannot add series without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts every request by method, route pattern and status, and times it. The `route`
/// label is the pattern of the route table the path matches (`/api/tickets/ticket/{n}`),
/// never the path itself, and `unmatched` for every path no route matches: both labels
/// take a bounded set of values whatever clients send.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> std::result::Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    handle();
    let start = Instant::now();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    let route = res.request().match_pattern();
    let route = route.as_deref().unwrap_or("unmatched");
    let status = res.status().as_u16();
    let seconds = start.elapsed().as_secs_f64();
    REQUEST_HANDLES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(handles) = cache.get_mut(route) {
            request_handles(handles, method, route, status).record(seconds);
        } else {
            let mut handles = Vec::new();
            request_handles(&mut handles, method, route, status).record(seconds);
            cache.insert(route.to_owned(), handles);
        }
    });
    Ok(res)
}

/// The request metrics of one method, route and status.
struct RequestHandles {
    method: &'static str,
    status: u16,
    count: metrics::Counter,
    duration: metrics::Histogram,
}

impl RequestHandles {
    fn record(&self, seconds: f64) {
        self.count.increment(1);
        self.duration.record(seconds);
    }
}

thread_local! {
    /// Each thread's handles of the request metrics, by route: looking a metric up in the
    /// registry builds its key (labels and all) and hashes it, twice per request. Methods,
    /// routes and statuses are bounded, and so is this.
    static REQUEST_HANDLES: std::cell::RefCell<std::collections::HashMap<String, Vec<RequestHandles>>> =
        std::cell::RefCell::default();
}

/// The handles of `method` and `status` among a route's, registered the first time.
fn request_handles<'a>(
    handles: &'a mut Vec<RequestHandles>,
    method: &'static str,
    route: &str,
    status: u16,
) -> &'a RequestHandles {
    let at = match handles
        .iter()
        .position(|h| h.method == method && h.status == status)
    {
        Some(at) => at,
        None => {
            handles.push(RequestHandles {
                method,
                status,
                count: metrics::counter!("http_requests_total", "method" => method,
                    "route" => route.to_owned(), "status" => status.to_string()),
                duration: metrics::histogram!("http_request_duration_seconds",
                    "method" => method, "route" => route.to_owned()),
            });
            handles.len() - 1
        }
    };
    &handles[at]
}

thread_local! {
    /// Each thread's handles of the store and ticket metrics, by name and `op` label
    /// (empty for none): as for the request metrics, a registry lookup per use costs more
    /// than the measure. Both are bounded by the code's names.
    static COUNTERS: std::cell::RefCell<Vec<(&'static str, &'static str, metrics::Counter)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    static HISTOGRAMS: std::cell::RefCell<Vec<(&'static str, &'static str, metrics::Histogram)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds one to counter `name` (no labels).
fn count(name: &'static str) {
    COUNTERS.with(|c| {
        let mut c = c.borrow_mut();
        match c.iter().find(|(n, _, _)| *n == name) {
            Some((_, _, counter)) => counter.increment(1),
            None => {
                let counter = metrics::counter!(name);
                counter.increment(1);
                c.push((name, "", counter));
            }
        }
    });
}

/// Records `value` in histogram `name`, with label `op` when it is not empty.
fn record(name: &'static str, op: &'static str, value: f64) {
    HISTOGRAMS.with(|h| {
        let mut h = h.borrow_mut();
        match h.iter().find(|(n, o, _)| *n == name && *o == op) {
            Some((_, _, histogram)) => histogram.record(value),
            None => {
                let histogram = if op.is_empty() {
                    metrics::histogram!(name)
                } else {
                    metrics::histogram!(name, "op" => op)
                };
                histogram.record(value);
                h.push((name, op, histogram));
            }
        }
    });
}

/// A backend that measures each operation of the one it wraps, and counts tickets.
#[derive(Debug, Clone)]
pub struct Instrumented<B>(pub B);

fn seconds_between(from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6
}

fn served(t: &Ticket) {
    count("tickets_served_total");
    if let (Some(c), Some(f)) = (t.called_at, t.finished_at) {
        record("ticket_service_seconds", "", seconds_between(c, f));
    }
}

async fn timed<T>(op: &'static str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    let start = Instant::now();
    let out = fut.await;
    record(
        "store_operation_duration_seconds",
        op,
        start.elapsed().as_secs_f64(),
    );
    if let Err(e) = &out {
        let kind = match e.kind() {
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
            _ => "refused",
        };
        metrics::counter!("store_errors_total", "op" => op, "kind" => kind).increment(1);
    }
    out
}

impl<B: QueueBackend> QueueBackend for Instrumented<B> {
    async fn open_day(&self, at: &Moment) -> Result<DayChange> {
        timed("open_day", self.0.open_day(at)).await
    }
    async fn close_day(&self, at: &Moment) -> Result<DayChange> {
        timed("close_day", self.0.close_day(at)).await
    }
    async fn reset_day(&self, at: &Moment) -> Result<Reset> {
        timed("reset_day", self.0.reset_day(at)).await
    }
    async fn take(&self, at: &Moment, req: &TakeRequest) -> Result<Taken> {
        let taken = timed("take", self.0.take(at, req)).await?;
        if !taken.replayed {
            count("tickets_taken_total");
        }
        Ok(taken)
    }
    async fn call_next(&self, at: &Moment, desk: &DeskId) -> Result<Called> {
        let called = timed("call_next", self.0.call_next(at, desk)).await?;
        if let Some(t) = &called.finished {
            served(t);
        }
        if let Some(t) = &called.called {
            count("tickets_called_total");
            if let Some(c) = t.called_at {
                record("ticket_wait_seconds", "", seconds_between(t.taken_at, c));
            }
        }
        Ok(called)
    }
    async fn call(&self, at: &Moment, desk: &DeskId, number: TicketNumber) -> Result<Called> {
        let called = timed("call", self.0.call(at, desk, number)).await?;
        if let Some(t) = &called.finished {
            served(t);
        }
        if let Some(t) = &called.called {
            count("tickets_called_total");
            if let Some(c) = t.called_at {
                record("ticket_wait_seconds", "", seconds_between(t.taken_at, c));
            }
        }
        Ok(called)
    }
    async fn transfer(&self, at: &Moment, req: &Transfer) -> Result<Ticket> {
        timed("transfer", self.0.transfer(at, req)).await
    }
    async fn requeue(&self, at: &Moment, number: TicketNumber) -> Result<Ticket> {
        timed("requeue", self.0.requeue(at, number)).await
    }
    async fn leave(
        &self,
        at: &Moment,
        number: TicketNumber,
        taken_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Ticket> {
        timed("leave", self.0.leave(at, number, taken_at)).await
    }
    async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        timed("secret", self.0.secret(name)).await
    }
    fn office(&self) -> Arc<OfficeConfig> {
        self.0.office()
    }
    async fn reload_office(&self) -> Result<Arc<OfficeConfig>> {
        timed("reload_office", self.0.reload_office()).await
    }
    async fn put_office(
        &self,
        at: &Moment,
        config: OfficeConfig,
        expected: Option<u64>,
    ) -> Result<Arc<OfficeConfig>> {
        timed("put_office", self.0.put_office(at, config, expected)).await
    }
    async fn finish(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        let t = timed("finish", self.0.finish(at, desk)).await?;
        if let Some(t) = &t {
            served(t);
        }
        Ok(t)
    }
    async fn recall(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        timed("recall", self.0.recall(at, desk)).await
    }
    async fn no_show(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        let t = timed("no_show", self.0.no_show(at, desk)).await?;
        if t.is_some() {
            count("tickets_no_show_total");
        }
        Ok(t)
    }
    async fn status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        timed("status", self.0.status(at, desk)).await
    }
    async fn close_history(&self, at: &Moment, day: BusinessDay) -> Result<HistoryClose> {
        timed("close_history", self.0.close_history(at, day)).await
    }
    async fn history(&self, at: &Moment, day: BusinessDay) -> Result<Vec<HistoryRecord>> {
        timed("history", self.0.history(at, day)).await
    }
    async fn snapshot(&self, at: &Moment, opts: SnapshotOptions) -> Result<Snapshot> {
        timed("snapshot", self.0.snapshot(at, opts)).await
    }
    async fn ticket(&self, at: &Moment, number: TicketNumber) -> Result<TicketLookup> {
        timed("ticket", self.0.ticket(at, number)).await
    }
    async fn ping(&self) -> Result<()> {
        timed("ping", self.0.ping()).await
    }
    fn events(&self) -> EventStream {
        self.0.events()
    }
}
