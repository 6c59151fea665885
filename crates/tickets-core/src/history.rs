//! The history kept past the day: one compact [`HistoryRecord`] per ticket.
//!
//! Both backends write a ticket's record in the same atomic step as every change to the
//! ticket (take, call, finish, no-show, recall, transfer, requeue), so the history of a
//! day always holds every ticket of that day as it last was. When a day is over, its
//! tickets still waiting or at a desk become [`Outcome::Unserved`]: the first operation of
//! a later day closes the earlier days ([`QueueBackend::close_history`]), and readers treat
//! a record of a past day that is still open the same way, so a server whose clock lags
//! cannot leave a ticket waiting forever.
//!
//! A record holds no personal data: numbers, codes, times and the staff account that
//! called the ticket.
//!
//! On Redis a day's records are the fields of one hash, `<prefix>:{<day>}:history`, kept
//! for [`DEFAULT_HISTORY_DAYS`] (`TICKETS_HISTORY_DAYS`) after its last take; each value is
//! one line, `status|service|class|desk|account|label|taken|called|finished|recalls|transfers`
//! (see [`HistoryRecord::from_line`]).
//!
//! [`QueueBackend::close_history`]: crate::QueueBackend::close_history

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::Username;
use crate::clock::BusinessDay;
use crate::error::ValidationError;
use crate::model::{
    DeskId, PriorityCode, Service, Ticket, TicketNumber, TicketStatus, micros, parse_seconds_text,
};

/// How long the history of a day is kept by default, in days.
pub const DEFAULT_HISTORY_DAYS: u32 = 400;

/// How a ticket ended, or where it stands while its day goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Still waiting (today only).
    Waiting,
    /// At a desk now (today only).
    InProgress,
    /// Served.
    Served,
    /// Called, but the customer did not come.
    NoShow,
    /// Still waiting, or never finished at a desk, when its day ended (or the day was
    /// reset).
    Unserved,
    /// Its holder left the queue before being called.
    Cancelled,
}

impl Outcome {
    /// The name in JSON, CSV and the store (`waiting`, `in_progress`, `served`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::InProgress => "in_progress",
            Outcome::Served => "served",
            Outcome::NoShow => "no_show",
            Outcome::Unserved => "unserved",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// Where a ticket of `status` stands.
    pub fn of(status: TicketStatus) -> Self {
        match status {
            TicketStatus::Waiting => Outcome::Waiting,
            TicketStatus::InProgress => Outcome::InProgress,
            TicketStatus::Completed => Outcome::Served,
            TicketStatus::NoShow => Outcome::NoShow,
            TicketStatus::Cancelled => Outcome::Cancelled,
        }
    }

    /// Whether the ticket is still in play (waiting or at a desk).
    pub fn is_open(self) -> bool {
        matches!(self, Outcome::Waiting | Outcome::InProgress)
    }

    /// The store's spelling: the ticket statuses, plus `unserved`.
    fn store_name(self) -> &'static str {
        match self {
            Outcome::Served => "completed",
            other => other.as_str(),
        }
    }

    fn from_store(s: &str) -> Option<Self> {
        Some(match s {
            "waiting" => Outcome::Waiting,
            "in_progress" => Outcome::InProgress,
            "completed" => Outcome::Served,
            "no_show" => Outcome::NoShow,
            "unserved" => Outcome::Unserved,
            "cancelled" => Outcome::Cancelled,
            _ => return None,
        })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Outcome::Waiting,
            Outcome::InProgress,
            Outcome::Served,
            Outcome::NoShow,
            Outcome::Unserved,
            Outcome::Cancelled,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
        .ok_or_else(|| {
            ValidationError::new(
                "outcome",
                "an outcome is waiting, in_progress, served, no_show, unserved or cancelled",
            )
        })
    }
}

/// One ticket in the history.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use tickets_core::{HistoryRecord, Outcome};
/// let line = "completed|poste||2|marie|A007|1795505475.000000|1795505535.000000|1795505655.000000|1|0";
/// let r = HistoryRecord::from_line("2026-11-24".parse().unwrap(), "7@1795505475.000000", line).unwrap();
/// assert_eq!(r.outcome, Outcome::Served);
/// assert_eq!(r.label, "A007");
/// assert_eq!(r.wait_seconds(), Some(60.0));
/// assert_eq!(r.service_seconds(), Some(120.0));
/// assert_eq!(r.account.as_ref().map(|a| a.as_str()), Some("marie"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryRecord {
    /// Its business day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-24"))]
    pub day: BusinessDay,
    /// Its number that day.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub number: TicketNumber,
    /// What people saw (`A007`).
    pub label: String,
    /// Its service (the last one, after transfers).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub service: Service,
    /// Its priority class, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub priority: Option<PriorityCode>,
    /// The desk that called it last.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub desk: Option<DeskId>,
    /// The staff account that called it last, when known.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub account: Option<Username>,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// When a desk called it last.
    pub called_at: Option<DateTime<Utc>>,
    /// When it was finished or marked no-show.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended, or where it stands.
    pub outcome: Outcome,
    /// How many times it was recalled.
    pub recalls: u32,
    /// How many times it was moved to another queue.
    pub transfers: u32,
}

