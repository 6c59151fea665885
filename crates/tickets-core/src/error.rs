//! The one error type of the crate.
//!
//! Every fallible operation returns [`Error`]. Its [`Error::kind`] tells a caller what
//! happened without looking at any message, which is what the HTTP layer maps to status
//! codes.

use std::fmt;

use crate::model::TicketNumber;

/// A boxed error kept as the source of [`Error::Unavailable`] and [`Error::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of every operation of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a queue operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The day is not open: no new ticket can be taken.
    #[error("the service is closed for today: no new tickets")]
    DayClosed,

    /// No ticket with this number was given today.
    #[error("ticket {0} does not exist today")]
    TicketNotFound(TicketNumber),

    /// A value given by the caller breaks its rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    /// The store cannot be reached (connection refused or dropped, time-out, pool
    /// exhausted). The operation may be retried later; a write may or may not have run.
    #[error("the ticket store is unavailable")]
    Unavailable(#[source] BoxError),

    /// The store answered, but with an error that is not a connection problem.
    #[error("the ticket store failed")]
    Backend(#[source] BoxError),

    /// Data under our keys is not what this crate writes (foreign or corrupted data).
    #[error("unexpected data in the store under {key}: {detail}")]
    Corrupt {
        /// The key (or part of the state) that holds the unexpected data.
        key: String,
        /// What was wrong with it.
        detail: String,
    },
}

/// What kind of failure an [`Error`] is, for mapping to status codes or retry decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::DayClosed`].
    DayClosed,
    /// See [`Error::TicketNotFound`].
    NotFound,
    /// See [`Error::Invalid`].
    Invalid,
    /// See [`Error::Unavailable`].
    Unavailable,
    /// See [`Error::Backend`] and [`Error::Corrupt`].
    Internal,
}

impl Error {
    /// The kind of this error.
    ///
    /// ```
    /// use tickets_core::{Error, ErrorKind};
    /// assert_eq!(Error::DayClosed.kind(), ErrorKind::DayClosed);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::DayClosed => ErrorKind::DayClosed,
            Error::TicketNotFound(_) => ErrorKind::NotFound,
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Backend(_) | Error::Corrupt { .. } => ErrorKind::Internal,
        }
    }

    /// Whether trying again later may succeed (the store was unreachable).
    pub fn is_transient(&self) -> bool {
        self.kind() == ErrorKind::Unavailable
    }

    /// Builds an [`Error::Corrupt`].
    pub fn corrupt(key: impl Into<String>, detail: impl fmt::Display) -> Self {
        Error::Corrupt {
            key: key.into(),
            detail: detail.to_string(),
        }
    }
}

/// A value that breaks its rule, with the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct ValidationError {
    /// The name of the field, as a client would send it (`desk`, `service_type`, …).
    pub field: &'static str,
    /// What the rule is, in words a person understands.
    pub reason: String,
}

impl ValidationError {
    /// Builds a validation error for `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

#[cfg(feature = "redis")]
impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Self {
        use redis::ErrorKind as K;
        if err.is_io_error()
            || err.is_timeout()
            || err.is_connection_dropped()
            || err.is_connection_refusal()
            || err.is_cluster_error()
        {
            return Error::Unavailable(Box::new(err));
        }
        match err.kind() {
            K::Server(redis::ServerErrorKind::BusyLoading)
            | K::Server(redis::ServerErrorKind::MasterDown)
            | K::Server(redis::ServerErrorKind::ReadOnly)
            | K::ClusterConnectionNotFound => Error::Unavailable(Box::new(err)),
            _ => {
                // Scripts raise `CORRUPT <detail>` when they meet data they did not write;
                // Redis itself raises `WRONGTYPE` when a key of ours holds another type.
                let text = err.to_string();
                if err.code() == Some("CORRUPT") || text.contains("CORRUPT") {
                    let detail = err.detail().unwrap_or(&text).to_owned();
                    Error::corrupt("a key of the day", detail)
                } else if err.code() == Some("WRONGTYPE") || text.contains("WRONGTYPE") {
                    Error::corrupt("a key of the day", "a key holds a value of the wrong type")
                } else {
                    Error::Backend(Box::new(err))
                }
            }
        }
    }
}

#[cfg(feature = "redis")]
impl From<deadpool_redis::PoolError> for Error {
    fn from(err: deadpool_redis::PoolError) -> Self {
        match err {
            deadpool_redis::PoolError::Backend(e) => e.into(),
            other => Error::Unavailable(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_every_variant() {
        assert_eq!(Error::DayClosed.kind(), ErrorKind::DayClosed);
        let n = TicketNumber::new(3).unwrap();
        assert_eq!(Error::TicketNotFound(n).kind(), ErrorKind::NotFound);
        assert_eq!(
            Error::from(ValidationError::new("desk", "too long")).kind(),
            ErrorKind::Invalid
        );
        assert_eq!(Error::corrupt("k", "x").kind(), ErrorKind::Internal);
        let io = std::io::Error::other("down");
        assert!(Error::Unavailable(Box::new(io)).is_transient());
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_cluster_that_refuses_or_is_down_is_unavailable() {
        let server = |reply: &str| -> Error {
            redis::parse_redis_value(format!("{reply}\r\n").as_bytes())
                .and_then(redis::Value::extract_error)
                .expect_err("an error reply")
                .into()
        };
        for reply in [
            "-MOVED 3999 127.0.0.1:7001",
            "-ASK 3999 127.0.0.1:7001",
            "-TRYAGAIN Multiple keys request during rehashing of slot",
            "-CLUSTERDOWN The cluster is down",
            "-MASTERDOWN Link with MASTER is down",
            "-READONLY You can't write against a read only replica.",
        ] {
            assert_eq!(server(reply).kind(), ErrorKind::Unavailable, "{reply}");
        }
        let lost: Error =
            redis::RedisError::from((redis::ErrorKind::ClusterConnectionNotFound, "no node"))
                .into();
        assert_eq!(lost.kind(), ErrorKind::Unavailable);
        // A call across slots would be a defect of ours, not an outage.
        let cross = server("-CROSSSLOT Keys in request don't hash to the same slot");
        assert_eq!(cross.kind(), ErrorKind::Internal);
    }

    #[test]
    fn validation_error_reads_as_a_sentence() {
        let e = ValidationError::new("desk", "use 1 to 16 letters, digits, '-' or '_'");
        assert_eq!(
            e.to_string(),
            "invalid desk: use 1 to 16 letters, digits, '-' or '_'"
        );
    }
}
