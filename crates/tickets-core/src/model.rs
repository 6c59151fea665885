//! Domain types: tickets, desks, services, statuses, logs and what operations return.
//!
//! Every value that crosses a trust boundary is a validated newtype built with
//! [`TryFrom`] or [`str::parse`], and deserializes through the same rule.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::error::ValidationError;

/// How many waiting tickets and log lines a snapshot lists at most.
pub const LIST_LIMIT: usize = 50;

/// The number of a ticket: 1, 2, 3… within a day.
///
/// ```
/// use tickets_core::TicketNumber;
/// assert_eq!("42".parse::<TicketNumber>().unwrap().get(), 42);
/// assert!("0".parse::<TicketNumber>().is_err());
/// assert!("-1".parse::<TicketNumber>().is_err());
/// assert!("abc".parse::<TicketNumber>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct TicketNumber(u64);

impl TicketNumber {
    /// The largest number a day can reach.
    pub const MAX: u64 = 999_999_999;

    /// Validates a ticket number (1 to [`TicketNumber::MAX`]).
    pub fn new(n: u64) -> Result<Self, ValidationError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(ValidationError::new(
                "ticket_number",
                format!("a ticket number is a whole number from 1 to {}", Self::MAX),
            ))
        }
    }

    /// The number itself.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for TicketNumber {
    type Error = ValidationError;
    fn try_from(n: u64) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<TicketNumber> for u64 {
    fn from(n: TicketNumber) -> u64 {
        n.0
    }
}

impl FromStr for TicketNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.parse::<u64>().map_err(|_| {
            ValidationError::new(
                "ticket_number",
                format!("a ticket number is a whole number from 1 to {}", Self::MAX),
            )
        })?;
        Self::new(n)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Checks a short identifier: `min..=max` characters from `[A-Za-z0-9_-]`.
fn check_ident(
    field: &'static str,
    what: &str,
    s: &str,
    max: usize,
) -> Result<(), ValidationError> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if s.is_empty() || s.len() > max || !ok_chars {
        return Err(ValidationError::new(
            field,
            format!("{what} is 1 to {max} characters among letters, digits, '-' and '_'"),
        ));
    }
    Ok(())
}

/// Declares a validated string newtype with its conversions and serde support.
macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `s`.
            pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
                let s = s.into();
                let check: fn(&str) -> Result<(), ValidationError> = $check;
                check(&s)?;
                Ok(Self(s))
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(
    /// A counter ("guichet"): 1 to 16 characters among letters, digits, `-` and `_`.
    ///
    /// Requests that name no desk use [`DeskId::default`], the desk `"1"`, which keeps the
    /// original system's single current ticket.
    ///
    /// ```
    /// use tickets_core::DeskId;
    /// assert!(DeskId::parse("guichet-3").is_ok());
    /// assert!(DeskId::parse("A").is_ok());
    /// assert!(DeskId::parse("").is_err());
    /// assert!(DeskId::parse("desk 3").is_err());
    /// assert!(DeskId::parse("x".repeat(17)).is_err());
    /// assert_eq!(DeskId::default().as_str(), "1");
    /// ```
    DeskId,
    |s| check_ident("desk", "a desk", s, 16)
);

impl Default for DeskId {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl DeskId {
    /// The id of the default desk.
    pub const DEFAULT: &'static str = "1";

    /// Whether this is the default desk.
    pub fn is_default(&self) -> bool {
        self.0 == Self::DEFAULT
    }
}

string_newtype!(
    /// A service a ticket is for: 1 to 32 characters among letters, digits, `-` and `_`.
    ///
    /// ```
    /// use tickets_core::Service;
    /// assert_eq!(Service::default().as_str(), "poste");
    /// assert!(Service::parse("banque").is_ok());
    /// assert!(Service::parse("<script>").is_err());
    /// ```
    Service,
    |s| check_ident("service_type", "a service", s, 32)
);

impl Default for Service {
    fn default() -> Self {
        Self("poste".to_owned())
    }
}

string_newtype!(
    /// A client-chosen key that makes a take safe to retry: the same key on the same day
    /// gives the same ticket. 1 to 128 visible ASCII characters (a UUID fits).
    ///
    /// ```
    /// use tickets_core::IdempotencyKey;
    /// assert!(IdempotencyKey::parse("kiosk-2:7f3c9a").is_ok());
    /// assert!(IdempotencyKey::parse("has space").is_err());
    /// assert!(IdempotencyKey::parse("").is_err());
    /// ```
    IdempotencyKey,
    |s| {
        if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            Err(ValidationError::new(
                "idempotency_key",
                "an idempotency key is 1 to 128 visible ASCII characters, without spaces",
            ))
        } else {
            Ok(())
        }
    }
);

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In the queue.
    Waiting,
    /// Called to a desk, being served.
    InProgress,
    /// Served.
    Completed,
    /// Called, but the customer did not come.
    NoShow,
}

