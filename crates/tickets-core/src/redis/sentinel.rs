//! Redis Sentinel: the URL that names the sentinels, and the primary found through them.
//!
//! `redis+sentinel://[user:password@]host:port,host:port/<primary name>[?options]`
//!
//! - the hosts are sentinels (port 26379 when none is given);
//! - the name is the one the sentinels monitor the primary under
//!   (`sentinel monitor <name> <ip> <port> <quorum>`);
//! - `user:password` are the credentials of the Redis servers (the primary and its
//!   replicas), not of the sentinels;
//! - the options are `db=N` (the database, default 0), and `sentinel_username=…` and
//!   `sentinel_password=…` for sentinels that require a password (`requirepass` in
//!   `sentinel.conf`). Values are percent-encoded as in any URL.
//!
//! Every new connection asks the sentinels where the primary is (`SENTINEL
//! GET-MASTER-ADDR-BY-NAME`), connects there and checks that the server is a primary
//! (`HELLO`) before using it, as the Sentinel client guidelines ask: the sentinel that
//! answered is asked first next time. So after a failover, once the connections to the old
//! primary have failed (or met `READONLY`), the next ones reach the new primary without a
//! restart.
//!
//! Messages never repeat a password: sentinels are named by `host:port`, and the options
//! are never shown.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisError,
};

use super::role::{self, Role};
use crate::error::ValidationError;

/// The scheme of the Sentinel form.
pub(crate) const SENTINEL_SCHEME: &str = "redis+sentinel://";

/// The port of a sentinel when the URL gives none.
pub(crate) const SENTINEL_PORT: u16 = 26379;

/// A primary to be found through Redis Sentinel.
#[derive(Debug, Clone)]
pub(crate) struct SentinelTarget {
    /// The sentinels, in the order given, with the sentinels' credentials.
    pub(crate) sentinels: Vec<ConnectionInfo>,
    /// The name the sentinels know the primary by.
    pub(crate) name: String,
    /// The credentials and database of the Redis servers; the address is the one the
    /// sentinels give.
    pub(crate) node: ConnectionInfo,
}

fn invalid(why: impl std::fmt::Display) -> ValidationError {
    ValidationError::new(
        "redis_url",
        format!(
            "not a usable Redis Sentinel URL ({why}); write \
             redis+sentinel://host:port,host:port/<primary name>, e.g. \
             redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster"
        ),
    )
}

impl SentinelTarget {
    /// Reads what follows `redis+sentinel://`.
    pub(crate) fn parse(rest: &str) -> Result<Self, ValidationError> {
        // As in any URL, the authority ends at the first `/`, `?` or `#`, and the
        // credentials at its last `@`: a password holding one of those is percent-encoded.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        if tail.contains('#') {
            return Err(invalid("a fragment (#…) is not supported"));
        }
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let name = path.strip_prefix('/').unwrap_or(path);
        if name.is_empty() {
            return Err(invalid(
                "the name of the primary is missing after the sentinels",
            ));
        }
        if name.contains('/') || name.chars().any(char::is_whitespace) {
            return Err(invalid(
                "the name of the primary is one word after the sentinels",
            ));
        }
        let options = Options::parse(query)?;
        let sentinel_credentials = match (&options.sentinel_username, &options.sentinel_password) {
            (None, None) => String::new(),
            (user, password) => format!(
                "{}:{}@",
                user.as_deref().unwrap_or_default(),
                password.as_deref().unwrap_or_default()
            ),
        };
        let mut sentinels = Vec::new();
        for (i, host) in hosts.split(',').map(str::trim).enumerate() {
            let i = i + 1;
            if host.is_empty() {
                return Err(invalid(format!("sentinel {i} of the list is empty")));
            }
            if host.contains("://") {
                return Err(invalid(format!(
                    "only host:port pairs may follow {SENTINEL_SCHEME}"
                )));
            }
            let info = format!("redis://{sentinel_credentials}{}", with_port(host))
                .into_connection_info()
                .map_err(|e| invalid(format!("sentinel {i} of the list ({host}): {e}")))?;
            sentinels.push(info);
        }
        // The address is a stand-in: each connection goes where the sentinels say.
        let credentials = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
        let node = format!("redis://{credentials}localhost/{}", options.db)
            .into_connection_info()
            .map_err(|e| invalid(format!("the credentials or the database: {e}")))?;
        Ok(SentinelTarget {
            sentinels,
            name: name.to_owned(),
            node,
        })
    }
}

