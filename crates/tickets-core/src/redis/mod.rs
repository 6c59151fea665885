//! [`RedisBackend`]: the queue on Redis, one `EVALSHA` per operation.
//!
//! Every operation runs one Lua script (`lua/*.lua`, with the shared prelude `lib.lua`)
//! that reads and writes the day's keys atomically, sets their TTL to the end of the
//! business day, and `PUBLISH`es its events. One pub/sub connection per backend reads
//! the events back and fans them out to local subscribers, so events written by another
//! server on the same Redis arrive here too.
//!
//! The same backend runs on a Redis Cluster (`cluster.rs`) when the URL names one
//! (`target.rs`): every key of a day carries the day as its hash tag, so each script
//! touches one slot, and the listener subscribes through any node, moving to another
//! when that one goes away.

mod builder;
mod cluster;
mod keys;
mod listener;
mod replies;
mod scripts;
mod target;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use deadpool::managed::{self, Object};
use redis::RedisError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

pub use self::builder::{
    DEFAULT_CONNECTION_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, RedisBackendBuilder,
};
use self::builder::{Pool, QuietManager};
use self::cluster::ClusterStore;
pub use self::keys::KeyPrefix;
use self::replies::{
    CallReply, DayReply, Hash, OneTicketReply, SnapshotReply, StatusReply, TakeReply, TicketReply,
    stats_of, ticket_from_hash,
};
use self::scripts::{Lua, Scripts};
use crate::backend::{QueueBackend, SnapshotParts, TakeRequest, TicketLookup, figures};
use crate::clock::Moment;
use crate::error::{Error, Result};
use crate::events::{EventHub, EventStream};
use crate::model::{
    Action, Called, DayChange, DeskId, LogEntry, MinuteActivity, QueueStatus, Reset, Snapshot,
    SnapshotOptions, Taken, Ticket, TicketNumber, from_micros, iso, micros, seconds_text,
};

/// The queue on Redis. Clones share one pool and one event subscription.
///
/// ```no_run
/// use tickets_core::{KeyPrefix, RedisBackend, TicketQueue};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tickets_core::Result<()> {
/// let backend = RedisBackend::builder("redis://127.0.0.1:6379")
///     .prefix(KeyPrefix::parse("post-office-15")?)
///     .build()
///     .await?;
/// let queue = TicketQueue::new(backend);
/// queue.open_day().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisBackend {
    inner: Arc<Inner>,
}

/// Where the scripts run.
enum Store {
    /// One server, through the pool.
    Single(Pool),
    /// A Redis Cluster, through one multiplexed connection per node.
    Cluster(ClusterStore),
}

struct Inner {
    store: Store,
    scripts: Scripts,
    prefix: KeyPrefix,
    channel: String,
    hub: EventHub,
    listener: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RedisBackend");
        d.field("prefix", &self.inner.prefix);
        match &self.inner.store {
            Store::Single(pool) => d.field("pool", &pool.status()),
            Store::Cluster(c) => d.field("cluster_seeds", &c.seed_count()),
        };
        d.finish_non_exhaustive()
    }
}

/// Whether an operation may be sent again after its connection dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// A read: sending it again is harmless.
    Once,
    /// A write that may have run: never replayed, reported as unavailable.
    Never,
}

impl RedisBackend {
    /// The key prefix in use.
    pub fn prefix(&self) -> &KeyPrefix {
        &self.inner.prefix
    }

