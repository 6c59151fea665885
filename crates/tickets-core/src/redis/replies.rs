//! The replies of the Lua scripts: the JSON most answer, the lines of take, call-next and
//! finish, and how their tickets and day statistics read back.

use std::collections::HashMap;

use serde::Deserialize;

use super::{RedisBackend, keys};
use crate::backend::TakeRequest;
use crate::clock::Moment;
use crate::error::{Error, Result};
use crate::model::{
    Called, DayStats, DeskId, PriorityCode, Service, Taken, Ticket, TicketNumber, TicketStatus,
    parse_seconds_text,
};

/// Reads a ticket hash as the scripts write it.
pub(super) fn ticket_from_hash(h: &HashMap<String, String>) -> std::result::Result<Ticket, String> {
    ticket_from_fields(|name| h.get(name).map(String::as_str))
}

/// The fields of a ticket line, in their order (`ticket_line` in `lua/lib.lua`).
const LINE_FIELDS: [&str; 11] = [
    "ticket_number",
    "service_type",
    "status",
    "creation_time",
    "called_time",
    "finish_time",
    "desk",
    "recalls",
    "label",
    "priority",
    "transfers",
];

/// Reads a ticket line (`ticket_line` in `lua/lib.lua`): the values of [`LINE_FIELDS`]
/// joined by tabs, empty for a field the hash does not have.
pub(super) fn ticket_from_line(line: &str) -> std::result::Result<Ticket, String> {
    let mut values = [""; LINE_FIELDS.len()];
    let mut parts = line.split('\t');
    for value in &mut values {
        *value = parts
            .next()
            .ok_or_else(|| format!("a ticket line of too few fields: {line:?}"))?;
    }
    if parts.next().is_some() {
        return Err(format!("a ticket line of too many fields: {line:?}"));
    }
    ticket_from_fields(|name| {
        let at = LINE_FIELDS.iter().position(|f| *f == name)?;
        Some(values[at]).filter(|v| !v.is_empty())
    })
}

/// Reads a ticket from its fields as the scripts write them (`field`: a field's value, if
/// the ticket has it).
fn ticket_from_fields<'a>(
    field: impl Fn(&str) -> Option<&'a str>,
) -> std::result::Result<Ticket, String> {
    let field = &field;
    let need = |name: &str| field(name).ok_or_else(|| format!("field {name} is missing"));
    let time = |name: &str| -> std::result::Result<Option<_>, String> {
        field(name)
            .map(|v| parse_seconds_text(v).ok_or_else(|| format!("{name} holds {v:?}, not a time")))
            .transpose()
    };
    Ok(Ticket {
        number: need("ticket_number")?
            .parse()
            .map_err(|e: crate::ValidationError| e.to_string())?,
        service: Service::parse(need("service_type")?).map_err(|e| e.to_string())?,
        status: need("status")?
            .parse::<TicketStatus>()
            .map_err(|e| e.to_string())?,
        taken_at: time("creation_time")?.ok_or("field creation_time is missing")?,
        called_at: time("called_time")?,
        finished_at: time("finish_time")?,
        desk: field("desk")
            .map(DeskId::parse)
            .transpose()
            .map_err(|e| e.to_string())?,
        recalls: field("recalls")
            .map(|v| v.parse().map_err(|_| format!("recalls holds {v:?}")))
            .transpose()?
            .unwrap_or(0),
        label: match field("label") {
            Some(l) => l.to_owned(),
            None => need("ticket_number")?.to_owned(),
        },
        priority: field("priority")
            .filter(|p| !p.is_empty())
            .map(crate::PriorityCode::parse)
            .transpose()
            .map_err(|e| e.to_string())?,
        transfers: field("transfers")
            .map(|v| v.parse().map_err(|_| format!("transfers holds {v:?}")))
            .transpose()?
            .unwrap_or(0),
    })
}