/// `host` with the sentinel port when it has none (`[::1]` included).
fn with_port(host: &str) -> String {
    let has_port = match host.strip_prefix('[') {
        Some(v6) => v6.contains("]:"),
        None => host.contains(':'),
    };
    if has_port || host.is_empty() {
        host.to_owned()
    } else {
        format!("{host}:{SENTINEL_PORT}")
    }
}

/// The options after `?`.
#[derive(Default)]
struct Options {
    db: i64,
    sentinel_username: Option<String>,
    sentinel_password: Option<String>,
}

impl Options {
    fn parse(query: &str) -> Result<Self, ValidationError> {
        let mut options = Options::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "db" => {
                    options.db = value
                        .parse()
                        .ok()
                        .filter(|db| *db >= 0)
                        .ok_or_else(|| invalid("db must be a database number"))?;
                }
                "sentinel_username" => options.sentinel_username = Some(value.to_owned()),
                "sentinel_password" => options.sentinel_password = Some(value.to_owned()),
                _ => {
                    // The key only: a value may be a password.
                    let key: String = key.chars().take(40).collect();
                    return Err(invalid(format!(
                        "unknown option {key:?}; the options are db, sentinel_username \
                         and sentinel_password"
                    )));
                }
            }
        }
        Ok(options)
    }
}

/// Finds the primary through the sentinels; shared by the pool and the event listener.
pub(super) struct Primaries {
    target: SentinelTarget,
    config: AsyncConnectionConfig,
    /// A connection to each sentinel, kept once made.
    links: Mutex<Vec<Option<MultiplexedConnection>>>,
    /// The sentinel that answered last: asked first next time.
    first: AtomicUsize,
}

