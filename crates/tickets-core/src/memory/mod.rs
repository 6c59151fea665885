//! [`MemoryBackend`]: the queue in this process's memory, the embedded default.
//!
//! It keeps the same state as the Redis layout (one record per day with its queue,
//! tickets, desks, logs, counters and per-minute activity), expires a day at the same
//! instant the Redis keys would, and publishes the same events through a tokio
//! broadcast channel. Each operation is one critical section under a mutex, so
//! operations are atomic and their events leave in the order the operations took effect.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Duration, Utc};

use crate::backend::{QueueBackend, QueueParts, SnapshotParts, TakeRequest, TicketLookup, figures};
use crate::calling::{self};
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};
use crate::events::{EventHub, EventStream};
use crate::history::{HistoryClose, HistoryRecord};
use crate::limits::{IDEMPOTENCY_WINDOW_SECONDS, retry_seconds};
use crate::model::micros;
use crate::model::{
    Action, Called, DayChange, DeskId, MinuteActivity, QueueStatus, Reset, ServiceStatus, Snapshot,
    SnapshotOptions, StatusPace, Taken, Ticket, TicketNumber, TicketStatus, Transfer,
    TransferPosition,
};
use crate::office::{OfficeConfig, label};

mod day;
mod expiring;
mod history;
mod tickets;

use day::{DayData, QueueKey, queue_key};

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

#[derive(Debug)]
struct Inner {
    days: Mutex<HashMap<BusinessDay, DayData>>,
    /// Locked after `days`, never before.
    history: Mutex<history::History>,
    history_days: AtomicU32,
    hub: EventHub,
    office: RwLock<Arc<OfficeConfig>>,
    accounts: crate::accounts::MemoryAccounts,
    /// The office's secrets, by name ([`QueueBackend::secret`]).
    secrets: Mutex<HashMap<String, Vec<u8>>>,
    webhooks: crate::webhooks::MemoryWebhooks,
    push: crate::push::MemoryPush,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            days: Mutex::default(),
            history: Mutex::default(),
            history_days: AtomicU32::new(crate::DEFAULT_HISTORY_DAYS),
            hub: EventHub::default(),
            office: RwLock::default(),
            accounts: crate::accounts::MemoryAccounts::default(),
            secrets: Mutex::default(),
            webhooks: crate::webhooks::MemoryWebhooks::default(),
            push: crate::push::MemoryPush::default(),
        }
    }
}

impl MemoryBackend {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty queue for this office.
    pub fn with_office(office: OfficeConfig) -> Result<Self> {
        office.validate()?;
        let b = Self::default();
        *b.inner.office.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(office);
        Ok(b)
    }

    /// Keeps the history of a day `days` days after its last ticket (default
    /// [`DEFAULT_HISTORY_DAYS`](crate::DEFAULT_HISTORY_DAYS)); 0 keeps no history.
    pub fn with_history_days(self, days: u32) -> Self {
        self.inner.history_days.store(days, Ordering::Relaxed);
        self
    }

    fn history_store(&self) -> MutexGuard<'_, history::History> {
        self.inner.history.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The webhooks (`webhooks/memory.rs`).
    pub(crate) fn webhook_state(&self) -> &crate::webhooks::MemoryWebhooks {
        &self.inner.webhooks
    }

    /// The push subscriptions (`push/memory.rs`).
    pub(crate) fn push_state(&self) -> &crate::push::MemoryPush {
        &self.inner.push
    }

