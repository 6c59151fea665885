//! The frames of the live stream: each event's frame, and the state frame in its public
//! and staff forms.

use std::collections::{HashMap, VecDeque};

use actix_web::web::Bytes;
use serde_json::{Value, json};
use tickets_core::{
    Action, BusinessDay, OfficeConfig, QueueEvent, QueueStatus, Snapshot, TicketNumber,
};

use super::{LABELS_KEPT, RECENT_CALLS};

/// What the hub sends its clients in one go: the frames of a burst of events, then (when
/// it was read) the state after them; or a comment. Each client copies one of its two
/// forms to its socket in one write.
#[derive(Debug)]
pub(super) struct Frame {
    pub(super) public: Bytes,
    pub(super) staff: Bytes,
    /// Where the `state` frame starts (in both forms: the events are the same), when
    /// there is one.
    state_at: Option<usize>,
    /// A comment, not an event: sent even to a client that waits for its first state.
    comment: bool,
}

/// A `state` frame in its public and staff forms.
#[derive(Debug, Clone)]
pub(super) struct StateFrame {
    pub(super) public: Bytes,
    pub(super) staff: Bytes,
}

impl Frame {
    /// The frames of `events` (the same for everyone), then `state` when there is one.
    pub(super) fn burst(events: &[Bytes], state: Option<&StateFrame>) -> Frame {
        let events_len: usize = events.iter().map(Bytes::len).sum();
        let joined = |state: Option<&Bytes>| match (events, state) {
            ([], Some(state)) => state.clone(),
            ([one], None) => one.clone(),
            _ => {
                let mut all = Vec::with_capacity(events_len + state.map_or(0, Bytes::len));
                for e in events {
                    all.extend_from_slice(e);
                }
                if let Some(state) = state {
                    all.extend_from_slice(state);
                }
                Bytes::from(all)
            }
        };
        Frame {
            public: joined(state.map(|s| &s.public)),
            staff: joined(state.map(|s| &s.staff)),
            state_at: state.map(|_| events_len),
            comment: false,
        }
    }

    /// A comment (`: …\n\n`), which every client gets.
    pub(super) fn comment(text: &'static [u8]) -> Frame {
        Frame {
            public: Bytes::from_static(text),
            staff: Bytes::from_static(text),
            state_at: None,
            comment: true,
        }
    }

    /// The whole frame, in the staff or the public form.
    pub(super) fn bytes(&self, staff: bool) -> Bytes {
        if staff {
            self.staff.clone()
        } else {
            self.public.clone()
        }
    }

    /// Whether it ends with a `state` frame.
    pub(super) fn has_state(&self) -> bool {
        self.state_at.is_some()
    }

    /// What a client that waits for its first state gets of this frame: the comment, or
    /// the state without the events before it (that state tells what they did), or
    /// nothing.
    pub(super) fn for_awaiting(&self, staff: bool) -> Option<Bytes> {
        if self.comment {
            return Some(self.bytes(staff));
        }
        let at = self.state_at?;
        Some(self.bytes(staff).slice(at..))
    }
}

/// The labels of the tickets the hub saw in events, most recent kept, so that the calls
/// the state lists read `B007` even once the ticket left its desk.
#[derive(Debug, Default)]
pub(super) struct Labels {
    by_ticket: HashMap<(BusinessDay, TicketNumber), String>,
    order: VecDeque<(BusinessDay, TicketNumber)>,
}

impl Labels {
    pub(super) fn learn(&mut self, e: &QueueEvent) {
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

/// An event's `queue` frame (the same for everyone).
pub(super) fn event_frame(e: &QueueEvent) -> Bytes {
    let id = format!("{}:{}", e.day, e.seq);
    let data = serde_json::to_value(e).unwrap_or(Value::Null);
    sse(Some(&id), "queue", &data)
}

/// What a state frame is made of.
pub(super) struct StateView<'a> {
    pub(super) snap: &'a Snapshot,
    /// The status (per-service next label and estimated wait), when it could be read.
    pub(super) status: Option<&'a QueueStatus>,
    pub(super) office: &'a OfficeConfig,
    pub(super) labels: &'a Labels,
    pub(super) default_service_seconds: f64,
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
pub(super) fn state_frame(view: &StateView<'_>) -> StateFrame {
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
        // Public screens left open reload when the office changes (its name, welcome text,
        // languages).
        "office_version": view.office.version,
    });
    let id = format!("{}:{}", snap.day, snap.last_event);
    let public_bytes = sse(Some(&id), "state", &public);
    if let Value::Object(m) = &mut public {
        m.insert("figures".into(), json!(snap.figures));
        m.insert("services".into(), json!(services_json(view, true)));
        m.insert("priorities".into(), json!(snap.priorities));
    }
    StateFrame {
        public: public_bytes,
        staff: sse(Some(&id), "state", &public),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tickets_core::{DeskId, SnapshotOptions};

    use crate::live::QUEUE_LIMIT;

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
        let office =
            OfficeConfig::from_toml(include_str!("../../../../deploy/office.example.toml"))
                .expect("the example office");
        let queue = TicketQueue::new(MemoryBackend::with_office(office).expect("valid"));
        let mut events = queue.events();
        queue.open_day().await.unwrap();
        let take = |service: &str, priority: Option<&str>| TakeRequest {
            service: Service::parse(service).unwrap(),
            idempotency_key: None,
            priority: priority.map(|p| PriorityCode::parse(p).unwrap()),
            limits: Default::default(),
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
        assert_eq!(public["office_version"], queue.office().version);
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
}
