//! [`RedisBackend`]: the queue on Redis, one script call per operation.
//!
//! Every operation runs one Lua script (`lua/*.lua`, with the shared prelude `lib.lua` and
//! the parts it needs; on one Redis 7 server the day's scripts are functions of one
//! library, called with `FCALL`, else `EVALSHA`: see `scripts.rs`) that reads and writes the day's keys atomically, gives the keys it
//! may create a TTL to the end of the business day, and `PUBLISH`es its events. One pub/sub connection per backend reads
//! the events back and fans them out to local subscribers, so events written by another
//! server on the same Redis arrive here too.
//!
//! The office configuration (services, priority classes, desks) is one key without TTL,
//! cached here and kept current through the event channel (`office.rs`); the scripts get
//! what they need of it as arguments (`args.rs`).
//!
//! The same backend runs on a Redis Cluster (`cluster.rs`) when the URL names one
//! (`target.rs`): every key of a day carries the day as its hash tag, so each script
//! touches one slot, and the listener subscribes through any node, moving to another
//! when that one goes away.

mod accounts;
mod args;
mod batch;
mod builder;
mod call;
mod cluster;
mod keys;
mod listener;
mod local;
mod office;
mod push;
mod reads;
mod replies;
mod role;
mod scripts;
mod sentinel;
mod target;
mod wait;
mod webhooks;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use deadpool::managed::Object;
use serde::Deserialize;
use tokio::task::JoinHandle;

use self::batch::Batched;
use self::builder::Pool;
pub use self::builder::{
    DEFAULT_CONNECTION_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, RedisBackendBuilder,
};
use self::call::Retry;
use self::cluster::ClusterStore;
pub use self::keys::KeyPrefix;
use self::office::OfficeCache;
use self::reads::text_of;
use self::replies::{CallReply, DayReply, OneTicketReply, PutConfigReply, TakeReply};
use self::role::{NotPrimary, Role};
use self::scripts::Scripts;
use self::wait::Wait;
use crate::backend::{QueueBackend, TakeRequest, TicketLookup};
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};
use crate::events::{EventHub, EventStream};
use crate::history::{HistoryClose, HistoryRecord};
use crate::model::{
    Called, DayChange, DeskId, QueueStatus, Reset, Service, Snapshot, SnapshotOptions, Taken,
    Ticket, TicketNumber, Transfer, seconds_text,
};
use crate::office::OfficeConfig;

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
    /// On one server, each thread's connection for the scripts.
    local: local::ThreadConnections,
    /// Each thread's calls of take, call-next and finish waiting to go together.
    batches: batch::Batches,
    /// The keys of the last day a script ran for.
    day_keys: std::sync::Mutex<Option<(BusinessDay, Arc<[String; keys::DAY_KEY_COUNT]>)>>,
    scripts: Scripts,
    prefix: KeyPrefix,
    /// `<prefix>:config`.
    config_key: String,
    channel: String,
    hub: EventHub,
    /// The office configuration in force here.
    office: OfficeCache,
    /// The replicas each write waits for, if any.
    wait: Option<Wait>,
    /// How long a day's history lives after its last take, in seconds (as text).
    history_ttl: String,
    /// The office's secrets read so far, by name (they never change).
    secrets: std::sync::Mutex<HashMap<String, Vec<u8>>>,
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

impl RedisBackend {
    /// The key prefix in use.
    pub fn prefix(&self) -> &KeyPrefix {
        &self.inner.prefix
    }

