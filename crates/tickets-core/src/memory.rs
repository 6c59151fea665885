//! [`MemoryBackend`]: the queue in this process's memory, the embedded default.
//!
//! It keeps the same state as the Redis layout (one record per day with its queue,
//! tickets, desks, logs, counters and per-minute activity), expires a day at the same
//! instant the Redis keys would, and publishes the same events through a tokio
//! broadcast channel. Each operation is one critical section under a mutex, so
//! operations are atomic and their events leave in the order the operations took effect.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

use crate::backend::{QueueBackend, SnapshotParts, TakeRequest, TicketLookup, figures};
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};
use crate::events::{EventHub, EventStream, QueueEvent, Signal};
use crate::model::{
    Action, Called, DayChange, DayStats, DeskId, IdempotencyKey, LIST_LIMIT, LogEntry,
    MinuteActivity, QueueStatus, Reset, Snapshot, SnapshotOptions, Taken, Ticket, TicketNumber,
    TicketStatus, micros,
};

/// The queue kept in memory.
///
/// Clones share the same queue. Nothing survives the process; use
/// [`RedisBackend`](crate::RedisBackend) to share a queue between servers or keep it
/// across restarts.
///
/// ```
/// use tickets_core::{MemoryBackend, TicketQueue};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tickets_core::Result<()> {
/// let queue = TicketQueue::new(MemoryBackend::new());
/// queue.open_day().await?;
/// let taken = queue.take(Default::default()).await?;
/// assert_eq!(taken.ticket.number.get(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryBackend {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    days: Mutex<HashMap<BusinessDay, DayData>>,
    hub: EventHub,
}

/// One day, shaped like its Redis keys.
#[derive(Debug)]
struct DayData {
    open: bool,
    /// `None` while the counter key does not exist.
    counter: Option<u64>,
    queue: VecDeque<TicketNumber>,
    tickets: BTreeMap<TicketNumber, Ticket>,
    /// Every desk that held a ticket today, with its current one.
    desks: BTreeMap<DeskId, Option<TicketNumber>>,
    logs: VecDeque<LogEntry>,
    stats: DayStats,
    activity: BTreeMap<(i64, Action), u64>,
    idempotency: HashMap<IdempotencyKey, TicketNumber>,
    expires_at: DateTime<Utc>,
}

impl DayData {
    fn new(at: &Moment) -> Self {
        DayData {
            open: false,
            counter: None,
            queue: VecDeque::new(),
            tickets: BTreeMap::new(),
            desks: BTreeMap::new(),
            logs: VecDeque::new(),
            stats: DayStats::default(),
            activity: BTreeMap::new(),
            idempotency: HashMap::new(),
            expires_at: at.now,
        }
    }

    /// Extends the day's life as a write to its keys would.
    fn touch(&mut self, at: &Moment) {
        let exp = at.now + Duration::seconds(at.ttl_seconds() as i64);
        self.expires_at = self.expires_at.max(exp);
    }

    /// Appends a log line, counts the action for the chart and publishes the event.
    fn record(
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
        hub.send(Signal::Event(QueueEvent {
            seq: self.stats.seq,
            day: at.day,
            at: at.now,
            action,
            ticket,
            desk: desk.cloned(),
            queue_length: self.queue.len() as u64,
            next_ticket: self.queue.front().copied(),
        }));
    }

    fn current_of(&self, desk: &DeskId) -> Option<TicketNumber> {
        self.desks.get(desk).copied().flatten()
    }

    fn ticket_mut(&mut self, n: TicketNumber) -> Result<&mut Ticket> {
        self.tickets
            .get_mut(&n)
            .ok_or_else(|| Error::corrupt(format!("ticket:{n}"), "a current ticket has no record"))
    }

    /// Completes (or marks no-show) `desk`'s current ticket `n`.
    fn end_ticket(
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
            Action::FinishCurrent
        } else {
            self.stats.no_shows += 1;
            Action::NoShow
        };
        self.desks.insert(desk.clone(), None);
        self.record(hub, at, action, Some(n), Some(desk));
        Ok(ended)
    }

    fn key_count(&self) -> u64 {
        let default_current = self.current_of(&DeskId::default()).is_some();
        let flags = [
            self.open,
            self.counter.is_some(),
            !self.queue.is_empty(),
            default_current,
            !self.desks.is_empty(),
            !self.logs.is_empty(),
            self.stats.seq > 0,
            !self.activity.is_empty(),
            !self.idempotency.is_empty(),
        ];
        flags.iter().filter(|f| **f).count() as u64 + self.tickets.len() as u64
    }

    fn position(&self, n: TicketNumber) -> Option<u64> {
        self.queue.iter().position(|q| *q == n).map(|p| p as u64)
    }
}

