//! Entries that expire after a time, as Redis keys with a TTL do: the idempotency keys and
//! the per-client take counters of the memory backend.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, RandomState};

use chrono::{DateTime, Utc};
use hashbrown::HashTable;

/// Keys with a value and an expiry, dropped once expired as time goes on.
#[derive(Debug)]
pub(super) struct Expiring<K, V> {
    /// SipHash with a random key: the keys come from clients.
    hasher: RandomState,
    entries: HashTable<(K, V, DateTime<Utc>)>,
    /// Each insert's expiry and its key's hash (not a copy of the key), in insert order,
    /// which is mostly expiry order (a window from each insert); an item behind a later one
    /// is dropped a little late, and `get` ignores its entry once expired.
    order: VecDeque<(DateTime<Utc>, u64)>,
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self {
            hasher: RandomState::new(),
            entries: HashTable::new(),
            order: VecDeque::new(),
        }
    }
}

impl<K: Eq + Hash, V> Expiring<K, V> {
    /// The value of `key` and its expiry, if it has not expired at `now`.
    pub(super) fn get(&self, key: &K, now: DateTime<Utc>) -> Option<(&V, DateTime<Utc>)> {
        self.entries
            .find(self.hasher.hash_one(key), |(k, _, _)| k == key)
            .filter(|(_, _, until)| *until > now)
            .map(|(_, v, until)| (v, *until))
    }

    /// Sets `key` to `value` until `until`, dropping what expired at `now` first.
    pub(super) fn insert(&mut self, key: K, value: V, until: DateTime<Utc>, now: DateTime<Utc>) {
        self.prune(now);
        let hash = self.hasher.hash_one(&key);
        self.order.push_back((until, hash));
        match self.entries.find_mut(hash, |(k, _, _)| *k == key) {
            Some(entry) => *entry = (key, value, until),
            None => {
                let hasher = &self.hasher;
                self.entries
                    .insert_unique(hash, (key, value, until), |(k, _, _)| hasher.hash_one(k));
            }
        }
    }

    /// Drops the entries whose expiry passed. An order item whose key was set again later
    /// finds its entry not expired and leaves it; an expired entry with the same hash (another
    /// key) is dropped in its place, which is as right: it is expired too, and its own item
    /// later finds nothing.
    fn prune(&mut self, now: DateTime<Utc>) {
        while let Some(&(until, hash)) = self.order.front() {
            if until > now {
                break;
            }
            self.order.pop_front();
            if let Ok(entry) = self.entries.find_entry(hash, |(_, _, u)| *u <= now) {
                entry.remove();
            }
        }
    }

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
