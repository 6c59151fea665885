//! How one call reaches Redis: a script with the day's key and the common arguments
//! (`run`), one `EVALSHA` on one server or on the cluster node of its slot (`eval`), and
//! a plain read-only command (`read`); each sent again only when that is safe ([`Retry`]).

use std::sync::Arc;

use deadpool::managed::{self, Object};
use redis::ServerErrorKind;
use serde::de::DeserializeOwned;

use super::builder::{Pool, QuietManager};
use super::local::ThreadConnections;
use super::scripts::Lua;
use super::wait::{self, Wait};
use super::{RedisBackend, Store, keys};
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};
use crate::model::{DeskId, iso, micros, seconds_text};

/// Whether an operation may be sent again after its connection dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// A read: sending it again is harmless.
    Once,
    /// A write that may have run: never replayed, reported as unavailable.
    Never,
}

/// The error for a script's answer that is not the JSON it should be.
pub(super) fn unreadable(e: serde_json::Error) -> Error {
    Error::corrupt("a key of the day", format!("unreadable reply: {e}"))
}

impl RedisBackend {
    pub(super) async fn connection(pool: &Pool) -> Result<Object<QuietManager>> {
        pool.get().await.map_err(|e| match e {
            managed::PoolError::Backend(e) => Error::from(e),
            other => Error::Unavailable(Box::new(other)),
        })
    }

    /// Runs `script` for the day of `at` with the day's key, the common arguments then
    /// `args`, and decodes its JSON answer.
    pub(super) async fn run<T: DeserializeOwned>(
        &self,
        script: &Lua,
        at: &Moment,
        args: Vec<String>,
        retry: Retry,
    ) -> Result<T> {
        let reply = self.run_text(script, at, args, retry).await?;
        serde_json::from_str(&reply).map_err(unreadable)
    }

    /// [`Self::run`], leaving the JSON answer to decode.
    pub(super) async fn run_text(
        &self,
        script: &Lua,
        at: &Moment,
        args: Vec<String>,
        retry: Retry,
    ) -> Result<String> {
        let keys = self.day_keys(at.day);
        let argv = self.argv(at, args);
        self.eval(script, &keys[..], &argv, retry).await
    }

    /// The `ARGV` of a day's script for `at`: the common arguments around `args`.
    pub(super) fn argv(&self, at: &Moment, args: Vec<String>) -> Vec<String> {
        let mut argv = Vec::with_capacity(9 + args.len());
        argv.extend([
            micros(at.now).to_string(),
            seconds_text(at.now),
            iso(at.now),
            at.ttl_seconds().to_string(),
            at.day.to_string(),
            self.inner.channel.clone(),
            DeskId::DEFAULT.to_owned(),
        ]);
        argv.extend(args);
        argv.push(
            at.by
                .as_ref()
                .map_or_else(String::new, |u| u.as_str().to_owned()),
        );
        argv.push(self.inner.history_ttl.clone());
        argv
    }

    /// The `KEYS` of `day` (its one key), made once per day (every script of the day
    /// passes them).
    pub(super) fn day_keys(&self, day: BusinessDay) -> Arc<[String; keys::DAY_KEY_COUNT]> {
        let mut last = self
            .inner
            .day_keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*last {
            Some((d, keys)) if *d == day => keys.clone(),
            _ => {
                let keys = Arc::new(keys::day_keys(&self.inner.prefix, day));
                *last = Some((day, keys.clone()));
                keys
            }
        }
    }

    /// One `EVALSHA` of `script` with `keys` and `args` (which all live in one slot).
    pub(super) async fn eval(
        &self,
        script: &Lua,
        keys: &[String],
        args: &[String],
        retry: Retry,
    ) -> Result<String> {
        // Writes wait for the replicas asked for; reads never do.
        let wait = self.inner.wait.filter(|_| retry == Retry::Never);
        match &self.inner.store {
            Store::Single(pool) => {
                Self::eval_single(pool, &self.inner.local, script, keys, args, retry, wait).await
            }
            Store::Cluster(cluster) => cluster.eval(script, keys, args, retry, wait).await,
        }
    }

    /// [`Self::eval`] on one server: one `EVALSHA` on this thread's connection, pipelined
    /// with `WAIT` when `wait` is given.
    async fn eval_single(
        pool: &Pool,
        local: &ThreadConnections,
        script: &Lua,
        keys: &[String],
        args: &[String],
        retry: Retry,
        wait: Option<Wait>,
    ) -> Result<String> {
        // The command is packed once, straight from the keys and arguments (a
        // `ScriptInvocation` copies each of them before packing).
        let call = script.command(false, keys, args);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = local.get(pool).await?;
            let answer = match wait {
                None => eval_loading(&mut conn, &call, script, keys, args)
                    .await
                    .map(|r| (r, None)),
                Some(w) => wait::eval_loading_then_wait(&mut conn, script, keys, args, w)
                    .await
                    .map(|(r, acked)| (r, Some(acked))),
            };
            match answer {
                Ok((reply, acked)) => {
                    if let (Some(w), Some(acked)) = (wait, acked) {
                        w.check(acked)?;
                    }
                    return Ok(reply);
                }
                Err(e) => {
                    let dropped = e.is_connection_dropped() || e.is_io_error() || e.is_timeout();
                    // A replica refuses writes: the server was demoted by a failover.
                    let demoted = e.kind() == redis::ErrorKind::Server(ServerErrorKind::ReadOnly);
                    if dropped || demoted {
                        // Never hand this connection out again, nor the idle ones: after
                        // a Redis restart they are all dead, and after a failover they
                        // lead to the old primary; new ones go where the primary is now
                        // (through Sentinel, wherever the sentinels say).
                        drop(conn);
                        local.forget_all();
                        pool.retain(|_, _| false);
                        // A script refused with READONLY wrote nothing: sending it once
                        // more is safe, even a write.
                        if attempt == 1 && (demoted || retry == Retry::Once) {
                            continue;
                        }
                    }
                    return Err(e.into());
                }
            }
        }
    }

    /// One read-only command on a single key (`HGETALL`, …), sent again once after a
    /// dropped connection, and, on a cluster, after a refusal that says it did not run.
    pub(super) async fn read(&self, cmd: &redis::Cmd) -> Result<redis::Value> {
        let pool = match &self.inner.store {
            Store::Single(pool) => pool,
            Store::Cluster(cluster) => return cluster.read(cmd).await,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = Self::connection(pool).await?;
            match cmd.query_async::<redis::Value>(&mut *conn).await {
                Ok(value) => return Ok(value),
                Err(e) if e.is_connection_dropped() || e.is_io_error() || e.is_timeout() => {
                    // As in `eval_single`: this connection and the idle ones are dead.
                    let _ = Object::take(conn);
                    pool.retain(|_, _| false);
                    if attempt == 1 {
                        continue;
                    }
                    return Err(e.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Runs `call` (`FCALL` or `EVALSHA`); when the server does not know the script (after a
/// restart or a flush), loads its library and calls again, or sends its text with `EVAL`,
/// which runs it and loads it for the next calls.
async fn eval_loading(
    conn: &mut impl redis::aio::ConnectionLike,
    call: &redis::Cmd,
    script: &Lua,
    keys: &[String],
    args: &[String],
) -> redis::RedisResult<String> {
    match call.query_async(conn).await {
        Err(e) if script.unknown(&e) => {
            let with_source = script.reload(conn, &e).await?;
            script
                .command(with_source, keys, args)
                .query_async(conn)
                .await
        }
        other => other,
    }
}