    /// Whether this backend runs on a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.inner.store, Store::Cluster(_))
    }

    async fn connection(pool: &Pool) -> Result<Object<QuietManager>> {
        pool.get().await.map_err(|e| match e {
            managed::PoolError::Backend(e) => Error::from(e),
            other => Error::Unavailable(Box::new(other)),
        })
    }

    /// Runs `script` for the day of `at` with the common arguments then `args`, and
    /// decodes its JSON answer.
    async fn run<T: DeserializeOwned>(
        &self,
        script: &Lua,
        at: &Moment,
        args: &[&str],
        retry: Retry,
    ) -> Result<T> {
        let reply = match &self.inner.store {
            Store::Single(pool) => self.run_single(pool, script, at, args, retry).await?,
            Store::Cluster(cluster) => {
                let keys = keys::day_keys(&self.inner.prefix, at.day);
                let mut argv = vec![
                    micros(at.now).to_string(),
                    seconds_text(at.now),
                    iso(at.now),
                    at.ttl_seconds().to_string(),
                    at.day.to_string(),
                    self.inner.channel.clone(),
                    DeskId::DEFAULT.to_owned(),
                ];
                argv.extend(args.iter().map(|a| (*a).to_owned()));
                cluster.eval(script, &keys, &argv, retry).await?
            }
        };
        serde_json::from_str(&reply)
            .map_err(|e| Error::corrupt("a key of the day", format!("unreadable reply: {e}")))
    }

    /// [`Self::run`] on one server: one `EVALSHA` on a pooled connection.
    async fn run_single(
        &self,
        pool: &Pool,
        script: &Lua,
        at: &Moment,
        args: &[&str],
        retry: Retry,
    ) -> Result<String> {
        let mut inv = script.prepare_invoke();
        for key in keys::day_keys(&self.inner.prefix, at.day) {
            inv.key(key);
        }
        inv.arg(micros(at.now))
            .arg(seconds_text(at.now))
            .arg(iso(at.now))
            .arg(at.ttl_seconds())
            .arg(at.day.to_string())
            .arg(&self.inner.channel)
            .arg(DeskId::DEFAULT);
        for a in args {
            inv.arg(*a);
        }
        let mut attempt = 0;
        let reply: String = loop {
            attempt += 1;
            let mut conn = Self::connection(pool).await?;
            match inv.invoke_async(&mut *conn).await {
                Ok(reply) => break reply,
                Err(e) => {
                    let dropped = e.is_connection_dropped() || e.is_io_error() || e.is_timeout();
                    if dropped {
                        // Never hand this connection out again, nor the idle ones: after
                        // a Redis restart they are all dead, and the next callers would
                        // each fail once on them.
                        let _ = Object::take(conn);
                        pool.retain(|_, _| false);
                        if retry == Retry::Once && attempt == 1 {
                            continue;
                        }
                    }
                    return Err(e.into());
                }
            }
        };
        Ok(reply)
    }

    fn ticket_of(&self, at: &Moment, hash: &HashMap<String, String>) -> Result<Ticket> {
        ticket_from_hash(hash).map_err(|detail| {
            let n = hash
                .get("ticket_number")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            Error::corrupt(keys::ticket_key(&self.inner.prefix, at.day, n), detail)
        })
    }

    fn ticket_opt(
        &self,
        at: &Moment,
        hash: Option<&HashMap<String, String>>,
    ) -> Result<Option<Ticket>> {
        hash.map(|h| self.ticket_of(at, h)).transpose()
    }
}
impl QueueBackend for RedisBackend {
    async fn open_day(&self, at: &Moment) -> Result<DayChange> {
        let r: DayReply = self
            .run(&self.inner.scripts.open_day, at, &[], Retry::Never)
            .await?;
        Ok(DayChange {
            day: at.day,
            open: r.open,
            changed: r.changed,
        })
    }

    async fn close_day(&self, at: &Moment) -> Result<DayChange> {
        let r: DayReply = self
            .run(&self.inner.scripts.close_day, at, &[], Retry::Never)
            .await?;
        Ok(DayChange {
            day: at.day,
            open: r.open,
            changed: r.changed,
        })
    }

    async fn reset_day(&self, at: &Moment) -> Result<Reset> {
        #[derive(Deserialize)]
        struct R {
            tickets_removed: u64,
        }
        let r: R = self
            .run(&self.inner.scripts.reset_day, at, &[], Retry::Never)
            .await?;
        Ok(Reset {
            day: at.day,
            tickets_removed: r.tickets_removed,
        })
    }

    async fn take(&self, at: &Moment, req: &TakeRequest) -> Result<Taken> {
        let key = req.idempotency_key.as_ref().map_or("", |k| k.as_str());
        let r: TakeReply = self
            .run(
                &self.inner.scripts.take,
                at,
                &[req.service.as_str(), key],
                Retry::Never,
            )
            .await?;
        if r.closed {
            return Err(Error::DayClosed);
        }
        let hash = r
            .ticket
            .ok_or_else(|| Error::corrupt("ticket", "take answered without a ticket"))?;
        Ok(Taken {
            day: at.day,
            ticket: self.ticket_of(at, &hash)?,
            waiting_before: r.waiting_before,
            replayed: r.replayed,
        })
    }

    async fn call_next(&self, at: &Moment, desk: &DeskId) -> Result<Called> {
        let r: CallReply = self
            .run(
                &self.inner.scripts.call_next,
                at,
                &[desk.as_str()],
                Retry::Never,
            )
            .await?;
        Ok(Called {
            desk: desk.clone(),
            finished: self.ticket_opt(at, r.finished.as_ref())?,
            called: self.ticket_opt(at, r.called.as_ref())?,
            waiting_tickets: r.waiting,
        })
    }

