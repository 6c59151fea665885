//! Entries that expire after a time, as Redis keys with a TTL do: the idempotency keys and
//! the per-client take counters of the memory backend.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use chrono::{DateTime, Utc};

/// A map whose entries expire; expired entries are dropped as time goes on, so that their
/// number stays bounded by the rate of insertions.
#[derive(Debug)]
pub(super) struct Expiring<K, V> {
    entries: HashMap<K, (V, DateTime<Utc>)>,
    /// Insertions in time order, to drop the expired ones from the front.
    order: VecDeque<(DateTime<Utc>, K)>,
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<K: Clone + Eq + Hash, V> Expiring<K, V> {
    /// The value of `key` with its expiry, while it lives at `now`.
    pub(super) fn get(&self, key: &K, now: DateTime<Utc>) -> Option<(&V, DateTime<Utc>)> {
        self.entries
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, until)| (v, *until))
    }

    /// Sets `key` to `value` until `until`, dropping what expired by `now`.
    pub(super) fn insert(&mut self, key: K, value: V, until: DateTime<Utc>, now: DateTime<Utc>) {
        self.prune(now);
        self.order.push_back((until, key.clone()));
        self.entries.insert(key, (value, until));
    }

    /// Drops the entries expired at `now`.
    fn prune(&mut self, now: DateTime<Utc>) {
        while let Some((until, _)) = self.order.front() {
            if *until > now {
                break;
            }
            if let Some((_, key)) = self.order.pop_front()
                && self.entries.get(&key).is_some_and(|(_, u)| *u <= now)
            {
                self.entries.remove(&key);
            }
        }
    }

    /// How many entries are kept (expired ones not yet dropped included).
    #[cfg(test)]
    pub(super) fn kept(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn entries_expire_and_are_dropped_as_time_goes_on() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let mut m = Expiring::default();
        for i in 0..100 {
            let now = t0 + Duration::seconds(i);
            m.insert(i, i * 10, now + Duration::seconds(10), now);
        }
        let now = t0 + Duration::seconds(99);
        assert_eq!(m.get(&99, now).map(|(v, _)| *v), Some(990));
        assert!(m.get(&80, now).is_none(), "expired");
        assert!(m.kept() <= 12, "kept {}", m.kept());
        // A key set again lives until its new expiry.
        m.insert(95, 1, now + Duration::seconds(60), now);
        let later = now + Duration::seconds(30);
        m.insert(200, 2, later + Duration::seconds(10), later);
        assert_eq!(m.get(&95, later).map(|(v, _)| *v), Some(1));
        assert!(m.get(&99, later).is_none());
    }
}
