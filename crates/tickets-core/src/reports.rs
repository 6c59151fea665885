//! Reports: the figures of a range of days, computed from the history.
//!
//! Every figure is computed from the records themselves, never from averages of
//! averages: the median is the middle wait (the mean of the two middle ones for an even
//! count), the 90th percentile the nearest-rank one (the smallest wait that at least 90 %
//! of the waits do not exceed), and shares are counts over counts.
//!
//! A wait runs from taking the ticket to its last call; it counts for every ticket that
//! was called (served, no-show, or at a desk). A service time runs from the last call to
//! the end, for served tickets. "Within target" is the share of called tickets, among
//! those of services that have a target wait, whose wait did not exceed it.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use tickets_core::{HistoryRecord, OfficeConfig, Report, ReportQuery};
//! let day = "2026-11-24".parse().unwrap();
//! let line = "completed|general||1||7|1795505475.000000|1795505535.000000|1795505655.000000|0|0";
//! let r = HistoryRecord::from_line(day, "7@1795505475.000000", line).unwrap();
//! let query = ReportQuery::new(day, day).unwrap();
//! let office = OfficeConfig::default();
//! let mut report = Report::builder(&query, &office, chrono_tz::UTC);
//! report.add(&r);
//! let report = report.finish();
//! assert_eq!(report.total.served, 1);
//! assert_eq!(report.total.median_wait_seconds, Some(60.0));
//! assert_eq!(report.days[0].figures.taken, 1);
//! ```

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::error::ValidationError;
use crate::history::{HistoryRecord, Outcome};
use crate::model::{DeskId, PriorityCode, Service};
use crate::office::{Names, OfficeConfig};

/// The longest range a report covers, in days.
pub const MAX_REPORT_DAYS: i64 = 731;

/// What a report covers: a range of days (both included) and optional filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportQuery {
    /// The first day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-01"))]
    pub from: BusinessDay,
    /// The last day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-30"))]
    pub to: BusinessDay,
    /// Only the tickets of this service.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub service: Option<Service>,
    /// Only the tickets called to this desk.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub desk: Option<DeskId>,
}

impl ReportQuery {
    /// The days from `from` to `to`, both included: `from` must not come after `to`, and
    /// the range spans at most [`MAX_REPORT_DAYS`].
    pub fn new(from: BusinessDay, to: BusinessDay) -> Result<Self, ValidationError> {
        if from > to {
            return Err(ValidationError::new(
                "from",
                "the first day (from) comes after the last one (to)",
            ));
        }
        if (to.date() - from.date()).num_days() >= MAX_REPORT_DAYS {
            return Err(ValidationError::new(
                "to",
                format!("a report covers at most {MAX_REPORT_DAYS} days"),
            ));
        }
        Ok(Self {
            from,
            to,
            service: None,
            desk: None,
        })
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = BusinessDay> + use<> {
        let (from, to) = (self.from.date(), self.to.date());
        from.iter_days()
            .take_while(move |d| *d <= to)
            .map(BusinessDay::new)
    }

    /// Whether `r` passes the filters.
    pub fn keeps(&self, r: &HistoryRecord) -> bool {
        self.service.as_ref().is_none_or(|s| *s == r.service)
            && self
                .desk
                .as_ref()
                .is_none_or(|d| r.desk.as_ref() == Some(d))
    }
}

/// The figures of a group of tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Tickets taken.
    pub taken: u64,
    /// Served.
    pub served: u64,
    /// Called but absent.
    pub no_show: u64,
    /// Left waiting (or never finished at a desk) when their day ended.
    pub unserved: u64,
    /// Left the queue by their holder before being called.
    #[serde(default)]
    pub cancelled: u64,
    /// Still waiting now (today only).
    pub waiting: u64,
    /// At a desk now (today only).
    pub in_progress: u64,
    /// Tickets called, whose waits the wait figures cover.
    pub called: u64,
    /// Average wait, in seconds.
    pub avg_wait_seconds: Option<f64>,
    /// Median wait, in seconds.
    pub median_wait_seconds: Option<f64>,
    /// 90th percentile of the waits (nearest rank), in seconds.
    pub p90_wait_seconds: Option<f64>,
    /// Longest wait, in seconds.
    pub max_wait_seconds: Option<f64>,
    /// Average service time, in seconds.
    pub avg_service_seconds: Option<f64>,
    /// 90th percentile of the service times (nearest rank), in seconds.
    pub p90_service_seconds: Option<f64>,
    /// Called tickets of services with a target wait.
    pub with_target: u64,
    /// Those called within their service's target.
    pub within_target: u64,
    /// `within_target / with_target`, from 0 to 1.
    pub within_target_share: Option<f64>,
}

