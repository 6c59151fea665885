//! The history of the memory backend: the records of every day, kept past the day as
//! the Redis hash `<prefix>:{<day>}:history` is (see [`crate::history`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::clock::BusinessDay;
use crate::history::{HistoryClose, HistoryRecord, Outcome};
use crate::model::TicketNumber;

/// Every day's records.
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

    /// Writes `record` as its ticket now is; a new record (a take) keeps the day's history
    /// `ttl` from `now`, as the Redis `EXPIRE` does.
    pub(super) fn write(&mut self, record: HistoryRecord, now: DateTime<Utc>, ttl: Duration) {
        let day = record.day;
        if self.live(day, now).is_none() {
            // A new day: the right moment to drop the ones that expired.
            self.days.retain(|_, h| h.expires_at > now);
            self.days.insert(
                day,
                DayHistory {
                    records: BTreeMap::new(),
                    closed: false,
                    expires_at: now,
                },
            );
        }
        let Some(h) = self.days.get_mut(&day) else {
            return;
        };
        let key = (record.taken_at, record.number);
        if h.records.insert(key, record).is_none() {
            h.expires_at = now + ttl;
        }
    }

    /// Marks the records of `day` still open as unserved; returns how many.
    pub(super) fn unserved(&mut self, day: BusinessDay, now: DateTime<Utc>) -> u64 {
        let Some(h) = self.live(day, now) else {
            return 0;
        };
        let mut n = 0;
        for r in h.records.values_mut().filter(|r| r.outcome.is_open()) {
            r.outcome = Outcome::Unserved;
            n += 1;
        }
        n
    }

    /// Closes `day` once (see `history_close.lua`).
    pub(super) fn close(&mut self, day: BusinessDay, now: DateTime<Utc>) -> HistoryClose {
        match self.live(day, now) {
            None => HistoryClose::default(),
            Some(h) if h.closed => HistoryClose {
                already: true,
                found: true,
                unserved: 0,
            },
            Some(h) => {
                h.closed = true;
                HistoryClose {
                    already: false,
                    found: true,
                    unserved: self.unserved(day, now),
                }
            }
        }
    }

    /// The records of `day`, in the order they were taken.
    pub(super) fn read(&mut self, day: BusinessDay, now: DateTime<Utc>) -> Vec<HistoryRecord> {
        self.live(day, now)
            .map(|h| h.records.values().cloned().collect())
            .unwrap_or_default()
    }
}
