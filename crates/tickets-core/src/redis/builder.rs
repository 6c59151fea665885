//! [`RedisBackendBuilder`]: the settings of a [`RedisBackend`], and the connection pool
//! and event listener it starts.

use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult, Timeouts};
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Cmd, Pipeline, RedisError, RedisFuture, Value};
use tokio::sync::oneshot;

use super::cluster::ClusterStore;
use super::keys::{self, KeyPrefix};
use super::listener::{EventSources, listen};
use super::office::OfficeCache;
use super::role::{self, Role};
use super::scripts::Scripts;
use super::sentinel::{Primaries, SentinelTarget};
use super::target::Target;
use super::wait::Wait;
use super::{Inner, RedisBackend, Store};
use crate::backend::QueueBackend;
use crate::error::{Error, Result};
use crate::events::EventHub;

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);
/// Default time allowed for Redis to answer one command.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// A pooled connection idle longer than this is pinged before reuse.
pub(super) const IDLE_PING_AFTER: Duration = Duration::from_secs(5);

/// The pool's manager: deadpool-redis's, without its per-checkout round trip, or one that
/// asks the sentinels where the primary is for each new connection.
///
/// deadpool-redis pings every connection each time it leaves the pool (`UNWATCH` +
/// `PING`), which doubles the round trips of a one-script operation. A multiplexed
/// connection reports a broken socket on its next use anyway, and the backend discards a
/// connection that failed that way; so only a connection idle for a while is pinged.
pub(super) struct QuietManager {
    origin: Origin,
}

/// Where new connections go.
enum Origin {
    /// One server, at the address of the URL (`host:port`).
    Fixed {
        manager: Box<deadpool_redis::Manager>,
        addr: Arc<str>,
    },
    /// The primary the sentinels name at the time.
    Sentinel(Arc<Primaries>),
}

/// A pooled connection, with the address it was opened to (for messages). Clones share
/// the connection (commands sent through several clones are pipelined on it).
#[derive(Clone)]
pub(super) struct Pooled {
    conn: MultiplexedConnection,
    /// `host:port`, never credentials.
    pub(super) addr: Arc<str>,
}

impl ConnectionLike for Pooled {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.conn.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        self.conn.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

impl managed::Manager for QuietManager {
    type Type = Pooled;
    type Error = RedisError;

    async fn create(&self) -> Result<Pooled, RedisError> {
        match &self.origin {
            Origin::Fixed { manager, addr } => Ok(Pooled {
                conn: manager.create().await?,
                addr: addr.clone(),
            }),
            Origin::Sentinel(primaries) => {
                let (info, conn) = primaries.connect().await?;
                Ok(Pooled {
                    conn,
                    addr: info.addr().to_string().into(),
                })
            }
        }
    }

    async fn recycle(&self, conn: &mut Pooled, metrics: &Metrics) -> RecycleResult<RedisError> {
        if metrics.last_used() <= IDLE_PING_AFTER {
            return Ok(());
        }
        self.check(conn).await
    }
}

impl QuietManager {
    /// Whether an idle connection may serve again: it answers, and through Sentinel its
    /// server is still the primary (a failover may have demoted it meanwhile).
    pub(super) async fn check(&self, conn: &mut Pooled) -> RecycleResult<RedisError> {
        match &self.origin {
            Origin::Fixed { .. } => {
                let _: String = redis::cmd("PING")
                    .query_async(&mut conn.conn)
                    .await
                    .map_err(RecycleError::Backend)?;
                Ok(())
            }
            Origin::Sentinel(_) => match role::role(&mut conn.conn).await {
                Ok(Role::Primary | Role::Unknown) => Ok(()),
                Ok(Role::Other(role)) => Err(RecycleError::Message(
                    format!("{} is now a {role}", conn.addr).into(),
                )),
                Err(e) => Err(RecycleError::Backend(e)),
            },
        }
    }
}

pub(super) type Pool = managed::Pool<QuietManager>;

/// Builds a [`RedisBackend`]; see [`RedisBackend::builder`].
#[must_use = "call .build().await to connect"]
#[derive(Debug, Clone)]
pub struct RedisBackendBuilder {
    url: String,
    prefix: KeyPrefix,
    connection_timeout: Duration,
    response_timeout: Duration,
    pool_size: usize,
    wait_replicas: u32,
    history_days: u32,
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

