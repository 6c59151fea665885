//! One day of the memory backend, shaped like its Redis keys, and the changes every
//! operation makes to it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::accounts::Username;
use crate::calling::{self, Head};
use crate::clock::Moment;
use crate::error::{Error, Result};
use crate::events::{EventHub, QueueEvent, Signal};
use crate::limits::ClientKey;
use crate::model::{
    Action, Called, DayStats, DeskId, IdempotencyKey, LIST_LIMIT, LogEntry, PriorityCode, Service,
    Ticket, TicketNumber, TicketStatus, WAIT_BUCKET_SECONDS, micros,
};
use crate::office::OfficeConfig;

use super::expiring::Expiring;
use super::tickets::Tickets;

/// A queue: one service, one priority class (`None`: people without priority).
pub(super) type QueueKey = (Service, Option<PriorityCode>);

/// One day, shaped like its Redis keys.
#[derive(Debug)]
pub(super) struct DayData {
    pub(super) open: bool,
    /// `None` while the counter key does not exist.
    pub(super) counter: Option<u64>,
    /// Every waiting ticket, in arrival (number) order.
    pub(super) waiting: BTreeSet<TicketNumber>,
    /// Each non-empty queue, sorted by (score, number).
    pub(super) queues: BTreeMap<QueueKey, VecDeque<(f64, TicketNumber)>>,
    /// The last number each service gave today.
    pub(super) numbers: BTreeMap<Service, u64>,
    /// Each desk's priority calls in a row.
    pub(super) streaks: BTreeMap<DeskId, u32>,
    pub(super) tickets: Tickets,
    /// Every desk that held a ticket today, with its current one.
    pub(super) desks: BTreeMap<DeskId, Option<TicketNumber>>,
    pub(super) logs: VecDeque<LogEntry>,
    pub(super) stats: DayStats,
    pub(super) activity: BTreeMap<(i64, Action), u64>,
    /// Idempotency key -> the ticket it made and that ticket's creation time (a key names
    /// its ticket's creation time, so after a reset it gives back no newer ticket); kept
    /// for the idempotency window, across a reset, as the Redis keys are.
    pub(super) idempotency: Expiring<IdempotencyKey, (TicketNumber, DateTime<Utc>)>,
    /// Client -> tickets taken in its current window (which ends at the entry's expiry).
    pub(super) takers: Expiring<ClientKey, u32>,
    pub(super) expires_at: DateTime<Utc>,
    /// The account that called each ticket, when known.
    pub(super) accounts: BTreeMap<TicketNumber, Username>,
    /// The day's history was closed while the day was held (`history.rs`): its records
    /// went to the history then, and only those of the tickets changed since are read
    /// from here.
    pub(super) closed_in_history: bool,
    /// Those tickets (kept only once `closed_in_history`).
    pub(super) changed: Vec<TicketNumber>,
}

pub(super) fn queue_key(t: &Ticket) -> QueueKey {
    (t.service.clone(), t.priority.clone())
}

impl DayData {
    pub(super) fn new(at: &Moment) -> Self {
        DayData {
            open: false,
            counter: None,
            waiting: BTreeSet::new(),
            queues: BTreeMap::new(),
            numbers: BTreeMap::new(),
            streaks: BTreeMap::new(),
            tickets: Tickets::default(),
            desks: BTreeMap::new(),
            logs: VecDeque::new(),
            stats: DayStats::default(),
            activity: BTreeMap::new(),
            idempotency: Expiring::default(),
            takers: Expiring::default(),
            expires_at: at.now,
            accounts: BTreeMap::new(),
            closed_in_history: false,
            changed: Vec::new(),
        }
    }

    /// Extends the day's life as a write to its keys would.
    pub(super) fn touch(&mut self, at: &Moment) {
        let exp = at.now + Duration::seconds(at.ttl_seconds() as i64);
        self.expires_at = self.expires_at.max(exp);
    }

    /// Appends a log line, counts the action for the chart and publishes the event.
    pub(super) fn record(
        &mut self,
        hub: &EventHub,
        at: &Moment,
        action: Action,
        ticket: Option<TicketNumber>,
        desk: Option<&DeskId>,
    ) {
        self.touch(at);
        self.logs
            .push_front(LogEntry::new(at.now, action, ticket, desk.cloned()));
        self.logs.truncate(LIST_LIMIT);
        *self.activity.entry((at.minute(), action)).or_default() += 1;
        self.stats.seq += 1;
        if let Some(n) = ticket
            && self.closed_in_history
            && !self.changed.contains(&n)
        {
            self.changed.push(n);
        }
        let t = ticket.and_then(|n| self.tickets.get(&n));
        hub.send(Signal::Event(QueueEvent {
            seq: self.stats.seq,
            day: at.day,
            at: at.now,
            action,
            ticket,
            desk: desk.cloned(),
            queue_length: self.waiting.len() as u64,
            next_ticket: self.waiting.first().copied(),
            service: t.map(|t| t.service.clone()),
            label: t.map(|t| t.label.clone()),
            priority: t.and_then(|t| t.priority.clone()),
        }));
    }

