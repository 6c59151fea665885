//! [`TicketQueue`]: the facade that owns the clock and the configuration.
//!
//! It turns "now" into a [`Moment`] (the business day and when its keys expire), calls
//! the backend, and adds what needs configuration, such as the estimated wait.

use crate::accounts::Username;
use crate::backend::{QueueBackend, TakeRequest};
use crate::clock::{BusinessCalendar, BusinessDay, Clock, Moment, SystemClock};
use crate::error::{Error, Result};
use crate::events::EventStream;
use crate::history::HistoryRecord;
use crate::holder::{self, HolderKey};
use crate::reports::{Report, ReportQuery, day_before};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

use crate::model::{
    Called, DayChange, DayFigures, DeskId, QueueStatus, Reset, Snapshot, SnapshotOptions, Taken,
    Ticket, TicketInfo, TicketNumber, Transfer,
};
use crate::office::OfficeConfig;

/// How many days a report reads at once.
const REPORT_READS: usize = 8;
/// The most past days a first operation of the day closes at once.
const CLOSING_ROUND: u32 = 32;

/// Settings of a [`TicketQueue`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueConfig {
    /// How instants become business days.
    pub calendar: BusinessCalendar,
    /// The service time assumed before any ticket was served today, in seconds.
    pub default_service_seconds: f64,
    /// How far back, in days, the first operation of a day looks for days whose history
    /// is still open (the history's retention, `TICKETS_HISTORY_DAYS`; 0: the backend
    /// keeps no history, and nothing is closed).
    pub history_days: u32,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            calendar: BusinessCalendar::default(),
            default_service_seconds: 300.0,
            history_days: crate::DEFAULT_HISTORY_DAYS,
        }
    }
}

/// The estimated wait, in seconds, of a ticket with `waiting_before` tickets ahead.
///
/// `(waiting_before + 1) × 3600 ÷ rate`, rounded up: the tickets ahead, plus the one being
/// served at the desk that will free up, at the pace the desks at work measured today.
/// `rate` is [`DayFigures::service_rate_per_hour`] (the sum over desks at work of
/// 3600 ÷ that desk's average service time); before anyone was served it is
/// `max(desks_at_work, 1) × 3600 ÷ default_service_seconds`.
///
/// ```
/// use tickets_core::{estimate_wait_seconds, DayFigures};
/// let mut f = DayFigures {
///     taken: 10, waiting: 5, called: 5, served: 4, no_shows: 0, left: 0,
///     avg_wait_seconds: Some(100.0), avg_service_seconds: Some(120.0), desks_at_work: 2,
///     // one desk serving in 2 min (30/h), one in 4 min (15/h)
///     service_rate_per_hour: Some(45.0),
/// };
/// assert_eq!(estimate_wait_seconds(2, &f, 300.0), 240);
/// f.service_rate_per_hour = None;
/// f.desks_at_work = 0;
/// assert_eq!(estimate_wait_seconds(0, &f, 300.0), 300);
/// ```
pub fn estimate_wait_seconds(
    waiting_before: u64,
    figures: &DayFigures,
    default_service_seconds: f64,
) -> u64 {
    let rate = figures.service_rate_per_hour.unwrap_or_else(|| {
        figures.desks_at_work.max(1) as f64 * 3600.0 / default_service_seconds.max(1.0)
    });
    ((waiting_before + 1) as f64 * 3600.0 / rate.max(f64::MIN_POSITIVE)).ceil() as u64
}

/// The queue: a backend, a clock and a configuration.
///
/// ```
/// use tickets_core::{DeskId, MemoryBackend, TicketQueue};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tickets_core::Result<()> {
/// let queue = TicketQueue::new(MemoryBackend::new());
/// queue.open_day().await?;
/// queue.take(Default::default()).await?;
/// let desk = DeskId::parse("guichet-3")?;
/// let called = queue.call_next(&desk).await?;
/// assert_eq!(called.called.unwrap().number.get(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TicketQueue<B, C = SystemClock> {
    shared: Arc<Shared<B, C>>,
    /// The staff account acting through this handle, if known.
    by: Option<Username>,
}

