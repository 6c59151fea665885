//! Flags and environment, in one place. The variable names are an interface that
//! deployments rely on: keep them.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser, ValueEnum};
use tickets_core::chrono_tz::Tz;
use tickets_core::{KeyPrefix, OfficeConfig, RateLimit, ValidationError, parse_time_zone};

use crate::client::IpNet;
use crate::limits::StreamLimit;
use crate::links::PublicUrl;

/// A limit, or `None` when it is turned off with `0` (an alias, so that clap takes the
/// option as required-with-a-default rather than optional).
pub type OrOff<T> = Option<T>;

/// Which store holds the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// Redis when `REDIS_URL` is set, else memory.
    Auto,
    /// In this process (lost on restart, not shared between servers).
    Memory,
    /// Redis at `REDIS_URL`.
    Redis,
}

/// How logs are written (to standard error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The server's configuration.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "tickets",
    version,
    about = "A real-time ticket queue for post offices and other counters.",
    after_help = "Every option can also be set by the environment variable shown beside it."
)]
pub struct Config {
    /// Listen address.
    #[arg(long, env = "TICKETS_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,

    /// Store: auto (Redis when REDIS_URL is set, else memory), memory or redis.
    #[arg(long, env = "TICKETS_STORE", value_enum, default_value_t = StoreKind::Auto)]
    pub store: StoreKind,

    /// Redis to use: one server, e.g. redis://127.0.0.1:6379/0, or a Redis Cluster, e.g.
    /// redis+cluster://10.0.0.1:7000,10.0.0.2:7000 (a comma list of nodes, each
    /// redis://host:port or host:port, is a cluster too).
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key; may hold one office hash tag in braces for a Redis
    /// Cluster shared by several offices, e.g. `tickets:{paris-15}`.
    #[arg(long, env = "TICKETS_KEY_PREFIX", default_value = "tickets", value_parser = parse_prefix)]
    pub key_prefix: KeyPrefix,

    /// IANA time zone of the business day, e.g. Europe/Paris (default: the host's).
    #[arg(long, env = "TICKETS_TIMEZONE", value_parser = parse_tz)]
    pub timezone: Option<Tz>,

    /// Hour (0–23) at which the business day changes.
    #[arg(long, env = "TICKETS_ROLLOVER_HOUR", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=23))]
    pub rollover_hour: u8,

    /// Comma list of accepted Host names; `*` accepts any, `.example.org` a domain and
    /// its subdomains.
    #[arg(
        long,
        env = "TICKETS_ALLOWED_HOSTS",
        default_value = "localhost,127.0.0.1,[::1]",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,

    /// Staff sign-in password (generated and printed at startup when unset).
    #[arg(long, env = "TICKETS_STAFF_PASSWORD", hide_env_values = true)]
    pub staff_password: Option<String>,

    /// Minutes an unused staff session stays valid (a session lasts 12 hours at most).
    #[arg(long, env = "TICKETS_SESSION_IDLE_MINUTES", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_idle_minutes: u32,

    /// Days the history of a day is kept (for reports and exports) after its last ticket;
    /// 0 keeps no history.
    #[arg(long, env = "TICKETS_HISTORY_DAYS", default_value_t = tickets_core::DEFAULT_HISTORY_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=3660))]
    pub history_days: u32,

    /// Enables `Authorization: Bearer <token>` for staff API clients: an administrator's
    /// token (accounts get their own tokens in the console).
    #[arg(long, env = "TICKETS_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,

    /// Seconds to wait for Redis to accept a connection or answer a command.
    #[arg(long, env = "TICKETS_REDIS_TIMEOUT_SECONDS", default_value_t = 2.0)]
    pub redis_timeout_seconds: f64,

    /// Service time assumed before anyone was served today, in seconds.
    #[arg(long, env = "TICKETS_DEFAULT_SERVICE_SECONDS", default_value_t = 300.0)]
    pub default_service_seconds: f64,

    /// Log format: text or json (one object per line). Filter with RUST_LOG.
    #[arg(long, env = "TICKETS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Office configuration (TOML tables `service`, `priority` and `desk`; see
    /// deploy/office.example.toml), stored at start when the store holds none yet.
    #[arg(long = "config", env = "TICKETS_CONFIG", value_name = "FILE")]
    pub office_file: Option<PathBuf>,