impl TicketStatus {
    /// The name used in JSON and in the store (`waiting`, `in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Completed => "completed",
            TicketStatus::NoShow => "no_show",
        }
    }
}

impl FromStr for TicketStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "waiting" => TicketStatus::Waiting,
            "in_progress" => TicketStatus::InProgress,
            "completed" => TicketStatus::Completed,
            "no_show" => TicketStatus::NoShow,
            _ => {
                return Err(ValidationError::new(
                    "status",
                    "a status is waiting, in_progress, completed or no_show",
                ));
            }
        })
    }
}

/// Formats a time as `<ISO-8601 UTC with microseconds>`, e.g.
/// `2026-11-24T07:31:15.226383+00:00`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
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
        s.serialize_str(&super::iso(*t))
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

fn epoch_seconds(t: DateTime<Utc>) -> f64 {
    micros(t) as f64 / 1e6
}

/// One ticket of the day.
///
/// Serialized with the original field names (`ticket_number`, `creation_time` as epoch
/// seconds, `service_type`, `status`, `creation_time_iso`) plus the call and finish times
/// and the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "TicketJson", try_from = "TicketJson")]
pub struct Ticket {
    /// Its number.
    pub number: TicketNumber,
    /// The service it is for.
    pub service: Service,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// When a desk called it (the last call, not recalls).
    pub called_at: Option<DateTime<Utc>>,
    /// When it was finished or marked no-show.
    pub finished_at: Option<DateTime<Utc>>,
    /// The desk that called it.
    pub desk: Option<DeskId>,
    /// How many times it was recalled.
    pub recalls: u32,
}

impl Ticket {
    /// Seconds between taking and calling, once called.
    pub fn wait_seconds(&self) -> Option<f64> {
        self.called_at
            .map(|c| (micros(c) - micros(self.taken_at)).max(0) as f64 / 1e6)
    }
}

/// The JSON shape of [`Ticket`].
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Ticket))]
pub(crate) struct TicketJson {
    /// Its number.
    ticket_number: TicketNumber,
    /// When it was taken, in seconds since 1970 (UTC).
    creation_time: f64,
    /// The service it is for.
    service_type: Service,
    /// Where it is in its life.
    status: TicketStatus,
    /// When it was taken (RFC 3339, UTC).
    #[serde(with = "iso_format")]
    creation_time_iso: DateTime<Utc>,
    /// When a desk called it, in seconds since 1970.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    called_time: Option<f64>,
    /// When a desk called it (RFC 3339).
    #[serde(default, with = "iso_format::option")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    called_time_iso: Option<DateTime<Utc>>,
    /// When it was finished or marked no-show, in seconds since 1970.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    finish_time: Option<f64>,
    /// When it was finished or marked no-show (RFC 3339).
    #[serde(default, with = "iso_format::option")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    finish_time_iso: Option<DateTime<Utc>>,
    /// The desk that called it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    desk: Option<DeskId>,
    /// How many times it was recalled.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    recalls: u32,
}

impl From<Ticket> for TicketJson {
    fn from(t: Ticket) -> Self {
        TicketJson {
            ticket_number: t.number,
            creation_time: epoch_seconds(t.taken_at),
            service_type: t.service,
            status: t.status,
            creation_time_iso: t.taken_at,
            called_time: t.called_at.map(epoch_seconds),
            called_time_iso: t.called_at,
            finish_time: t.finished_at.map(epoch_seconds),
            finish_time_iso: t.finished_at,
            desk: t.desk,
            recalls: t.recalls,
        }
    }
}

