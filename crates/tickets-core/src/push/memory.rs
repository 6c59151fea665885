//! [`PushStore`] on the memory backend: one mutex-guarded map per day, dropped when the
//! day's keys would expire on Redis.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::{MAX_PER_TICKET, PushStage, PushStore, PushSubscription, claim_field, too_many};
use crate::clock::{BusinessDay, Moment};
use crate::error::Result;
use crate::memory::MemoryBackend;
use crate::model::TicketNumber;

/// The push subscriptions of one [`MemoryBackend`].
#[derive(Debug, Default)]
pub(crate) struct MemoryPush {
    days: Mutex<HashMap<BusinessDay, Day>>,
}

#[derive(Debug)]
struct Day {
    subs: BTreeMap<TicketNumber, Vec<PushSubscription>>,
    claimed: HashSet<String>,
    expires_at: DateTime<Utc>,
}

impl MemoryPush {
    fn lock(&self) -> MutexGuard<'_, HashMap<BusinessDay, Day>> {
        self.days.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The record of the day of `at`, its expiry pushed to the day's end; days past their
    /// end are dropped.
    fn day_of<'a>(days: &'a mut HashMap<BusinessDay, Day>, at: &Moment) -> &'a mut Day {
        days.retain(|_, d| d.expires_at > at.now);
        let expires_at = at.now + chrono::Duration::seconds(at.ttl_seconds() as i64);
        let day = days.entry(at.day).or_insert_with(|| Day {
            subs: BTreeMap::new(),
            claimed: HashSet::new(),
            expires_at,
        });
        day.expires_at = day.expires_at.max(expires_at);
        day
    }
}

impl PushStore for MemoryBackend {
    async fn add_push(&self, at: &Moment, sub: &PushSubscription) -> Result<()> {
        sub.check()?;
        let mut days = self.push_state().lock();
        let day = MemoryPush::day_of(&mut days, at);
        let subs = day.subs.entry(sub.ticket).or_default();
        if let Some(same) = subs.iter_mut().find(|s| s.endpoint == sub.endpoint) {
            *same = sub.clone();
            return Ok(());
        }
        if subs.len() >= MAX_PER_TICKET {
            return Err(too_many());
        }
        subs.push(sub.clone());
        Ok(())
    }

    async fn pushes(&self, day: BusinessDay) -> Result<Vec<PushSubscription>> {
        // Days past their end are dropped at the next write (as of the writer's clock).
        let days = self.push_state().lock();
        Ok(days
            .get(&day)
            .map(|d| d.subs.values().flatten().cloned().collect())
            .unwrap_or_default())
    }

    async fn remove_push(
        &self,
        day: BusinessDay,
        ticket: TicketNumber,
        endpoint: Option<&str>,
    ) -> Result<u64> {
        let mut days = self.push_state().lock();
        let Some(d) = days.get_mut(&day) else {
            return Ok(0);
        };
        let Some(subs) = d.subs.get_mut(&ticket) else {
            return Ok(0);
        };
        let before = subs.len();
        subs.retain(|s| endpoint.is_some_and(|e| e != s.endpoint));
        let removed = (before - subs.len()) as u64;
        if subs.is_empty() {
            d.subs.remove(&ticket);
        }
        Ok(removed)
    }

    async fn claim_push(
        &self,
        at: &Moment,
        ticket: TicketNumber,
        taken_us: i64,
        stage: PushStage,
    ) -> Result<bool> {
        let mut days = self.push_state().lock();
        let day = MemoryPush::day_of(&mut days, at);
        Ok(day.claimed.insert(claim_field(ticket, taken_us, stage)))
    }
}