/// One day of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayReport {
    /// The day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-24"))]
    pub day: BusinessDay,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
    /// Tickets taken per service.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, u64>))]
    pub taken_by_service: BTreeMap<Service, u64>,
}

/// One service of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceReport {
    /// Its code.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Service,
    /// Its name (the code for a service the office no longer lists).
    pub name: Names,
    /// Its target wait, in minutes, if it has one.
    pub target_wait_minutes: Option<u32>,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One priority class of a report (`code` null: people without priority).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityReport {
    /// Its code; null for people without priority.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub code: Option<PriorityCode>,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One desk of a report: the tickets it called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskReport {
    /// The desk.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub desk: DeskId,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// One hour of one weekday: how many tickets were taken then, and how long they waited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourReport {
    /// 1 (Monday) to 7 (Sunday), in the office's time zone.
    pub weekday: u8,
    /// 0 to 23, local time.
    pub hour: u8,
    /// Tickets taken in that hour.
    pub taken: u64,
    /// Their average wait, in seconds, among those called.
    pub avg_wait_seconds: Option<f64>,
}

/// The figures of a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// What it covers.
    pub query: ReportQuery,
    /// The office's time zone, in which days, weekdays and hours are counted.
    pub time_zone: String,
    /// The whole range.
    pub total: Figures,
    /// Each day of the range, in order (days without tickets included).
    pub days: Vec<DayReport>,
    /// Each service with tickets in the range, in the office's order.
    pub services: Vec<ServiceReport>,
    /// Each priority class with tickets (people without priority first).
    pub priorities: Vec<PriorityReport>,
    /// Each desk that called tickets, in id order.
    pub desks: Vec<DeskReport>,
    /// The weekday × hour cells that had tickets, weekday then hour.
    pub hours: Vec<HourReport>,
}

/// What one record adds to a group, computed once for all its groups.
#[derive(Debug, Clone, Copy)]
struct Counted {
    outcome: Outcome,
    wait_us: Option<i64>,
    service_us: Option<i64>,
    /// Its service's target wait; 0 without one.
    target_us: i64,
}

impl Counted {
    fn of(r: &HistoryRecord, target_us: i64) -> Self {
        Counted {
            outcome: r.outcome,
            wait_us: r.wait_us(),
            service_us: r.service_us(),
            target_us,
        }
    }
}

/// Collects the waits and counts of one group.
#[derive(Debug, Default, Clone)]
struct Acc {
    taken: u64,
    outcomes: [u64; 6],
    waits: Vec<i64>,
    services: Vec<i64>,
    with_target: u64,
    within_target: u64,
}

impl Acc {
    fn add(&mut self, c: Counted) {
        self.taken += 1;
        self.outcomes[c.outcome as usize] += 1;
        if let Some(w) = c.wait_us {
            self.waits.push(w);
            if c.target_us > 0 {
                self.with_target += 1;
                if w <= c.target_us {
                    self.within_target += 1;
                }
            }
        }
        if let Some(s) = c.service_us {
            self.services.push(s);
        }
    }

    fn finish(mut self) -> Figures {
        let count = |o: Outcome| self.outcomes[o as usize];
        Figures {
            taken: self.taken,
            served: count(Outcome::Served),
            no_show: count(Outcome::NoShow),
            unserved: count(Outcome::Unserved),
            cancelled: count(Outcome::Cancelled),
            waiting: count(Outcome::Waiting),
            in_progress: count(Outcome::InProgress),
            called: self.waits.len() as u64,
            avg_wait_seconds: mean(&self.waits),
            median_wait_seconds: median(&mut self.waits),
            p90_wait_seconds: nearest_rank(&mut self.waits, 90),
            max_wait_seconds: self.waits.iter().max().map(|&w| seconds(w)),
            avg_service_seconds: mean(&self.services),
            p90_service_seconds: nearest_rank(&mut self.services, 90),
            with_target: self.with_target,
            within_target: self.within_target,
            within_target_share: (self.with_target > 0)
                .then(|| self.within_target as f64 / self.with_target as f64),
        }
    }
}