impl MemoryBackend {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<BusinessDay, DayData>> {
        // A panic while holding the lock cannot leave a day half-written in a way later
        // calls would misread more than a crash would; keep serving.
        self.inner.days.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the day of `at`, creating its record if needed; drops expired days
    /// and a record that ends up holding nothing.
    fn with_day<T>(&self, at: &Moment, f: impl FnOnce(&mut DayData, &EventHub) -> T) -> T {
        let mut days = self.lock();
        days.retain(|_, d| d.expires_at > at.now);
        let day = days.entry(at.day).or_insert_with(|| DayData::new(at));
        let out = f(day, &self.inner.hub);
        if day.key_count() == 0 {
            days.remove(&at.day);
        }
        out
    }
}

impl QueueBackend for MemoryBackend {
    async fn open_day(&self, at: &Moment) -> Result<DayChange> {
        Ok(self.with_day(at, |d, hub| {
            let changed = !d.open;
            if changed {
                d.open = true;
                d.counter.get_or_insert(0);
                d.record(hub, at, Action::StartDay, None, None);
            }
            DayChange {
                day: at.day,
                open: true,
                changed,
            }
        }))
    }

    async fn close_day(&self, at: &Moment) -> Result<DayChange> {
        Ok(self.with_day(at, |d, hub| {
            let changed = d.open;
            if changed {
                d.open = false;
                d.record(hub, at, Action::EndDay, None, None);
            }
            DayChange {
                day: at.day,
                open: false,
                changed,
            }
        }))
    }

    async fn reset_day(&self, at: &Moment) -> Result<Reset> {
        Ok(self.with_day(at, |d, hub| {
            let removed = d.counter.unwrap_or(0);
            let seq = d.stats.seq;
            *d = DayData::new(at);
            d.stats.seq = seq;
            d.record(hub, at, Action::ResetDay, None, None);
            Reset {
                day: at.day,
                tickets_removed: removed,
            }
        }))
    }

    async fn take(&self, at: &Moment, req: &TakeRequest) -> Result<Taken> {
        self.with_day(at, |d, hub| {
            let known = req
                .idempotency_key
                .as_ref()
                .and_then(|key| d.idempotency.get(key).copied());
            if let Some(n) = known {
                let ticket = d.tickets.get(&n).cloned().ok_or_else(|| {
                    Error::corrupt("idem", format!("key points to missing ticket {n}"))
                })?;
                return Ok(Taken {
                    day: at.day,
                    waiting_before: d.position(n).unwrap_or(0),
                    ticket,
                    replayed: true,
                });
            }
            if !d.open {
                return Err(Error::DayClosed);
            }
            let next = d.counter.unwrap_or(0) + 1;
            let n = TicketNumber::new(next)
                .map_err(|_| Error::corrupt("counter", "the day ran out of ticket numbers"))?;
            d.counter = Some(next);
            let ticket = Ticket {
                number: n,
                service: req.service.clone(),
                status: TicketStatus::Waiting,
                taken_at: at.now,
                called_at: None,
                finished_at: None,
                desk: None,
                recalls: 0,
            };
            d.tickets.insert(n, ticket.clone());
            d.queue.push_back(n);
            let waiting_before = d.queue.len() as u64 - 1;
            if let Some(key) = &req.idempotency_key {
                d.idempotency.insert(key.clone(), n);
            }
            d.record(hub, at, Action::TakeTicket, Some(n), None);
            Ok(Taken {
                day: at.day,
                ticket,
                waiting_before,
                replayed: false,
            })
        })
    }

