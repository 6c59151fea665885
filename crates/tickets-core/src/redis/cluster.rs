//! The queue on a Redis Cluster: the same scripts, one `EVALSHA` per operation, sent to
//! the node that owns the day's slot.
//!
//! Every key a script touches is `<prefix>:{<day>}:…` (see `keys.rs`), so all of them hash
//! to one slot (the day's, or the office's when the prefix carries its own hash tag) and
//! each call is a single-slot call, which is all a cluster needs. `redis::cluster_async::ClusterConnection` keeps one multiplexed connection per
//! node, follows the slot map and refreshes it after a `MOVED`; it is cheap to clone, so
//! no pool is needed.
//!
//! Its own retries are turned off: it would send a write again after a dropped
//! connection, and a script that already ran must never run twice (a ticket taken twice).
//! `eval` retries instead only what is safe: a reply that says the script did not run
//! (`MOVED`, `ASK`, `TRYAGAIN`, `NOSCRIPT`, no connection to send it on), and, for reads
//! only, one dropped connection, as on a single server.
//!
//! With replicas to wait for, a write is `EVALSHA` then `WAIT` in one pipeline, which the
//! connection sends to the node of the script's slot (the first command with a key
//! decides): `WAIT` then counts that node's replicas.

use std::time::{Duration, Instant};

use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, ConnectionInfo, RedisError, ServerErrorKind};

use super::call::Retry;
use super::scripts::Lua;
use super::wait::{self, Wait};
use crate::error::{Error, Result};

/// How many times a refused call (one the cluster says did not run) is sent again.
const MAX_REFUSALS: u32 = 5;
/// The first pause before sending a refused call again; it doubles each time.
const REFUSAL_PAUSE: Duration = Duration::from_millis(10);
/// How many nodes a health check asks before it reports the cluster unavailable.
const MAX_PING_ATTEMPTS: u32 = 3;

/// The cluster side of a backend: one multiplexed connection to every node.
pub(super) struct ClusterStore {
    conn: ClusterConnection,
    response_timeout: Duration,
    nodes: usize,
}

impl ClusterStore {
    /// Connects to the cluster through `nodes` (reads the slot map from the first that
    /// answers). Fails with [`Error::Unavailable`] when none does in time.
    pub(super) async fn connect(
        nodes: Vec<ConnectionInfo>,
        connection_timeout: Duration,
        response_timeout: Duration,
    ) -> Result<Self> {
        let count = nodes.len();
        let client = ClusterClientBuilder::new(nodes)
            .connection_timeout(connection_timeout)
            .response_timeout(response_timeout)
            .retries(0)
            .build()
            .map_err(|e| {
                Error::Invalid(crate::ValidationError::new(
                    "redis_url",
                    format!("the nodes of this Redis Cluster URL do not agree ({e})"),
                ))
            })?;
        let budget = connection_timeout
            .saturating_mul(u32::try_from(count.max(1)).unwrap_or(u32::MAX))
            .saturating_add(response_timeout);
        let conn = match tokio::time::timeout(budget, client.get_async_connection()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(Error::Unavailable(Box::new(e))),
            Err(_) => {
                return Err(Error::Unavailable(
                    "no node of the Redis Cluster answered in time".into(),
                ));
            }
        };
        Ok(ClusterStore {
            conn,
            response_timeout,
            nodes: count,
        })
    }

    /// How many nodes the URL named.
    pub(super) fn seed_count(&self) -> usize {
        self.nodes
    }