    pub(super) fn current_of(&self, desk: &DeskId) -> Option<TicketNumber> {
        self.desks.get(desk).copied().flatten()
    }

    pub(super) fn ticket_mut(&mut self, n: TicketNumber) -> Result<&mut Ticket> {
        self.tickets
            .get_mut(&n)
            .ok_or_else(|| Error::corrupt(format!("ticket:{n}"), "a current ticket has no record"))
    }

    /// Puts waiting ticket `n` in queue `key` with `score`.
    pub(super) fn enqueue(&mut self, key: QueueKey, score: f64, n: TicketNumber) {
        let q = self.queues.entry(key).or_default();
        // Mostly the newest ticket (a take), which goes last.
        if q.back().is_none_or(|(s, m)| (*s, *m) < (score, n)) {
            q.push_back((score, n));
        } else {
            let at = q.partition_point(|(s, m)| (*s, *m) < (score, n));
            q.insert(at, (score, n));
        }
        self.waiting.insert(n);
    }

    /// Takes waiting ticket `n` out of queue `key`.
    pub(super) fn dequeue(&mut self, key: &QueueKey, n: TicketNumber) {
        if let Some(q) = self.queues.get_mut(key) {
            // Mostly the head (a call), so search from the front.
            if let Some(i) = q.iter().position(|(_, m)| *m == n) {
                q.remove(i);
            }
            if q.is_empty() {
                self.queues.remove(key);
            }
        }
        self.waiting.remove(&n);
    }

    /// Completes (or marks no-show) `desk`'s current ticket `n`.
    pub(super) fn end_ticket(
        &mut self,
        hub: &EventHub,
        at: &Moment,
        desk: &DeskId,
        n: TicketNumber,
        status: TicketStatus,
    ) -> Result<Ticket> {
        let ticket = self.ticket_mut(n)?;
        ticket.status = status;
        ticket.finished_at = Some(at.now);
        let service_us = ticket
            .called_at
            .map(|c| (micros(at.now) - micros(c)).max(0) as u64)
            .unwrap_or(0);
        let ended = ticket.clone();
        let action = if status == TicketStatus::Completed {
            self.stats.served += 1;
            self.stats.service_us += service_us;
            let d = self.stats.desks.entry(desk.clone()).or_default();
            d.served += 1;
            d.service_us += service_us;
            self.stats
                .services
                .entry(ended.service.clone())
                .or_default()
                .served += 1;
            Action::FinishCurrent
        } else {
            self.stats.no_shows += 1;
            Action::NoShow
        };
        self.desks.insert(desk.clone(), None);
        self.record(hub, at, action, Some(n), Some(desk));
        Ok(ended)
    }