impl HistoryRecord {
    /// The record of `ticket` of `day` as it is now, called by `account` if known.
    pub fn of(day: BusinessDay, ticket: &Ticket, account: Option<&Username>) -> Self {
        HistoryRecord {
            day,
            number: ticket.number,
            label: ticket.label.clone(),
            service: ticket.service.clone(),
            priority: ticket.priority.clone(),
            desk: ticket.desk.clone(),
            account: account.cloned(),
            taken_at: ticket.taken_at,
            called_at: ticket.called_at,
            finished_at: ticket.finished_at,
            outcome: Outcome::of(ticket.status),
            recalls: ticket.recalls,
            transfers: ticket.transfers,
        }
    }

    /// Seconds between taking and the last call, once called.
    pub fn wait_seconds(&self) -> Option<f64> {
        self.wait_us().map(|us| us as f64 / 1e6)
    }

    /// Microseconds between taking and the last call, once called.
    pub fn wait_us(&self) -> Option<i64> {
        self.called_at
            .map(|c| (micros(c) - micros(self.taken_at)).max(0))
    }

    /// Seconds between the call and the end, for a served ticket.
    pub fn service_seconds(&self) -> Option<f64> {
        self.service_us().map(|us| us as f64 / 1e6)
    }

    /// Microseconds between the call and the end, for a served ticket.
    pub fn service_us(&self) -> Option<i64> {
        match (self.outcome, self.called_at, self.finished_at) {
            (Outcome::Served, Some(c), Some(f)) => Some((micros(f) - micros(c)).max(0)),
            _ => None,
        }
    }

    /// The record as a day that is over sees it: a ticket still open is unserved.
    pub fn closed(mut self) -> Self {
        if self.outcome.is_open() {
            self.outcome = Outcome::Unserved;
        }
        self
    }

    /// The store's field name of the record: `<number>@<taken, seconds.micros>`, unique
    /// within a day even across a reset.
    pub fn field(&self) -> String {
        format!(
            "{}@{}",
            self.number,
            crate::model::seconds_text(self.taken_at)
        )
    }

    /// The store's line of the record (see the module documentation).
    pub fn line(&self) -> String {
        let opt = |v: Option<&str>| v.unwrap_or("").to_owned();
        let time = |t: Option<DateTime<Utc>>| t.map(crate::model::seconds_text).unwrap_or_default();
        [
            self.outcome.store_name().to_owned(),
            self.service.to_string(),
            opt(self.priority.as_ref().map(|p| p.as_str())),
            opt(self.desk.as_ref().map(|d| d.as_str())),
            opt(self.account.as_ref().map(|a| a.as_str())),
            self.label.clone(),
            crate::model::seconds_text(self.taken_at),
            time(self.called_at),
            time(self.finished_at),
            self.recalls.to_string(),
            self.transfers.to_string(),
        ]
        .join("|")
    }