fn seconds(us: i64) -> f64 {
    us as f64 / 1e6
}

fn mean(v: &[i64]) -> Option<f64> {
    (!v.is_empty()).then(|| seconds(v.iter().sum::<i64>()) / v.len() as f64)
}

/// The value that would be at index `k` of `v` sorted; reorders `v` (in O(n), rather than
/// sorting it whole: a year's report has a few such figures over 365,000 waits).
fn ranked(v: &mut [i64], k: usize) -> i64 {
    *v.select_nth_unstable(k).1
}

/// The median of `v` (reordered).
fn median(v: &mut [i64]) -> Option<f64> {
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(seconds(ranked(v, n / 2))),
        _ => {
            let upper = ranked(v, n / 2);
            // Everything before index n / 2 is now at most `upper`: its largest is the
            // value sorting would put at n / 2 - 1.
            let lower = v[..n / 2].iter().copied().max().unwrap_or(upper);
            Some((seconds(lower) + seconds(upper)) / 2.0)
        }
    }
}

/// The nearest-rank `p`th percentile of `v` (reordered).
fn nearest_rank(v: &mut [i64], p: usize) -> Option<f64> {
    let n = v.len();
    (n > 0).then(|| seconds(ranked(v, (p * n).div_ceil(100).max(1) - 1)))
}

/// The entry of `key` in `map`, made (with a copy of the key) only when missing.
fn slot<'m, K: Ord + Clone, V: Default>(map: &'m mut BTreeMap<K, V>, key: &K) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.clone(), V::default());
    }
    map.get_mut(key).expect("the entry was just made")
}

/// Builds a [`Report`] from records given one by one ([`Report::builder`]).
#[derive(Debug)]
pub struct ReportBuilder<'a> {
    query: ReportQuery,
    office: &'a OfficeConfig,
    tz: Tz,
    total: Acc,
    days: BTreeMap<BusinessDay, (Acc, BTreeMap<Service, u64>)>,
    services: BTreeMap<Service, Acc>,
    priorities: BTreeMap<Option<PriorityCode>, Acc>,
    desks: BTreeMap<DeskId, Acc>,
    hours: BTreeMap<(u8, u8), (u64, i64, u64)>,
}

impl Report {
    /// A report of `query` for `office`, counting hours in `tz`.
    pub fn builder<'a>(query: &ReportQuery, office: &'a OfficeConfig, tz: Tz) -> ReportBuilder<'a> {
        ReportBuilder {
            query: query.clone(),
            office,
            tz,
            total: Acc::default(),
            days: query
                .days()
                .map(|d| (d, (Acc::default(), BTreeMap::new())))
                .collect(),
            services: BTreeMap::new(),
            priorities: BTreeMap::new(),
            desks: BTreeMap::new(),
            hours: BTreeMap::new(),
        }
    }
}