    /// After each write, wait until `replicas` replicas confirmed it (`WAIT`, sent with the
    /// script in one round trip), for at most half the response time-out; 0 (the default)
    /// does not wait. A write that fewer replicas confirmed in time fails with
    /// [`Error::Unavailable`], although it was made on the primary: it is not known to
    /// survive a failover. Sending it again is safe for a take with an idempotency key
    /// (the same ticket comes back); other operations are sent again only if the state
    /// shows they did not happen.
    ///
    /// With as many replicas asked as there are, losing one replica stops every write:
    /// run one replica more than asked (e.g. two replicas, `wait_for_replicas(1)`).
    ///
    /// ```no_run
    /// use tickets_core::RedisBackend;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> tickets_core::Result<()> {
    /// let url = "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster";
    /// let backend = RedisBackend::builder(url)
    ///     .wait_for_replicas(1)
    ///     .build()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_replicas(mut self, replicas: u32) -> Self {
        self.wait_replicas = replicas;
        self
    }

    /// How many days the history of a day is kept after its last ticket (default
    /// [`DEFAULT_HISTORY_DAYS`](crate::DEFAULT_HISTORY_DAYS)); 0 keeps no history.
    pub fn history_days(mut self, days: u32) -> Self {
        self.history_days = days;
        self
    }

