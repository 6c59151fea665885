//! Starting up: the store the configuration selects, the office file, the queue settings,
//! and why a start can fail.

use tickets_core::{
    AnyBackend, BusinessCalendar, MemoryBackend, OfficeConfig, QueueBackend, QueueConfig,
    RedisBackend, TicketQueue, host_time_zone,
};

use crate::config::{Config, OfficeFileError, StoreKind};

/// Why the server could not start, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// `TICKETS_STORE=redis` without `REDIS_URL`.
    #[error("TICKETS_STORE=redis needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379)")]
    NoRedisUrl,
    /// Redis is configured but does not answer.
    #[error(
        "cannot use Redis at {url}: {source}. Start Redis there, fix REDIS_URL, \
         or run on the in-memory store with TICKETS_STORE=memory"
    )]
    Redis {
        /// The URL tried.
        url: String,
        /// Why it failed.
        #[source]
        source: tickets_core::Error,
    },
    /// `REDIS_URL` cannot be read.
    #[error("REDIS_URL {url} is not usable: {source}")]
    BadRedisUrl {
        /// The URL given (password hidden).
        url: String,
        /// What is wrong with it.
        #[source]
        source: tickets_core::Error,
    },
    /// The VAPID private key cannot be used.
    #[error("TICKETS_VAPID_PRIVATE_KEY cannot be used: {0}")]
    Push(String),
    /// The office configuration file cannot be read or is not valid.
    #[error(transparent)]
    OfficeFile(#[from] OfficeFileError),
    /// The office configuration file could not be stored.
    #[error("cannot store the office configuration {path} (TICKETS_CONFIG / --config): {source}")]
    Office {
        /// The file.
        path: String,
        /// Why the store refused it.
        #[source]
        source: tickets_core::Error,
    },
    /// The first administrator could not be created.
    #[error(
        "cannot create the first administrator account `admin` from TICKETS_STAFF_PASSWORD: \
         {source}. Choose a password of at least 12 characters (or leave it unset to have one \
         generated), or make sure the store answers"
    )]
    Admin {
        /// Why.
        #[source]
        source: tickets_core::Error,
    },
    /// The listen address cannot be bound.
    #[error("cannot listen on {bind}: {source}. Choose another TICKETS_BIND")]
    Bind {
        /// The address.
        bind: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Builds the backend the configuration selects; with Redis, fails at once when it does
/// not answer.
pub async fn backend_from(config: &Config) -> Result<AnyBackend, StartupError> {
    match config.effective_store() {
        StoreKind::Redis => {
            let url = config.redis_url.clone().ok_or(StartupError::NoRedisUrl)?;
            let backend = RedisBackend::builder(url.clone())
                .prefix(config.key_prefix.clone())
                .connection_timeout(config.redis_timeout())
                .response_timeout(config.redis_timeout())
                .wait_for_replicas(config.redis_wait_replicas)
                .history_days(config.history_days)
                .build()
                .await;
            // Options (after `?`) may hold a password: `sentinel_password=…`.
            let shown = || redact(url.split('?').next().unwrap_or_default());
            let backend = backend.map_err(|source| {
                // The cause (a refused connection, a replica, what each sentinel answered)
                // goes to the log; it names addresses, never passwords.
                if let Some(cause) = std::error::Error::source(&source) {
                    tracing::error!(%cause, "cannot use Redis");
                }
                match source.kind() {
                    tickets_core::ErrorKind::Invalid => StartupError::BadRedisUrl {
                        url: shown(),
                        source,
                    },
                    _ => StartupError::Redis {
                        url: shown(),
                        source,
                    },
                }
            })?;
            Ok(AnyBackend::Redis(backend))
        }
        _ => Ok(AnyBackend::Memory(
            MemoryBackend::new().with_history_days(config.history_days),
        )),
    }
}

/// A URL with its password hidden.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// What became of the office configuration file at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeApplied {
    /// The file was stored with this version.
    Stored(u64),
    /// The store already held this version; the file was not applied.
    Kept(u64),
}

/// Stores `office` (read from `path`) unless the store already holds a configuration;
/// always with `overwrite`. A configuration already stored is kept and said so in the log.
pub async fn apply_office<B: QueueBackend, C: tickets_core::Clock>(
    queue: &TicketQueue<B, C>,
    office: OfficeConfig,
    overwrite: bool,
    path: &str,
) -> Result<OfficeApplied, StartupError> {
    let expected = if overwrite { None } else { Some(0) };
    match queue.put_office(office, expected).await {
        Ok(stored) => {
            tracing::info!(
                file = path,
                version = stored.version,
                services = stored.services.len(),
                "office configuration stored from the file"
            );
            Ok(OfficeApplied::Stored(stored.version))
        }
        Err(tickets_core::Error::VersionConflict { current }) => {
            tracing::warn!(
                file = path,
                version = current,
                "the store already holds an office configuration: the file was not applied \
                 (TICKETS_CONFIG_OVERWRITE=1 / --config-overwrite replaces it)"
            );
            Ok(OfficeApplied::Kept(current))
        }
        Err(source) => Err(StartupError::Office {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The queue configuration from the server configuration.
pub fn queue_config(config: &Config) -> QueueConfig {
    let tz = config.timezone.unwrap_or_else(host_time_zone);
    QueueConfig {
        calendar: BusinessCalendar::new(tz, config.rollover_hour)
            .unwrap_or_else(|_| BusinessCalendar::default()),
        default_service_seconds: config.default_service_seconds.max(0.0),
        history_days: config.history_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_passwords_are_hidden() {
        assert_eq!(redact("redis://:pw@host:6379/0"), "redis://***@host:6379/0");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