    async fn call_next(&self, at: &Moment, desk: &DeskId) -> Result<Called> {
        self.with_day(at, |d, hub| {
            let finished = match d.current_of(desk) {
                Some(prev) => Some(d.end_ticket(hub, at, desk, prev, TicketStatus::Completed)?),
                None => None,
            };
            let Some(n) = d.queue.pop_front() else {
                return Ok(Called {
                    desk: desk.clone(),
                    finished,
                    called: None,
                    waiting_tickets: 0,
                });
            };
            let ticket = d.ticket_mut(n)?;
            ticket.status = TicketStatus::InProgress;
            ticket.called_at = Some(at.now);
            ticket.desk = Some(desk.clone());
            let wait_us = (micros(at.now) - micros(ticket.taken_at)).max(0) as u64;
            let called = ticket.clone();
            d.stats.called += 1;
            d.stats.wait_us += wait_us;
            d.desks.insert(desk.clone(), Some(n));
            d.record(hub, at, Action::CallNext, Some(n), Some(desk));
            Ok(Called {
                desk: desk.clone(),
                finished,
                called: Some(called),
                waiting_tickets: d.queue.len() as u64,
            })
        })
    }

    async fn finish(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.with_day(at, |d, hub| match d.current_of(desk) {
            Some(n) => d
                .end_ticket(hub, at, desk, n, TicketStatus::Completed)
                .map(Some),
            None => Ok(None),
        })
    }

    async fn recall(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.with_day(at, |d, hub| {
            let Some(n) = d.current_of(desk) else {
                return Ok(None);
            };
            let ticket = d.ticket_mut(n)?;
            ticket.recalls += 1;
            let ticket = ticket.clone();
            d.record(hub, at, Action::Recall, Some(n), Some(desk));
            Ok(Some(ticket))
        })
    }

    async fn no_show(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.with_day(at, |d, hub| match d.current_of(desk) {
            Some(n) => d
                .end_ticket(hub, at, desk, n, TicketStatus::NoShow)
                .map(Some),
            None => Ok(None),
        })
    }

    async fn status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        Ok(self.with_day(at, |d, _| QueueStatus {
            day: at.day,
            open: d.open,
            queue_length: d.queue.len() as u64,
            desk: desk.clone(),
            current_ticket: d.current_of(desk),
            next_ticket: d.queue.front().copied(),
            waiting_tickets: d.queue.len() as u64,
            total_tickets: d.counter.unwrap_or(0),
        }))
    }

    async fn snapshot(&self, at: &Moment, opts: SnapshotOptions) -> Result<Snapshot> {
        let opts = opts.capped();
        self.with_day(at, |d, _| {
            let waiting = d
                .queue
                .iter()
                .take(opts.waiting)
                .map(|n| {
                    d.tickets.get(n).cloned().ok_or_else(|| {
                        Error::corrupt(format!("ticket:{n}"), "a waiting ticket has no record")
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let desks = d
                .desks
                .iter()
                .map(|(desk, cur)| (desk.clone(), cur.and_then(|n| d.tickets.get(&n).cloned())))
                .collect();
            let now_minute = at.minute();
            let first = now_minute - i64::from(opts.activity_minutes) + 1;
            let mut activity: BTreeMap<i64, BTreeMap<Action, u64>> = BTreeMap::new();
            for ((minute, action), count) in d.activity.range((first, Action::ALL[0])..) {
                if *minute <= now_minute && *count > 0 {
                    activity.entry(*minute).or_default().insert(*action, *count);
                }
            }
            let key_count = d.key_count();
            let ttl = (d.expires_at - at.now).num_milliseconds().max(0) as u64;
            Ok(SnapshotParts {
                open: d.open,
                counter: d.counter.unwrap_or(0),
                queue_length: d.queue.len() as u64,
                next: d.queue.front().copied(),
                waiting,
                logs: d.logs.iter().take(opts.logs).cloned().collect(),
                desks,
                stats: d.stats.clone(),
                activity: activity
                    .into_iter()
                    .filter_map(|(m, counts)| {
                        Some(MinuteActivity {
                            minute: DateTime::from_timestamp(m * 60, 0)?,
                            counts,
                        })
                    })
                    .collect(),
                key_count,
                ttl_seconds: (key_count > 0).then(|| ttl.div_ceil(1000)),
            }
            .assemble(at))
        })
    }

    async fn ticket(&self, at: &Moment, number: TicketNumber) -> Result<TicketLookup> {
        self.with_day(at, |d, _| {
            let ticket = d
                .tickets
                .get(&number)
                .cloned()
                .ok_or(Error::TicketNotFound(number))?;
            Ok(TicketLookup {
                waiting_before: d.position(number),
                figures: figures(
                    &d.stats,
                    d.counter.unwrap_or(0),
                    d.queue.len() as u64,
                    d.desks.keys(),
                ),
                ticket,
            })
        })
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn events(&self) -> EventStream {
        self.inner.hub.subscribe()
    }
}