/// What the clones of a [`TicketQueue`] share.
#[derive(Debug)]
struct Shared<B, C> {
    backend: B,
    clock: C,
    config: QueueConfig,
    /// The last day whose history this process knows closed.
    closed_through: Mutex<Option<BusinessDay>>,
    /// Held while closing past days, so that concurrent first operations of a day close
    /// them once.
    closing: tokio::sync::Mutex<()>,
    /// The store's holder secret, once read (it never changes).
    holder_secret: std::sync::OnceLock<holder::HolderSecret>,
}

impl<B, C> Clone for TicketQueue<B, C> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            by: self.by.clone(),
        }
    }
}

impl<B: QueueBackend> TicketQueue<B> {
    /// A queue on `backend` with the system clock and the default configuration (the
    /// host's time zone, days changing at midnight).
    pub fn new(backend: B) -> Self {
        Self::with_clock(backend, SystemClock, QueueConfig::default())
    }
}

impl<B: QueueBackend, C: Clock> TicketQueue<B, C> {
    /// A queue with its own clock and configuration.
    pub fn with_clock(backend: B, clock: C, config: QueueConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                backend,
                clock,
                config,
                closed_through: Mutex::new(None),
                closing: tokio::sync::Mutex::new(()),
                holder_secret: std::sync::OnceLock::new(),
            }),
            by: None,
        }
    }

    /// The same queue (a cheap handle on it), with `by` as the staff account acting: a
    /// desk's call records it in the ticket's history.
    pub fn acting(&self, by: Option<Username>) -> Self {
        Self {
            shared: self.shared.clone(),
            by,
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.shared.backend
    }

    /// The configuration.
    pub fn config(&self) -> &QueueConfig {
        &self.shared.config
    }

    /// The current [`Moment`].
    pub fn moment(&self) -> Moment {
        let mut at = self.shared.config.calendar.moment(self.shared.clock.now());
        at.by = self.by.clone();
        at
    }

    /// The current [`Moment`], after closing the history of the days before it: the first
    /// operation of a day (in this process) closes the days since the last one closed, so
    /// that the tickets they left waiting are recorded as unserved. Several servers may do
    /// it at once: closing a day twice changes nothing. A failure to close does not stop
    /// the operation (it is logged, and tried again on the next day).
    async fn at(&self) -> Result<Moment> {
        let at = self.moment();
        let yesterday = day_before(at.day);
        let known = || {
            *self
                .shared
                .closed_through
                .lock()
                .unwrap_or_else(|p| p.into_inner())
        };
        if known().is_some_and(|d| d >= yesterday) {
            return Ok(at);
        }
        // One closing at a time: the operations waiting meanwhile find it done.
        let _closing = self.shared.closing.lock().await;
        let known = known();
        if known.is_some_and(|d| d >= yesterday) {
            return Ok(at);
        }
        // Back from yesterday until a day already closed: a round of days at once, each
        // round twice the one before up to CLOSING_ROUND (two days on a usual morning; a
        // store without history walks its 400 days in 16 rounds, not one round trip per
        // day). A day closed past the first one already closed changes nothing.
        let mut day = yesterday;
        let mut left = self.shared.config.history_days;
        let mut round = 2_u32;
        'walk: while left > 0 {
            let size = round.min(left) as usize;
            let mut days = Vec::with_capacity(size);
            while days.len() < size && known.is_none_or(|d| day > d) {
                days.push(day);
                day = day_before(day);
            }
            if days.is_empty() {
                break;
            }
            left -= days.len() as u32;
            round = (round * 2).min(CLOSING_ROUND);
            let closed = futures_util::future::join_all(
                days.iter()
                    .map(|&day| self.shared.backend.close_history(&at, day)),
            )
            .await;
            for (day, closed) in days.into_iter().zip(closed) {
                match closed {
                    Ok(closed) if closed.already => break 'walk,
                    Ok(_) => {}
                    // The operation goes on: readers count the open tickets of a past day
                    // as unserved anyway, and the next day's first operation closes it.
                    Err(e) => {
                        tracing::warn!(%day, error = %e, "could not close the history of a past day");
                        break 'walk;
                    }
                }
            }
        }
        let mut slot = self
            .shared
            .closed_through
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *slot = (*slot).max(Some(yesterday));
        Ok(at)
    }

    /// The history of `day`, one record per ticket in the order they were taken. The
    /// tickets a past day left waiting or at a desk are unserved; today's records show
    /// where each ticket stands now; a day to come has none.
    pub async fn history(&self, day: BusinessDay) -> Result<Vec<HistoryRecord>> {
        let at = self.at().await?;
        if day > at.day {
            return Ok(Vec::new());
        }
        let records = self.shared.backend.history(&at, day).await?;
        Ok(if day < at.day {
            records.into_iter().map(HistoryRecord::closed).collect()
        } else {
            records
        })
    }

    /// The report of `query`: its days' history (today's as it stands now) against the
    /// office's services and targets, hours counted in the office's time zone.
    pub async fn report(&self, query: &ReportQuery) -> Result<Report> {
        let office = self.office();
        let mut report = Report::builder(query, &office, self.shared.config.calendar.time_zone());
        // A few days read at once (in order), so that the store and this process do not
        // wait on each other.
        let mut days = futures_util::stream::iter(query.days())
            .map(|day| self.history(day))
            .buffered(REPORT_READS);
        while let Some(records) = days.next().await {
            for r in records? {
                report.add(&r);
            }
        }
        Ok(report.finish())
    }

    /// Opens today. Idempotent.
    pub async fn open_day(&self) -> Result<DayChange> {
        self.shared.backend.open_day(&self.at().await?).await
    }

    /// Closes today: no new tickets; waiting ones stay callable. Idempotent.
    pub async fn close_day(&self) -> Result<DayChange> {
        self.shared.backend.close_day(&self.at().await?).await
    }

    /// Wipes today.
    pub async fn reset_day(&self) -> Result<Reset> {
        self.shared.backend.reset_day(&self.at().await?).await
    }

    /// Takes a ticket.
    pub async fn take(&self, req: TakeRequest) -> Result<Taken> {
        self.shared.backend.take(&self.at().await?, &req).await
    }

    /// Calls the next ticket to `desk`, finishing its current one first.
    pub async fn call_next(&self, desk: &DeskId) -> Result<Called> {
        self.shared.backend.call_next(&self.at().await?, desk).await
    }

    /// Calls the waiting ticket `number` to `desk` out of order.
    pub async fn call(&self, desk: &DeskId, number: TicketNumber) -> Result<Called> {
        self.shared
            .backend
            .call(&self.at().await?, desk, number)
            .await
    }

    /// Moves a ticket to another service's queue.
    pub async fn transfer(&self, req: &Transfer) -> Result<Ticket> {
        self.shared.backend.transfer(&self.at().await?, req).await
    }

    /// Puts a no-show ticket back in its queue at its arrival place.
    pub async fn requeue(&self, number: TicketNumber) -> Result<Ticket> {
        self.shared.backend.requeue(&self.at().await?, number).await
    }

    /// The store's holder secret: read once, then kept.
    async fn holder_secret(&self) -> Result<&holder::HolderSecret> {
        if let Some(secret) = self.shared.holder_secret.get() {
            return Ok(secret);
        }
        let read = self.shared.backend.secret(holder::SECRET_NAME).await?;
        Ok(self
            .shared
            .holder_secret
            .get_or_init(|| holder::HolderSecret::new(&read)))
    }

    /// The key that lets the holder of `ticket`, of `day`, act on it (leave the queue):
    /// what the link printed on the ticket carries. See [`HolderKey`].
    pub async fn holder_key(&self, day: BusinessDay, ticket: &Ticket) -> Result<HolderKey> {
        let secret = self.holder_secret().await?;
        Ok(holder::key_of(secret, day, ticket))
    }

    /// Whether `key` is the key of the holder of `ticket`, of `day` (compared in constant
    /// time): a page shows the holder's actions only to them.
    pub async fn is_holder_key(
        &self,
        day: BusinessDay,
        ticket: &Ticket,
        key: &str,
    ) -> Result<bool> {
        let secret = self.holder_secret().await?;
        Ok(holder::is_key_of(secret, day, ticket, key))
    }

    /// The holder of waiting ticket `number` leaves the queue, proving it with `key`
    /// ([`Self::holder_key`]); the ticket becomes
    /// [`TicketStatus::Cancelled`](crate::TicketStatus::Cancelled), counted as left in the
    /// day's figures and in the history. [`Error::WrongHolderKey`] when `key` is not the
    /// ticket's; [`Error::WrongStatus`] when it no longer waits; leaving twice answers
    /// the cancelled ticket.
    pub async fn leave(&self, number: TicketNumber, key: &str) -> Result<Ticket> {
        let at = self.at().await?;
        let found = self.shared.backend.ticket(&at, number).await?;
        let secret = self.holder_secret().await?;
        if !holder::is_key_of(secret, at.day, &found.ticket, key) {
            return Err(Error::WrongHolderKey(number));
        }
        self.shared
            .backend
            .leave(&at, number, found.ticket.taken_at)
            .await
    }

    /// The office configuration in force.
    pub fn office(&self) -> Arc<OfficeConfig> {
        self.shared.backend.office()
    }

    /// Reads the office configuration from the store again.
    pub async fn reload_office(&self) -> Result<Arc<OfficeConfig>> {
        self.shared.backend.reload_office().await
    }

    /// Replaces the office configuration if the stored version is `expected` (any
    /// version when `None`).
    pub async fn put_office(
        &self,
        config: OfficeConfig,
        expected: Option<u64>,
    ) -> Result<Arc<OfficeConfig>> {
        self.shared
            .backend
            .put_office(&self.at().await?, config, expected)
            .await
    }

    /// Finishes `desk`'s current ticket.
    pub async fn finish(&self, desk: &DeskId) -> Result<Option<Ticket>> {
        self.shared.backend.finish(&self.at().await?, desk).await
    }

    /// Calls `desk`'s current ticket again.
    pub async fn recall(&self, desk: &DeskId) -> Result<Option<Ticket>> {
        self.shared.backend.recall(&self.at().await?, desk).await
    }

    /// Marks `desk`'s current ticket as no-show.
    pub async fn no_show(&self, desk: &DeskId) -> Result<Option<Ticket>> {
        self.shared.backend.no_show(&self.at().await?, desk).await
    }

    /// The cheap status as seen from `desk`, with each service's estimated wait.
    pub async fn status(&self, desk: &DeskId) -> Result<QueueStatus> {
        let mut status = self.shared.backend.status(&self.at().await?, desk).await?;
        let pace = status.pace;
        let avg = (pace.served > 0).then(|| pace.service_us as f64 / pace.served as f64 / 1e6);
        let office = self.office();
        for s in &mut status.services {
            // The desks that serve this service, at the day's average pace.
            let desks = office
                .desks_serving(&s.code)
                .map_or(pace.desks_at_work.max(1), |n| n.max(1) as u64);
            let figures = DayFigures {
                taken: 0,
                waiting: s.waiting,
                called: 0,
                served: pace.served,
                no_shows: 0,
                left: 0,
                avg_wait_seconds: None,
                avg_service_seconds: avg,
                desks_at_work: desks,
                service_rate_per_hour: avg.map(|a| desks as f64 * 3600.0 / a.max(1.0)),
            };
            s.estimated_wait_seconds = Some(estimate_wait_seconds(
                s.waiting,
                &figures,
                self.shared.config.default_service_seconds,
            ));
        }
        Ok(status)
    }

    /// Everything about today.
    pub async fn snapshot(&self, opts: SnapshotOptions) -> Result<Snapshot> {
        self.shared.backend.snapshot(&self.at().await?, opts).await
    }

    /// One ticket of today with its position and estimated wait.
    pub async fn ticket(&self, number: TicketNumber) -> Result<TicketInfo> {
        let at = self.at().await?;
        let found = self.shared.backend.ticket(&at, number).await?;
        let estimated_wait_seconds = found.waiting_before.map(|ahead| {
            estimate_wait_seconds(
                ahead,
                &found.figures,
                self.shared.config.default_service_seconds,
            )
        });
        Ok(TicketInfo {
            day: at.day,
            ticket: found.ticket,
            waiting_before: found.waiting_before,
            estimated_wait_seconds,
            figures: found.figures,
        })
    }

    /// The estimated wait of a ticket with `waiting_before` tickets ahead, from the
    /// figures of a snapshot.
    pub fn estimate(&self, waiting_before: u64, figures: &DayFigures) -> u64 {
        estimate_wait_seconds(
            waiting_before,
            figures,
            self.shared.config.default_service_seconds,
        )
    }

    /// Checks that the store answers.
    pub async fn ping(&self) -> Result<()> {
        self.shared.backend.ping().await
    }

    /// Subscribes to events.
    pub fn events(&self) -> EventStream {
        self.shared.backend.events()
    }
}
