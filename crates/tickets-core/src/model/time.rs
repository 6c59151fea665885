//! Times as the store and the JSON answers write them.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeZone, Timelike, Utc};

/// Formats a time as `<ISO-8601 UTC with microseconds>`, e.g.
/// `2026-11-24T07:31:15.226383+00:00`.
pub fn iso(t: DateTime<Utc>) -> String {
    match iso_text(t) {
        Some(b) => ascii(&b).to_owned(),
        None => t.to_rfc3339_opts(SecondsFormat::Micros, false),
    }
}

/// The text of digits and punctuation written by the functions below.
pub(crate) fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_else(|_| unreachable!("digits and ASCII punctuation"))
}

/// Writes `v` in `out`, zero-padded to its length (`v` has no more digits than that).
fn put_digits(out: &mut [u8], mut v: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// `2026-11-24`, written digit by digit rather than through `format!` (a take writes a
/// date three times); `None` outside the years 0 to 9999, which callers write the
/// general way.
pub(crate) fn date_text(d: NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let mut b = *b"0000-00-00";
    put_digits(&mut b[0..4], year);
    put_digits(&mut b[5..7], d.month());
    put_digits(&mut b[8..10], d.day());
    Some(b)
}

/// What [`iso`] writes, in a buffer; `None` for what [`date_text`] does not write and for
/// a leap second, which callers write the general way.
pub(crate) fn iso_text(t: DateTime<Utc>) -> Option<[u8; 32]> {
    let n = t.naive_utc();
    let nanos = n.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut b = *b"0000-00-00T00:00:00.000000+00:00";
    b[..10].copy_from_slice(&date_text(n.date())?);
    put_digits(&mut b[11..13], n.hour());
    put_digits(&mut b[14..16], n.minute());
    put_digits(&mut b[17..19], n.second());
    put_digits(&mut b[20..26], nanos / 1000);
    Some(b)
}

/// Microseconds since the Unix epoch.
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The time at `us` microseconds since the Unix epoch, if representable.
pub fn from_micros(us: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_micros(us).single()
}

/// Formats a time as the store keeps it: `<seconds>.<6 digits>` (the original format).
pub fn seconds_text(t: DateTime<Utc>) -> String {
    let us = micros(t);
    format!(
        "{}.{:06}",
        us.div_euclid(1_000_000),
        us.rem_euclid(1_000_000)
    )
}

/// Parses `<seconds>.<6 digits>` back into a time, exactly.
pub fn parse_seconds_text(s: &str) -> Option<DateTime<Utc>> {
    let (secs, frac) = s.split_once('.')?;
    if frac.len() != 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let frac: i64 = frac.parse().ok()?;
    from_micros(secs.checked_mul(1_000_000)?.checked_add(frac)?)
}

/// Serde for times in the original ISO form (`+00:00`, microseconds).
pub(crate) mod iso_format {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        match super::iso_text(*t) {
            Some(b) => s.serialize_str(super::ascii(&b)),
            None => s.serialize_str(&super::iso(*t)),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    pub(crate) mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|s| {
                    DateTime::parse_from_rfc3339(&s)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(serde::de::Error::custom)
                })
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn general(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Micros, false)
    }

    #[test]
    fn times_and_dates_are_written_as_chrono_writes_them() {
        // From year 0 to year 9999 and beyond, in uneven steps (every field moves).
        let first = NaiveDate::from_ymd_opt(0, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let first = micros(first.and_utc());
        let mut us = first;
        let mut checked = 0;
        while let Some(t) = from_micros(us) {
            if t.year() > 10_001 {
                break;
            }
            assert_eq!(iso(t), general(t), "{us}");
            assert_eq!(
                date_text(t.date_naive()).map(|b| ascii(&b).to_owned()),
                (t.year() <= 9999).then(|| t.date_naive().format("%Y-%m-%d").to_string())
            );
            us += 7_777_777_777_777 + us.rem_euclid(1_000_003);
            checked += 1;
        }
        assert!(checked > 30_000, "{checked}");
        for t in [
            "0000-01-01T00:00:00.000000+00:00",
            "2026-12-31T23:59:59.999999+00:00",
            "9999-12-31T23:59:59.999999+00:00",
        ] {
            let parsed = DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
            assert_eq!(iso(parsed), t);
        }
        // Before year 0, after 9999 and a leap second: the general way.
        for t in [
            from_micros(first - 1).unwrap(),
            DateTime::parse_from_rfc3339("+10000-01-01T00:00:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|_| from_micros(253_402_300_800_000_000).unwrap()),
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_micro_opt(23, 59, 59, 1_500_000)
                .unwrap()
                .and_utc(),
        ] {
            assert!(iso_text(t).is_none());
            assert_eq!(iso(t), general(t));
        }
    }
}