impl TryFrom<TicketJson> for Ticket {
    type Error = ValidationError;
    fn try_from(j: TicketJson) -> Result<Self, Self::Error> {
        Ok(Ticket {
            number: j.ticket_number,
            service: j.service_type,
            status: j.status,
            taken_at: j.creation_time_iso,
            called_at: j.called_time_iso,
            finished_at: j.finish_time_iso,
            desk: j.desk,
            recalls: j.recalls,
        })
    }
}

/// An action, as written in logs and carried by events (the original action names, plus
/// `end_day`, `recall`, `no_show` and `reset_day`).
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
}

impl Action {
    /// Every action, in a fixed order.
    pub const ALL: [Action; 8] = [
        Action::StartDay,
        Action::EndDay,
        Action::TakeTicket,
        Action::CallNext,
        Action::FinishCurrent,
        Action::Recall,
        Action::NoShow,
        Action::ResetDay,
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

/// The day's state after open / close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayChange {
    /// The business day.
    pub day: BusinessDay,
    /// Whether the day is open now.
    pub open: bool,
    /// Whether this call changed it (false when it was already so).
    pub changed: bool,
}

/// What a reset removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    /// The business day.
    pub day: BusinessDay,
    /// How many tickets were wiped.
    pub tickets_removed: u64,
}

/// What taking a ticket gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    /// The business day.
    pub day: BusinessDay,
    /// The ticket.
    pub ticket: Ticket,
    /// How many tickets wait before it (at the time of the answer).
    pub waiting_before: u64,
    /// True when an idempotency key matched an earlier take: no new ticket was made.
    pub replayed: bool,
}

/// What calling the next ticket did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Called {
    /// The desk that called.
    pub desk: DeskId,
    /// The ticket the desk held before, now completed.
    pub finished: Option<Ticket>,
    /// The ticket now called to the desk; `None` when nobody waits.
    pub called: Option<Ticket>,
    /// How many tickets still wait.
    pub waiting_tickets: u64,
}

/// The cheap status of the queue, as seen from one desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueStatus {
    /// The business day.
    pub day: BusinessDay,
    /// Whether new tickets can be taken.
    pub open: bool,
    /// How many tickets wait.
    pub queue_length: u64,
    /// The desk this status is for.
    pub desk: DeskId,
    /// That desk's current ticket.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_ticket: Option<TicketNumber>,
    /// The ticket that will be called next.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_ticket: Option<TicketNumber>,
    /// How many tickets wait (same as `queue_length`, the original name).
    pub waiting_tickets: u64,
    /// How many tickets were taken today.
    pub total_tickets: u64,
}

/// Counters kept for the day, from which [`DayFigures`] are computed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    /// The number of the last event of the day.
    pub seq: u64,
    /// Tickets called (first calls).
    pub called: u64,
    /// Total wait of called tickets, in microseconds.
    pub wait_us: u64,
    /// Tickets completed.
    pub served: u64,
    /// Total service time of completed tickets, in microseconds.
    pub service_us: u64,
    /// Tickets marked no-show.
    pub no_shows: u64,
    /// Per desk: tickets completed and their total service time in microseconds.
    pub desks: BTreeMap<DeskId, DeskStats>,
}

/// One desk's counters for the day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskStats {
    /// Tickets completed at this desk.
    pub served: u64,
    /// Their total service time in microseconds.
    pub service_us: u64,
}

fn average_seconds(total_us: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| total_us as f64 / count as f64 / 1e6)
}

impl DeskStats {
    /// Average service time at this desk in seconds, once it served someone.
    pub fn avg_service_seconds(&self) -> Option<f64> {
        average_seconds(self.service_us, self.served)
    }
}

impl DayStats {
    /// Average wait (taken → called) in seconds.
    pub fn avg_wait_seconds(&self) -> Option<f64> {
        average_seconds(self.wait_us, self.called)
    }

    /// Average service time (called → finished) in seconds.
    pub fn avg_service_seconds(&self) -> Option<f64> {
        average_seconds(self.service_us, self.served)
    }

