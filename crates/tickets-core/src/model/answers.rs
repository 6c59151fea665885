//! What operations answer: day changes, takes, calls, status, snapshots.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::LIST_LIMIT;
use super::figures::DayFigures;
use super::ids::{DeskId, PriorityCode, Service, TicketNumber};
use super::log::{Action, LogEntry};
use super::ticket::Ticket;
use crate::clock::BusinessDay;
use crate::office::Names;

/// The day's state after open / close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayChange {
    /// The business day.
    pub day: BusinessDay,
    /// Whether the day is open now.
    pub open: bool,
    /// Whether this call changed it (false when it was already so).
    pub changed: bool,
}

/// What a reset removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    /// The business day.
    pub day: BusinessDay,
    /// How many tickets were wiped.
    pub tickets_removed: u64,
}

/// What taking a ticket gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    /// The business day.
    pub day: BusinessDay,
    /// The ticket.
    pub ticket: Ticket,
    /// How many tickets wait before it (at the time of the answer).
    pub waiting_before: u64,
    /// True when an idempotency key matched an earlier take: no new ticket was made.
    pub replayed: bool,
}

/// What calling the next ticket did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Called {
    /// The desk that called.
    pub desk: DeskId,
    /// The ticket the desk held before, now completed.
    pub finished: Option<Ticket>,
    /// The ticket now called to the desk; `None` when nobody waits.
    pub called: Option<Ticket>,
    /// How many tickets still wait.
    pub waiting_tickets: u64,
}

/// The cheap status of the queue, as seen from one desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueStatus {
    /// The business day.
    pub day: BusinessDay,
    /// Whether new tickets can be taken.
    pub open: bool,
    /// How many tickets wait.
    pub queue_length: u64,
    /// The desk this status is for.
    pub desk: DeskId,
    /// That desk's current ticket.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_ticket: Option<TicketNumber>,
    /// The ticket that will be called next.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_ticket: Option<TicketNumber>,
    /// How many tickets wait (same as `queue_length`, the original name).
    pub waiting_tickets: u64,
    /// How many tickets were taken today.
    pub total_tickets: u64,
    /// Each service of the office, in the office's order.
    pub services: Vec<ServiceStatus>,
    /// What the estimates come from (not sent in JSON).
    #[serde(skip)]
    pub pace: StatusPace,
}

/// The day's pace as a status reads it: enough for the estimated waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusPace {
    /// Tickets completed today.
    pub served: u64,
    /// Their total service time, in microseconds.
    pub service_us: u64,
    /// Desks that called at least once today.
    pub desks_at_work: u64,
}

/// One service as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceStatus {
    /// The service code (tickets' `service_type`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Service,
    /// Its name in French (the office's first language).
    pub label: String,
    /// Its name in each language.
    pub name: Names,
    /// The letters before its numbers (`B`), empty for plain numbers.
    pub prefix: String,
    /// Whether it takes new tickets.
    pub open: bool,
    /// Whether the kiosk offers priority for it.
    pub priority: bool,
    /// How many of its tickets wait.
    pub waiting: u64,
    /// The label of its ticket that will be called first.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_label: Option<String>,
    /// The estimated wait of a ticket taken now, in seconds (an estimate: see
    /// docs/http-api.md).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub estimated_wait_seconds: Option<u64>,
}

impl ServiceStatus {
    /// The status of `service` with `waiting` tickets, the next to be called labelled
    /// `next_label`; the facade adds the estimate.
    pub(crate) fn of(
        service: &crate::office::ServiceConfig,
        waiting: u64,
        next_label: Option<String>,
    ) -> Self {
        Self {
            code: service.code.clone(),
            label: service.name.fr.clone(),
            name: service.name.clone(),
            prefix: service.prefix.clone(),
            open: service.open,
            priority: service.priority,
            waiting,
            next_label,
            estimated_wait_seconds: None,
        }
    }
}

/// One service's queue and figures, for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceFigures {
    /// The service code.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Service,
    /// Its name in each language.
    pub name: Names,
    /// How many of its tickets wait.
    pub waiting: u64,
    /// Of those, how many per priority class (classes with none left out).
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, u64>))]
    pub waiting_by_priority: BTreeMap<PriorityCode, u64>,
    /// Its waiting tickets in the order they will be called (at most the snapshot's
    /// limit), priority classes first.
    pub queue: Vec<TicketNumber>,
    /// Tickets called today.
    pub called: u64,
    /// Tickets completed today.
    pub served: u64,
    /// Average wait from taking to calling, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_wait_seconds: Option<f64>,
    /// 90 % of the calls came within this wait, in seconds (to the next 30 s).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub p90_wait_seconds: Option<u64>,
    /// The service's target wait, in minutes.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub target_wait_minutes: Option<u32>,
    /// Share of today's calls within the target, from 0 to 1.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub within_target_share: Option<f64>,
}

