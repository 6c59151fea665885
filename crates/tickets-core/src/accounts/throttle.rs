//! Counting failed sign-ins, per client address and per username, and how long to wait
//! after too many.
//!
//! A counter lives [`FAILURE_WINDOW_SECONDS`] from its first failure. Its
//! [`FAILURES_BEFORE_THROTTLE`]-th failure within that window makes every further attempt
//! wait [`FIRST_WAIT_SECONDS`] after the last failure, doubling with each further failure
//! up to [`MAX_WAIT_SECONDS`]; from then on the counter is kept until
//! [`FAILURE_WINDOW_SECONDS`] after the last failure, or the end of its wait if later.

use chrono::{DateTime, Duration, Utc};

use super::types::Username;
use crate::limits::ClientKey;
use crate::model::micros;

/// How many failures in the window start the waits.
pub const FAILURES_BEFORE_THROTTLE: u32 = 5;
/// The window in which failures count: 15 minutes.
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;
/// The wait after the failure that starts the waits.
pub const FIRST_WAIT_SECONDS: i64 = 60;
/// The longest wait: one hour.
pub const MAX_WAIT_SECONDS: i64 = 3600;

/// The failed sign-ins counted for one address, and for one username.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// For the client address.
    pub address: u32,
    /// For the username.
    pub username: u32,
}

/// The names of the counters of `address` and of `username` (if given), in that order:
/// `fail:addr:<client>`, `fail:user:<username>` (the Redis keys' names, the memory map's
/// keys).
pub(crate) fn failure_names(address: &ClientKey, username: Option<&Username>) -> Vec<String> {
    let mut names = vec![format!("fail:addr:{}", address.as_str())];
    names.extend(username.map(|u| format!("fail:user:{u}")));
    names
}

/// One counter: how many failures, the first and the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failures {
    pub(crate) count: u32,
    pub(crate) first: DateTime<Utc>,
    pub(crate) last: DateTime<Utc>,
}

impl Failures {
    /// The counter after a failure at `now`.
    pub(crate) fn after_failure(prev: Option<Failures>, now: DateTime<Utc>) -> Failures {
        match prev.filter(|f| now < f.forgotten_at()) {
            Some(f) => Failures {
                count: f.count.saturating_add(1),
                first: f.first,
                last: now,
            },
            None => Failures {
                count: 1,
                first: now,
                last: now,
            },
        }
    }

    /// The wait after the last failure.
    pub(crate) fn wait(&self) -> Duration {
        if self.count < FAILURES_BEFORE_THROTTLE {
            return Duration::zero();
        }
        let doublings = (self.count - FAILURES_BEFORE_THROTTLE).min(16);
        Duration::seconds((FIRST_WAIT_SECONDS << doublings).min(MAX_WAIT_SECONDS))
    }

    /// When the counter is forgotten.
    pub(crate) fn forgotten_at(&self) -> DateTime<Utc> {
        if self.count < FAILURES_BEFORE_THROTTLE {
            self.first + Duration::seconds(FAILURE_WINDOW_SECONDS)
        } else {
            self.last + self.wait().max(Duration::seconds(FAILURE_WINDOW_SECONDS))
        }
    }

    /// The failures still counted at `now`.
    pub(crate) fn count_at(this: Option<&Failures>, now: DateTime<Utc>) -> u32 {
        this.filter(|f| now < f.forgotten_at())
            .map_or(0, |f| f.count)
    }

    /// How many whole seconds to wait at `now` (rounded up), if any.
    pub(crate) fn retry_after(this: Option<&Failures>, now: DateTime<Utc>) -> Option<u64> {
        let f = this?;
        let left = micros(f.last + f.wait()) - micros(now);
        (left > 0).then(|| (left as u64).div_ceil(1_000_000))
    }

    /// The stored form: `<count> <first µs> <last µs>`.
    #[cfg(test)]
    pub(crate) fn to_text(self) -> String {
        format!(
            "{} {} {}",
            self.count,
            micros(self.first),
            micros(self.last)
        )
    }

    /// Reads the stored form.
    #[cfg(any(test, feature = "redis"))]
    pub(crate) fn from_text(s: &str) -> Option<Failures> {
        let mut parts = s.split(' ');
        let count = parts.next()?.parse().ok()?;
        let first = crate::model::from_micros(parts.next()?.parse().ok()?)?;
        let last = crate::model::from_micros(parts.next()?.parse().ok()?)?;
        parts
            .next()
            .is_none()
            .then_some(Failures { count, first, last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_at_the_fifth_failure_and_double_up_to_an_hour() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000);
        let mut f = None;
        for i in 0..4 {
            f = Some(Failures::after_failure(f, t0 + Duration::seconds(i)));
            assert_eq!(
                Failures::retry_after(f.as_ref(), t0 + Duration::seconds(i)),
                None
            );
        }
        let t = t0 + Duration::seconds(10);
        f = Some(Failures::after_failure(f, t));
        assert_eq!(Failures::retry_after(f.as_ref(), t), Some(60));
        let waits: Vec<i64> = (0..8)
            .map(|_| {
                f = Some(Failures::after_failure(f, t));
                f.map_or(0, |f| f.wait().num_seconds())
            })
            .collect();
        assert_eq!(waits, [120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        let stored = f.map(Failures::to_text).unwrap_or_default();
        assert_eq!(Failures::from_text(&stored), f);
        // Four failures, then a quarter of an hour: forgotten.
        let mut g = None;
        for _ in 0..4 {
            g = Some(Failures::after_failure(g, t0));
        }
        let later = t0 + Duration::seconds(FAILURE_WINDOW_SECONDS);
        assert_eq!(Failures::count_at(g.as_ref(), later), 0);
        assert_eq!(Failures::after_failure(g, later).count, 1);
    }
}
