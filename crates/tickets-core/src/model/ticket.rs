//! A ticket, its status and its JSON shape.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{DeskId, PriorityCode, Service, TicketNumber};
use super::time::{iso_format, micros};
use crate::error::ValidationError;

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
    /// Its holder left the queue before being called.
    Cancelled,
}

impl TicketStatus {
    /// The name used in JSON and in the store (`waiting`, `in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Completed => "completed",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
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
            "cancelled" => TicketStatus::Cancelled,
            _ => {
                return Err(ValidationError::new(
                    "status",
                    "a status is waiting, in_progress, completed, no_show or cancelled",
                ));
            }
        })
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TicketJson")]
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
    /// When it was finished, marked no-show, or left by its holder.
    pub finished_at: Option<DateTime<Utc>>,
    /// The desk that called it.
    pub desk: Option<DeskId>,
    /// How many times it was recalled.
    pub recalls: u32,
    /// What people see: the service's prefix and the service's own number (`B007`), or
    /// the bare number for a service without prefix.
    pub label: String,
    /// Its priority class; `None` for people without priority.
    pub priority: Option<PriorityCode>,
    /// How many times staff moved it to another service or queue.
    pub transfers: u32,
}

impl Ticket {
    /// A new waiting ticket.
    pub fn waiting(
        number: TicketNumber,
        service: Service,
        label: String,
        priority: Option<PriorityCode>,
        taken_at: DateTime<Utc>,
    ) -> Self {
        Ticket {
            number,
            service,
            status: TicketStatus::Waiting,
            taken_at,
            called_at: None,
            finished_at: None,
            desk: None,
            recalls: 0,
            label,
            priority,
            transfers: 0,
        }
    }

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
    /// What people see: `B007`, or the bare number for a service without prefix.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    label: String,
    /// Its priority class; null for people without priority.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>))]
    priority: Option<PriorityCode>,
    /// How many times staff moved it to another service or queue.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    transfers: u32,
}

/// [`TicketJson`] borrowed from a ticket: what serializing a ticket writes (the same
/// fields in the same order), without copying its text first.
#[derive(Serialize)]
struct TicketJsonRef<'a> {
    ticket_number: TicketNumber,
    creation_time: f64,
    service_type: &'a Service,
    status: TicketStatus,
    #[serde(with = "iso_format")]
    creation_time_iso: DateTime<Utc>,
    called_time: Option<f64>,
    #[serde(with = "iso_format::option")]
    called_time_iso: Option<DateTime<Utc>>,
    finish_time: Option<f64>,
    #[serde(with = "iso_format::option")]
    finish_time_iso: Option<DateTime<Utc>>,
    desk: Option<&'a DeskId>,
    recalls: u32,
    label: &'a str,
    priority: Option<&'a PriorityCode>,
    transfers: u32,
}

impl Serialize for Ticket {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TicketJsonRef {
            ticket_number: self.number,
            creation_time: epoch_seconds(self.taken_at),
            service_type: &self.service,
            status: self.status,
            creation_time_iso: self.taken_at,
            called_time: self.called_at.map(epoch_seconds),
            called_time_iso: self.called_at,
            finish_time: self.finished_at.map(epoch_seconds),
            finish_time_iso: self.finished_at,
            desk: self.desk.as_ref(),
            recalls: self.recalls,
            label: &self.label,
            priority: self.priority.as_ref(),
            transfers: self.transfers,
        }
        .serialize(s)
    }
}

