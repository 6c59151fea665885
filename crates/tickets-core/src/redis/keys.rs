//! Every Redis key name of the crate, spelled in one place.
//!
//! `<prefix>:{<day>}:<name>`: the braced day is a Redis Cluster hash tag, so all the keys
//! of one day live in one slot and each script touches one slot only.
//! `docs/redis-schema.md` mirrors this module.
//!
//! A prefix may carry a hash tag of its own, `tickets:{paris-15}`: Redis hashes the first
//! braces of a key, so every key of that prefix (of every day) lives in the slot of
//! `paris-15`. Offices sharing one Redis Cluster with such prefixes spread over its
//! primaries, where with plain prefixes every office's current day is on one primary.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::error::ValidationError;

/// The prefix of every key and of the event channel (default `tickets`).
///
/// 1 to 64 characters among letters, digits, `-`, `_`, `.` and `:`, and at most one
/// non-empty pair of braces: a Redis Cluster hash tag for the whole prefix (an office),
/// which then replaces the day as the tag of its keys (see the module documentation).
///
/// ```
/// use tickets_core::KeyPrefix;
/// assert_eq!(KeyPrefix::default().as_str(), "tickets");
/// assert!(KeyPrefix::parse("post-office:paris-15").is_ok());
/// // An office's own hash tag.
/// let p = KeyPrefix::parse("tickets:{paris-15}").unwrap();
/// assert_eq!(p.hash_tag(), Some("paris-15"));
/// assert_eq!(KeyPrefix::default().hash_tag(), None);
/// assert!(KeyPrefix::parse("a{}").is_err());
/// assert!(KeyPrefix::parse("a{b}{c}").is_err());
/// assert!(KeyPrefix::parse("a{b").is_err());
/// assert!(KeyPrefix::parse("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyPrefix(String);

impl KeyPrefix {
    /// Validates a prefix.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        let plain = |t: &str| {
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        };
        let ok = !s.is_empty()
            && s.len() <= 64
            && match s.split_once('{') {
                None => plain(&s),
                // One `{tag}`, not empty, with plain text around it.
                Some((before, rest)) => rest.split_once('}').is_some_and(|(tag, after)| {
                    !tag.is_empty() && plain(before) && plain(tag) && plain(after)
                }),
            };
        if ok {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(
                "key_prefix",
                "a key prefix is 1 to 64 characters among letters, digits, '-', '_', '.' and ':', \
                 with at most one office hash tag in braces (e.g. tickets:{paris-15})",
            ))
        }
    }

    /// The prefix's own Redis Cluster hash tag (`paris-15` in `tickets:{paris-15}`), if any.
    pub fn hash_tag(&self) -> Option<&str> {
        let (_, rest) = self.0.split_once('{')?;
        rest.split_once('}').map(|(tag, _)| tag)
    }

    /// The prefix.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for KeyPrefix {
    fn default() -> Self {
        Self("tickets".to_owned())
    }
}

