//! The history of the memory backend: the records of every day, kept past the day as
//! the Redis hash `<prefix>:{<day>}:history` is (see [`crate::history`]).
//!
//! Redis rewrites a ticket's line at every change, because the day's keys may expire
//! before anyone reads them again. Here the day's tickets are at hand until their day is
//! dropped, so a day's records are read from its live tickets, and copied into
//! [`History`] only when they would otherwise be lost: when the day expires, when it is
//! reset (its open tickets becoming unserved) and when it is closed while still held. An
//! operation adds nothing to its work for the history.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, Utc};

use super::MemoryBackend;
use super::day::DayData;
use crate::clock::BusinessDay;
use crate::history::{HistoryClose, HistoryRecord, Outcome};
use crate::model::TicketNumber;

/// The records of days no longer held in full (see the module).
#[derive(Debug, Default)]
pub(super) struct History {
    days: BTreeMap<BusinessDay, DayHistory>,
}

#[derive(Debug)]
struct DayHistory {
    /// By (taken, number): unique within a day, even across a reset.
    records: BTreeMap<(DateTime<Utc>, TicketNumber), HistoryRecord>,
    closed: bool,
    expires_at: DateTime<Utc>,
}

impl History {
    /// The live history of `day` at `now`, dropping it when it expired.
    fn live(&mut self, day: BusinessDay, now: DateTime<Utc>) -> Option<&mut DayHistory> {
        if self.days.get(&day).is_some_and(|h| h.expires_at <= now) {
            self.days.remove(&day);
        }
        self.days.get_mut(&day)
    }

    /// Writes `records` of `day` over those of the same tickets; the day's history lives
    /// at least until `expires_at`, as the Redis `EXPIRE` at each take makes it.
    fn write(
        &mut self,
        day: BusinessDay,
        records: Vec<HistoryRecord>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        if records.is_empty() || expires_at <= now {
            return;
        }
        if self.live(day, now).is_none() {
            // A new day: the right moment to drop the ones that expired.
            self.days.retain(|_, h| h.expires_at > now);
        }
        let h = self.days.entry(day).or_insert_with(|| DayHistory {
            records: BTreeMap::new(),
            closed: false,
            expires_at,
        });
        h.expires_at = h.expires_at.max(expires_at);
        for r in records {
            h.records.insert((r.taken_at, r.number), r);
        }
    }

    /// Closes `day` once (see `history_close.lua`): its open records become unserved.
    fn close(&mut self, day: BusinessDay, now: DateTime<Utc>) -> HistoryClose {
        match self.live(day, now) {
            None => HistoryClose::default(),
            Some(h) if h.closed => HistoryClose {
                already: true,
                found: true,
                unserved: 0,
            },
            Some(h) => {
                h.closed = true;
                let open = h.records.values_mut().filter(|r| r.outcome.is_open());
                let mut unserved = 0;
                for r in open {
                    r.outcome = Outcome::Unserved;
                    unserved += 1;
                }
                HistoryClose {
                    already: false,
                    found: true,
                    unserved,
                }
            }
        }
    }

    /// The records of `day` written here.
    fn read(&mut self, day: BusinessDay, now: DateTime<Utc>) -> Vec<HistoryRecord> {
        self.live(day, now)
            .map(|h| h.records.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// The records of `d`'s tickets as they are now: all of them, or, once the day was
/// closed while held, those changed since.
pub(super) fn records_of(day: BusinessDay, d: &DayData) -> Vec<HistoryRecord> {
    let record = |t| HistoryRecord::of(day, t, d.accounts.get(&t.number));
    if d.closed_in_history {
        d.changed
            .iter()
            .filter_map(|n| d.tickets.get(n))
            .map(record)
            .collect()
    } else {
        d.tickets.values().map(record).collect()
    }
}

/// The same records, the open ones as unserved (what a reset leaves of them).
pub(super) fn unserved_records_of(day: BusinessDay, d: &DayData) -> Vec<HistoryRecord> {
    let mut records = records_of(day, d);
    for r in records.iter_mut().filter(|r| r.outcome.is_open()) {
        r.outcome = Outcome::Unserved;
    }
    records
}

impl MemoryBackend {
    /// How long a day's history lives after its last take; `None` when none is kept.
    fn history_ttl(&self) -> Option<Duration> {
        match self.inner.history_days.load(Ordering::Relaxed) {
            0 => None,
            days => Some(Duration::days(i64::from(days))),
        }
    }

    /// Writes `records` of `day` into the history, which lives `history_ttl` after the
    /// last of them was taken.
    pub(super) fn keep_records(
        &self,
        day: BusinessDay,
        records: Vec<HistoryRecord>,
        now: DateTime<Utc>,
    ) {
        let Some(ttl) = self.history_ttl() else {
            return;
        };
        let Some(last) = records.iter().map(|r| r.taken_at).max() else {
            return;
        };
        self.history_store().write(day, records, last + ttl, now);
    }

    /// Drops the days whose keys expired at `now`, their records going to the history.
    pub(super) fn drop_expired(
        &self,
        days: &mut HashMap<BusinessDay, DayData>,
        now: DateTime<Utc>,
    ) {
        if days.values().all(|d| d.expires_at > now) {
            return;
        }
        let expired: Vec<BusinessDay> = days
            .iter()
            .filter(|(_, d)| d.expires_at <= now)
            .map(|(day, _)| *day)
            .collect();
        for day in expired {
            if let Some(d) = days.remove(&day) {
                self.keep_records(day, records_of(day, &d), now);
            }
        }
    }

    /// [`QueueBackend::close_history`](crate::QueueBackend::close_history): a day still
    /// held goes to the history as it is, then the history is closed.
    pub(super) fn close_day_history(&self, day: BusinessDay, now: DateTime<Utc>) -> HistoryClose {
        let mut days = self.lock();
        self.drop_expired(&mut days, now);
        if let Some(d) = days.get_mut(&day)
            && !d.tickets.is_empty()
        {
            self.keep_records(day, records_of(day, d), now);
            // What changes from now on is read from the day again, over what was closed.
            d.closed_in_history = true;
            d.changed.clear();
        }
        self.history_store().close(day, now)
    }

    /// [`QueueBackend::history`](crate::QueueBackend::history): what the history holds,
    /// with the records of the day's live tickets over it.
    pub(super) fn day_history(&self, day: BusinessDay, now: DateTime<Utc>) -> Vec<HistoryRecord> {
        let Some(ttl) = self.history_ttl() else {
            return Vec::new();
        };
        let mut days = self.lock();
        self.drop_expired(&mut days, now);
        let live = days
            .get(&day)
            .map(|d| records_of(day, d))
            .unwrap_or_default();
        // Read under the day's lock: no operation moves its records in between.
        let mut records = self.history_store().read(day, now);
        drop(days);
        // As on Redis, the history of a day lives `ttl` after its last take.
        let last = records.iter().chain(&live).map(|r| r.taken_at).max();
        if last.is_none_or(|last| last + ttl <= now) {
            return Vec::new();
        }
        if live.is_empty() {
            return records;
        }
        let mut by_key: BTreeMap<_, _> = records
            .drain(..)
            .map(|r| ((r.taken_at, r.number), r))
            .collect();
        for r in live {
            by_key.insert((r.taken_at, r.number), r);
        }
        by_key.into_values().collect()
    }
}
