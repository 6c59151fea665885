//! Actions and the day's log lines.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{DeskId, TicketNumber};
use super::time::{iso, iso_format};
use crate::error::ValidationError;

/// An action, as written in logs and carried by events (the original action names, plus
/// `end_day`, `recall`, `no_show`, `reset_day`, `call_ticket`, `transfer` and `requeue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The day was opened.
    StartDay,
    /// The day was closed.
    EndDay,
    /// A ticket was taken.
    TakeTicket,
    /// A desk called a ticket.
    CallNext,
    /// A desk finished its ticket.
    FinishCurrent,
    /// A desk called its ticket again.
    Recall,
    /// A desk marked its ticket as no-show.
    NoShow,
    /// The day was wiped.
    ResetDay,
    /// A desk called a given ticket out of order.
    CallTicket,
    /// Staff moved a ticket to another service's queue.
    Transfer,
    /// Staff put a no-show ticket back in its queue.
    Requeue,
    /// The holder of a waiting ticket left the queue.
    LeaveQueue,
}

impl Action {
    /// Every action, in a fixed order.
    pub const ALL: [Action; 12] = [
        Action::StartDay,
        Action::EndDay,
        Action::TakeTicket,
        Action::CallNext,
        Action::FinishCurrent,
        Action::Recall,
        Action::NoShow,
        Action::ResetDay,
        Action::CallTicket,
        Action::Transfer,
        Action::Requeue,
        Action::LeaveQueue,
    ];

    /// The name in logs and JSON (`start_day`, `take_ticket`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::StartDay => "start_day",
            Action::EndDay => "end_day",
            Action::TakeTicket => "take_ticket",
            Action::CallNext => "call_next",
            Action::FinishCurrent => "finish_current",
            Action::Recall => "recall",
            Action::NoShow => "no_show",
            Action::ResetDay => "reset_day",
            Action::CallTicket => "call_ticket",
            Action::Transfer => "transfer",
            Action::Requeue => "requeue",
            Action::LeaveQueue => "leave_queue",
        }
    }
}

impl FromStr for Action {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ValidationError::new("action", format!("unknown action {s:?}")))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the day's log.
///
/// Its text form is the original one, extended with the desk:
/// `<ISO time>|<action>[:<ticket>][@<desk>]`.
///
/// ```
/// use tickets_core::{Action, LogEntry};
/// let e: LogEntry = "2026-11-24T07:31:15.119891+00:00|call_next:5@guichet-3".parse().unwrap();
/// assert_eq!(e.action, Action::CallNext);
/// assert_eq!(e.ticket.unwrap().get(), 5);
/// assert_eq!(e.desk.as_ref().unwrap().as_str(), "guichet-3");
/// assert_eq!(e.to_string(), "2026-11-24T07:31:15.119891+00:00|call_next:5@guichet-3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// When it happened.
    #[serde(with = "iso_format")]
    pub time: DateTime<Utc>,
    /// What happened.
    pub action: Action,
    /// The ticket concerned.
    #[serde(rename = "ticket_number")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ticket: Option<TicketNumber>,
    /// The desk concerned.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub desk: Option<DeskId>,
}

impl LogEntry {
    /// A log entry.
    pub fn new(
        time: DateTime<Utc>,
        action: Action,
        ticket: Option<TicketNumber>,
        desk: Option<DeskId>,
    ) -> Self {
        Self {
            time,
            action,
            ticket,
            desk,
        }
    }
}

impl fmt::Display for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", iso(self.time), self.action)?;
        if let Some(n) = self.ticket {
            write!(f, ":{n}")?;
        }
        if let Some(d) = &self.desk {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl FromStr for LogEntry {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ValidationError::new("log", format!("unreadable log line {s:?}"));
        let (time, rest) = s.split_once('|').ok_or_else(bad)?;
        let time = DateTime::parse_from_rfc3339(time)
            .map_err(|_| bad())?
            .with_timezone(&Utc);
        let (rest, desk) = match rest.split_once('@') {
            Some((r, d)) => (r, Some(DeskId::parse(d)?)),
            None => (rest, None),
        };
        let (action, ticket) = match rest.split_once(':') {
            Some((a, n)) => (a, Some(n.parse()?)),
            None => (rest, None),
        };
        Ok(LogEntry {
            time,
            action: action.parse()?,
            ticket,
            desk,
        })
    }
}