    /// Store the --config file even when the store already holds a configuration
    /// (replacing the one changed through PUT /api/config).
    #[arg(
        long = "config-overwrite",
        env = "TICKETS_CONFIG_OVERWRITE",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
        requires = "office_file"
    )]
    pub office_overwrite: bool,

    /// Tickets one client address may take through the API and the kiosk page without a
    /// kiosk cookie: `COUNT/SECONDS` (e.g. `10/600`), or `0` for no limit (benchmarks, load
    /// tests). Shared by every server on one Redis.
    #[arg(long, env = "TICKETS_TAKE_LIMIT", default_value = "10/600", value_parser = parse_take_limit)]
    pub take_limit: OrOff<RateLimit>,

    /// Refuse new tickets while this many wait (`0`: no cap).
    #[arg(long, env = "TICKETS_MAX_WAITING", default_value_t = 5000)]
    pub max_waiting: u32,

    /// Secret of the kiosk enrollment link (`/api/kiosk/enroll?token=…`): a browser that
    /// opens it gets a long-lived kiosk cookie and takes tickets without the per-address
    /// limit. Staff can also enroll a browser from the console.
    /// At least 24 characters (the link is tried without throttling, so it must not be
    /// guessable).
    #[arg(long, env = "TICKETS_KIOSK_TOKEN", hide_env_values = true, value_parser = parse_kiosk_token)]
    pub kiosk_token: Option<String>,

    /// Comma list of proxy addresses or CIDRs (e.g. `127.0.0.1,10.0.0.0/8`) whose
    /// `X-Forwarded-For` is trusted for the client's address; others' is ignored.
    #[arg(long, env = "TICKETS_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,

    /// Worker threads serving requests (each with its own event loop and, on Redis, its
    /// own connection). Default: one per CPU the server may use.
    #[arg(long, env = "TICKETS_WORKERS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: Option<u16>,

    /// Event streams per client address and in all on this server: `PER_ADDRESS/TOTAL`
    /// (e.g. `100/10000`), or `0` for no cap (load tests).
    #[arg(long, env = "TICKETS_STREAM_LIMIT", default_value = "100/10000", value_parser = parse_stream_limit)]
    pub stream_limit: OrOff<StreamLimit>,

    /// The address the public reaches the server at (e.g. `https://tickets.example.org`):
    /// the ticket links and QR codes are built from it. Without it they use the request's
    /// validated `Host`.
    #[arg(long, env = "TICKETS_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<PublicUrl>,

    /// After each write, wait until this many replicas acknowledged it (Redis `WAIT`), so
    /// that an acknowledged ticket survives a failover; `0` does not wait.
    #[arg(long, env = "TICKETS_REDIS_WAIT_REPLICAS", default_value_t = 0)]
    pub redis_wait_replicas: u32,

    /// Let webhooks go to private and local addresses (loopback, private ranges,
    /// link-local): for tests and closed networks. By default they go to public addresses
    /// only.
    #[arg(
        long,
        env = "TICKETS_WEBHOOK_ALLOW_PRIVATE",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new()
    )]
    pub webhook_allow_private: bool,

    /// Tell a ticket's holder who asked for notifications when this many tickets or fewer
    /// are ahead (then again when none is, and when the ticket is called).
    #[arg(long, env = "TICKETS_PUSH_AHEAD", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub push_ahead: u32,

    /// Let push notifications go to private and local addresses, and over http: for tests
    /// and closed networks. By default they go to public https push services only.
    #[arg(
        long,
        env = "TICKETS_PUSH_ALLOW_PRIVATE",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new()
    )]
    pub push_allow_private: bool,

    /// The VAPID private key that signs push notifications: 32 bytes, base64url (as
    /// `npx web-push generate-vapid-keys` prints it). Without it, a key is made once and
    /// kept in the store, shared by every server.
    #[arg(long, env = "TICKETS_VAPID_PRIVATE_KEY", hide_env_values = true, value_parser = parse_vapid_key)]
    pub vapid_private_key: Option<String>,

    /// Who runs the server, told to the push services with each notification: a `mailto:`
    /// or `https:` URL (default: the public URL, else `mailto:tickets@localhost`).
    #[arg(long, env = "TICKETS_VAPID_SUBJECT", value_parser = parse_vapid_subject)]
    pub vapid_subject: Option<String>,

    /// A subcommand (`account …`) to run against the configured store instead of serving.
    #[command(subcommand)]
    pub command: Option<crate::cli::Command>,
}

/// Why the office configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OfficeFileError {
    /// It cannot be read.
    #[error("cannot read the office configuration {} (TICKETS_CONFIG / --config): {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not a valid configuration.
    #[error(
        "the office configuration {} (TICKETS_CONFIG / --config) is not valid: {}",
        path.display(), at_field(source)
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The field at fault and the rule it breaks.
        #[source]
        source: ValidationError,
    },
}

