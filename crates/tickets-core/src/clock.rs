//! Time: the injected [`Clock`], the [`BusinessCalendar`] that turns an instant into a
//! business day, and the [`Moment`] every backend operation receives.
//!
//! A business day is the date in a configured IANA time zone, shifted by an optional
//! rollover hour: with a rollover hour of 3, 02:59 on the 25th still belongs to the 24th.
//! Every key of a day expires at the day's end, at least one hour after it is written.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// The shortest time-to-live a key gets, as in the original system.
pub const MIN_TTL_SECONDS: u64 = 3600;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays where it is set, for tests. Clones share the same time.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use tickets_core::{Clock, ManualClock};
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap());
/// clock.advance(Duration::minutes(5));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 11, 24, 8, 5, 0).unwrap());
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Clock> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// A business day, shown as `YYYY-MM-DD`.
///
/// ```
/// use tickets_core::BusinessDay;
/// let d: BusinessDay = "2026-11-24".parse().unwrap();
/// assert_eq!(d.to_string(), "2026-11-24");
/// assert_eq!(serde_json::to_string(&d).unwrap(), r#""2026-11-24""#);
/// assert_eq!(serde_json::from_str::<BusinessDay>(r#""2026-11-24""#).unwrap(), d);
/// assert!("24/11/2026".parse::<BusinessDay>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct BusinessDay(NaiveDate);

/// Written as its text (`2026-11-24`), straight into the output.
impl Serialize for BusinessDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match crate::model::date_text(self.0) {
            Some(b) => s.serialize_str(crate::model::ascii(&b)),
            None => s.collect_str(self),
        }
    }
}

impl BusinessDay {
    /// The day of `date`.
    pub fn new(date: NaiveDate) -> Self {
        Self(date)
    }

    /// The calendar date.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for BusinessDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Datelike;
        match crate::model::date_text(self.0) {
            Some(b) => f.write_str(crate::model::ascii(&b)),
            None => write!(
                f,
                "{:04}-{:02}-{:02}",
                self.0.year(),
                self.0.month(),
                self.0.day()
            ),
        }
    }
}

impl FromStr for BusinessDay {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // `YYYY-MM-DD` read digit by digit (every event from Redis carries its day);
        // anything else as chrono reads it, which gives the same day for those.
        let fast = match s.as_bytes() {
            [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] => {
                let digits = [*y0, *y1, *y2, *y3, *m0, *m1, *d0, *d1];
                digits.iter().all(u8::is_ascii_digit).then(|| {
                    let n = |i: usize, len: usize| {
                        digits[i..i + len]
                            .iter()
                            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
                    };
                    NaiveDate::from_ymd_opt(n(0, 4) as i32, n(4, 2), n(6, 2))
                })
            }
            _ => None,
        };
        match fast {
            Some(day) => day.ok_or(()),
            None => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ()),
        }
        .map(Self)
        .map_err(|_| ValidationError::new("day", "a day is written YYYY-MM-DD"))
    }
}

impl TryFrom<String> for BusinessDay {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<BusinessDay> for String {
    fn from(d: BusinessDay) -> String {
        d.to_string()
    }
}

/// The instant of an operation with its business day and the expiry of the day's keys.
///
/// The facade builds it from its clock; backends take every time from it (Redis scripts
/// never call `TIME`), so a settable clock drives both backends alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    /// The business day of `now`.
    pub day: BusinessDay,
    /// The instant, truncated to microseconds.
    pub now: DateTime<Utc>,
    /// When the keys written now expire: the end of the day, at least one hour after `now`.
    pub expires_at: DateTime<Utc>,
    /// The staff account acting, when known: a desk's call records it in the ticket's
    /// history.
    pub by: Option<crate::accounts::Username>,
}

impl Moment {
    /// Seconds from `now` to `expires_at` (at least [`MIN_TTL_SECONDS`]).
    pub fn ttl_seconds(&self) -> u64 {
        let secs = (self.expires_at - self.now).num_seconds().max(0) as u64;
        secs.max(MIN_TTL_SECONDS)
    }

    /// The minute of `now`, counted from the Unix epoch.
    pub fn minute(&self) -> i64 {
        self.now.timestamp().div_euclid(60)
    }
}