    /// Reads a record of `day` from its store field and line; `Err` names what is wrong.
    pub fn from_line(day: BusinessDay, field: &str, line: &str) -> Result<Self, String> {
        let number = field
            .split_once('@')
            .map_or(field, |(n, _)| n)
            .parse::<u64>()
            .ok()
            .and_then(|n| TicketNumber::new(n).ok())
            .ok_or_else(|| format!("field {field} does not start with a ticket number"))?;
        // Eleven parts, without collecting them (a year of records is 365,000 lines).
        let mut split = line.split('|');
        let parts: [Option<&str>; 11] = std::array::from_fn(|_| split.next());
        let extra = split.count();
        let found = parts.iter().flatten().count() + extra;
        let (11, 0) = (found, extra) else {
            return Err(format!("record {field} has {found} parts, not 11"));
        };
        let [
            status,
            service,
            class,
            desk,
            account,
            label,
            taken,
            called,
            finished,
            recalls,
            transfers,
        ] = parts.map(Option::unwrap_or_default);
        let bad = |what: &str, v: &str| format!("record {field}: {what} {v:?} cannot be read");
        fn opt(v: &str) -> Option<&str> {
            (!v.is_empty()).then_some(v)
        }
        let time = |what: &str, v: &str| -> Result<Option<DateTime<Utc>>, String> {
            opt(v)
                .map(|v| parse_seconds_text(v).ok_or_else(|| bad(what, v)))
                .transpose()
        };
        Ok(HistoryRecord {
            day,
            number,
            label: if label.is_empty() {
                number.to_string()
            } else {
                label.to_owned()
            },
            service: Service::parse(service).map_err(|_| bad("service", service))?,
            priority: opt(class)
                .map(|c| PriorityCode::parse(c).map_err(|_| bad("class", c)))
                .transpose()?,
            desk: opt(desk)
                .map(|d| DeskId::parse(d).map_err(|_| bad("desk", d)))
                .transpose()?,
            account: opt(account)
                .map(|a| Username::parse(a).map_err(|_| bad("account", a)))
                .transpose()?,
            taken_at: time("taken", taken)?.ok_or_else(|| bad("taken", taken))?,
            called_at: time("called", called)?,
            finished_at: time("finished", finished)?,
            outcome: Outcome::from_store(status).ok_or_else(|| bad("status", status))?,
            recalls: if recalls.is_empty() {
                0
            } else {
                recalls.parse().map_err(|_| bad("recalls", recalls))?
            },
            transfers: if transfers.is_empty() {
                0
            } else {
                transfers.parse().map_err(|_| bad("transfers", transfers))?
            },
        })
    }
}

/// The records of `day` from the store's fields and lines, in the order the tickets were
/// taken; the `_closed` field is skipped.
#[cfg(feature = "redis")]
pub(crate) fn sorted_records<'a>(
    day: BusinessDay,
    stored: impl Iterator<Item = (&'a str, &'a str)>,
) -> crate::error::Result<Vec<HistoryRecord>> {
    let mut records = stored
        .filter(|(f, _)| *f != CLOSED_FIELD)
        .map(|(f, l)| {
            HistoryRecord::from_line(day, f, l)
                .map_err(|e| crate::error::Error::corrupt(format!("history of {day}"), e))
        })
        .collect::<crate::error::Result<Vec<_>>>()?;
    // Sorting the keys, not moving the records at each step.
    records.sort_by_cached_key(|r| (r.taken_at, r.number));
    Ok(records)
}

/// The field of a day's history that says it was closed.
#[cfg(feature = "redis")]
pub(crate) const CLOSED_FIELD: &str = "_closed";

/// What closing a day's history did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HistoryClose {
    /// The day was closed already (by this call's day or another server): nothing done.
    pub already: bool,
    /// The day had a history to close.
    pub found: bool,
    /// Records that became unserved.
    pub unserved: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_record_goes_to_a_line_and_back() {
        let day: BusinessDay = "2026-03-29".parse().unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 29, 8, 0, 0).unwrap();
        let r = HistoryRecord {
            day,
            number: TicketNumber::new(12).unwrap(),
            label: "B003".into(),
            service: Service::parse("colis").unwrap(),
            priority: Some(PriorityCode::parse("pmr").unwrap()),
            desk: Some(DeskId::parse("3").unwrap()),
            account: Some(Username::parse("marie.d").unwrap()),
            taken_at: t0,
            called_at: Some(t0 + chrono::Duration::microseconds(61_500_001)),
            finished_at: None,
            outcome: Outcome::InProgress,
            recalls: 2,
            transfers: 1,
        };
        let back = HistoryRecord::from_line(day, &r.field(), &r.line()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.clone().closed().outcome, Outcome::Unserved);
        assert_eq!(r.wait_us(), Some(61_500_001));
        assert_eq!(r.service_us(), None);
    }

    #[test]
    fn foreign_lines_are_refused_with_a_reason() {
        let day: BusinessDay = "2026-03-29".parse().unwrap();
        let e = HistoryRecord::from_line(day, "x", "completed").unwrap_err();
        assert!(e.contains("ticket number"), "{e}");
        let e = HistoryRecord::from_line(day, "1@1", "completed|a").unwrap_err();
        assert!(e.contains("11"), "{e}");
        let e = HistoryRecord::from_line(day, "1@1", "done|a||||1|1.000000||||").unwrap_err();
        assert!(e.contains("status"), "{e}");
    }
}