/// `service[1].prefix: <rule>`, or the rule alone when it is about the whole file.
fn at_field(e: &ValidationError) -> String {
    if e.field == "config" {
        e.reason.clone()
    } else {
        format!("{}: {}", e.field, e.reason)
    }
}

fn parse_prefix(s: &str) -> Result<KeyPrefix, String> {
    KeyPrefix::parse(s).map_err(|e| e.to_string())
}

fn parse_take_limit(s: &str) -> Result<Option<RateLimit>, String> {
    RateLimit::parse_or_off(s).map_err(|e| format!("{e} (COUNT/SECONDS, e.g. 10/600, or 0)"))
}

fn parse_stream_limit(s: &str) -> Result<Option<StreamLimit>, String> {
    StreamLimit::parse_or_off(s)
}

/// The shortest kiosk token accepted.
pub const KIOSK_TOKEN_MIN: usize = 24;

fn parse_kiosk_token(s: &str) -> Result<String, String> {
    let ok = s.len() >= KIOSK_TOKEN_MIN && s.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "the kiosk token must be at least {KIOSK_TOKEN_MIN} visible ASCII characters \
             (e.g. from `openssl rand -hex 16`)"
        ))
    }
}

fn parse_vapid_key(s: &str) -> Result<String, String> {
    crate::push::check_private_key(s).map(|()| s.trim().to_owned())
}

fn parse_vapid_subject(s: &str) -> Result<String, String> {
    let s = s.trim();
    if (s.starts_with("mailto:") || s.starts_with("https://")) && s.len() <= 200 {
        Ok(s.to_owned())
    } else {
        Err("the VAPID subject is a mailto: or https: URL (e.g. mailto:it@example.org)".into())
    }
}

fn parse_net(s: &str) -> Result<IpNet, String> {
    crate::client::parse_net(s)
}

fn parse_public_url(s: &str) -> Result<PublicUrl, String> {
    PublicUrl::parse(s)
}

fn parse_tz(s: &str) -> Result<Tz, String> {
    parse_time_zone(s).map_err(|e| e.to_string())
}