    /// Whether this backend runs on a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.inner.store, Store::Cluster(_))
    }

    /// Reads the stored office configuration (the built-in one when none is stored).
    async fn read_office(&self) -> Result<OfficeConfig> {
        let key = &self.inner.config_key;
        let text = self
            .eval(
                &self.inner.scripts.config_get,
                std::slice::from_ref(key),
                &[],
                Retry::Once,
            )
            .await?;
        office::parse_stored(key, &text)
    }

    /// The error for a service about to leave the configuration while tickets wait for it
    /// today: the first such service in the order of `stored`, then any other by code.
    async fn check_removal(
        &self,
        at: &Moment,
        stored: &OfficeConfig,
        next: &OfficeConfig,
    ) -> Result<()> {
        let waiting: HashMap<String, u64> = self
            .run(&self.inner.scripts.waiting, at, Vec::new(), Retry::Once)
            .await?;
        let mut codes: Vec<&str> = stored.services.iter().map(|s| s.code.as_str()).collect();
        let mut others: Vec<&str> = waiting
            .keys()
            .map(String::as_str)
            .filter(|c| !codes.contains(c))
            .collect();
        others.sort_unstable();
        codes.extend(others);
        for code in codes {
            let n = waiting.get(code).copied().unwrap_or(0);
            if n > 0 && next.service_named(code).is_none() {
                return Err(Error::ServiceInUse {
                    service: Service::parse(code).map_err(|e| Error::corrupt("queues", e))?,
                    waiting: n,
                });
            }
        }
        Ok(())
    }

    /// Ends the desk's current ticket with `status` (`completed` or `no_show`): the ticket,
    /// or `None` when the desk held none.
    async fn end_current(
        &self,
        at: &Moment,
        desk: &DeskId,
        status: &str,
    ) -> Result<Option<Ticket>> {
        let args = vec![desk.to_string(), status.to_owned()];
        let text = self.run_batched_text(Batched::Finish, at, args).await?;
        let line = replies::finish_line(&text).map_err(|e| Error::corrupt("finish", e))?;
        self.line_ticket_opt(at, line)
    }
}

impl QueueBackend for RedisBackend {
    async fn open_day(&self, at: &Moment) -> Result<DayChange> {
        let r: DayReply = self
            .run(&self.inner.scripts.open_day, at, Vec::new(), Retry::Never)
            .await?;
        Ok(DayChange {
            day: at.day,
            open: r.open,
            changed: r.changed,
        })
    }

    async fn close_day(&self, at: &Moment) -> Result<DayChange> {
        let r: DayReply = self
            .run(&self.inner.scripts.close_day, at, Vec::new(), Retry::Never)
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
            .run(&self.inner.scripts.reset_day, at, Vec::new(), Retry::Never)
            .await?;
        Ok(Reset {
            day: at.day,
            tickets_removed: r.tickets_removed,
        })
    }