    async fn finish(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        let r: OneTicketReply = self
            .run(
                &self.inner.scripts.finish,
                at,
                &[desk.as_str(), "completed"],
                Retry::Never,
            )
            .await?;
        self.ticket_opt(at, r.ticket.as_ref())
    }

    async fn recall(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        let r: OneTicketReply = self
            .run(
                &self.inner.scripts.recall,
                at,
                &[desk.as_str()],
                Retry::Never,
            )
            .await?;
        self.ticket_opt(at, r.ticket.as_ref())
    }

    async fn no_show(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        let r: OneTicketReply = self
            .run(
                &self.inner.scripts.finish,
                at,
                &[desk.as_str(), "no_show"],
                Retry::Never,
            )
            .await?;
        self.ticket_opt(at, r.ticket.as_ref())
    }

    async fn status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        let r: StatusReply = self
            .run(
                &self.inner.scripts.status,
                at,
                &[desk.as_str()],
                Retry::Once,
            )
            .await?;
        Ok(QueueStatus {
            day: at.day,
            open: r.open,
            queue_length: r.queue_length,
            desk: desk.clone(),
            current_ticket: r.current,
            next_ticket: r.next,
            waiting_tickets: r.queue_length,
            total_tickets: r.total,
            services: Vec::new(),
            pace: Default::default(),
        })
    }

    async fn snapshot(&self, at: &Moment, opts: SnapshotOptions) -> Result<Snapshot> {
        let opts = opts.capped();
        let (waiting, logs, minutes) = (
            opts.waiting.to_string(),
            opts.logs.to_string(),
            opts.activity_minutes.to_string(),
        );
        let mut args = vec![waiting.as_str(), logs.as_str(), minutes.as_str()];
        args.extend(Action::ALL.iter().map(|a| a.as_str()));
        let r: SnapshotReply = self
            .run(&self.inner.scripts.snapshot, at, &args, Retry::Once)
            .await?;
        let waiting = r
            .waiting
            .iter()
            .map(|h| self.ticket_of(at, h))
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
                serde_json::Value::Object(_) => {
                    let h: Hash = serde_json::from_value(cur.clone())
                        .map_err(|e| Error::corrupt("desks", e))?;
                    Some(self.ticket_of(at, &h)?)
                }
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
            queues: Vec::new(),
        }
        .assemble(at, &self.office(), opts.waiting))
    }

    async fn ticket(&self, at: &Moment, number: TicketNumber) -> Result<TicketLookup> {
        let n = number.to_string();
        let r: TicketReply = self
            .run(&self.inner.scripts.ticket, at, &[n.as_str()], Retry::Once)
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

    async fn call(&self, _at: &Moment, _desk: &DeskId, _number: TicketNumber) -> Result<Called> {
        Err(Error::Backend("call: not on Redis yet".into()))
    }

    async fn transfer(&self, _at: &Moment, _req: &crate::Transfer) -> Result<Ticket> {
        Err(Error::Backend("transfer: not on Redis yet".into()))
    }

    async fn requeue(&self, _at: &Moment, _number: TicketNumber) -> Result<Ticket> {
        Err(Error::Backend("requeue: not on Redis yet".into()))
    }

    fn office(&self) -> std::sync::Arc<crate::OfficeConfig> {
        std::sync::Arc::new(crate::OfficeConfig::default())
    }

    async fn reload_office(&self) -> Result<std::sync::Arc<crate::OfficeConfig>> {
        Ok(self.office())
    }

    async fn put_office(
        &self,
        _at: &Moment,
        _config: crate::OfficeConfig,
        _expected: Option<u64>,
    ) -> Result<std::sync::Arc<crate::OfficeConfig>> {
        Err(Error::Backend("put_office: not on Redis yet".into()))
    }

    async fn ping(&self) -> Result<()> {
        let pool = match &self.inner.store {
            Store::Single(pool) => pool,
            Store::Cluster(cluster) => return cluster.ping().await,
        };
        let mut conn = Self::connection(pool).await?;
        let pong: std::result::Result<String, RedisError> =
            redis::cmd("PING").query_async(&mut *conn).await;
        match pong {
            Ok(_) => Ok(()),
            Err(e) => {
                if e.is_connection_dropped() || e.is_io_error() || e.is_timeout() {
                    let _ = Object::take(conn);
                    pool.retain(|_, _| false);
                }
                Err(e.into())
            }
        }
    }

    fn events(&self) -> EventStream {
        self.inner.hub.subscribe()
    }
}