/// Turns instants into business days: a time zone and a rollover hour.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use tickets_core::BusinessCalendar;
/// let cal = BusinessCalendar::new(chrono_tz::Europe::Paris, 3).unwrap();
/// // 01:30 in Paris on the 25th still belongs to the 24th with a rollover at 03:00.
/// let m = cal.moment(Utc.with_ymd_and_hms(2026, 11, 25, 0, 30, 0).unwrap());
/// assert_eq!(m.day.to_string(), "2026-11-24");
/// // and the day ends at 03:00 Paris time (02:00 UTC).
/// assert_eq!(m.expires_at, Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessCalendar {
    tz: Tz,
    rollover_hour: u8,
}

impl Default for BusinessCalendar {
    /// The host's time zone (UTC when it cannot be found), rollover at midnight.
    fn default() -> Self {
        Self {
            tz: host_time_zone(),
            rollover_hour: 0,
        }
    }
}

/// The host's IANA time zone, or UTC when it cannot be determined.
pub fn host_time_zone() -> Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC)
}

/// Parses an IANA time zone name such as `Europe/Paris`.
///
/// ```
/// assert!(tickets_core::parse_time_zone("Europe/Paris").is_ok());
/// assert!(tickets_core::parse_time_zone("Mars/Olympus").is_err());
/// ```
pub fn parse_time_zone(name: &str) -> Result<Tz, ValidationError> {
    name.parse().map_err(|_| {
        ValidationError::new(
            "timezone",
            format!("{name:?} is not an IANA time zone name such as Europe/Paris"),
        )
    })
}

impl BusinessCalendar {
    /// A calendar in `tz` whose days change at `rollover_hour` (0–23) local time.
    pub fn new(tz: Tz, rollover_hour: u8) -> Result<Self, ValidationError> {
        if rollover_hour > 23 {
            return Err(ValidationError::new(
                "rollover_hour",
                "the rollover hour is a whole number from 0 to 23",
            ));
        }
        Ok(Self { tz, rollover_hour })
    }

    /// The time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The rollover hour.
    pub fn rollover_hour(&self) -> u8 {
        self.rollover_hour
    }

    /// The business day `at` belongs to.
    pub fn day_of(&self, at: DateTime<Utc>) -> BusinessDay {
        let local = at.with_timezone(&self.tz).naive_local();
        BusinessDay((local - Duration::hours(self.rollover_hour.into())).date())
    }

    /// The first instant of `day`.
    pub fn start_of(&self, day: BusinessDay) -> DateTime<Utc> {
        let naive = day
            .0
            .and_hms_opt(self.rollover_hour.into(), 0, 0)
            .unwrap_or_else(|| day.0.and_time(chrono::NaiveTime::MIN));
        self.first_instant_at_or_after(naive)
    }

