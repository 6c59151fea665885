//! Whether a Redis server is a primary, in one round trip.
//!
//! A server that became a replica (after a failover demoted it, or because `REDIS_URL`
//! names one) still answers `PING`, but refuses every write with `READONLY`. The
//! readiness check, the pool and the Sentinel lookup therefore ask the server its role.
//! They ask with `HELLO` (no arguments: the protocol stays as it is), which every user may
//! run, where `ROLE` and `INFO` belong to the `@dangerous` ACL category that an
//! application's user often lacks. `HELLO` without arguments needs Redis 6.2; an older
//! server answers an error, and is then taken to be a primary as before.

use std::fmt;

use redis::aio::ConnectionLike;
use redis::{RedisError, Value};

use super::RedisBackend;
use crate::error::Error;

/// What a server says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Role {
    /// A primary (`master`): it takes writes.
    Primary,
    /// Anything else (`replica`, `sentinel`): writes would fail.
    Other(String),
    /// The server cannot tell (older than 6.2, or `HELLO` refused to this user).
    Unknown,
}

/// Asks the server on `conn` its role (`HELLO`). Fails only when the connection does.
pub(super) async fn role(conn: &mut impl ConnectionLike) -> Result<Role, RedisError> {
    match redis::cmd("HELLO").query_async::<Value>(conn).await {
        Ok(hello) => Ok(role_in(&hello).map_or(Role::Unknown, |r| match r.as_str() {
            "master" => Role::Primary,
            _ => Role::Other(r),
        })),
        Err(e) if matches!(e.kind(), redis::ErrorKind::Server(_)) => Ok(Role::Unknown),
        Err(e) => Err(e),
    }
}

/// The `role` field of a `HELLO` answer: a map in RESP3, pairs in a flat array in RESP2.
fn role_in(hello: &Value) -> Option<String> {
    let text = |v: &Value| redis::from_redis_value_ref::<String>(v).ok();
    match hello {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| text(k).as_deref() == Some("role"))
            .and_then(|(_, v)| text(v)),
        Value::Array(items) => items
            .chunks_exact(2)
            .find(|kv| text(&kv[0]).as_deref() == Some("role"))
            .and_then(|kv| text(&kv[1])),
        _ => None,
    }
}

/// A server that is not a primary where one is needed; the source of an
/// [`Error::Unavailable`]. Its text names the server's address, never its credentials.
#[derive(Debug)]
pub(super) struct NotPrimary {
    /// `host:port`.
    pub(super) at: String,
    /// What it says it is (`replica`, `sentinel`).
    pub(super) role: String,
}

impl fmt::Display for NotPrimary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Redis at {} is a {}: writes would fail",
            self.at, self.role
        )
    }
}

impl std::error::Error for NotPrimary {}

impl RedisBackend {
    /// Whether `error` says that the Redis server in use is not a primary: it answered
    /// the readiness check ([`QueueBackend::ping`](crate::QueueBackend::ping)) as a
    /// replica, or refused a write with `READONLY`. That happens to the old primary after
    /// a failover, or when `REDIS_URL` names a replica; every write then fails until the
    /// backend reaches a primary again.
    ///
    /// ```
    /// use tickets_core::{Error, RedisBackend};
    ///
    /// let down = Error::Unavailable("connection refused".into());
    /// assert!(!RedisBackend::is_replica_error(&down));
    /// ```
    pub fn is_replica_error(error: &Error) -> bool {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(s) = source {
            if s.is::<NotPrimary>()
                || s.downcast_ref::<RedisError>().is_some_and(|e| {
                    e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly)
                })
            {
                return true;
            }
            source = s.source();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn the_role_is_read_from_hello_in_both_protocols() {
        let resp2 = Value::Array(vec![
            bulk("server"),
            bulk("redis"),
            bulk("proto"),
            Value::Int(2),
            bulk("role"),
            bulk("replica"),
            bulk("modules"),
            Value::Array(vec![]),
        ]);
        assert_eq!(role_in(&resp2).as_deref(), Some("replica"));
        let resp3 = Value::Map(vec![
            (bulk("proto"), Value::Int(3)),
            (bulk("role"), Value::SimpleString("master".into())),
        ]);
        assert_eq!(role_in(&resp3).as_deref(), Some("master"));
        assert_eq!(role_in(&Value::Array(vec![bulk("server")])), None);
        assert_eq!(role_in(&Value::Okay), None);
    }

    #[test]
    fn a_replica_is_told_apart_from_an_outage() {
        let replica = Error::Unavailable(Box::new(NotPrimary {
            at: "10.0.0.2:6379".into(),
            role: "replica".into(),
        }));
        assert!(RedisBackend::is_replica_error(&replica));
        let text = std::error::Error::source(&replica)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert_eq!(
            text,
            "Redis at 10.0.0.2:6379 is a replica: writes would fail"
        );
        let readonly: Error = redis::RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly),
            "You can't write against a read only replica.",
        ))
        .into();
        assert!(RedisBackend::is_replica_error(&readonly));
        let refused: Error =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
                .into();
        assert!(!RedisBackend::is_replica_error(&refused));
    }
}