impl Primaries {
    /// Nothing is connected until [`Self::connect`].
    pub(super) fn new(
        target: SentinelTarget,
        connection_timeout: Duration,
        response_timeout: Duration,
    ) -> Self {
        let links = Mutex::new(vec![None; target.sentinels.len()]);
        Primaries {
            target,
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(connection_timeout))
                .set_response_timeout(Some(response_timeout)),
            links,
            first: AtomicUsize::new(0),
        }
    }

    /// The name of the primary.
    pub(super) fn name(&self) -> &str {
        &self.target.name
    }

    /// Asks the sentinels in turn where the primary is, connects to it and checks that it
    /// is a primary. Fails with an I/O error (unavailable) saying what each sentinel
    /// answered when none leads to a primary.
    pub(super) async fn connect(
        &self,
    ) -> Result<(ConnectionInfo, MultiplexedConnection), RedisError> {
        let n = self.target.sentinels.len();
        let start = self.first.load(Ordering::Relaxed);
        let mut tried: Vec<ConnectionAddr> = Vec::new();
        let mut answers = Vec::new();
        for k in 0..n {
            let i = (start + k) % n;
            let sentinel = self.target.sentinels[i].addr().to_string();
            let (host, port) = match self.ask(i).await {
                Ok(Some(addr)) => addr,
                Ok(None) => {
                    answers.push(format!("{sentinel} does not monitor it"));
                    continue;
                }
                Err(e) => {
                    answers.push(format!("{sentinel}: {e}"));
                    continue;
                }
            };
            let addr = ConnectionAddr::Tcp(host, port);
            if tried.contains(&addr) {
                continue;
            }
            tried.push(addr.clone());
            let info = self.target.node.clone().set_addr(addr.clone());
            match self.open_primary(&info).await {
                Ok(conn) => {
                    self.first.store(i, Ordering::Relaxed);
                    return Ok((info, conn));
                }
                Err(e) => answers.push(format!("{sentinel} names {addr}: {e}")),
            }
        }
        Err(RedisError::from(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            format!(
                "no primary {:?} found through the sentinels ({})",
                self.target.name,
                answers.join("; ")
            ),
        )))
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME` on sentinel `i`: the primary's address, or `None`
    /// when the sentinel does not monitor that name.
    async fn ask(&self, i: usize) -> Result<Option<(String, u16)>, RedisError> {
        let cached = self.lock_links()[i].clone();
        let mut conn = match cached {
            Some(conn) => conn,
            None => {
                let conn = redis::Client::open(self.target.sentinels[i].clone())?
                    .get_multiplexed_async_connection_with_config(&self.config)
                    .await?;
                self.lock_links()[i] = Some(conn.clone());
                conn
            }
        };
        let answer = redis::cmd("SENTINEL")
            .arg("GET-MASTER-ADDR-BY-NAME")
            .arg(&self.target.name)
            .query_async(&mut conn)
            .await;
        if answer.is_err() {
            self.lock_links()[i] = None;
        }
        answer
    }

    /// A connection to `info`, once the server there says it is a primary.
    async fn open_primary(
        &self,
        info: &ConnectionInfo,
    ) -> Result<MultiplexedConnection, RedisError> {
        let mut conn = redis::Client::open(info.clone())?
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        match role::role(&mut conn).await? {
            Role::Primary | Role::Unknown => Ok(conn),
            Role::Other(role) => Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                format!("it is a {role}"),
            ))),
        }
    }

    fn lock_links(&self) -> std::sync::MutexGuard<'_, Vec<Option<MultiplexedConnection>>> {
        self.links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> SentinelTarget {
        let rest = url
            .strip_prefix(SENTINEL_SCHEME)
            .expect("the sentinel scheme");
        SentinelTarget::parse(rest).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn reason(rest: &str) -> String {
        let e = SentinelTarget::parse(rest).expect_err("refused");
        assert_eq!(e.field, "redis_url");
        e.reason
    }

    fn addrs(t: &SentinelTarget) -> Vec<String> {
        t.sentinels.iter().map(|s| s.addr().to_string()).collect()
    }

    #[test]
    fn sentinels_name_and_credentials_are_read() {
        let t = target("redis+sentinel://10.0.0.1:26380,10.0.0.2,[::1]:5000/mymaster");
        assert_eq!(addrs(&t), ["10.0.0.1:26380", "10.0.0.2:26379", "::1:5000"]);
        assert_eq!(t.name, "mymaster");
        assert_eq!(t.node.redis_settings().db(), 0);
        assert_eq!(t.node.redis_settings().password(), None);

        let t = target("redis+sentinel://app:s%40cret@a:1,b:2/office-15?db=3");
        assert_eq!(t.name, "office-15");
        assert_eq!(t.node.redis_settings().username(), Some("app"));
        assert_eq!(t.node.redis_settings().password(), Some("s@cret"));
        assert_eq!(t.node.redis_settings().db(), 3);
        for s in &t.sentinels {
            assert_eq!(
                s.redis_settings().password(),
                None,
                "sentinels have their own"
            );
        }

        let t = target("redis+sentinel://a:1,b:2/m?sentinel_password=p%26w&sentinel_username=s");
        for s in &t.sentinels {
            assert_eq!(s.redis_settings().username(), Some("s"));
            assert_eq!(s.redis_settings().password(), Some("p&w"));
        }
        assert_eq!(t.node.redis_settings().password(), None);
    }

    #[test]
    fn broken_sentinel_urls_say_what_is_wrong_without_passwords() {
        assert!(reason("a:1,b:2").contains("name of the primary is missing"));
        assert!(reason("a:1,b:2/").contains("name of the primary is missing"));
        assert!(reason("a:1/m/x").contains("one word"));
        assert!(reason("a:1,,b:2/m").contains("sentinel 2 of the list is empty"));
        assert!(reason("a:x/m").contains("a:x"));
        assert!(reason("redis://a:1/m").contains("host:port"));
        assert!(reason("a:1/m?db=x").contains("db must be"));
        assert!(reason("a:1/m#f").contains("fragment"));
        let r = reason("a:1/m?password=hunter2");
        assert!(r.contains("unknown option \"password\""), "{r}");
        assert!(!r.contains("hunter2"), "a password in a message: {r}");
        let r = reason("u:hunter2@a:1,,b:2/m?sentinel_password=hunter3");
        assert!(
            !r.contains("hunter2") && !r.contains("hunter3"),
            "a password in a message: {r}"
        );
        assert!(
            r.contains("redis+sentinel://host:port,host:port/<primary name>"),
            "{r}"
        );
    }
}