/// The ticket line of a finish's reply (`=`, then the line of the ticket the desk held;
/// `=` alone when it held none); `Err` with the reply when it is not one.
pub(super) fn finish_line(reply: &str) -> std::result::Result<Option<&str>, String> {
    match reply.strip_prefix('=') {
        Some("") => Ok(None),
        Some(line) => Ok(Some(line)),
        None => Err(format!("unreadable reply: {reply}")),
    }
}

/// A call-next's reply, `=<waiting>|<finished>|<called>`: how many still wait, and the
/// lines of the ticket the desk finished and of the one it called (empty for none).
#[derive(Debug)]
pub(super) struct CallLine<'a> {
    pub(super) waiting: u64,
    pub(super) finished: Option<&'a str>,
    pub(super) called: Option<&'a str>,
}

/// Reads a call-next's reply; `Err` with the reply when it is not one.
pub(super) fn call_line<'a>(reply: &'a str) -> std::result::Result<CallLine<'a>, String> {
    let bad = || format!("unreadable reply: {reply}");
    let mut parts = reply.strip_prefix('=').ok_or_else(bad)?.split('|');
    let (Some(waiting), Some(finished), Some(called), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let line = |l: &'a str| Some(l).filter(|l| !l.is_empty());
    Ok(CallLine {
        waiting: waiting.parse().map_err(|_| bad())?,
        finished: line(finished),
        called: line(called),
    })
}

/// The new ticket of a take whose script answered `=<number> <waiting before> <label>`:
/// the rest of its hash is the take's own arguments (its service and class, and its time,
/// `at.now`, which is to the microsecond, as the script wrote it).
pub(super) fn new_ticket(at: &Moment, req: &TakeRequest, reply: &str) -> Result<Taken> {
    let bad = || Error::corrupt("take", format!("unreadable reply: ={reply}"));
    let mut parts = reply.split(' ');
    let (Some(n), Some(ahead), Some(label), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let number: TicketNumber = n.parse().map_err(|_| bad())?;
    let waiting_before: u64 = ahead.parse().map_err(|_| bad())?;
    Ok(Taken {
        day: at.day,
        ticket: Ticket::waiting(
            number,
            req.service.clone(),
            label.to_owned(),
            req.priority.clone(),
            at.now,
        ),
        waiting_before,
        replayed: false,
    })
}

/// A list from a script: cjson writes an empty Lua table as `{}`.
fn lua_list<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either<T> {
        List(Vec<T>),
        Empty(HashMap<String, serde_json::Value>),
    }
    match Either::deserialize(d)? {
        Either::List(v) => Ok(v),
        Either::Empty(m) if m.is_empty() => Ok(Vec::new()),
        Either::Empty(_) => Err(serde::de::Error::custom("expected a list")),
    }
}

pub(super) type Hash = HashMap<String, String>;

#[derive(Deserialize)]
pub(super) struct DayReply {
    pub(super) open: bool,
    pub(super) changed: bool,
}

#[derive(Deserialize)]
pub(super) struct TakeReply {
    /// The office refused the take (Rust knows why) and no idempotency key matched.
    #[serde(default)]
    pub(super) refused: bool,
    #[serde(default)]
    pub(super) closed: bool,
    /// The service gave its daily limit.
    #[serde(default)]
    pub(super) limit: bool,
    /// As many tickets wait as the cap allows.
    #[serde(default)]
    pub(super) full: bool,
    /// The client took its share for this window, which ends in `retry_after_us`.
    #[serde(default)]
    pub(super) client_limit: bool,
    #[serde(default)]
    pub(super) retry_after_us: i64,
    pub(super) ticket: Option<Hash>,
    #[serde(default)]
    pub(super) waiting_before: u64,
    #[serde(default)]
    pub(super) replayed: bool,
}

/// Why a script refused an operation on a given ticket.
#[derive(Deserialize)]
pub(super) struct Refusal {
    /// `not_found` or `wrong_status`.
    #[serde(default)]
    pub(super) error: Option<String>,
    /// The ticket's status, for `wrong_status`.
    #[serde(default)]
    pub(super) status: Option<String>,
}

