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

mod cluster;
mod keys;
mod scripts;
mod target;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, RecycleResult, Timeouts};
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::cluster::ClusterStore;
pub use self::keys::KeyPrefix;
use self::scripts::{Lua, Scripts};
use self::target::Target;
use crate::backend::{QueueBackend, SnapshotParts, TakeRequest, TicketLookup, figures};
use crate::clock::Moment;
use crate::error::{Error, Result};
use crate::events::{EventHub, EventStream, QueueEvent, Signal};
use crate::model::{
    Action, Called, DayChange, DayStats, DeskId, LogEntry, MinuteActivity, QueueStatus, Reset,
    Service, Snapshot, SnapshotOptions, Taken, Ticket, TicketNumber, TicketStatus, from_micros,
    iso, micros, parse_seconds_text, seconds_text,
};

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);
/// Default time allowed for Redis to answer one command.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// A pooled connection idle longer than this is pinged before reuse.
const IDLE_PING_AFTER: Duration = Duration::from_secs(5);
/// The longest pause between two pub/sub reconnection attempts.
const MAX_RECONNECT_PAUSE: Duration = Duration::from_secs(5);
/// The most cluster nodes the event listener remembers.
const MAX_KNOWN_NODES: usize = 64;

/// The pool's manager: deadpool-redis's, without its per-checkout round trip.
///
/// deadpool-redis pings every connection each time it leaves the pool (`UNWATCH` +
/// `PING`), which doubles the round trips of a one-script operation. A multiplexed
/// connection reports a broken socket on its next use anyway, and the backend discards a
/// connection that failed that way; so only a connection idle for a while is pinged.
struct QuietManager {
    inner: deadpool_redis::Manager,
}

impl managed::Manager for QuietManager {
    type Type = MultiplexedConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<MultiplexedConnection, RedisError> {
        self.inner.create().await
    }

    async fn recycle(
        &self,
        conn: &mut MultiplexedConnection,
        metrics: &Metrics,
    ) -> RecycleResult<RedisError> {
        if metrics.last_used() > IDLE_PING_AFTER {
            self.inner.recycle(conn, metrics).await
        } else {
            Ok(())
        }
    }
}

type Pool = managed::Pool<QuietManager>;

/// Builds a [`RedisBackend`]; see [`RedisBackend::builder`].
#[must_use = "call .build().await to connect"]
#[derive(Debug, Clone)]
pub struct RedisBackendBuilder {
    url: String,
    prefix: KeyPrefix,
    connection_timeout: Duration,
    response_timeout: Duration,
    pool_size: usize,
}

impl RedisBackendBuilder {
    /// The prefix of every key and of the event channel (default `tickets`).
    pub fn prefix(mut self, prefix: KeyPrefix) -> Self {
        self.prefix = prefix;
        self
    }

    /// Time allowed to open a connection (default 2 s).
    pub fn connection_timeout(mut self, t: Duration) -> Self {
        self.connection_timeout = t;
        self
    }

    /// Time allowed for one answer (default 2 s). An operation that gets no answer in
    /// time fails with [`Error::Unavailable`].
    pub fn response_timeout(mut self, t: Duration) -> Self {
        self.response_timeout = t;
        self
    }

    /// How many connections the pool holds at most (default 16). Each is multiplexed, so
    /// a few go a long way.
    pub fn pool_size(mut self, n: usize) -> Self {
        self.pool_size = n.max(1);
        self
    }

    /// Connects: checks that Redis answers (`PING`; on a cluster, that a node says
    /// `cluster_state:ok`) and subscribes to the event channel. Fails fast with [`Error::Unavailable`] when Redis
    /// cannot be reached, and with [`Error::Invalid`] when the URL cannot be read.
    ///
    /// The URL says which Redis: `redis://host:port[/db]` is one server;
    /// `redis+cluster://host:port,host:port` or a comma list of nodes
    /// (`redis://host:port,redis://host:port`, or `host:port,host:port`) is a Redis
    /// Cluster, reached through any of the nodes named.
    pub async fn build(self) -> Result<RedisBackend> {
        match Target::parse(&self.url)? {
            Target::Single => self.build_single().await,
            Target::Cluster(nodes) => self.build_cluster(nodes).await,
        }
    }