    /// The first instant after `day` (the start of the next day).
    pub fn end_of(&self, day: BusinessDay) -> DateTime<Utc> {
        match day.0.succ_opt() {
            Some(next) => self.start_of(BusinessDay(next)),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// The first instant whose local time is `naive` or later: the earlier of two in a
    /// fold, the end of the gap in a spring-forward gap.
    fn first_instant_at_or_after(&self, naive: NaiveDateTime) -> DateTime<Utc> {
        let mut probe = naive;
        // Gaps are at most a few hours; step by minutes until a local time exists.
        for _ in 0..(24 * 60) {
            match self.tz.from_local_datetime(&probe) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
                LocalResult::None => probe += Duration::minutes(1),
            }
        }
        Utc.from_utc_datetime(&naive)
    }

    /// The [`Moment`] of `at`: its day and when keys written then expire.
    pub fn moment(&self, at: DateTime<Utc>) -> Moment {
        let now = crate::model::from_micros(at.timestamp_micros()).unwrap_or(at);
        let day = self.day_of(now);
        let end = self.end_of(day);
        let floor = now + Duration::seconds(MIN_TTL_SECONDS as i64);
        Moment {
            day,
            now,
            expires_at: end.max(floor),
            by: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_day_reads_as_chrono_reads_it() {
        let chrono = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let ours = |s: &str| s.parse::<BusinessDay>().ok().map(|d| d.0);
        // Every day of years 0 to 9,999, then impossible days and malformed texts.
        let mut day = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        while day <= last {
            let text = day.to_string();
            assert_eq!(ours(&text), Some(day), "{text}");
            day = day.succ_opt().unwrap();
        }
        for text in [
            "2026-02-29",
            "2024-02-30",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-01-32",
            "0000-00-00",
            "2026-1-02",
            "2026-01-2",
            "+2026-01-02",
            "2026/01/02",
            "2026-01-02 ",
            " 2026-01-02",
            "20260102",
            "2026-0a-02",
            "２０２６-01-02",
            "",
            "12026-01-02",
            "2026-01-02T00",
        ] {
            assert_eq!(ours(text), chrono(text), "{text:?}");
        }
    }

    #[test]
    fn day_changes_at_local_midnight_not_utc() {
        let cal = BusinessCalendar::new(Paris, 0).unwrap();
        // 23:30 UTC on the 24th is 00:30 on the 25th in Paris (winter, UTC+1).
        assert_eq!(
            cal.day_of(utc(2026, 11, 24, 23, 30)).to_string(),
            "2026-11-25"
        );
        assert_eq!(
            cal.day_of(utc(2026, 11, 24, 22, 59)).to_string(),
            "2026-11-24"
        );
    }

    #[test]
    fn rollover_hour_moves_the_day_boundary() {
        let cal = BusinessCalendar::new(Paris, 3).unwrap();
        // 01:59 UTC on the 25th = 02:59 Paris: still the 24th.
        assert_eq!(
            cal.day_of(utc(2026, 11, 25, 1, 59)).to_string(),
            "2026-11-24"
        );
        assert_eq!(
            cal.day_of(utc(2026, 11, 25, 2, 0)).to_string(),
            "2026-11-25"
        );
        assert!(BusinessCalendar::new(Paris, 24).is_err());
    }

    #[test]
    fn ttl_is_at_least_one_hour() {
        let cal = BusinessCalendar::new(Tz::UTC, 0).unwrap();
        let m = cal.moment(utc(2026, 11, 24, 23, 30));
        assert_eq!(m.ttl_seconds(), 3600);
        let m = cal.moment(utc(2026, 11, 24, 7, 31));
        assert_eq!(m.ttl_seconds(), 16 * 3600 + 29 * 60);
    }

    #[test]
    fn spring_forward_day_is_23_hours_and_fall_back_day_is_25() {
        // Europe/Paris: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00.
        let cal = BusinessCalendar::new(Paris, 0).unwrap();
        let spring = BusinessDay("2026-03-29".parse().unwrap());
        let len = cal.end_of(spring) - cal.start_of(spring);
        assert_eq!(len, Duration::hours(23));
        let autumn = BusinessDay("2026-10-25".parse().unwrap());
        assert_eq!(
            cal.end_of(autumn) - cal.start_of(autumn),
            Duration::hours(25)
        );
    }

    #[test]
    fn rollover_inside_a_dst_gap_starts_the_day_at_the_end_of_the_gap() {
        // With a rollover at 02:00, 2026-03-29 02:00 does not exist in Paris: the day
        // starts at 03:00 local (01:00 UTC).
        let cal = BusinessCalendar::new(Paris, 2).unwrap();
        let day = BusinessDay("2026-03-29".parse().unwrap());
        assert_eq!(cal.start_of(day), utc(2026, 3, 29, 1, 0));
        assert_eq!(
            cal.day_of(utc(2026, 3, 29, 0, 59)).to_string(),
            "2026-03-28"
        );
        assert_eq!(cal.day_of(utc(2026, 3, 29, 1, 0)).to_string(), "2026-03-29");
    }

    #[test]
    fn moment_truncates_to_microseconds() {
        let cal = BusinessCalendar::new(Tz::UTC, 0).unwrap();
        let at = utc(2026, 11, 24, 8, 0) + Duration::nanoseconds(1_234_567);
        let m = cal.moment(at);
        assert_eq!(m.now.timestamp_subsec_nanos(), 1_234_000);
    }
}