impl Refusal {
    /// The error a refusal stands for, if the script refused.
    pub(super) fn check(&self, number: TicketNumber) -> Result<()> {
        match self.error.as_deref() {
            None => Ok(()),
            Some("not_found") => Err(Error::TicketNotFound(number)),
            Some("wrong_status") => {
                let status = self
                    .status
                    .as_deref()
                    .unwrap_or_default()
                    .parse::<TicketStatus>()
                    .map_err(|e| Error::corrupt(format!("ticket:{number}"), e))?;
                Err(Error::WrongStatus { number, status })
            }
            Some(other) => Err(Error::corrupt(
                "a script reply",
                format!("unknown refusal {other:?}"),
            )),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CallReply {
    #[serde(flatten)]
    pub(super) refusal: Refusal,
    #[serde(default)]
    pub(super) finished: Option<Hash>,
    #[serde(default)]
    pub(super) called: Option<Hash>,
    #[serde(default)]
    pub(super) waiting: u64,
}

#[derive(Deserialize)]
pub(super) struct OneTicketReply {
    #[serde(flatten)]
    pub(super) refusal: Refusal,
    #[serde(default)]
    pub(super) ticket: Option<Hash>,
}

#[derive(Deserialize)]
pub(super) struct StatusReply {
    pub(super) open: bool,
    pub(super) queue_length: u64,
    pub(super) current: Option<TicketNumber>,
    pub(super) next: Option<TicketNumber>,
    pub(super) total: u64,
    /// Per service of the office: its waiting tickets and the label called first.
    #[serde(default)]
    pub(super) services: HashMap<String, ServiceReply>,
    pub(super) served: u64,
    pub(super) service_us: u64,
    pub(super) desks: u64,
}

#[derive(Deserialize)]
pub(super) struct ServiceReply {
    pub(super) waiting: u64,
    #[serde(default)]
    pub(super) next: Option<String>,
}

/// One non-empty queue as the snapshot lists it.
#[derive(Deserialize)]
pub(super) struct QueueReply {
    /// `<service>` or `<service>:<class>`.
    pub(super) name: String,
    pub(super) len: u64,
    #[serde(deserialize_with = "lua_list")]
    pub(super) first: Vec<TicketNumber>,
}

impl QueueReply {
    /// The queue's service and priority class.
    pub(super) fn parts(&self) -> Result<(Service, Option<PriorityCode>)> {
        let bad = |e: crate::ValidationError| Error::corrupt("queues", e);
        match self.name.split_once(':') {
            Some((s, c)) => Ok((
                Service::parse(s).map_err(bad)?,
                Some(PriorityCode::parse(c).map_err(bad)?),
            )),
            None => Ok((Service::parse(self.name.as_str()).map_err(bad)?, None)),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct PutConfigReply {
    /// The version stored, when it was not the one expected.
    #[serde(default)]
    pub(super) current: Option<u64>,
}

#[derive(Deserialize)]
pub(super) struct SnapshotReply {
    pub(super) open: bool,
    pub(super) counter: u64,
    pub(super) queue_length: u64,
    pub(super) next: Option<TicketNumber>,
    /// Ticket lines ([`ticket_from_line`]).
    #[serde(deserialize_with = "lua_list")]
    pub(super) waiting: Vec<String>,
    #[serde(deserialize_with = "lua_list")]
    pub(super) logs: Vec<String>,
    /// Each desk and its ticket's line, or `false`.
    #[serde(deserialize_with = "lua_list")]
    pub(super) desks: Vec<(String, serde_json::Value)>,
    pub(super) stats: Hash,
    #[serde(deserialize_with = "lua_list")]
    pub(super) activity: Vec<(i64, String, u64)>,
    #[serde(deserialize_with = "lua_list")]
    pub(super) queues: Vec<QueueReply>,
    pub(super) key_count: u64,
    pub(super) pttl: i64,
}

#[derive(Deserialize)]
pub(super) struct TicketReply {
    pub(super) ticket: Option<Hash>,
    pub(super) position: Option<u64>,
    #[serde(default)]
    pub(super) stats: Hash,
    #[serde(default)]
    pub(super) counter: u64,
    #[serde(default)]
    pub(super) queue_length: u64,
    #[serde(default, deserialize_with = "lua_list")]
    pub(super) desks: Vec<String>,
}

/// The day's counters from the stats hash. The scripts count calls and waits per service
/// only (one field less to write per call): the day's `called` and `wait_us` are their
/// sums, added to the fields of those names, which days written before kept.
pub(super) fn stats_of(h: &Hash) -> Result<DayStats> {
    let mut stats = DayStats::from_fields(h.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|detail| Error::corrupt("stats", detail))?;
    for s in stats.services.values() {
        stats.called += s.called;
        stats.wait_us += s.wait_us;
    }
    Ok(stats)
}

/// The tickets of the scripts' answers as the model's, a ticket that does not read naming
/// its key.
impl RedisBackend {
    pub(super) fn ticket_of(&self, at: &Moment, hash: &HashMap<String, String>) -> Result<Ticket> {
        ticket_from_hash(hash)
            .map_err(|detail| self.unreadable_ticket(at, hash.get("ticket_number"), detail))
    }

    pub(super) fn ticket_opt(
        &self,
        at: &Moment,
        hash: Option<&HashMap<String, String>>,
    ) -> Result<Option<Ticket>> {
        hash.map(|h| self.ticket_of(at, h)).transpose()
    }

    /// A ticket line of a script's reply ([`ticket_from_line`]).
    pub(super) fn line_ticket(&self, at: &Moment, line: &str) -> Result<Ticket> {
        ticket_from_line(line)
            .map_err(|detail| self.unreadable_ticket(at, line.split('\t').next(), detail))
    }

    /// The error of a ticket that does not read, naming its key (by its number, when that
    /// reads).
    fn unreadable_ticket(
        &self,
        at: &Moment,
        number: Option<impl AsRef<str>>,
        detail: String,
    ) -> Error {
        let n = number.and_then(|n| n.as_ref().parse().ok()).unwrap_or(0);
        Error::corrupt(keys::ticket_key(&self.inner.prefix, at.day, n), detail)
    }

    pub(super) fn line_ticket_opt(
        &self,
        at: &Moment,
        line: Option<&str>,
    ) -> Result<Option<Ticket>> {
        line.map(|l| self.line_ticket(at, l)).transpose()
    }

    /// The answer of a call (next or given).
    pub(super) fn called(&self, at: &Moment, desk: &DeskId, r: CallReply) -> Result<Called> {
        Ok(Called {
            desk: desk.clone(),
            finished: self.ticket_opt(at, r.finished.as_ref())?,
            called: self.ticket_opt(at, r.called.as_ref())?,
            waiting_tickets: r.waiting,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_ticket_reads_from_its_short_reply_and_nothing_else_does() {
        let calendar = crate::clock::BusinessCalendar::default();
        let at = calendar.moment(chrono::Utc::now());
        let req = TakeRequest {
            service: Service::parse("colis").unwrap(),
            priority: Some(PriorityCode::parse("prioritaire").unwrap()),
            ..Default::default()
        };
        let taken = new_ticket(&at, &req, "42 3 B007").unwrap();
        assert_eq!(
            taken.ticket,
            Ticket::waiting(
                TicketNumber::new(42).unwrap(),
                req.service.clone(),
                "B007".into(),
                req.priority.clone(),
                at.now
            )
        );
        assert_eq!(
            (taken.day, taken.waiting_before, taken.replayed),
            (at.day, 3, false)
        );
        for bad in [
            "",
            "42",
            "42 3",
            "42 3 B007 x",
            "0 3 B007",
            "x 3 B007",
            "42 -1 B007",
        ] {
            assert!(
                matches!(new_ticket(&at, &req, bad), Err(Error::Corrupt { .. })),
                "{bad:?}"
            );
        }
    }
    use crate::model::micros;

    fn hash(pairs: &[(&str, &str)]) -> Hash {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_ticket_hash_reads_back() {
        let t = ticket_from_hash(&hash(&[
            ("ticket_number", "7"),
            ("creation_time", "1795505475.226383"),
            ("service_type", "poste"),
            ("status", "in_progress"),
            ("creation_time_iso", "2026-11-24T07:31:15.226383+00:00"),
            ("called_time", "1795505480.000001"),
            ("desk", "A"),
        ]))
        .unwrap();
        assert_eq!(t.number.get(), 7);
        assert_eq!(t.status, TicketStatus::InProgress);
        assert_eq!(micros(t.called_at.unwrap()), 1_795_505_480_000_001);
        assert_eq!(t.desk.unwrap().as_str(), "A");
    }

    #[test]
    fn a_ticket_line_reads_as_its_hash_would() {
        let line =
            "7\tposte\tin_progress\t1795505475.226383\t1795505480.000001\t\tA\t1\tB007\tpmr\t";
        let t = ticket_from_line(line).unwrap();
        let h = ticket_from_hash(&hash(&[
            ("ticket_number", "7"),
            ("service_type", "poste"),
            ("status", "in_progress"),
            ("creation_time", "1795505475.226383"),
            ("called_time", "1795505480.000001"),
            ("desk", "A"),
            ("recalls", "1"),
            ("label", "B007"),
            ("priority", "pmr"),
        ]))
        .unwrap();
        assert_eq!(t, h);
        assert_eq!((t.label.as_str(), t.recalls, t.transfers), ("B007", 1, 0));
        assert_eq!(
            t.finished_at, None,
            "an empty field is one the hash does not have"
        );
        // Too few or too many fields, or a field that does not read, say why.
        let e = ticket_from_line("7\tposte").unwrap_err();
        assert!(e.contains("too few"), "{e}");
        let e = ticket_from_line(&format!("{line}\tmore")).unwrap_err();
        assert!(e.contains("too many"), "{e}");
        let e = ticket_from_line(&line.replace("in_progress", "flying")).unwrap_err();
        assert!(e.contains("status"), "{e}");
    }

    #[test]
    fn finish_and_call_next_replies_read_and_nothing_else_does() {
        assert_eq!(finish_line("="), Ok(None));
        assert_eq!(finish_line("=7\tposte"), Ok(Some("7\tposte")));
        assert!(finish_line("{}").is_err());
        let r = call_line("=4|1\tposte||2\tposte|").unwrap_err();
        assert!(r.contains("unreadable"), "{r}");
        let r = call_line("=4||2\tposte").unwrap();
        assert_eq!(
            (r.waiting, r.finished, r.called),
            (4, None, Some("2\tposte"))
        );
        let r = call_line("=0|1\tposte|").unwrap();
        assert_eq!(
            (r.waiting, r.finished, r.called),
            (0, Some("1\tposte"), None)
        );
        for bad in ["", "=", "=x||", "4||", "=4|"] {
            assert!(call_line(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn foreign_ticket_hashes_are_refused_with_a_reason() {
        let e = ticket_from_hash(&hash(&[("ticket_number", "7")])).unwrap_err();
        assert!(e.contains("service_type"), "{e}");
        let e = ticket_from_hash(&hash(&[
            ("ticket_number", "7"),
            ("creation_time", "yesterday"),
            ("service_type", "poste"),
            ("status", "waiting"),
        ]))
        .unwrap_err();
        assert!(e.contains("not a time"), "{e}");
    }

    #[test]
    fn empty_lua_tables_read_as_empty_lists() {
        #[derive(Deserialize)]
        struct L {
            #[serde(deserialize_with = "lua_list")]
            v: Vec<u8>,
        }
        assert!(
            serde_json::from_str::<L>(r#"{"v":{}}"#)
                .unwrap()
                .v
                .is_empty()
        );
        assert_eq!(serde_json::from_str::<L>(r#"{"v":[1]}"#).unwrap().v, [1]);
        assert!(serde_json::from_str::<L>(r#"{"v":{"a":1}}"#).is_err());
    }
}
