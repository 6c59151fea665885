//! The one error type of the crate.
//!
//! Every fallible operation returns [`Error`]. Its [`Error::kind`] tells a caller what
//! happened without looking at any message, which is what the HTTP layer maps to status
//! codes.

use std::fmt;

use crate::model::{DeskId, PriorityCode, Service, TicketNumber, TicketStatus};

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

    /// The key given is not the one of this ticket's holder (see
    /// [`TicketQueue::holder_key`](crate::TicketQueue::holder_key)).
    #[error("this key does not let anyone act on ticket {0}")]
    WrongHolderKey(TicketNumber),

    /// A value given by the caller breaks its rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    /// The office has no service with this code.
    #[error("the office has no service {0:?}")]
    UnknownService(Service),

    /// The office has no priority class with this code.
    #[error("the office has no priority class {0:?}")]
    UnknownPriority(PriorityCode),

    /// The service does not offer priority.
    #[error("the service {0:?} does not offer priority")]
    PriorityNotOffered(Service),

    /// The desk is not one of the office's desks.
    #[error("desk {0:?} is not one of the office's desks")]
    UnknownDesk(DeskId),

    /// The service takes no new tickets (closed in the configuration).
    #[error("the service {0:?} takes no new tickets")]
    ServiceClosed(Service),

    /// The service gave its daily limit of tickets.
    #[error("the service {0:?} gave all its tickets for today")]
    DailyLimitReached(Service),

    /// The client took as many tickets as its limit allows for now.
    #[error("this client took {limit} tickets already; try again in {retry_after_seconds} s")]
    TakeLimitReached {
        /// The limit.
        limit: crate::limits::RateLimit,
        /// When the window ends, in seconds from now (at least 1).
        retry_after_seconds: u64,
    },

    /// As many tickets wait as the office accepts.
    #[error("{max} tickets are waiting already: no new ticket for now")]
    QueueFull {
        /// The cap.
        max: u32,
    },

    /// The ticket is not in a state that allows this (call a ticket that no longer waits,
    /// requeue a ticket that was not a no-show, …).
    #[error("ticket {number} is {}", .status.as_str())]
    WrongStatus {
        /// The ticket.
        number: TicketNumber,
        /// Where it is in its life.
        status: TicketStatus,
    },

    /// The configuration changed since the version the caller read.
    #[error("the configuration is at version {current}, not the one expected")]
    VersionConflict {
        /// The version now stored.
        current: u64,
    },

    /// A service that still has waiting tickets cannot leave the configuration (close it
    /// instead).
    #[error("the service {service:?} still has {waiting} waiting tickets")]
    ServiceInUse {
        /// The service.
        service: Service,
        /// How many tickets wait for it.
        waiting: u64,
    },

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
    /// See [`Error::Invalid`], and the office's refusals of unknown services, priority
    /// classes and desks.
    Invalid,
    /// The request is valid but the state forbids it now: a closed service, a daily
    /// limit, a ticket in the wrong state, a configuration conflict.
    Conflict,
    /// See [`Error::WrongHolderKey`]: the caller may not act on this.
    Forbidden,
    /// See [`Error::TakeLimitReached`]: too many requests from one client.
    RateLimited,
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
            Error::WrongHolderKey(_) => ErrorKind::Forbidden,
            Error::Invalid(_)
            | Error::UnknownService(_)
            | Error::UnknownPriority(_)
            | Error::PriorityNotOffered(_)
            | Error::UnknownDesk(_) => ErrorKind::Invalid,
            Error::ServiceClosed(_)
            | Error::DailyLimitReached(_)
            | Error::QueueFull { .. }
            | Error::WrongStatus { .. }
            | Error::VersionConflict { .. }
            | Error::ServiceInUse { .. } => ErrorKind::Conflict,
            Error::TakeLimitReached { .. } => ErrorKind::RateLimited,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Backend(_) | Error::Corrupt { .. } => ErrorKind::Internal,
        }
    }

    /// A stable code for the error, for clients to act on (`day_closed`,
    /// `unknown_service`, `daily_limit_reached`, …).
    ///
    /// ```
    /// use tickets_core::{Error, Service};
    /// assert_eq!(Error::ServiceClosed(Service::default()).code(), "service_closed");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::DayClosed => "day_closed",
            Error::TicketNotFound(_) => "ticket_not_found",
            Error::WrongHolderKey(_) => "wrong_ticket_key",
            Error::Invalid(_) => "invalid_field",
            Error::UnknownService(_) => "unknown_service",
            Error::UnknownPriority(_) => "unknown_priority",
            Error::PriorityNotOffered(_) => "priority_not_offered",
            Error::UnknownDesk(_) => "unknown_desk",
            Error::ServiceClosed(_) => "service_closed",
            Error::DailyLimitReached(_) => "daily_limit_reached",
            Error::TakeLimitReached { .. } => "take_limit_reached",
            Error::QueueFull { .. } => "queue_full",
            Error::WrongStatus { .. } => "wrong_status",
            Error::VersionConflict { .. } => "version_conflict",
            Error::ServiceInUse { .. } => "service_in_use",
            Error::Unavailable(_) => "store_unavailable",
            Error::Backend(_) | Error::Corrupt { .. } => "internal",
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
    /// The name of the field, as a client would send it (`desk`, `service_type`,
    /// `service[1].prefix`, …).
    pub field: std::borrow::Cow<'static, str>,
    /// What the rule is, in words a person understands.
    pub reason: String,
}

impl ValidationError {
    /// Builds a validation error for `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Builds a validation error for a field whose name is built at run time.
    pub fn at(field: impl Into<std::borrow::Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
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
