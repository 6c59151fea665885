//! Figures and days as people read them, in the page's language: `1 234` and `87 %` in
//! French, `1,234` and `87%` in English; durations as minutes:seconds; days with their
//! weekday and month in words.

use chrono::{Datelike, NaiveDate};
use tickets_core::BusinessDay;

use crate::lang::Lang;
use crate::pages::duration_text;

/// The narrow no-break space French puts between thousands and before `%`.
const NARROW_NBSP: char = '\u{202f}';

const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_SHORT_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const WEEKDAYS_SHORT_FR: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];

/// A count with its thousands grouped.
pub(super) fn count(l: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = match l {
        Lang::Fr => NARROW_NBSP,
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A share from 0 to 1 as a whole percentage.
pub(super) fn percent(l: Lang, share: f64) -> String {
    let n = (share * 100.0).round() as u64;
    match l {
        Lang::Fr => format!("{n}{NARROW_NBSP}%"),
        Lang::En => format!("{n}%"),
    }
}

/// A duration in seconds as minutes:seconds (`4:07`), or a dash when there is none.
pub(super) fn duration(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "—".to_owned(), duration_text)
}

/// A weekday by its number, 1 (Monday) to 7 (Sunday).
pub(super) fn weekday(l: Lang, n: u8) -> &'static str {
    let i = usize::from(n.clamp(1, 7) - 1);
    match l {
        Lang::Fr => WEEKDAYS_FR[i],
        Lang::En => WEEKDAYS_EN[i],
    }
}

/// "lundi 24 novembre 2026", "Monday 24 November 2026".
pub(super) fn day_long(l: Lang, day: BusinessDay) -> String {
    let d = day.date();
    let w = weekday(l, d.weekday().number_from_monday() as u8);
    let m = d.month0() as usize;
    match l {
        Lang::Fr => format!("{w} {} {} {}", day_of_month_fr(d), MONTHS_FR[m], d.year()),
        Lang::En => format!("{w} {} {} {}", d.day(), MONTHS_EN[m], d.year()),
    }
}

/// "lun. 24 nov.", "Mon 24 Nov": a day in a table or on a chart's axis.
pub(super) fn day_short(l: Lang, day: BusinessDay) -> String {
    let d = day.date();
    let w = d.weekday().num_days_from_monday() as usize;
    let m = d.month0() as usize;
    match l {
        Lang::Fr => format!(
            "{} {} {}",
            WEEKDAYS_SHORT_FR[w],
            day_of_month_fr(d),
            MONTHS_SHORT_FR[m]
        ),
        Lang::En => format!(
            "{} {} {}",
            &WEEKDAYS_EN[w][..3],
            d.day(),
            &MONTHS_EN[m][..3]
        ),
    }
}

/// "24 nov.", "24 Nov": a day on a chart's axis.
pub(super) fn day_axis(l: Lang, day: BusinessDay) -> String {
    let d = day.date();
    let m = d.month0() as usize;
    match l {
        Lang::Fr => format!("{} {}", day_of_month_fr(d), MONTHS_SHORT_FR[m]),
        Lang::En => format!("{} {}", d.day(), &MONTHS_EN[m][..3]),
    }
}

/// The days of a report: "du 1er novembre 2026 au 30 novembre 2026", or one day.
pub(super) fn period(l: Lang, from: BusinessDay, to: BusinessDay) -> String {
    if from == to {
        return day_long(l, from);
    }
    let plain = |d: BusinessDay| {
        let d = d.date();
        let m = d.month0() as usize;
        match l {
            Lang::Fr => format!("{} {} {}", day_of_month_fr(d), MONTHS_FR[m], d.year()),
            Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[m], d.year()),
        }
    };
    match l {
        Lang::Fr => format!("du {} au {}", plain(from), plain(to)),
        Lang::En => format!("{} to {}", plain(from), plain(to)),
    }
}

/// The day of the month as French writes it: `1er`, `2`, …
fn day_of_month_fr(d: NaiveDate) -> String {
    match d.day() {
        1 => "1er".to_owned(),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> BusinessDay {
        s.parse().unwrap()
    }

    #[test]
    fn figures_read_as_each_language_writes_them() {
        assert_eq!(count(Lang::Fr, 1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(count(Lang::En, 1_234), "1,234");
        assert_eq!(count(Lang::En, 999), "999");
        assert_eq!(count(Lang::Fr, 0), "0");
        assert_eq!(percent(Lang::Fr, 0.866), "87\u{202f}%");
        assert_eq!(percent(Lang::En, 1.0), "100%");
        assert_eq!(duration(Some(247.4)), "4:07");
        assert_eq!(duration(None), "—");
    }

    #[test]
    fn days_read_naturally() {
        assert_eq!(
            day_long(Lang::Fr, day("2026-11-01")),
            "dimanche 1er novembre 2026"
        );
        assert_eq!(
            day_long(Lang::En, day("2026-11-24")),
            "Tuesday 24 November 2026"
        );
        assert_eq!(day_short(Lang::Fr, day("2026-11-24")), "mar. 24 nov.");
        assert_eq!(day_short(Lang::En, day("2026-11-24")), "Tue 24 Nov");
        assert_eq!(day_axis(Lang::Fr, day("2026-02-01")), "1er févr.");
        assert_eq!(
            period(Lang::Fr, day("2026-11-01"), day("2026-11-30")),
            "du 1er novembre 2026 au 30 novembre 2026"
        );
        assert_eq!(
            period(Lang::En, day("2026-11-01"), day("2026-11-30")),
            "1 November 2026 to 30 November 2026"
        );
        assert_eq!(weekday(Lang::Fr, 7), "dimanche");
    }
}