    /// Runs `lua` on the node of the slot of `keys` (which all share one hash tag).
    pub(super) async fn eval(
        &self,
        lua: &Lua,
        keys: &[String],
        args: &[String],
        retry: Retry,
        wait: Option<Wait>,
    ) -> Result<String> {
        debug_assert!(
            keys.iter().all(|k| {
                redis::cluster_routing::Slot::for_key(k)
                    == redis::cluster_routing::Slot::for_key(&keys[0])
            }),
            "every key of a call must be in one slot: {keys:?}"
        );
        let started = Instant::now();
        let mut with_source = false;
        let mut refusals = 0;
        let mut dropped = false;
        loop {
            let mut conn = self.conn.clone();
            let answer = match wait {
                None => {
                    lua.command(with_source, keys, args)
                        .query_async::<String>(&mut conn)
                        .await
                }
                Some(w) => {
                    match wait::eval_then_wait(&mut conn, lua, keys, args, with_source, w).await {
                        Ok((reply, acked)) => {
                            w.check(acked)?;
                            Ok(reply)
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            let err = match answer {
                Ok(reply) => return Ok(reply),
                Err(e) => e,
            };
            if is_no_script(&err) && !with_source {
                // This node has not seen the script (new node, restart, failover): send
                // its text with EVAL, which runs it and caches it there. `SCRIPT LOAD`
                // would go to every node and fail while any of them is down.
                with_source = true;
                continue;
            }
            if is_refusal(&err)
                && refusals < MAX_REFUSALS
                && started.elapsed() < self.response_timeout
            {
                // The slot moved or is moving; the connection refreshes its slot map.
                tokio::time::sleep(REFUSAL_PAUSE * 2u32.pow(refusals)).await;
                refusals += 1;
                continue;
            }
            if is_dropped(&err) && retry == Retry::Once && !dropped {
                dropped = true;
                continue;
            }
            return Err(err.into());
        }
    }

    /// Runs the read-only `cmd` (one key) on the node of its slot, sent again after a
    /// refusal, as [`Self::eval`] does, and once after a dropped connection.
    pub(super) async fn read(&self, cmd: &redis::Cmd) -> Result<redis::Value> {
        let started = Instant::now();
        let mut refusals = 0;
        let mut dropped = false;
        loop {
            let mut conn = self.conn.clone();
            let err = match cmd.query_async::<redis::Value>(&mut conn).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            if is_refusal(&err)
                && refusals < MAX_REFUSALS
                && started.elapsed() < self.response_timeout
            {
                tokio::time::sleep(REFUSAL_PAUSE * 2u32.pow(refusals)).await;
                refusals += 1;
                continue;
            }
            if is_dropped(&err) && !dropped {
                dropped = true;
                continue;
            }
            return Err(err.into());
        }
    }

    /// Whether the cluster serves: a node answers `CLUSTER INFO` with `cluster_state:ok`.
    ///
    /// A cluster that lost the primary of some slots, without a replica to take over, says
    /// `cluster_state:fail` once its nodes agree on the failure (after
    /// `cluster-node-timeout`) and then refuses every command (`CLUSTERDOWN`), unless it
    /// runs with `cluster-require-full-coverage no`, when it stays `ok` and serves the
    /// slots it still has.
    ///
    /// The node is any one the connection holds; one that has just gone away is skipped
    /// (the connection stops choosing it once it has failed).
    pub(super) async fn ping(&self) -> Result<()> {
        let mut attempt = 0;
        let info: String = loop {
            attempt += 1;
            let mut conn = self.conn.clone();
            match redis::cmd("CLUSTER")
                .arg("INFO")
                .query_async(&mut conn)
                .await
            {
                Ok(info) => break info,
                Err(e) if is_dropped(&e) && attempt < MAX_PING_ATTEMPTS => continue,
                Err(e) => return Err(Error::Unavailable(Box::new(e))),
            }
        };
        let state = info
            .lines()
            .find_map(|l| l.trim().strip_prefix("cluster_state:"))
            .unwrap_or("unknown");
        if state == "ok" {
            Ok(())
        } else {
            Err(Error::Unavailable(
                format!("the Redis Cluster says cluster_state:{state}").into(),
            ))
        }
    }
}

fn is_no_script(e: &RedisError) -> bool {
    e.kind() == redis::ErrorKind::Server(ServerErrorKind::NoScript)
}

/// The cluster answered that it did not run the call: sending it again is safe. `ASK`
/// (a slot being migrated) is retried through the same slot map, so during a migration the
/// day's calls end as unavailable (503) until it is over; `READONLY` (a primary that became
/// a replica), `CLUSTERDOWN`, `MASTERDOWN` and `LOADING` are what a failover answers.
fn is_refusal(e: &RedisError) -> bool {
    matches!(
        e.kind(),
        redis::ErrorKind::Server(
            ServerErrorKind::Moved
                | ServerErrorKind::Ask
                | ServerErrorKind::TryAgain
                | ServerErrorKind::ReadOnly
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::MasterDown
                | ServerErrorKind::BusyLoading
        ) | redis::ErrorKind::ClusterConnectionNotFound
    )
}

fn is_dropped(e: &RedisError) -> bool {
    e.is_connection_dropped() || e.is_io_error() || e.is_timeout()
}

/// The nodes of the cluster as `node` sees them (`CLUSTER NODES`), failed ones left out,
/// each with the credentials and settings of `node`. Empty when `node` cannot tell.
pub(super) async fn discover(node: &redis::Client, timeout: Duration) -> Vec<ConnectionInfo> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout));
    let text: std::result::Result<String, RedisError> = async {
        let mut conn = node
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        redis::cmd("CLUSTER")
            .arg("NODES")
            .query_async(&mut conn)
            .await
    }
    .await;
    let Ok(text) = text else {
        return Vec::new();
    };
    let base = node.get_connection_info();
    parse_cluster_nodes(&text)
        .into_iter()
        .map(|(host, port)| base.clone().set_addr(ConnectionAddr::Tcp(host, port)))
        .collect()
}

/// `host:port` of each healthy node in a `CLUSTER NODES` answer, in its order.
fn parse_cluster_nodes(text: &str) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(_id), Some(addr), Some(flags)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if flags
            .split(',')
            .any(|f| matches!(f, "fail" | "fail?" | "noaddr" | "handshake"))
        {
            continue;
        }
        // ip:port@cport[,hostname]
        let addr = addr.split('@').next().unwrap_or_default();
        let Some((host, port)) = addr.rsplit_once(':') else {
            continue;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match port.parse::<u16>() {
            Ok(port) if !host.is_empty() && port != 0 => out.push((host.to_owned(), port)),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_nodes_are_read_from_cluster_nodes() {
        let text = "\
07c3 127.0.0.1:30004@31004,node-4 slave e7d1 0 1426238317239 4 connected
67ed 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
292f 127.0.0.1:30003@31003 master,fail - 1426238316232 0 3 disconnected 10923-16383
6ec2 127.0.0.1:30005@31005 master,fail? - 0 1426238316232 3 connected
824f :0@0 master,noaddr - 0 0 0 disconnected
e7d1 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460
9a1b [::1]:30006@31006 master - 0 0 6 connected
";
        assert_eq!(
            parse_cluster_nodes(text),
            [
                ("127.0.0.1".to_owned(), 30004),
                ("127.0.0.1".to_owned(), 30002),
                ("127.0.0.1".to_owned(), 30001),
                ("::1".to_owned(), 30006),
            ]
        );
        assert!(parse_cluster_nodes("").is_empty());
    }
}