    /// Reads the counters from `(field, value)` pairs as the stores keep them
    /// (`seq`, `called`, `wait_us`, `served`, `service_us`, `no_show`,
    /// `desk:<id>:served`, `desk:<id>:service_us`). Unknown fields are an error.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut s = DayStats::default();
        for (k, v) in fields {
            let n: u64 = v
                .parse()
                .map_err(|_| format!("stats field {k:?} holds {v:?}, not a count"))?;
            match k {
                "seq" => s.seq = n,
                "called" => s.called = n,
                "wait_us" => s.wait_us = n,
                "served" => s.served = n,
                "service_us" => s.service_us = n,
                "no_show" => s.no_shows = n,
                _ => {
                    let unknown = || format!("unknown stats field {k:?}");
                    let rest = k.strip_prefix("desk:").ok_or_else(unknown)?;
                    let (desk, what) = rest.rsplit_once(':').ok_or_else(unknown)?;
                    let desk = DeskId::parse(desk).map_err(|e| e.to_string())?;
                    let d = s.desks.entry(desk).or_default();
                    match what {
                        "served" => d.served = n,
                        "service_us" => d.service_us = n,
                        _ => return Err(unknown()),
                    }
                }
            }
        }
        Ok(s)
    }
}

/// The day's figures, for the dashboard and the staff console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    /// Tickets taken today.
    pub taken: u64,
    /// Tickets waiting now.
    pub waiting: u64,
    /// Tickets called today.
    pub called: u64,
    /// Tickets completed today.
    pub served: u64,
    /// Tickets marked no-show today.
    pub no_shows: u64,
    /// Average wait from taking to calling, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_wait_seconds: Option<f64>,
    /// Average time from calling to finishing, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_service_seconds: Option<f64>,
    /// Desks that called at least once today.
    pub desks_at_work: u64,
    /// Tickets per hour the desks at work complete together, from each desk's measured
    /// average service time (the day's average for a desk that completed none yet);
    /// `None` before anyone was served.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub service_rate_per_hour: Option<f64>,
}

/// One desk as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskState {
    /// The desk.
    pub desk: DeskId,
    /// Its current ticket.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current: Option<Ticket>,
    /// Tickets it completed today.
    pub served: u64,
    /// Its average service time, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_service_seconds: Option<f64>,
}

/// How many times each action happened in one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinuteActivity {
    /// The start of the minute.
    pub minute: DateTime<Utc>,
    /// Count per action; actions that did not happen are absent.
    pub counts: BTreeMap<Action, u64>,
}

/// Everything about the day in one read: the original snapshot fields plus desks,
/// figures and per-minute activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// The business day.
    pub day: BusinessDay,
    /// Whether new tickets can be taken.
    pub open: bool,
    /// How many tickets wait.
    pub queue_length: u64,
    /// The default desk's current ticket.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_ticket: Option<TicketNumber>,
    /// The default desk's current ticket, whole.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_ticket_data: Option<Ticket>,
    /// The ticket that will be called next.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_ticket: Option<TicketNumber>,
    /// How many tickets wait (the original name).
    pub waiting_tickets: u64,
    /// The first waiting tickets, in order (at most the limit asked, 50 by default).
    pub waiting_list: Vec<Ticket>,
    /// The last log entries, newest first (at most the limit asked, 50 by default); in JSON
    /// as the original log lines (`<time>|<action>[:<ticket>][@<desk>]`).
    #[serde(with = "log_lines")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub logs: Vec<LogEntry>,
    /// Tickets taken today.
    pub total_tickets: u64,
    /// Average wait of the tickets called today, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_wait_seconds: Option<f64>,
    /// How many keys the day holds in the store.
    pub key_count: u64,
    /// How many of them are tickets.
    pub hash_count: u64,
    /// Seconds until the day's data expires; `None` when the day holds nothing.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ttl_seconds: Option<u64>,
    /// Every desk that worked today, in id order.
    pub desks: Vec<DeskState>,
    /// The day's figures.
    pub figures: DayFigures,
    /// Actions per minute over the window asked, oldest first, minutes with no action left out.
    pub activity: Vec<MinuteActivity>,
    /// The number of the last event of the day (0 when none).
    pub last_event: u64,
}

/// Serde for log entries as their text lines.
mod log_lines {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::LogEntry;

    pub(crate) fn serialize<S: Serializer>(logs: &[LogEntry], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(logs.iter().map(|l| l.to_string()))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LogEntry>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|l| l.parse().map_err(serde::de::Error::custom))
            .collect()
    }
}