impl Ticket {
    /// Appends this ticket's JSON to `out`: the same bytes as `serde_json::to_vec`, written
    /// field by field (the keys are constants; numbers, times and codes need no escaping
    /// scan), for the answers that write a ticket on every request, such as a take's.
    ///
    /// ```
    /// # use tickets_core::{Service, Ticket, TicketNumber};
    /// let t = Ticket::waiting(TicketNumber::new(7).unwrap(), Service::default(), "7".into(), None, chrono::Utc::now());
    /// let mut out = Vec::new();
    /// t.write_json(&mut out);
    /// assert_eq!(out, serde_json::to_vec(&t).unwrap());
    /// ```
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"ticket_number\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.number.get()).as_bytes());
        out.extend_from_slice(b",\"creation_time\":");
        write_f64(out, epoch_seconds(self.taken_at));
        out.extend_from_slice(b",\"service_type\":");
        write_str(out, self.service.as_str());
        out.extend_from_slice(b",\"status\":\"");
        out.extend_from_slice(self.status.as_str().as_bytes());
        out.extend_from_slice(b"\",\"creation_time_iso\":");
        write_iso(out, Some(self.taken_at));
        out.extend_from_slice(b",\"called_time\":");
        write_seconds(out, self.called_at);
        out.extend_from_slice(b",\"called_time_iso\":");
        write_iso(out, self.called_at);
        out.extend_from_slice(b",\"finish_time\":");
        write_seconds(out, self.finished_at);
        out.extend_from_slice(b",\"finish_time_iso\":");
        write_iso(out, self.finished_at);
        out.extend_from_slice(b",\"desk\":");
        match &self.desk {
            Some(d) => write_str(out, d.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"recalls\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.recalls).as_bytes());
        out.extend_from_slice(b",\"label\":");
        write_str(out, &self.label);
        out.extend_from_slice(b",\"priority\":");
        match &self.priority {
            Some(p) => write_str(out, p.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"transfers\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.transfers).as_bytes());
        out.push(b'}');
    }
}

/// A JSON number as serde_json writes an `f64` (the shortest text that reads back the
/// same; `null` when not finite).
fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

fn write_seconds(out: &mut Vec<u8>, t: Option<DateTime<Utc>>) {
    match t {
        Some(t) => write_f64(out, epoch_seconds(t)),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_iso(out: &mut Vec<u8>, t: Option<DateTime<Utc>>) {
    match t {
        Some(t) => match super::time::iso_text(t) {
            Some(b) => {
                out.push(b'"');
                out.extend_from_slice(&b);
                out.push(b'"');
            }
            None => write_str(out, &super::time::iso(t)),
        },
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string: copied as it is when nothing in it needs escaping (codes and labels),
/// else escaped by serde_json.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, s).is_err() {
        unreachable!("a string always serializes");
    }
}

#[cfg(test)]
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
            label: t.label,
            priority: t.priority,
            transfers: t.transfers,
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
            label: if j.label.is_empty() {
                j.ticket_number.to_string()
            } else {
                j.label
            },
            priority: j.priority,
            transfers: j.transfers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_ticket_is_written_as_its_json_shape_and_read_back() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap();
        let mut whole = Ticket::waiting(
            TicketNumber::new(42).unwrap(),
            Service::parse("colis").unwrap(),
            "B007".into(),
            Some(PriorityCode::parse("prioritaire").unwrap()),
            at,
        );
        whole.status = TicketStatus::Completed;
        whole.called_at = Some(at + chrono::Duration::milliseconds(61_250));
        whole.finished_at = Some(at + chrono::Duration::seconds(300));
        whole.desk = Some(DeskId::parse("guichet-3").unwrap());
        whole.recalls = 2;
        whole.transfers = 1;
        let fresh = Ticket::waiting(
            TicketNumber::new(7).unwrap(),
            Service::default(),
            "7".into(),
            None,
            at,
        );
        let mut odd = fresh.clone();
        odd.label = "é \"quoted\" \\ \u{1}\t".into();
        for t in [&whole, &fresh, &odd] {
            let mut fast = Vec::new();
            t.write_json(&mut fast);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(t).unwrap()
            );
        }
        for t in [whole, fresh] {
            let written = serde_json::to_string(&t).unwrap();
            // The same bytes as the owned shape the schema describes, field for field.
            assert_eq!(
                written,
                serde_json::to_string(&TicketJson::from(t.clone())).unwrap()
            );
            let back: Ticket = serde_json::from_str(&written).unwrap();
            assert_eq!(back, t);
        }
    }
}