    async fn build_single(self) -> Result<RedisBackend> {
        // redis 1.x defaults to a 1 s connection and a 500 ms response time-out, which
        // deadpool-redis inherits; both are set here explicitly from the builder.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.connection_timeout))
            .set_response_timeout(Some(self.response_timeout));
        let manager = deadpool_redis::Manager::new_with_config(self.url.as_str(), config)
            .map_err(|e| Error::Invalid(invalid_url(&e)))?;
        let client =
            redis::Client::open(self.url.as_str()).map_err(|e| Error::Invalid(invalid_url(&e)))?;
        let pool = Pool::builder(QuietManager { inner: manager })
            .max_size(self.pool_size)
            .runtime(deadpool::Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(self.connection_timeout + self.response_timeout),
                create: Some(self.connection_timeout),
                recycle: Some(self.response_timeout),
            })
            .build()
            .map_err(|e| Error::Backend(Box::new(e)))?;
        self.start(Store::Single(pool), EventSources::single(client))
            .await
    }

    async fn build_cluster(self, nodes: Vec<redis::ConnectionInfo>) -> Result<RedisBackend> {
        let seeds = nodes
            .iter()
            .map(|n| redis::Client::open(n.clone()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Invalid(invalid_url(&e)))?;
        let store =
            ClusterStore::connect(nodes, self.connection_timeout, self.response_timeout).await?;
        self.start(Store::Cluster(store), EventSources::cluster(seeds))
            .await
    }

    /// Starts the event listener, then checks that the store answers and the listener
    /// has subscribed.
    async fn start(self, store: Store, sources: EventSources) -> Result<RedisBackend> {
        let hub = EventHub::default();
        let channel = keys::channel(&self.prefix);
        let (ready_tx, ready_rx) = oneshot::channel();
        let listener = tokio::spawn(listen(
            sources,
            channel.clone(),
            hub.clone(),
            self.connection_timeout,
            ready_tx,
        ));
        let backend = RedisBackend {
            inner: Arc::new(Inner {
                store,
                scripts: Scripts::load(),
                prefix: self.prefix,
                channel,
                hub,
                listener,
            }),
        };
        backend.ping().await?;
        match tokio::time::timeout(self.connection_timeout + self.response_timeout, ready_rx).await
        {
            Ok(Ok(Ok(()))) => Ok(backend),
            Ok(Ok(Err(e))) => Err(e.into()),
            _ => Err(Error::Unavailable(
                "could not subscribe to the event channel in time".into(),
            )),
        }
    }
}

fn invalid_url(e: &RedisError) -> crate::ValidationError {
    crate::ValidationError::new(
        "redis_url",
        format!("not a usable Redis URL such as redis://127.0.0.1:6379 ({e})"),
    )
}

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
    /// A builder for a backend on the Redis at `url`: one server (`redis://host:port/db`)
    /// or a Redis Cluster (`redis+cluster://host:port,host:port`, or a comma list of
    /// nodes); see [`RedisBackendBuilder::build`].
    pub fn builder(url: impl Into<String>) -> RedisBackendBuilder {
        RedisBackendBuilder {
            url: url.into(),
            prefix: KeyPrefix::default(),
            connection_timeout: DEFAULT_CONNECTION_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            pool_size: 16,
        }
    }

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

/// Reads a ticket hash as the scripts write it.
fn ticket_from_hash(h: &HashMap<String, String>) -> std::result::Result<Ticket, String> {
    let field = |name: &str| h.get(name).map(String::as_str);
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

type Hash = HashMap<String, String>;

#[derive(Deserialize)]
struct DayReply {
    open: bool,
    changed: bool,
}

#[derive(Deserialize)]
struct TakeReply {
    #[serde(default)]
    closed: bool,
    ticket: Option<Hash>,
    #[serde(default)]
    waiting_before: u64,
    #[serde(default)]
    replayed: bool,
}

#[derive(Deserialize)]
struct CallReply {
    finished: Option<Hash>,
    called: Option<Hash>,
    waiting: u64,
}

#[derive(Deserialize)]
struct OneTicketReply {
    ticket: Option<Hash>,
}

#[derive(Deserialize)]
struct StatusReply {
    open: bool,
    queue_length: u64,
    current: Option<TicketNumber>,
    next: Option<TicketNumber>,
    total: u64,
}

#[derive(Deserialize)]
struct SnapshotReply {
    open: bool,
    counter: u64,
    queue_length: u64,
    next: Option<TicketNumber>,
    #[serde(deserialize_with = "lua_list")]
    waiting: Vec<Hash>,
    #[serde(deserialize_with = "lua_list")]
    logs: Vec<String>,
    #[serde(deserialize_with = "lua_list")]
    desks: Vec<(String, serde_json::Value)>,
    stats: Hash,
    #[serde(deserialize_with = "lua_list")]
    activity: Vec<(i64, String, u64)>,
    key_count: u64,
    pttl: i64,
}

#[derive(Deserialize)]
struct TicketReply {
    ticket: Option<Hash>,
    position: Option<u64>,
    #[serde(default)]
    stats: Hash,
    #[serde(default)]
    counter: u64,
    #[serde(default)]
    queue_length: u64,
    #[serde(default, deserialize_with = "lua_list")]
    desks: Vec<String>,
}

fn stats_of(h: &Hash) -> Result<DayStats> {
    DayStats::from_fields(h.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|detail| Error::corrupt("stats", detail))
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
        }
        .assemble(at))
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

/// An event as a script publishes it.
#[derive(Deserialize)]
struct WireEvent {
    seq: u64,
    day: crate::BusinessDay,
    at: String,
    action: Action,
    ticket: Option<TicketNumber>,
    desk: Option<DeskId>,
    queue_length: u64,
    next_ticket: Option<TicketNumber>,
}