    async fn take(&self, at: &Moment, req: &TakeRequest) -> Result<Taken> {
        let office = self.office();
        // The office's refusal comes after an idempotency key that already has its ticket
        // (as on memory), so a take with a key goes to the script even when refused.
        let (service, refusal) = match office.check_take(req) {
            Ok(service) => (Some(service), None),
            Err(e) if req.idempotency_key.is_some() => (None, Some(e)),
            Err(e) => return Err(e),
        };
        let mut args = vec![
            req.service.to_string(),
            req.idempotency_key
                .as_ref()
                .map_or_else(String::new, |k| k.to_string()),
            if service.is_some() { "" } else { "refused" }.to_owned(),
            service.map_or_else(String::new, |s| s.prefix.clone()),
            service.and_then(|s| s.daily_limit).unwrap_or(0).to_string(),
            req.priority
                .as_ref()
                .map_or_else(String::new, |p| p.to_string()),
        ];
        args::take_limits(&req.limits, at.now, &mut args);
        args::weights(&office, &mut args);
        let text = self.run_batched_text(Batched::Take, at, args).await?;
        if let Some(new) = text.strip_prefix('=') {
            return replies::new_ticket(at, req, new);
        }
        let r: TakeReply = serde_json::from_str(&text).map_err(call::unreadable)?;
        if r.refused {
            return Err(
                refusal.unwrap_or_else(|| Error::corrupt("take", "refused with nothing to refuse"))
            );
        }
        if r.closed {
            return Err(Error::DayClosed);
        }
        if r.limit {
            return Err(Error::DailyLimitReached(req.service.clone()));
        }
        if r.full {
            return Err(Error::QueueFull {
                max: req.limits.max_waiting,
            });
        }
        if let (true, Some((_, limit))) = (r.client_limit, &req.limits.per_client) {
            return Err(Error::TakeLimitReached {
                limit: *limit,
                retry_after_seconds: crate::limits::retry_seconds(r.retry_after_us),
            });
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
        let office = self.office();
        let plan = office
            .plan(desk)
            .ok_or_else(|| Error::UnknownDesk(desk.clone()))?;
        let mut args = vec![desk.to_string(), plan.priority_ratio.to_string()];
        args::weights(&office, &mut args);
        args::plan(Some(&plan), &mut args);
        let text = self.run_batched_text(Batched::CallNext, at, args).await?;
        let r = replies::call_line(&text).map_err(|e| Error::corrupt("call_next", e))?;
        Ok(Called {
            desk: desk.clone(),
            finished: self.line_ticket_opt(at, r.finished)?,
            called: self.line_ticket_opt(at, r.called)?,
            waiting_tickets: r.waiting,
        })
    }

    async fn call(&self, at: &Moment, desk: &DeskId, number: TicketNumber) -> Result<Called> {
        let office = self.office();
        office
            .plan(desk)
            .ok_or_else(|| Error::UnknownDesk(desk.clone()))?;
        let mut args = vec![desk.to_string(), number.to_string()];
        args::weights(&office, &mut args);
        args::targets(&office, &mut args);
        let r: CallReply = self
            .run(&self.inner.scripts.call, at, args, Retry::Never)
            .await?;
        r.refusal.check(number)?;
        self.called(at, desk, r)
    }

    async fn transfer(&self, at: &Moment, req: &Transfer) -> Result<Ticket> {
        let office = self.office();
        let target = office
            .service(&req.service)
            .ok_or_else(|| Error::UnknownService(req.service.clone()))?;
        let args = vec![
            req.ticket.to_string(),
            target.code.to_string(),
            if target.priority { "1" } else { "0" }.to_owned(),
            req.position.as_str().to_owned(),
            req.desk
                .as_ref()
                .map_or_else(String::new, |d| d.to_string()),
        ];
        let r: OneTicketReply = self
            .run(&self.inner.scripts.transfer, at, args, Retry::Never)
            .await?;
        r.refusal.check(req.ticket)?;
        self.ticket_opt(at, r.ticket.as_ref())?
            .ok_or_else(|| Error::corrupt("ticket", "transfer answered without a ticket"))
    }

    async fn requeue(&self, at: &Moment, number: TicketNumber) -> Result<Ticket> {
        let r: OneTicketReply = self
            .run(
                &self.inner.scripts.requeue,
                at,
                vec![number.to_string()],
                Retry::Never,
            )
            .await?;
        r.refusal.check(number)?;
        self.ticket_opt(at, r.ticket.as_ref())?
            .ok_or_else(|| Error::corrupt("ticket", "requeue answered without a ticket"))
    }

    async fn leave(
        &self,
        at: &Moment,
        number: TicketNumber,
        taken_at: DateTime<Utc>,
    ) -> Result<Ticket> {
        let r: OneTicketReply = self
            .run(
                &self.inner.scripts.leave,
                at,
                vec![number.to_string(), seconds_text(taken_at)],
                Retry::Never,
            )
            .await?;
        r.refusal.check(number)?;
        self.ticket_opt(at, r.ticket.as_ref())?
            .ok_or_else(|| Error::corrupt("ticket", "leave answered without a ticket"))
    }

    async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        let known = match self.inner.secrets.lock() {
            Ok(s) => s.get(name).cloned(),
            Err(_) => None,
        };
        if let Some(secret) = known {
            return Ok(secret);
        }
        let key = keys::secret_key(&self.inner.prefix, name);
        let fresh = crate::accounts::secret::random_hex::<32>()?;
        let text = self
            .eval(
                &self.inner.scripts.secret,
                std::slice::from_ref(&key),
                &[fresh],
                Retry::Once,
            )
            .await?;
        let secret = hex::decode(text.trim())
            .ok()
            .filter(|s| s.len() == 32)
            .ok_or_else(|| Error::corrupt(key.as_str(), "not 32 bytes in hexadecimal"))?;
        if let Ok(mut s) = self.inner.secrets.lock() {
            s.insert(name.to_owned(), secret.clone());
        }
        Ok(secret)
    }

    fn office(&self) -> Arc<OfficeConfig> {
        self.inner.office.get()
    }

    async fn reload_office(&self) -> Result<Arc<OfficeConfig>> {
        let generation = self.inner.office.generation();
        let read = self.read_office().await?;
        Ok(self.inner.office.apply_read(Arc::new(read), generation))
    }