impl FromStr for KeyPrefix {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for KeyPrefix {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<KeyPrefix> for String {
    fn from(p: KeyPrefix) -> String {
        p.0
    }
}

impl fmt::Display for KeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The names of the fixed keys of one day, in the order of [`day_layout`] (1 to 8, 11 to
/// 13, then 15 to 17; 9, 10, 14 and 18 are key bases).
#[cfg(test)]
const DAY_KEY_NAMES: [&str; 14] = [
    "day",
    "counter",
    "waiting",
    "current",
    "desks",
    "logs",
    "stats",
    "activity",
    "numbers",
    "streaks",
    "queues",
    "heads",
    "head_times",
    "classes",
];

/// How many `KEYS` every day script receives: the day's open marker,
/// `<prefix>:{<day>}:day`, from which the scripts make the names of the others (`begin` in
/// lib.lua: its base, `<prefix>:{<day>}:`, then the name), once per day, not at every call.
/// Each key passed costs Redis about 1,300 instructions a call (docs/benchmarks.md, item 16).
pub(crate) const DAY_KEY_COUNT: usize = 1;

/// The `KEYS` of every day script: the day's open marker (see [`DAY_KEY_COUNT`]).
pub(crate) fn day_keys(prefix: &KeyPrefix, day: BusinessDay) -> [String; DAY_KEY_COUNT] {
    [format!("{prefix}:{{{day}}}:day")]
}

/// The keys of a day as the scripts name them from the day key (`begin` in lib.lua): the
/// eight original keys of [`DAY_KEY_NAMES`] (the
/// `waiting` set in the place of the old `queue` list), the base of idempotency keys
/// (`<prefix>:{<day>}:idem:`, to which a script appends the key; each lives minutes, not
/// the day), the base of ticket keys
/// (`<prefix>:{<day>}:ticket:`, to which a script appends a number), three keys of the
/// office model (`numbers`, `streaks`, `queues`), the base of queue keys
/// (`<prefix>:{<day>}:queue:`, to which a script appends `<service>` or
/// `<service>:<class>`), then the index of the queues' heads: `heads` (the heads of the
/// queues without priority, and the base of `heads:<class>`, a script appending
/// `:<class>`), `head_times` and `classes`, and last the base of the per-client take
/// counters (`<prefix>:{<day>}:limit:`, to which a script appends the client), and the
/// day's `history` (kept past the day, see [`crate::history`]).
#[cfg(test)]
pub(crate) fn day_layout(prefix: &KeyPrefix, day: BusinessDay) -> [String; 19] {
    let base = format!("{prefix}:{{{day}}}:");
    let mut keys: [String; 19] = Default::default();
    let slots = (0..8).chain(10..13).chain(14..17);
    for (slot, name) in slots.zip(DAY_KEY_NAMES) {
        keys[slot] = format!("{base}{name}");
    }
    keys[8] = format!("{base}idem:");
    keys[9] = format!("{base}ticket:");
    keys[13] = format!("{base}queue:");
    keys[17] = format!("{base}limit:");
    keys[18] = history_key(prefix, day);
    keys
}

/// The key of the history of `day` (the last of the day's layout).
pub(crate) fn history_key(prefix: &KeyPrefix, day: BusinessDay) -> String {
    format!("{prefix}:{{{day}}}:history")
}

/// The key of the queue of `service` for people without priority (`class` `None`) or of
/// one priority class, on `day`.
#[cfg(test)]
pub(crate) fn queue_key(
    prefix: &KeyPrefix,
    day: BusinessDay,
    service: &str,
    class: Option<&str>,
) -> String {
    match class {
        Some(c) => format!("{prefix}:{{{day}}}:queue:{service}:{c}"),
        None => format!("{prefix}:{{{day}}}:queue:{service}"),
    }
}

/// The key of the office configuration: one per prefix, without TTL, outside every day's
/// slot (unless the prefix carries an office hash tag).
pub(crate) fn config_key(prefix: &KeyPrefix) -> String {
    format!("{prefix}:config")
}

/// The key of the office's secret `name`: one per prefix and name, without TTL.
pub(crate) fn secret_key(prefix: &KeyPrefix, name: &str) -> String {
    format!("{prefix}:secret:{name}")
}

/// The push subscriptions of `day` (a HASH: ticket number → its subscriptions).
pub(crate) fn push_key(prefix: &KeyPrefix, day: BusinessDay) -> String {
    format!("{prefix}:{{{day}}}:push")
}

/// The push stages claimed on `day` (a HASH: `<number>:<taken µs>:<stage>` → `1`).
pub(crate) fn push_sent_key(prefix: &KeyPrefix, day: BusinessDay) -> String {
    format!("{prefix}:{{{day}}}:push_sent")
}

/// The key of ticket `n` of `day`.
pub(crate) fn ticket_key(prefix: &KeyPrefix, day: BusinessDay, n: u64) -> String {
    format!("{prefix}:{{{day}}}:ticket:{n}")
}

/// The pub/sub channel of events.
pub(crate) fn channel(prefix: &KeyPrefix) -> String {
    format!("{prefix}:events")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_original_layout_with_a_hash_tag() {
        let day: BusinessDay = "2026-11-24".parse().unwrap();
        assert_eq!(
            day_keys(&KeyPrefix::default(), day),
            [day_layout(&KeyPrefix::default(), day)[0].clone()]
        );
        let keys = day_layout(&KeyPrefix::default(), day);
        assert_eq!(keys[0], "tickets:{2026-11-24}:day");
        assert_eq!(keys[2], "tickets:{2026-11-24}:waiting");
        assert_eq!(keys[3], "tickets:{2026-11-24}:current");
        assert_eq!(keys[8], "tickets:{2026-11-24}:idem:");
        assert_eq!(keys[9], "tickets:{2026-11-24}:ticket:");
        assert_eq!(keys[10], "tickets:{2026-11-24}:numbers");
        assert_eq!(keys[11], "tickets:{2026-11-24}:streaks");
        assert_eq!(keys[12], "tickets:{2026-11-24}:queues");
        assert_eq!(keys[13], "tickets:{2026-11-24}:queue:");
        assert_eq!(keys[14], "tickets:{2026-11-24}:heads");
        assert_eq!(keys[15], "tickets:{2026-11-24}:head_times");
        assert_eq!(keys[16], "tickets:{2026-11-24}:classes");
        assert_eq!(keys[17], "tickets:{2026-11-24}:limit:");
        assert_eq!(
            ticket_key(&KeyPrefix::default(), day, 42),
            "tickets:{2026-11-24}:ticket:42"
        );
        assert_eq!(
            queue_key(&KeyPrefix::default(), day, "colis", Some("prioritaire")),
            "tickets:{2026-11-24}:queue:colis:prioritaire"
        );
        assert_eq!(channel(&KeyPrefix::default()), "tickets:events");
        assert_eq!(config_key(&KeyPrefix::default()), "tickets:config");
    }

    #[test]
    fn every_key_of_a_day_is_in_the_slot_of_its_day() {
        use redis::cluster_routing::Slot;
        let prefixes = [
            KeyPrefix::default(),
            KeyPrefix::parse("post-office:paris-15").unwrap(),
            KeyPrefix::parse("a.b_c-d:e").unwrap(),
            KeyPrefix::parse("tickets:{paris-15}").unwrap(),
            KeyPrefix::parse("{lyon}:tickets").unwrap(),
        ];
        for prefix in &prefixes {
            for day in ["2026-11-24", "2026-11-25", "2027-01-01", "2030-02-28"] {
                let day: BusinessDay = day.parse().unwrap();
                // The office's tag when the prefix has one, else the day.
                let tag = prefix.hash_tag().map_or(day.to_string(), str::to_owned);
                let slot = Slot::for_key(&tag);
                let keys = day_layout(prefix, day);
                // Every key, the key bases included.
                for key in &keys {
                    assert_eq!(Slot::for_key(key), slot, "{key}");
                }
                // And every key a script builds from a base.
                for client in ["192.0.2.7", "2001:db8:0:0::/64"] {
                    let key = format!("{}{client}", keys[17]);
                    assert_eq!(Slot::for_key(&key), slot, "{key}");
                    let key = format!("{}{client}", keys[8]);
                    assert_eq!(Slot::for_key(&key), slot, "{key}");
                }
                for n in [1, 42, 999_999] {
                    let key = format!("{}{n}", keys[9]);
                    assert_eq!(key, ticket_key(prefix, day, n));
                    assert_eq!(Slot::for_key(&key), slot, "{key}");
                }
                for (service, class) in [
                    ("poste", None),
                    ("courrier", Some("prioritaire")),
                    ("a-b_c", Some("x")),
                    ("x".repeat(32).as_str(), Some("y".repeat(32).as_str())),
                ] {
                    let name = match class {
                        Some(c) => format!("{service}:{c}"),
                        None => service.to_owned(),
                    };
                    let key = format!("{}{name}", keys[13]);
                    assert_eq!(key, queue_key(prefix, day, service, class));
                    assert_eq!(Slot::for_key(&key), slot, "{key}");
                    if let Some(c) = class {
                        let heads = format!("{}:{c}", keys[14]);
                        assert_eq!(Slot::for_key(&heads), slot, "{heads}");
                    }
                }
            }
        }
        // Without an office tag the tag is the day: two days are (here) two slots.
        let slot =
            |p: &KeyPrefix, d: &str| Slot::for_key(day_keys(p, d.parse().unwrap())[0].clone());
        assert_ne!(
            slot(&prefixes[0], "2026-11-24"),
            slot(&prefixes[0], "2026-11-25")
        );
        // With one, every day of the office is in the office's slot, and two offices are
        // (here) two slots.
        assert_eq!(
            slot(&prefixes[3], "2026-11-24"),
            slot(&prefixes[3], "2026-11-25")
        );
        assert_ne!(
            slot(&prefixes[3], "2026-11-24"),
            slot(&prefixes[4], "2026-11-24")
        );
        // The configuration key has no day: in a slot of its own for a plain prefix (which
        // is why no day script ever touches it), in the office's slot for a tagged one.
        assert_ne!(
            Slot::for_key(config_key(&prefixes[0])),
            slot(&prefixes[0], "2026-11-24")
        );
        assert_eq!(
            Slot::for_key(config_key(&prefixes[3])),
            slot(&prefixes[3], "2026-11-24")
        );
    }
}