fn parse_event(payload: &[u8]) -> std::result::Result<QueueEvent, String> {
    let w: WireEvent = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    let at =
        w.at.parse::<i64>()
            .ok()
            .and_then(from_micros)
            .ok_or_else(|| format!("bad time {:?}", w.at))?;
    Ok(QueueEvent {
        seq: w.seq,
        day: w.day,
        at,
        action: w.action,
        ticket: w.ticket,
        desk: w.desk,
        queue_length: w.queue_length,
        next_ticket: w.next_ticket,
    })
}

/// The nodes the event listener subscribes through: the one server, or the nodes of a
/// cluster (a `PUBLISH` reaches every node of a cluster, so any one will do).
struct EventSources {
    /// The nodes the URL named; always kept.
    seeds: Vec<redis::Client>,
    /// The seeds, then the other nodes last seen in the cluster; tried in turn.
    nodes: Vec<redis::Client>,
    /// Whether `nodes` is refreshed from `CLUSTER NODES`.
    cluster: bool,
    /// The index in `nodes` of the node to try next.
    next: usize,
}

impl EventSources {
    fn single(client: redis::Client) -> Self {
        EventSources {
            seeds: vec![client.clone()],
            nodes: vec![client],
            cluster: false,
            next: 0,
        }
    }

    fn cluster(seeds: Vec<redis::Client>) -> Self {
        EventSources {
            nodes: seeds.clone(),
            seeds,
            cluster: true,
            next: 0,
        }
    }

    /// The node to try now.
    fn current(&self) -> &redis::Client {
        &self.nodes[self.next % self.nodes.len()]
    }

    /// Moves on to the next node (on a single server: the same one again).
    fn advance(&mut self) {
        self.next = (self.next + 1) % self.nodes.len();
    }

    /// On a cluster, learns the current nodes from `node` (where the listener has just
    /// subscribed), so that it can move to one the URL did not name when `node` goes.
    async fn learn(&mut self, node: &redis::Client, timeout: Duration) {
        if !self.cluster {
            return;
        }
        let found = cluster::discover(node, timeout).await;
        if found.is_empty() {
            return;
        }
        let addr = |c: &redis::Client| c.get_connection_info().addr().to_string();
        let mut nodes = self.seeds.clone();
        for info in found {
            if nodes.len() >= MAX_KNOWN_NODES {
                break;
            }
            let known = info.addr().to_string();
            if !nodes.iter().any(|n| addr(n) == known)
                && let Ok(client) = redis::Client::open(info)
            {
                nodes.push(client);
            }
        }
        let here = addr(node);
        self.next = nodes.iter().position(|n| addr(n) == here).unwrap_or(0);
        self.nodes = nodes;
    }
}

/// Reads the event channel and fans events out to local subscribers; reconnects with
/// backoff when the connection drops (on a cluster, to the next known node), and tells
/// subscribers to resynchronise when it comes back.
async fn listen(
    mut sources: EventSources,
    channel: String,
    hub: EventHub,
    connect_timeout: Duration,
    ready: oneshot::Sender<std::result::Result<(), RedisError>>,
) {
    let mut ready = Some(ready);
    let mut pause = Duration::from_millis(50);
    let mut interrupted = false;
    // Attempts since the last subscription: the build fails once every node has refused.
    let mut failures = 0;
    loop {
        let client = sources.current().clone();
        let node = client.get_connection_info().addr().to_string();
        let connected = tokio::time::timeout(connect_timeout, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, RedisError>(pubsub)
        })
        .await;
        match connected {
            Ok(Ok(pubsub)) => {
                failures = 0;
                if let Some(tx) = ready.take() {
                    let _ = tx.send(Ok(()));
                }
                if interrupted {
                    tracing::info!(%channel, %node, "event subscription restored");
                    hub.send(Signal::Resync);
                }
                pause = Duration::from_millis(50);
                sources.learn(&client, connect_timeout).await;
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    match parse_event(msg.get_payload_bytes()) {
                        Ok(event) => hub.send(Signal::Event(event)),
                        Err(e) => tracing::warn!(%channel, error = %e, "unreadable event skipped"),
                    }
                }
                tracing::warn!(%channel, %node, "event subscription lost; reconnecting");
            }
            Ok(Err(e)) => {
                failures += 1;
                tracing::warn!(%channel, %node, error = %e, "cannot subscribe to events; retrying");
                if failures >= sources.nodes.len()
                    && let Some(tx) = ready.take()
                {
                    let _ = tx.send(Err(e));
                }
            }
            Err(_) => {
                failures += 1;
                tracing::warn!(%channel, %node, "subscribing to events timed out; retrying");
            }
        }
        interrupted = true;
        sources.advance();
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_RECONNECT_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn events_decode_from_the_script_payload() {
        let e = parse_event(
            br#"{"seq":3,"day":"2026-11-24","at":"1795505475226383","action":"call_next","ticket":2,"desk":"A","queue_length":0}"#,
        )
        .unwrap();
        assert_eq!(e.seq, 3);
        assert_eq!(e.action, Action::CallNext);
        assert_eq!(micros(e.at), 1_795_505_475_226_383);
        assert!(parse_event(b"{}").is_err());
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