/// How much a snapshot lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOptions {
    /// Waiting tickets listed at most (capped at 500).
    pub waiting: usize,
    /// Log entries listed at most (capped at 50, what the store keeps).
    pub logs: usize,
    /// Minutes of activity, ending with the current one (capped at one day).
    pub activity_minutes: u32,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        Self {
            waiting: LIST_LIMIT,
            logs: LIST_LIMIT,
            activity_minutes: 60,
        }
    }
}

impl SnapshotOptions {
    /// The same options with every limit brought within its cap.
    pub fn capped(self) -> Self {
        Self {
            waiting: self.waiting.min(500),
            logs: self.logs.min(LIST_LIMIT),
            activity_minutes: self.activity_minutes.min(24 * 60),
        }
    }
}

/// One ticket with where it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketInfo {
    /// The business day.
    pub day: BusinessDay,
    /// The ticket.
    pub ticket: Ticket,
    /// How many tickets wait before it, while it waits.
    pub waiting_before: Option<u64>,
    /// The estimated wait before it is called, in seconds, while it waits.
    pub estimated_wait_seconds: Option<u64>,
    /// The day's figures the estimate comes from.
    pub figures: DayFigures,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(us: i64) -> DateTime<Utc> {
        from_micros(us).unwrap()
    }

    #[test]
    fn seconds_text_round_trips_exactly() {
        for us in [0, 1, 999_999, 1_795_505_475_226_383, 1_795_505_475_000_001] {
            let s = seconds_text(t(us));
            assert_eq!(parse_seconds_text(&s), Some(t(us)), "{s}");
        }
        assert_eq!(seconds_text(t(1_795_505_475_226_383)), "1795505475.226383");
        assert_eq!(parse_seconds_text("12.5"), None);
        assert_eq!(parse_seconds_text("x.000000"), None);
    }

    #[test]
    fn ticket_json_uses_the_original_field_names() {
        let ticket = Ticket {
            number: TicketNumber::new(1).unwrap(),
            service: Service::default(),
            status: TicketStatus::Waiting,
            taken_at: t(1_795_505_475_226_383),
            called_at: None,
            finished_at: None,
            desk: None,
            recalls: 0,
        };
        let v = serde_json::to_value(&ticket).unwrap();
        assert_eq!(v["ticket_number"], 1);
        assert_eq!(v["service_type"], "poste");
        assert_eq!(v["status"], "waiting");
        assert_eq!(v["creation_time_iso"], "2026-11-24T07:31:15.226383+00:00");
        assert!((v["creation_time"].as_f64().unwrap() - 1_795_505_475.226_383).abs() < 1e-6);
        let back: Ticket = serde_json::from_value(v).unwrap();
        assert_eq!(back, ticket);
    }

    #[test]
    fn log_lines_without_ticket_or_desk_parse() {
        let e: LogEntry = "2026-11-24T07:31:15.119891+00:00|start_day"
            .parse()
            .unwrap();
        assert_eq!(e.action, Action::StartDay);
        assert_eq!(e.ticket, None);
        assert_eq!(e.desk, None);
        assert!("garbage".parse::<LogEntry>().is_err());
        assert!(
            "2026-11-24T07:31:15+00:00|dance"
                .parse::<LogEntry>()
                .is_err()
        );
    }

    #[test]
    fn stats_fields_parse_and_reject_foreign_data() {
        let s = DayStats::from_fields([
            ("seq", "7"),
            ("served", "2"),
            ("service_us", "4000000"),
            ("desk:A:served", "2"),
            ("desk:A:service_us", "4000000"),
        ])
        .unwrap();
        assert_eq!(s.seq, 7);
        assert_eq!(s.avg_service_seconds(), Some(2.0));
        assert_eq!(
            s.desks[&DeskId::parse("A").unwrap()].avg_service_seconds(),
            Some(2.0)
        );
        assert!(DayStats::from_fields([("served", "many")]).is_err());
        assert!(DayStats::from_fields([("colour", "1")]).is_err());
    }

    #[test]
    fn serde_rejects_invalid_values() {
        assert!(serde_json::from_str::<DeskId>("\"a b\"").is_err());
        assert!(serde_json::from_str::<TicketNumber>("0").is_err());
        assert!(serde_json::from_str::<Service>("\"\"").is_err());
        assert_eq!(
            serde_json::from_str::<DeskId>("\"guichet-3\"")
                .unwrap()
                .as_str(),
            "guichet-3"
        );
    }
}