    /// Three round trips, none of them a day's write: the stored configuration (for its
    /// version and its services), how many tickets wait for each service today, then the
    /// change itself on the configuration key alone, compared with the version read.
    ///
    /// On a Redis Cluster the configuration key and the day are in two slots, so the
    /// check and the change cannot be one step: a take for a service being removed that
    /// lands between them leaves its ticket in a queue no desk calls any more, until the
    /// service comes back; it can still be called by number or transferred. Servers apply
    /// the change within a second (the announcement on the event channel), so close a
    /// service (`open = false`) before removing it.
    async fn put_office(
        &self,
        at: &Moment,
        mut config: OfficeConfig,
        expected: Option<u64>,
    ) -> Result<Arc<OfficeConfig>> {
        config.validate()?;
        // With no version expected, another change landing between the read and the
        // write is not a conflict: read again and try again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let generation = self.inner.office.generation();
            let stored = Arc::new(self.read_office().await?);
            self.inner.office.apply_read(stored.clone(), generation);
            if let Some(v) = expected
                && v != stored.version
            {
                return Err(Error::VersionConflict {
                    current: stored.version,
                });
            }
            self.check_removal(at, &stored, &config).await?;
            config.version = stored.version + 1;
            let doc = serde_json::to_string(&config).map_err(|e| Error::Backend(Box::new(e)))?;
            let key = &self.inner.config_key;
            let reply = self
                .eval(
                    &self.inner.scripts.config_put,
                    std::slice::from_ref(key),
                    &[stored.version.to_string(), doc, self.inner.channel.clone()],
                    Retry::Never,
                )
                .await?;
            let r: PutConfigReply = serde_json::from_str(&reply)
                .map_err(|e| Error::corrupt(key.as_str(), format!("unreadable reply: {e}")))?;
            match r.current {
                None => {
                    let config = Arc::new(config);
                    self.inner.office.apply_newer(config.clone());
                    return Ok(config);
                }
                Some(current) if expected.is_some() || attempts >= 5 => {
                    return Err(Error::VersionConflict { current });
                }
                Some(_) => {}
            }
        }
    }

    async fn finish(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.end_current(at, desk, "completed").await
    }

    async fn recall(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        let r: OneTicketReply = self
            .run(
                &self.inner.scripts.recall,
                at,
                vec![desk.to_string()],
                Retry::Never,
            )
            .await?;
        self.ticket_opt(at, r.ticket.as_ref())
    }

    async fn no_show(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        self.end_current(at, desk, "no_show").await
    }

    async fn status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        self.read_status(at, desk).await
    }

    async fn snapshot(&self, at: &Moment, opts: SnapshotOptions) -> Result<Snapshot> {
        self.read_snapshot(at, opts).await
    }

    async fn ticket(&self, at: &Moment, number: TicketNumber) -> Result<TicketLookup> {
        self.read_ticket(at, number).await
    }

    async fn close_history(&self, at: &Moment, day: BusinessDay) -> Result<HistoryClose> {
        let mut on = at.clone();
        on.day = day;
        // Without WAIT, and sent again after a dropped connection, like a read: the facade
        // runs it before every first operation of a day, reads included, which must not
        // fail for want of a replica (with none, every operation would, since the closing
        // is tried again until it succeeds). Nothing is lost: closing is idempotent, and
        // a close lost in a failover changes no answer, readers counting a past day's open
        // records as unserved anyway.
        self.run(
            &self.inner.scripts.history_close,
            &on,
            Vec::new(),
            Retry::Once,
        )
        .await
    }

    async fn history(&self, _at: &Moment, day: BusinessDay) -> Result<Vec<HistoryRecord>> {
        self.read_history(day).await
    }

    /// Whether the store can take writes, in one round trip: on one server (or through
    /// Sentinel), that it answers `HELLO` as a primary; on a cluster, that a node says
    /// `cluster_state:ok` (the nodes that own slots are primaries by definition).
    ///
    /// A server that became a replica answers [`Error::Unavailable`] ("Redis at … is a
    /// replica: writes would fail"; see [`RedisBackend::is_replica_error`]), and the pool
    /// lets its connections go, so that through Sentinel the next ones reach the new
    /// primary.
    async fn ping(&self) -> Result<()> {
        let pool = match &self.inner.store {
            Store::Single(pool) => pool,
            Store::Cluster(cluster) => return cluster.ping().await,
        };
        let mut conn = Self::connection(pool).await?;
        match role::role(&mut *conn).await {
            Ok(Role::Primary | Role::Unknown) => Ok(()),
            Ok(Role::Other(role)) => {
                let at = conn.addr.to_string();
                let _ = Object::take(conn);
                pool.retain(|_, _| false);
                Err(Error::Unavailable(Box::new(NotPrimary { at, role })))
            }
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