    /// Connects: checks that Redis answers and is a primary (`HELLO`; on a cluster, that a
    /// node says `cluster_state:ok`), subscribes to the event channel and reads the office
    /// configuration (none stored: [`OfficeConfig::default`](crate::OfficeConfig::default)).
    /// Fails fast with [`Error::Unavailable`] when Redis cannot be reached or is a replica,
    /// with [`Error::Invalid`] when the URL cannot be read, and with [`Error::Corrupt`]
    /// when the configuration key holds something else than a valid configuration.
    ///
    /// The URL says which Redis: `redis://host:port[/db]` is one server;
    /// `redis+cluster://host:port,host:port` or a comma list of nodes
    /// (`redis://host:port,redis://host:port`, or `host:port,host:port`) is a Redis
    /// Cluster, reached through any of the nodes named;
    /// `redis+sentinel://[user:password@]host:port,host:port/<primary name>[?db=N]` is the
    /// primary that Redis Sentinel names (the hosts are sentinels), found again after a
    /// failover. The Sentinel form also takes `sentinel_username` and `sentinel_password`
    /// options for sentinels that require a password; `user:password` are those of the
    /// Redis servers.
    pub async fn build(self) -> Result<RedisBackend> {
        match Target::parse(&self.url)? {
            Target::Single => self.build_single().await,
            Target::Cluster(nodes) => self.build_cluster(nodes).await,
            Target::Sentinel(target) => self.build_sentinel(target).await,
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
        let addr = client.get_connection_info().addr().to_string().into();
        let pool = self.pool(Origin::Fixed {
            manager: Box::new(manager),
            addr,
        })?;
        self.start(Store::Single(pool), EventSources::single(client))
            .await
    }

    async fn build_sentinel(self, target: SentinelTarget) -> Result<RedisBackend> {
        let primaries = Arc::new(Primaries::new(
            target,
            self.connection_timeout,
            self.response_timeout,
        ));
        let pool = self.pool(Origin::Sentinel(primaries.clone()))?;
        self.start(Store::Single(pool), EventSources::sentinel(primaries))
            .await
    }

    /// The pool of connections to one server.
    fn pool(&self, origin: Origin) -> Result<Pool> {
        // Through Sentinel a new connection first asks a sentinel: one more round trip.
        let create = match &origin {
            Origin::Fixed { .. } => self.connection_timeout,
            Origin::Sentinel(_) => (self.connection_timeout + self.response_timeout) * 2,
        };
        Pool::builder(QuietManager { origin })
            .max_size(self.pool_size)
            .runtime(deadpool::Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(create + self.response_timeout),
                create: Some(create),
                recycle: Some(self.response_timeout),
            })
            .build()
            .map_err(|e| Error::Backend(Box::new(e)))
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
    /// has subscribed, and reads the office configuration.
    async fn start(self, store: Store, sources: EventSources) -> Result<RedisBackend> {
        let hub = EventHub::default();
        let channel = keys::channel(&self.prefix);
        let (ready_tx, ready_rx) = oneshot::channel();
        let timeout = self.connection_timeout;
        // A cluster's nodes would each need the library loaded: the cluster goes by EVALSHA.
        let scripts = Scripts::load(matches!(store, Store::Single(_)));
        let inner = Arc::new_cyclic(|me| Inner {
            store,
            local: Default::default(),
            batches: Default::default(),
            day_keys: Default::default(),
            scripts,
            config_key: keys::config_key(&self.prefix),
            prefix: self.prefix,
            channel: channel.clone(),
            hub: hub.clone(),
            office: OfficeCache::default(),
            // WAIT answers before the client gives up on the round trip.
            wait: Wait::new(self.wait_replicas, self.response_timeout / 2),
            history_ttl: (u64::from(self.history_days) * 86_400).to_string(),
            secrets: Default::default(),
            listener: tokio::spawn(listen(sources, channel, hub, timeout, ready_tx, me.clone())),
        });
        let backend = RedisBackend { inner };
        backend.ping().await?;
        match tokio::time::timeout(self.connection_timeout + self.response_timeout, ready_rx).await
        {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => return Err(e.into()),
            _ => {
                return Err(Error::Unavailable(
                    "could not subscribe to the event channel in time".into(),
                ));
            }
        }
        if let Err(e) = backend.reload_office().await {
            // One node of a Redis Cluster named by a plain URL answers MOVED for the
            // configuration key, which lives in another slot: the backend starts on the
            // built-in office, as it did before offices were configurable, and says how to
            // reach the whole cluster.
            if !redirected(&e) {
                return Err(e);
            }
            tracing::warn!(
                "this Redis is one node of a cluster and the office configuration is on \
                 another: the built-in office is in force; give REDIS_URL as \
                 redis+cluster://host:port,host:port to use the whole cluster"
            );
        }
        Ok(backend)
    }
}

/// Whether `e` is a cluster node's redirection (`MOVED`, `ASK`) of a key to another node.
fn redirected(e: &Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.downcast_ref::<RedisError>()
            .is_some_and(|r| r.redirect_node().is_some())
        {
            return true;
        }
        source = s.source();
    }
    false
}

fn invalid_url(e: &RedisError) -> crate::ValidationError {
    crate::ValidationError::new(
        "redis_url",
        format!("not a usable Redis URL such as redis://127.0.0.1:6379 ({e})"),
    )
}

impl RedisBackend {
    /// A builder for a backend on the Redis at `url`: one server (`redis://host:port/db`),
    /// a Redis Cluster (`redis+cluster://host:port,host:port`, or a comma list of nodes)
    /// or the primary Redis Sentinel names
    /// (`redis+sentinel://host:port,host:port/<primary name>`); see
    /// [`RedisBackendBuilder::build`].
    pub fn builder(url: impl Into<String>) -> RedisBackendBuilder {
        RedisBackendBuilder {
            url: url.into(),
            prefix: KeyPrefix::default(),
            connection_timeout: DEFAULT_CONNECTION_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            pool_size: 16,
            wait_replicas: 0,
            history_days: crate::DEFAULT_HISTORY_DAYS,
        }
    }
}