impl ReportBuilder<'_> {
    /// Counts `r` if it is in the range and passes the filters.
    pub fn add(&mut self, r: &HistoryRecord) {
        if !self.query.keeps(r) {
            return;
        }
        let Some((day, by_service)) = self.days.get_mut(&r.day) else {
            return;
        };
        let target_us = self
            .office
            .service(&r.service)
            .map_or(0, |s| s.target_wait_us());
        let c = Counted::of(r, target_us);
        day.add(c);
        *slot(by_service, &r.service) += 1;
        self.total.add(c);
        slot(&mut self.services, &r.service).add(c);
        slot(&mut self.priorities, &r.priority).add(c);
        if let Some(d) = &r.desk
            && r.called_at.is_some()
        {
            slot(&mut self.desks, d).add(c);
        }
        let local = r.taken_at.with_timezone(&self.tz);
        let cell = (
            local.weekday().number_from_monday() as u8,
            local.hour() as u8,
        );
        let h = self.hours.entry(cell).or_default();
        h.0 += 1;
        if let Some(w) = c.wait_us {
            h.1 += w;
            h.2 += 1;
        }
    }

    /// The report.
    pub fn finish(self) -> Report {
        let office = self.office;
        let mut services: Vec<ServiceReport> = self
            .services
            .into_iter()
            .map(|(code, acc)| {
                let conf = office.service(&code);
                ServiceReport {
                    name: conf.map_or_else(|| Names::both(code.as_str()), |c| c.name.clone()),
                    target_wait_minutes: conf.and_then(|c| c.target_wait_minutes),
                    figures: acc.finish(),
                    code,
                }
            })
            .collect();
        // The office's order, then services it no longer lists.
        let place = |s: &Service| {
            office
                .services
                .iter()
                .position(|c| &c.code == s)
                .unwrap_or(usize::MAX)
        };
        services.sort_by(|a, b| (place(&a.code), &a.code).cmp(&(place(&b.code), &b.code)));
        Report {
            time_zone: self.tz.name().to_owned(),
            total: self.total.finish(),
            days: self
                .days
                .into_iter()
                .map(|(day, (acc, taken_by_service))| DayReport {
                    day,
                    figures: acc.finish(),
                    taken_by_service,
                })
                .collect(),
            services,
            priorities: self
                .priorities
                .into_iter()
                .map(|(code, acc)| PriorityReport {
                    code,
                    figures: acc.finish(),
                })
                .collect(),
            desks: self
                .desks
                .into_iter()
                .map(|(desk, acc)| DeskReport {
                    desk,
                    figures: acc.finish(),
                })
                .collect(),
            hours: self
                .hours
                .into_iter()
                .map(|((weekday, hour), (taken, wait_us, called))| HourReport {
                    weekday,
                    hour,
                    taken,
                    avg_wait_seconds: (called > 0).then(|| seconds(wait_us) / called as f64),
                })
                .collect(),
            query: self.query,
        }
    }
}

/// The day before `day`.
pub(crate) fn day_before(day: BusinessDay) -> BusinessDay {
    BusinessDay::new(day.date() - Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_exact_over_the_values() {
        let mut v: Vec<i64> = (1..=10).map(|s| s * 1_000_000).collect();
        assert_eq!(median(&mut v), Some(5.5));
        assert_eq!(nearest_rank(&mut v, 90), Some(9.0));
        assert_eq!(nearest_rank(&mut v[..1], 90), Some(1.0));
        let mut v: Vec<i64> = (1..=10).map(|s| s * 1_000_000).collect();
        assert_eq!(median(&mut v[..3]), Some(2.0));
        assert_eq!(nearest_rank(&mut v[..3], 90), Some(3.0));
        assert_eq!(mean(&v), Some(5.5));
        assert_eq!(median(&mut []), None);
        assert_eq!(nearest_rank(&mut [], 90), None);
    }

    #[test]
    fn order_statistics_match_sorting_whatever_the_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for n in 0..200 {
            let v: Vec<i64> = (0..n).map(|_| rng.random_range(0..50)).collect();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let want_median = match n {
                0 => None,
                _ if n % 2 == 1 => Some(seconds(sorted[n / 2])),
                _ => Some((seconds(sorted[n / 2 - 1]) + seconds(sorted[n / 2])) / 2.0),
            };
            let want_p90 = (n > 0).then(|| seconds(sorted[(90 * n).div_ceil(100).max(1) - 1]));
            let mut got = v.clone();
            assert_eq!(median(&mut got), want_median, "{v:?}");
            assert_eq!(nearest_rank(&mut got, 90), want_p90, "{v:?}");
            let mut got = v.clone();
            assert_eq!(nearest_rank(&mut got, 90), want_p90, "{v:?}");
            assert_eq!(median(&mut got), want_median, "{v:?}");
        }
    }

    #[test]
    fn a_range_is_checked() {
        let d = |s: &str| s.parse::<BusinessDay>().unwrap();
        assert!(ReportQuery::new(d("2026-11-02"), d("2026-11-01")).is_err());
        assert!(ReportQuery::new(d("2024-01-01"), d("2026-11-01")).is_err());
        let q = ReportQuery::new(d("2026-02-27"), d("2026-03-01")).unwrap();
        let days: Vec<String> = q.days().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2026-02-27", "2026-02-28", "2026-03-01"]);
    }
}