    /// The staff accounts (`accounts/memory.rs`).
    pub(crate) fn account_state(&self) -> &crate::accounts::MemoryAccounts {
        &self.inner.accounts
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<BusinessDay, DayData>> {
        // A panic while holding the lock cannot leave a day half-written in a way later
        // calls would misread more than a crash would; keep serving.
        self.inner.days.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the day of `at`, creating its record if needed; drops expired days
    /// and a record that ends up holding nothing.
    fn with_day<T>(
        &self,
        at: &Moment,
        f: impl FnOnce(&mut DayData, &EventHub, &OfficeConfig) -> T,
    ) -> T {
        let office = self.office();
        let mut days = self.lock();
        self.drop_expired(&mut days, at.now);
        let day = days.entry(at.day).or_insert_with(|| DayData::new(at));
        let out = f(day, &self.inner.hub, &office);
        // (Every test of the store checks the shortcut against the count.)
        debug_assert_eq!(day.holds_nothing(), day.key_count() == 0);
        if day.holds_nothing() {
            days.remove(&at.day);
        }
        out
    }
}

impl QueueBackend for MemoryBackend {
    async fn open_day(&self, at: &Moment) -> Result<DayChange> {
        Ok(self.with_day(at, |d, hub, _| {
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
        Ok(self.with_day(at, |d, hub, _| {
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
        Ok(self.with_day(at, |d, hub, _| {
            let removed = d.counter.unwrap_or(0);
            let seq = d.stats.seq;
            // The history keeps the tickets, those still open as unserved.
            self.keep_records(at.day, history::unserved_records_of(at.day, d), at.now);
            let mut fresh = DayData::new(at);
            // Short-lived keys live on until they expire, as on Redis.
            std::mem::swap(&mut fresh.idempotency, &mut d.idempotency);
            std::mem::swap(&mut fresh.takers, &mut d.takers);
            *d = fresh;
            d.stats.seq = seq;
            d.record(hub, at, Action::ResetDay, None, None);
            Reset {
                day: at.day,
                tickets_removed: removed,
            }
        }))
    }

    async fn take(&self, at: &Moment, req: &TakeRequest) -> Result<Taken> {
        self.with_day(at, |d, hub, office| {
            // A key in its window gives back its ticket, if that ticket is still the one it
            // made (not a ticket of the same number made after a reset).
            let known = req
                .idempotency_key
                .as_ref()
                .and_then(|key| d.idempotency.get(key, at.now))
                .map(|(&(n, created), _)| (n, created))
                .and_then(|(n, created)| {
                    d.tickets.get(&n).filter(|t| t.taken_at == created).cloned()
                });
            if let Some(ticket) = known {
                let n = ticket.number;
                return Ok(Taken {
                    day: at.day,
                    waiting_before: d.ahead_of(office, n).unwrap_or(0),
                    ticket,
                    replayed: true,
                });
            }
            let service = office.check_take(req)?;
            if !d.open {
                return Err(Error::DayClosed);
            }
            let given = d.numbers.get(&service.code).copied().unwrap_or(0);
            if service.daily_limit.is_some_and(|l| given >= l) {
                return Err(Error::DailyLimitReached(service.code.clone()));
            }
            let taken_by_client = match &req.limits.per_client {
                Some((client, _)) => d.takers.get(client, at.now).map(|(&n, end)| (n, end)),
                None => None,
            };
            let max = req.limits.max_waiting;
            if max > 0 && d.waiting.len() as u64 >= u64::from(max) {
                return Err(Error::QueueFull { max });
            }
            if let (Some((_, limit)), Some((taken, end))) =
                (&req.limits.per_client, taken_by_client)
                && taken >= limit.count
            {
                return Err(Error::TakeLimitReached {
                    limit: *limit,
                    retry_after_seconds: retry_seconds(micros(end) - micros(at.now)),
                });
            }
            let next = d.counter.unwrap_or(0) + 1;
            let n = TicketNumber::new(next)
                .map_err(|_| Error::corrupt("counter", "the day ran out of ticket numbers"))?;
            let ticket = Ticket::waiting(
                n,
                service.code.clone(),
                label(&service.prefix, given + 1),
                req.priority.clone(),
                at.now,
            );
            let key = queue_key(&ticket);
            // First, so that a number out of order changes nothing.
            d.tickets.push(ticket.clone())?;
            d.counter = Some(next);
            match d.numbers.get_mut(&service.code) {
                Some(given) => *given += 1,
                None => {
                    d.numbers.insert(service.code.clone(), 1);
                }
            }
            d.enqueue(key, next as f64, n);
            if let Some(key) = &req.idempotency_key {
                let until = at.now + Duration::seconds(IDEMPOTENCY_WINDOW_SECONDS as i64);
                d.idempotency
                    .insert(key.clone(), (n, ticket.taken_at), until, at.now);
            }
            if let Some((client, limit)) = &req.limits.per_client {
                let (taken, end) = taken_by_client.unwrap_or((
                    0,
                    at.now + Duration::seconds(i64::from(limit.window_seconds)),
                ));
                d.takers.insert(client.clone(), taken + 1, end, at.now);
            }
            let waiting_before = d.ahead_of(office, n).unwrap_or(0);
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
        self.with_day(at, |d, hub, office| {
            let Some(n) = d.choose(at, office, desk)? else {
                let finished = match d.current_of(desk) {
                    Some(prev) => {
                        Some(d.end_ticket(hub, at, desk, prev, TicketStatus::Completed)?)
                    }
                    None => None,
                };
                return Ok(Called {
                    desk: desk.clone(),
                    finished,
                    called: None,
                    waiting_tickets: d.waiting.len() as u64,
                });
            };
            d.call_ticket(hub, at, office, desk, n, Action::CallNext)
        })
    }

    async fn call(&self, at: &Moment, desk: &DeskId, number: TicketNumber) -> Result<Called> {
        self.with_day(at, |d, hub, office| {
            office
                .plan(desk)
                .ok_or_else(|| Error::UnknownDesk(desk.clone()))?;
            let t = d
                .tickets
                .get(&number)
                .ok_or(Error::TicketNotFound(number))?;
            if t.status != TicketStatus::Waiting {
                return Err(Error::WrongStatus {
                    number,
                    status: t.status,
                });
            }
            d.call_ticket(hub, at, office, desk, number, Action::CallTicket)
        })
    }

    async fn transfer(&self, at: &Moment, req: &Transfer) -> Result<Ticket> {
        self.with_day(at, |d, hub, office| {
            let target = office
                .service(&req.service)
                .ok_or_else(|| Error::UnknownService(req.service.clone()))?;
            let n = req.ticket;
            let t = d.tickets.get(&n).ok_or(Error::TicketNotFound(n))?.clone();
            let wrong = || Error::WrongStatus {
                number: n,
                status: t.status,
            };
            let mut desk = None;
            match t.status {
                TicketStatus::Waiting => d.dequeue(&queue_key(&t), n),
                TicketStatus::InProgress => {
                    let holder = req
                        .desk
                        .clone()
                        .or_else(|| t.desk.clone())
                        .ok_or_else(wrong)?;
                    if d.current_of(&holder) != Some(n) {
                        return Err(wrong());
                    }
                    d.desks.insert(holder.clone(), None);
                    desk = Some(holder);
                }
                _ => return Err(wrong()),
            }
            let priority = t.priority.clone().filter(|_| target.priority);
            let key = (target.code.clone(), priority.clone());
            let q = d.queues.get(&key);
            let own = n.get() as f64;
            let score = match req.position {
                TransferPosition::Arrival => own,
                TransferPosition::End => calling::end_score(
                    q.and_then(|q| q.back()).map(|e| e.0),
                    d.counter.unwrap_or(0),
                ),
                TransferPosition::Front => {
                    calling::front_score(q.and_then(|q| q.front()).map(|e| e.0), own)
                }
            };
            let ticket = d.ticket_mut(n)?;
            ticket.service = target.code.clone();
            ticket.priority = priority;
            ticket.status = TicketStatus::Waiting;
            ticket.called_at = None;
            ticket.desk = None;
            ticket.transfers += 1;
            let moved = ticket.clone();
            d.accounts.remove(&n);
            d.enqueue(key, score, n);
            d.record(hub, at, Action::Transfer, Some(n), desk.as_ref());
            Ok(moved)
        })
    }

    async fn requeue(&self, at: &Moment, number: TicketNumber) -> Result<Ticket> {
        self.with_day(at, |d, hub, _| {
            let t = d
                .ticket_mut(number)
                .map_err(|_| Error::TicketNotFound(number))?;
            if t.status != TicketStatus::NoShow {
                return Err(Error::WrongStatus {
                    number,
                    status: t.status,
                });
            }
            t.status = TicketStatus::Waiting;
            t.called_at = None;
            t.finished_at = None;
            t.desk = None;
            let back = t.clone();
            d.accounts.remove(&number);
            d.enqueue(queue_key(&back), number.get() as f64, number);
            d.record(hub, at, Action::Requeue, Some(number), None);
            Ok(back)
        })
    }

    async fn leave(
        &self,
        at: &Moment,
        number: TicketNumber,
        taken_at: DateTime<Utc>,
    ) -> Result<Ticket> {
        self.with_day(at, |d, hub, _| {
            let t = d
                .tickets
                .get_mut(&number)
                .filter(|t| t.taken_at == taken_at)
                .ok_or(Error::TicketNotFound(number))?;
            match t.status {
                TicketStatus::Waiting => {}
                TicketStatus::Cancelled => return Ok(t.clone()),
                status => return Err(Error::WrongStatus { number, status }),
            }
            t.status = TicketStatus::Cancelled;
            t.finished_at = Some(at.now);
            let left = t.clone();
            d.stats.left += 1;
            d.dequeue(&queue_key(&left), number);
            d.record(hub, at, Action::LeaveQueue, Some(number), None);
            Ok(left)
        })
    }

    async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        let mut secrets = self.inner.secrets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = secrets.get(name) {
            return Ok(s.clone());
        }
        let s = crate::accounts::secret::random_bytes::<32>()?.to_vec();
        secrets.insert(name.to_owned(), s.clone());
        Ok(s)
    }

    async fn finish(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.with_day(at, |d, hub, _| match d.current_of(desk) {
            Some(n) => d
                .end_ticket(hub, at, desk, n, TicketStatus::Completed)
                .map(Some),
            None => Ok(None),
        })
    }

    async fn recall(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.with_day(at, |d, hub, _| {
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
        self.with_day(at, |d, hub, _| match d.current_of(desk) {
            Some(n) => d
                .end_ticket(hub, at, desk, n, TicketStatus::NoShow)
                .map(Some),
            None => Ok(None),
        })
    }

    async fn status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        self.with_day(at, |d, _, office| {
            let next_ticket = match d.choose(at, office, desk) {
                Ok(n) => n,
                Err(Error::UnknownDesk(_)) => None,
                Err(e) => return Err(e),
            };
            let services = office
                .services
                .iter()
                .map(|s| {
                    let mut order: Vec<(
                        &QueueKey,
                        &std::collections::VecDeque<(f64, TicketNumber)>,
                    )> = d
                        .queues
                        .iter()
                        .filter(|((svc, _), _)| svc == &s.code)
                        .collect();
                    order
                        .sort_by_key(|((_, c), _)| std::cmp::Reverse(office.weight_of(c.as_ref())));
                    let next_label = order
                        .first()
                        .and_then(|(_, q)| q.front())
                        .and_then(|(_, n)| d.tickets.get(n))
                        .map(|t| t.label.clone());
                    ServiceStatus::of(s, d.waiting_in(&s.code), next_label)
                })
                .collect();
            Ok(QueueStatus {
                day: at.day,
                open: d.open,
                queue_length: d.waiting.len() as u64,
                desk: desk.clone(),
                current_ticket: d.current_of(desk),
                next_ticket,
                waiting_tickets: d.waiting.len() as u64,
                total_tickets: d.counter.unwrap_or(0),
                services,
                pace: StatusPace {
                    served: d.stats.served,
                    service_us: d.stats.service_us,
                    desks_at_work: d.desks.len() as u64,
                },
            })
        })
    }

    async fn snapshot(&self, at: &Moment, opts: SnapshotOptions) -> Result<Snapshot> {
        let opts = opts.capped();
        self.with_day(at, |d, _, office| {
            let waiting = d
                .waiting
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
            let queues = d
                .queues
                .iter()
                .map(|((service, priority), q)| QueueParts {
                    service: Some(service.clone()),
                    priority: priority.clone(),
                    len: q.len() as u64,
                    first: q.iter().take(opts.waiting).map(|(_, n)| *n).collect(),
                })
                .collect();
            let key_count = d.key_count();
            let ttl = (d.expires_at - at.now).num_milliseconds().max(0) as u64;
            Ok(SnapshotParts {
                open: d.open,
                counter: d.counter.unwrap_or(0),
                queue_length: d.waiting.len() as u64,
                next: d.waiting.first().copied(),
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
                queues,
            }
            .assemble(at, office, opts.waiting))
        })
    }

    async fn ticket(&self, at: &Moment, number: TicketNumber) -> Result<TicketLookup> {
        self.with_day(at, |d, _, office| {
            let ticket = d
                .tickets
                .get(&number)
                .cloned()
                .ok_or(Error::TicketNotFound(number))?;
            Ok(TicketLookup {
                waiting_before: d.ahead_of(office, number),
                figures: figures(
                    &d.stats,
                    d.counter.unwrap_or(0),
                    d.waiting.len() as u64,
                    d.desks.keys(),
                ),
                ticket,
            })
        })
    }

    fn office(&self) -> Arc<OfficeConfig> {
        self.inner
            .office
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn reload_office(&self) -> Result<Arc<OfficeConfig>> {
        Ok(self.office())
    }

    async fn put_office(
        &self,
        at: &Moment,
        mut config: OfficeConfig,
        expected: Option<u64>,
    ) -> Result<Arc<OfficeConfig>> {
        config.validate()?;
        // The day's lock first, so that no take slips between the check and the change.
        let days = self.lock();
        let mut slot = self.inner.office.write().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = expected
            && v != slot.version
        {
            return Err(Error::VersionConflict {
                current: slot.version,
            });
        }
        if let Some(d) = days.get(&at.day) {
            for s in &slot.services {
                let waiting = d.waiting_in(&s.code);
                if waiting > 0 && config.service(&s.code).is_none() {
                    return Err(Error::ServiceInUse {
                        service: s.code.clone(),
                        waiting,
                    });
                }
            }
        }
        config.version = slot.version + 1;
        let config = Arc::new(config);
        *slot = config.clone();
        Ok(config)
    }

    async fn close_history(&self, at: &Moment, day: BusinessDay) -> Result<HistoryClose> {
        Ok(self.close_day_history(day, at.now))
    }

    async fn history(&self, at: &Moment, day: BusinessDay) -> Result<Vec<HistoryRecord>> {
        Ok(self.day_history(day, at.now))
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    fn events(&self) -> EventStream {
        self.inner.hub.subscribe()
    }
}
