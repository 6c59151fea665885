//! The day's reads of [`RedisBackend`]: a desk's status, the snapshot, one ticket (each one
//! read-only script) and a day's history (a plain `HGETALL`).

use std::collections::BTreeMap;

use super::call::Retry;
use super::replies::{SnapshotReply, StatusReply, TicketReply, stats_of};
use super::{RedisBackend, args, keys};
use crate::backend::{QueueBackend, QueueParts, SnapshotParts, TicketLookup, figures};
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};
use crate::history::HistoryRecord;
use crate::model::{
    Action, DeskId, LogEntry, MinuteActivity, QueueStatus, ServiceStatus, Snapshot,
    SnapshotOptions, StatusPace, TicketNumber, from_micros,
};

impl RedisBackend {
    /// The queue as a desk sees it (`status.lua`).
    pub(super) async fn read_status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        let office = self.office();
        let plan = office.plan(desk);
        let mut args = vec![
            desk.to_string(),
            if plan.is_some() { "1" } else { "0" }.to_owned(),
            plan.as_ref().map_or(0, |p| p.priority_ratio).to_string(),
        ];
        args::weights(&office, &mut args);
        args::plan(plan.as_ref(), &mut args);
        args::service_codes(&office, &mut args);
        let mut r: StatusReply = self
            .run(&self.inner.scripts.status, at, args, Retry::Once)
            .await?;
        let services = office
            .services
            .iter()
            .map(|s| {
                let found = r.services.remove(s.code.as_str());
                ServiceStatus::of(
                    s,
                    found.as_ref().map_or(0, |f| f.waiting),
                    found.and_then(|f| f.next),
                )
            })
            .collect();
        Ok(QueueStatus {
            day: at.day,
            open: r.open,
            queue_length: r.queue_length,
            desk: desk.clone(),
            current_ticket: r.current,
            next_ticket: r.next,
            waiting_tickets: r.queue_length,
            total_tickets: r.total,
            services,
            pace: StatusPace {
                served: r.served,
                service_us: r.service_us,
                desks_at_work: r.desks,
            },
        })
    }

    /// The day's whole state (`snapshot.lua`).
    pub(super) async fn read_snapshot(
        &self,
        at: &Moment,
        opts: SnapshotOptions,
    ) -> Result<Snapshot> {
        let office = self.office();
        let opts = opts.capped();
        let mut args = vec![
            opts.waiting.to_string(),
            opts.logs.to_string(),
            opts.activity_minutes.to_string(),
        ];
        args.extend(Action::ALL.iter().map(|a| a.as_str().to_owned()));
        let r: SnapshotReply = self
            .run(&self.inner.scripts.snapshot, at, args, Retry::Once)
            .await?;
        let waiting = r
            .waiting
            .iter()
            .map(|line| self.line_ticket(at, line))
            .collect::<Result<Vec<_>>>()?;
        let logs = r
            .logs
            .iter()
            .map(|l| l.parse::<LogEntry>().map_err(|e| Error::corrupt("logs", e)))
            .collect::<Result<Vec<_>>>()?;
        let mut desks = Vec::with_capacity(r.desks.len());
        for (desk, cur) in &r.desks {
            let desk = DeskId::parse(desk.as_str()).map_err(|e| Error::corrupt("desks", e))?;
            let current = match cur {
                serde_json::Value::String(line) => Some(self.line_ticket(at, line)?),
                _ => None,
            };
            desks.push((desk, current));
        }
        desks.sort_by(|a, b| a.0.cmp(&b.0));
        let mut per_minute: BTreeMap<i64, BTreeMap<Action, u64>> = BTreeMap::new();
        for (minute, action, count) in &r.activity {
            let action: Action = action.parse().map_err(|e| Error::corrupt("activity", e))?;
            per_minute
                .entry(*minute)
                .or_default()
                .insert(action, *count);
        }
        let activity = per_minute
            .into_iter()
            .map(|(m, counts)| {
                from_micros(m * 60_000_000)
                    .map(|minute| MinuteActivity { minute, counts })
                    .ok_or_else(|| Error::corrupt("activity", "minute out of range"))
            })
            .collect::<Result<Vec<_>>>()?;
        // In the order of the memory backend's map: by service, then people without
        // priority, then the classes.
        let mut queues = r
            .queues
            .iter()
            .map(|q| {
                let (service, priority) = q.parts()?;
                Ok(QueueParts {
                    service: Some(service),
                    priority,
                    len: q.len,
                    first: q.first.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        queues.sort_by(|a, b| (&a.service, &a.priority).cmp(&(&b.service, &b.priority)));
        Ok(SnapshotParts {
            open: r.open,
            counter: r.counter,
            queue_length: r.queue_length,
            next: r.next,
            waiting,
            logs,
            desks,
            stats: stats_of(&r.stats)?,
            activity,
            key_count: r.key_count,
            ttl_seconds: (r.key_count > 0 && r.pttl >= 0).then(|| (r.pttl as u64).div_ceil(1000)),
            queues,
        }
        .assemble(at, &office, opts.waiting))
    }

    /// One ticket with where it stands (`ticket.lua`).
    pub(super) async fn read_ticket(
        &self,
        at: &Moment,
        number: TicketNumber,
    ) -> Result<TicketLookup> {
        let office = self.office();
        let mut args = vec![number.to_string()];
        args::weights(&office, &mut args);
        let r: TicketReply = self
            .run(&self.inner.scripts.ticket, at, args, Retry::Once)
            .await?;
        let hash = r.ticket.ok_or(Error::TicketNotFound(number))?;
        let stats = stats_of(&r.stats)?;
        let desks = r
            .desks
            .iter()
            .map(|d| DeskId::parse(d.as_str()).map_err(|e| Error::corrupt("desks", e)))
            .collect::<Result<Vec<_>>>()?;
        Ok(TicketLookup {
            ticket: self.ticket_of(at, &hash)?,
            waiting_before: r.position,
            figures: figures(&stats, r.counter, r.queue_length, &desks),
        })
    }

    /// A day's history records.
    pub(super) async fn read_history(&self, day: BusinessDay) -> Result<Vec<HistoryRecord>> {
        // A plain HGETALL, not a script: Redis hands the hash over as it is, where a
        // script would copy each of a year's 730,000 strings into Lua and encode them.
        let key = keys::history_key(&self.inner.prefix, day);
        let reply = self.read(redis::cmd("HGETALL").arg(&key)).await?;
        let corrupt = |why: &str| Error::corrupt(format!("history of {day}"), why.to_owned());
        let text = |v| text_of(v).ok_or_else(|| corrupt("a field or line that is not text"));
        let pairs: Vec<(&str, &str)> = match &reply {
            // RESP2: fields and lines in turn.
            redis::Value::Array(flat) => {
                if !flat.len().is_multiple_of(2) {
                    return Err(corrupt("a field without its line"));
                }
                flat.chunks_exact(2)
                    .map(|p| Ok((text(&p[0])?, text(&p[1])?)))
                    .collect::<Result<_>>()?
            }
            // RESP3.
            redis::Value::Map(map) => map
                .iter()
                .map(|(f, l)| Ok((text(f)?, text(l)?)))
                .collect::<Result<_>>()?,
            redis::Value::Nil => Vec::new(),
            _ => return Err(corrupt("an answer that is not a hash")),
        };
        crate::history::sorted_records(day, pairs.into_iter())
    }
}

/// The text of a string in a reply, borrowed; `None` for anything else or bytes that are
/// not UTF-8.
pub(super) fn text_of(v: &redis::Value) -> Option<&str> {
    match v {
        redis::Value::BulkString(b) => std::str::from_utf8(b).ok(),
        redis::Value::SimpleString(s) => Some(s),
        _ => None,
    }
}