impl Config {
    /// How long an unused staff session stays valid.
    pub fn session_idle(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.session_idle_minutes))
    }

    /// A configuration for tests and embedding: memory store, loopback on a free port,
    /// the given staff password, no take or stream limit (tests take many tickets from
    /// one address).
    pub fn for_tests(staff_password: &str) -> Self {
        Config {
            bind: "127.0.0.1:0".into(),
            store: StoreKind::Memory,
            redis_url: None,
            key_prefix: KeyPrefix::default(),
            timezone: Some(Tz::UTC),
            rollover_hour: 0,
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            staff_password: Some(staff_password.into()),
            api_token: None,
            session_idle_minutes: 60,
            history_days: tickets_core::DEFAULT_HISTORY_DAYS,
            redis_timeout_seconds: 2.0,
            default_service_seconds: 300.0,
            log_format: LogFormat::Text,
            office_file: None,
            office_overwrite: false,
            take_limit: None,
            max_waiting: 5000,
            kiosk_token: None,
            trusted_proxies: Vec::new(),
            stream_limit: None,
            workers: None,
            public_url: None,
            redis_wait_replicas: 0,
            webhook_allow_private: true,
            push_ahead: 3,
            push_allow_private: true,
            vapid_private_key: None,
            vapid_subject: None,
            command: None,
        }
    }

    /// How this configuration sends push notifications.
    pub fn push_settings(&self) -> crate::push::Settings {
        crate::push::Settings {
            ahead: self.push_ahead,
            allow_private: self.push_allow_private,
            private_key: self.vapid_private_key.clone(),
            subject: self
                .vapid_subject
                .clone()
                .unwrap_or_else(|| match &self.public_url {
                    Some(url) if url.as_str().starts_with("https://") => url.as_str().to_owned(),
                    _ => crate::push::Settings::default().subject,
                }),
        }
    }

    /// The store this configuration selects.
    pub fn effective_store(&self) -> StoreKind {
        match self.store {
            StoreKind::Auto if self.redis_url.is_some() => StoreKind::Redis,
            StoreKind::Auto => StoreKind::Memory,
            other => other,
        }
    }

    /// The office configuration of `--config`, read and validated; `None` without one.
    pub fn office(&self) -> Result<Option<OfficeConfig>, OfficeFileError> {
        let Some(path) = &self.office_file else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path).map_err(|source| OfficeFileError::Read {
            path: path.clone(),
            source,
        })?;
        OfficeConfig::from_toml(&text)
            .map(Some)
            .map_err(|source| OfficeFileError::Invalid {
                path: path.clone(),
                source,
            })
    }

    /// The Redis time-out as a duration (at least 50 ms).
    pub fn redis_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.redis_timeout_seconds.max(0.05))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_interface() {
        let c = Config::try_parse_from(["tickets"]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8000");
        assert_eq!(c.store, StoreKind::Auto);
        assert_eq!(c.key_prefix.as_str(), "tickets");
        assert_eq!(c.rollover_hour, 0);
        assert_eq!(c.allowed_hosts, ["localhost", "127.0.0.1", "[::1]"]);
        assert_eq!(c.take_limit, Some(RateLimit::new(10, 600)));
        assert_eq!(c.max_waiting, 5000);
        assert_eq!(
            c.stream_limit,
            Some(StreamLimit {
                per_address: 100,
                total: 10_000
            })
        );
        assert!(c.trusted_proxies.is_empty() && c.public_url.is_none());
        assert_eq!(c.redis_wait_replicas, 0);
    }

    #[test]
    fn limits_parse_and_zero_turns_them_off() {
        let c = Config::try_parse_from([
            "tickets",
            "--take-limit",
            "0",
            "--stream-limit",
            "0",
            "--trusted-proxies",
            "127.0.0.1,10.0.0.0/8,::1",
        ])
        .unwrap();
        assert_eq!((c.take_limit, c.stream_limit), (None, None));
        let short = Config::try_parse_from(["tickets", "--kiosk-token", "1234"]).unwrap_err();
        assert!(short.to_string().contains("at least 24"), "{short}");
        let k = Config::try_parse_from(["tickets", "--kiosk-token", &"k".repeat(24)]).unwrap();
        assert_eq!(k.kiosk_token.as_deref().map(str::len), Some(24));
        assert_eq!(c.trusted_proxies.len(), 3);
        for bad in [
            ["--take-limit", "ten"],
            ["--take-limit", "10/0"],
            ["--stream-limit", "5"],
            ["--trusted-proxies", "10.0.0.0/99"],
            ["--public-url", "ftp://x"],
        ] {
            let e = Config::try_parse_from(["tickets", bad[0], bad[1]]).unwrap_err();
            assert!(e.to_string().contains(bad[1]), "{bad:?}: {e}");
        }
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        let e = Config::try_parse_from(["tickets", "--rollover-hour", "24"]).unwrap_err();
        assert!(e.to_string().contains("24"));
        let e = Config::try_parse_from(["tickets", "--timezone", "Mars/Base"]).unwrap_err();
        assert!(e.to_string().contains("IANA"), "{e}");
        assert!(Config::try_parse_from(["tickets", "--key-prefix", "a b"]).is_err());
        assert!(Config::try_parse_from(["tickets", "--key-prefix", "a{}"]).is_err());
        assert!(Config::try_parse_from(["tickets", "--key-prefix", "a{b}{c}"]).is_err());
        let c = Config::try_parse_from(["tickets", "--key-prefix", "tickets:{paris-15}"]).unwrap();
        assert_eq!(c.key_prefix.hash_tag(), Some("paris-15"));
    }

    #[test]
    fn workers_default_to_the_cpus_and_are_at_least_one() {
        assert_eq!(Config::try_parse_from(["tickets"]).unwrap().workers, None);
        let c = Config::try_parse_from(["tickets", "--workers", "3"]).unwrap();
        assert_eq!(c.workers, Some(3));
        let e = Config::try_parse_from(["tickets", "--workers", "0"]).unwrap_err();
        assert!(e.to_string().contains("--workers"), "{e}");
    }

    #[test]
    fn the_office_file_and_its_overwrite_flag() {
        let c = Config::try_parse_from(["tickets"]).unwrap();
        assert_eq!(
            (c.office_file.as_deref(), c.office_overwrite),
            (None, false)
        );
        assert!(c.office().unwrap().is_none());
        let c = Config::try_parse_from(["tickets", "--config", "a.toml", "--config-overwrite"])
            .unwrap();
        assert_eq!(
            c.office_file.as_deref(),
            Some(std::path::Path::new("a.toml"))
        );
        assert!(c.office_overwrite);
        // Overwriting needs a file.
        assert!(Config::try_parse_from(["tickets", "--config-overwrite"]).is_err());
        let e = c.office().unwrap_err().to_string();
        assert!(e.contains("a.toml") && e.contains("TICKETS_CONFIG"), "{e}");
    }

    #[test]
    fn auto_store_follows_redis_url() {
        let mut c = Config::for_tests("x");
        c.store = StoreKind::Auto;
        assert_eq!(c.effective_store(), StoreKind::Memory);
        c.redis_url = Some("redis://127.0.0.1:1".into());
        assert_eq!(c.effective_store(), StoreKind::Redis);
    }
}