    /// Calls waiting ticket `n` to `desk` (its current ticket, if any, finished first).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn call_ticket(
        &mut self,
        hub: &EventHub,
        at: &Moment,
        office: &OfficeConfig,
        desk: &DeskId,
        n: TicketNumber,
        action: Action,
    ) -> Result<Called> {
        let finished = match self.current_of(desk) {
            Some(prev) => Some(self.end_ticket(hub, at, desk, prev, TicketStatus::Completed)?),
            None => None,
        };
        let key = queue_key(self.ticket_mut(n)?);
        self.dequeue(&key, n);
        let ticket = self.ticket_mut(n)?;
        ticket.status = TicketStatus::InProgress;
        ticket.called_at = Some(at.now);
        ticket.desk = Some(desk.clone());
        let wait_us = (micros(at.now) - micros(ticket.taken_at)).max(0) as u64;
        let called = ticket.clone();
        match &at.by {
            Some(by) => self.accounts.insert(n, by.clone()),
            None => self.accounts.remove(&n),
        };
        self.stats.called += 1;
        self.stats.wait_us += wait_us;
        let target_us = office
            .service(&called.service)
            .map_or(0, |s| s.target_wait_us());
        let st = self
            .stats
            .services
            .entry(called.service.clone())
            .or_default();
        st.called += 1;
        st.wait_us += wait_us;
        if target_us > 0 && wait_us as i64 <= target_us {
            st.within_target += 1;
        }
        *st.wait_buckets
            .entry(wait_us / 1_000_000 / WAIT_BUCKET_SECONDS)
            .or_default() += 1;
        let streak = self.streaks.get(desk).copied().unwrap_or(0);
        let weight = office.weight_of(called.priority.as_ref());
        self.streaks
            .insert(desk.clone(), calling::next_streak(streak, weight));
        self.desks.insert(desk.clone(), Some(n));
        self.record(hub, at, action, Some(n), Some(desk));
        Ok(Called {
            desk: desk.clone(),
            finished,
            called: Some(called),
            waiting_tickets: self.waiting.len() as u64,
        })
    }

    /// The ticket `desk` would call now under the calling rule.
    pub(super) fn choose(
        &self,
        at: &Moment,
        office: &OfficeConfig,
        desk: &DeskId,
    ) -> Result<Option<TicketNumber>> {
        let plan = office
            .plan(desk)
            .ok_or_else(|| Error::UnknownDesk(desk.clone()))?;
        let mut heads = Vec::new();
        let mut numbers = Vec::new();
        for (rank, svc) in plan.services.iter().enumerate() {
            for ((service, class), q) in &self.queues {
                if service != &svc.code {
                    continue;
                }
                let Some(&(score, n)) = q.front() else {
                    continue;
                };
                let taken = self
                    .tickets
                    .get(&n)
                    .ok_or_else(|| {
                        Error::corrupt(format!("ticket:{n}"), "a waiting ticket has no record")
                    })?
                    .taken_at;
                heads.push(Head {
                    rank,
                    weight: office.weight_of(class.as_ref()),
                    score,
                    taken_us: micros(taken),
                    max_wait_us: svc.max_wait_us(),
                });
                numbers.push(n);
            }
        }
        let streak = self.streaks.get(desk).copied().unwrap_or(0);
        Ok(
            calling::choose(&heads, micros(at.now), streak, plan.priority_ratio)
                .map(|i| numbers[i]),
        )
    }

    /// How many tickets will be called before waiting ticket `n` in its service: those of
    /// higher priority classes, then those before it in its own queue.
    pub(super) fn ahead_of(&self, office: &OfficeConfig, n: TicketNumber) -> Option<u64> {
        let t = self.tickets.get(&n)?;
        if t.status != TicketStatus::Waiting {
            return None;
        }
        let own = queue_key(t);
        let weight = office.weight_of(t.priority.as_ref());
        let mut ahead = 0;
        for ((service, class), q) in &self.queues {
            if service != &t.service {
                continue;
            }
            if (service, class) == (&own.0, &own.1) {
                // Mostly the newest ticket (a take), so search from the back.
                ahead += q.iter().rposition(|(_, m)| *m == n)? as u64;
            } else if office.weight_of(class.as_ref()) > weight {
                ahead += q.len() as u64;
            }
        }
        Some(ahead)
    }

    /// How many keys Redis would keep for the day (the snapshot's `key_count`). A field
    /// counted here is one [`Self::holds_nothing`] asks about too (a `debug_assert` in
    /// `with_day` checks the two agree).
    pub(super) fn key_count(&self) -> u64 {
        let default_current = self.current_of(&DeskId::default()).is_some();
        let flags = [
            self.open,
            self.counter.is_some(),
            !self.waiting.is_empty(),
            default_current,
            !self.desks.is_empty(),
            !self.logs.is_empty(),
            self.stats.seq > 0,
            !self.activity.is_empty(),
            !self.numbers.is_empty(),
            !self.streaks.is_empty(),
            // Redis's index of the non-empty queues: `queues`, `head_times`, `classes`,
            // `heads` (queues without priority), then `heads:<class>` per class below.
            !self.queues.is_empty(),
            !self.queues.is_empty(),
            self.queues.keys().any(|(_, c)| c.is_some()),
            self.queues.keys().any(|(_, c)| c.is_none()),
        ];
        let classes: BTreeSet<_> = self.queues.keys().filter_map(|(_, c)| c.as_ref()).collect();
        flags.iter().filter(|f| **f).count() as u64
            + self.tickets.len() as u64
            + self.queues.len() as u64
            + classes.len() as u64
    }

    /// Whether the day holds nothing Redis would keep a key for ([`Self::key_count`] is
    /// 0), answered without counting (every operation asks, and an open day answers at its
    /// first field).
    pub(super) fn holds_nothing(&self) -> bool {
        !self.open
            && self.counter.is_none()
            && self.tickets.is_empty()
            && self.waiting.is_empty()
            && self.queues.is_empty()
            && self.desks.is_empty()
            && self.logs.is_empty()
            && self.stats.seq == 0
            && self.activity.is_empty()
            && self.numbers.is_empty()
            && self.streaks.is_empty()
            && self.current_of(&DeskId::default()).is_none()
    }

    pub(super) fn waiting_in(&self, service: &Service) -> u64 {
        self.queues
            .iter()
            .filter(|((s, _), _)| s == service)
            .map(|(_, q)| q.len() as u64)
            .sum()
    }
}
