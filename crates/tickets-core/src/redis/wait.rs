//! Waiting for replicas after a write (`WAIT`), so that an acknowledged change survives a
//! failover.
//!
//! Redis replicates asynchronously: a primary that fails just after a script ran may take
//! the change with it, and the replica promoted in its place then gives the same ticket
//! number again. With [`wait_for_replicas`](super::RedisBackendBuilder::wait_for_replicas)
//! every writing script is followed by `WAIT <replicas> <timeout>` on the same connection,
//! in the same pipeline (one round trip). When fewer replicas than asked confirm the write
//! in time, the operation fails with [`Error::Unavailable`]: the change was made on the
//! primary but is not known to be safe. A client may try again; a take sent again with its
//! idempotency key answers the same ticket, so nothing is taken twice.

use std::fmt;
use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{RedisError, Value};

use super::scripts::Lua;
use crate::error::Error;

/// How many replicas must confirm each write, and how long to wait for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Wait {
    /// At least 1.
    pub(super) replicas: u32,
    /// How long `WAIT` blocks at most (kept below the response time-out).
    pub(super) timeout: Duration,
}

impl Wait {
    /// `replicas` replicas within `timeout` (at least 1 ms); `None` when `replicas` is 0.
    pub(super) fn new(replicas: u32, timeout: Duration) -> Option<Self> {
        (replicas > 0).then(|| Wait {
            replicas,
            timeout: timeout.max(Duration::from_millis(1)),
        })
    }

    /// The answer of a write once `acked` replicas confirmed it.
    pub(super) fn check(&self, acked: u64) -> crate::Result<()> {
        if acked >= u64::from(self.replicas) {
            Ok(())
        } else {
            Err(Error::Unavailable(Box::new(NotReplicated {
                acked,
                asked: self.replicas,
                timeout: self.timeout,
            })))
        }
    }
}

/// A write that fewer replicas confirmed than asked: the source of an
/// [`Error::Unavailable`].
#[derive(Debug)]
pub(super) struct NotReplicated {
    acked: u64,
    asked: u32,
    timeout: Duration,
}

impl fmt::Display for NotReplicated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the change was made on the Redis primary, but {} of the {} replicas asked \
             confirmed it within {} ms: it may be lost if the primary fails now \
             (sending it again with the same idempotency key is safe)",
            self.acked,
            self.asked,
            self.timeout.as_millis()
        )
    }
}

impl std::error::Error for NotReplicated {}

/// Runs `lua` (`FCALL` or `EVALSHA`, or `EVAL` with its text when `with_source`) then `WAIT`, in one
/// pipeline on `conn`; answers the script's reply and how many replicas confirmed. A
/// script that failed (`NOSCRIPT` included) answers its error, whatever `WAIT` said.
pub(super) async fn eval_then_wait(
    conn: &mut impl ConnectionLike,
    lua: &Lua,
    keys: &[String],
    args: &[String],
    with_source: bool,
    wait: Wait,
) -> Result<(String, u64), RedisError> {
    let mut pipe = redis::pipe();
    pipe.add_command(lua.command(with_source, keys, args));
    pipe.cmd("WAIT")
        .arg(wait.replicas)
        .arg(u64::try_from(wait.timeout.as_millis()).unwrap_or(u64::MAX));
    let replies: Vec<Value> = pipe.ignore_errors().query_async(conn).await?;
    let mut replies = replies.into_iter();
    let (Some(script), Some(acked)) = (replies.next(), replies.next()) else {
        return Err(RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "EVALSHA then WAIT answered fewer than two replies",
        )));
    };
    let reply: String = redis::from_redis_value(script.extract_error()?)?;
    let acked: u64 = redis::from_redis_value(acked.extract_error()?)?;
    Ok((reply, acked))
}

/// [`eval_then_wait`], loading the library or sending the script's text when the server
/// does not know it yet.
pub(super) async fn eval_loading_then_wait(
    conn: &mut impl ConnectionLike,
    lua: &Lua,
    keys: &[String],
    args: &[String],
    wait: Wait,
) -> Result<(String, u64), RedisError> {
    match eval_then_wait(conn, lua, keys, args, false, wait).await {
        Err(e) if lua.unknown(&e) => {
            let with_source = lua.reload(conn, &e).await?;
            eval_then_wait(conn, lua, keys, args, with_source, wait).await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_confirmations_are_unavailable_and_say_why() {
        assert_eq!(Wait::new(0, Duration::from_secs(1)), None);
        let wait = Wait::new(2, Duration::from_millis(800)).expect("two replicas");
        assert!(wait.check(2).is_ok());
        assert!(wait.check(3).is_ok());
        let e = wait.check(1).expect_err("one of two");
        assert!(e.is_transient(), "{e:?}");
        let why = std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(why.contains("1 of the 2 replicas"), "{why}");
        assert!(why.contains("800 ms"), "{why}");
        assert!(why.contains("idempotency key"), "{why}");
    }
}