/// How many tickets of one priority class wait, over every service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityWaiting {
    /// The class.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: PriorityCode,
    /// Its name in each language.
    pub name: Names,
    /// How many of its tickets wait.
    pub waiting: u64,
}

/// Where a transferred ticket goes in its new queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferPosition {
    /// Where its arrival time places it (the default).
    #[default]
    Arrival,
    /// After every ticket waiting there now.
    End,
    /// Before every ticket waiting there now.
    Front,
}

impl TransferPosition {
    /// `arrival`, `end` or `front`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferPosition::Arrival => "arrival",
            TransferPosition::End => "end",
            TransferPosition::Front => "front",
        }
    }
}

/// A transfer: a waiting ticket, or a desk's current ticket, to another service's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The ticket.
    pub ticket: TicketNumber,
    /// The service whose queue it joins (it keeps its label).
    pub service: Service,
    /// Where it goes in that queue.
    #[serde(default)]
    pub position: TransferPosition,
    /// The desk that holds it, when it is that desk's current ticket.
    #[serde(default)]
    pub desk: Option<DeskId>,
}

/// One desk as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskState {
    /// The desk.
    pub desk: DeskId,
    /// Its current ticket.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current: Option<Ticket>,
    /// Tickets it completed today.
    pub served: u64,
    /// Its average service time, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_service_seconds: Option<f64>,
}

/// How many times each action happened in one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinuteActivity {
    /// The start of the minute.
    pub minute: DateTime<Utc>,
    /// Count per action; actions that did not happen are absent.
    pub counts: BTreeMap<Action, u64>,
}

/// Everything about the day in one read: the original snapshot fields plus desks,
/// figures and per-minute activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// The business day.
    pub day: BusinessDay,
    /// Whether new tickets can be taken.
    pub open: bool,
    /// How many tickets wait.
    pub queue_length: u64,
    /// The default desk's current ticket.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_ticket: Option<TicketNumber>,
    /// The default desk's current ticket, whole.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_ticket_data: Option<Ticket>,
    /// The ticket that will be called next.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_ticket: Option<TicketNumber>,
    /// How many tickets wait (the original name).
    pub waiting_tickets: u64,
    /// The first waiting tickets, in order (at most the limit asked, 50 by default).
    pub waiting_list: Vec<Ticket>,
    /// The last log entries, newest first (at most the limit asked, 50 by default); in JSON
    /// as the original log lines (`<time>|<action>[:<ticket>][@<desk>]`).
    #[serde(with = "log_lines")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub logs: Vec<LogEntry>,
    /// Tickets taken today.
    pub total_tickets: u64,
    /// Average wait of the tickets called today, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_wait_seconds: Option<f64>,
    /// How many keys the day holds in the store.
    pub key_count: u64,
    /// How many of them are tickets.
    pub hash_count: u64,
    /// Seconds until the day's data expires; `None` when the day holds nothing.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ttl_seconds: Option<u64>,
    /// Every desk that worked today, in id order.
    pub desks: Vec<DeskState>,
    /// The day's figures.
    pub figures: DayFigures,
    /// Actions per minute over the window asked, oldest first, minutes with no action left out.
    pub activity: Vec<MinuteActivity>,
    /// The number of the last event of the day (0 when none).
    pub last_event: u64,
    /// Each service of the office (and any service that still has waiting tickets), with
    /// its queue and figures.
    pub services: Vec<ServiceFigures>,
    /// Waiting tickets per priority class.
    pub priorities: Vec<PriorityWaiting>,
}

/// Serde for log entries as their text lines.
mod log_lines {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::LogEntry;

    pub(crate) fn serialize<S: Serializer>(logs: &[LogEntry], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(logs.iter().map(|l| l.to_string()))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LogEntry>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|l| l.parse().map_err(serde::de::Error::custom))
            .collect()
    }
}

/// How much a snapshot lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOptions {
    /// Waiting tickets listed at most (capped at 500).
    pub waiting: usize,
    /// Log entries listed at most (capped at 50, what the store keeps).
    pub logs: usize,
    /// Minutes of activity, ending with the current one (capped at one day).
    pub activity_minutes: u32,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        Self {
            waiting: LIST_LIMIT,
            logs: LIST_LIMIT,
            activity_minutes: 60,
        }
    }
}

impl SnapshotOptions {
    /// The same options with every limit brought within its cap.
    pub fn capped(self) -> Self {
        Self {
            waiting: self.waiting.min(500),
            logs: self.logs.min(LIST_LIMIT),
            activity_minutes: self.activity_minutes.min(24 * 60),
        }
    }
}

/// One ticket with where it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketInfo {
    /// The business day.
    pub day: BusinessDay,
    /// The ticket.
    pub ticket: Ticket,
    /// How many tickets wait before it, while it waits.
    pub waiting_before: Option<u64>,
    /// The estimated wait before it is called, in seconds, while it waits.
    pub estimated_wait_seconds: Option<u64>,
    /// The day's figures the estimate comes from.
    pub figures: DayFigures,
}
