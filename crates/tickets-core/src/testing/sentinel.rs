//! A throwaway Redis Sentinel setup: a primary, its replicas and three sentinels on free
//! loopback ports, without persistence, with short timeouts so that a failover takes a
//! few seconds.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::servers::{INSTALL_HINT, free_port, launch, ping, query};

/// The name the sentinels of a [`RedisSentinels`] monitor the primary under.
pub const SENTINEL_PRIMARY_NAME: &str = "tickets-primary";

/// How many sentinels a [`RedisSentinels`] runs (a quorum of 2 decides a failover).
pub const SENTINELS: usize = 3;

/// `down-after-milliseconds` of the sentinels: how long the primary must be silent before
/// a sentinel thinks it is down.
pub const SENTINEL_DOWN_AFTER_MS: u64 = 1000;

/// `failover-timeout` of the sentinels, in milliseconds.
pub const SENTINEL_FAILOVER_TIMEOUT_MS: u64 = 5000;

/// A primary with replicas, watched by [`SENTINELS`] sentinels; every process is stopped
/// and the directory removed when dropped.
///
/// Made as an operator would: `redis-server` for the primary, `redis-server --replicaof`
/// for each replica, and `redis-server sentinel.conf --sentinel` for each sentinel with
/// `sentinel monitor <name> 127.0.0.1 <port> 2`. [`RedisSentinels::start`] returns once
/// every replica has copied the primary and every sentinel knows the replicas and the
/// other sentinels, so a failover can happen at once. Panics with a clear message when
/// `redis-server` is missing or the setup does not form.
///
/// ```no_run
/// use tickets_core::RedisBackend;
/// use tickets_core::testing::RedisSentinels;
///
/// # #[tokio::main]
/// # async fn main() {
/// let mut redis = RedisSentinels::start();
/// let backend = RedisBackend::builder(redis.url()).build().await.expect("the primary");
/// let old = redis.primary();
/// redis.kill_node(old);
/// let new = redis.wait_for_new_primary(old, std::time::Duration::from_secs(30));
/// assert_ne!(old, new);
/// # }
/// ```
#[derive(Debug)]
pub struct RedisSentinels {
    dir: PathBuf,
    nodes: Vec<Process>,
    sentinels: Vec<Process>,
}

#[derive(Debug)]
struct Process {
    port: u16,
    child: Option<Child>,
}

impl Process {
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl RedisSentinels {
    /// A primary, one replica and three sentinels.
    pub fn start() -> Self {
        Self::start_with_replicas(1)
    }

    /// A primary, `replicas` replicas and three sentinels.
    pub fn start_with_replicas(replicas: usize) -> Self {
        let dir = super::scratch_dir("redis-sentinel");
        // Built first, so that a panic below still stops what was started.
        let mut setup = RedisSentinels {
            dir,
            nodes: Vec::new(),
            sentinels: Vec::new(),
        };
        let primary = setup.start_node(None);
        setup.nodes.push(primary);
        let primary_port = setup.nodes[0].port;
        for _ in 0..replicas {
            let replica = setup.start_node(Some(primary_port));
            setup.nodes.push(replica);
        }
        for _ in 0..SENTINELS {
            let sentinel = setup.start_sentinel(primary_port);
            setup.sentinels.push(sentinel);
        }
        setup.wait_until_formed(replicas, Duration::from_secs(30));
        setup
    }

    fn start_node(&self, replica_of: Option<u16>) -> Process {
        // Replicas copy their primary at once, not after the default 5 s delay.
        let mut args = vec!["--repl-diskless-sync-delay".to_owned(), "0".to_owned()];
        if let Some(port) = replica_of {
            args.extend([
                "--replicaof".to_owned(),
                "127.0.0.1".to_owned(),
                port.to_string(),
            ]);
        }
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let dir = self.dir.join(format!("node-{port}"));
            if let Err(e) = std::fs::create_dir_all(&dir) {
                panic!("cannot create {}: {e}", dir.display());
            }
            match launch(port, &dir, &args) {
                Ok(child) => {
                    return Process {
                        port,
                        child: Some(child),
                    };
                }
                Err(e) => last_error = e,
            }
        }
        panic!("could not start a Redis server for the sentinel setup: {last_error}");
    }

    fn start_sentinel(&self, primary_port: u16) -> Process {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let conf = self.dir.join(format!("sentinel-{port}.conf"));
            let name = SENTINEL_PRIMARY_NAME;
            // A sentinel rewrites its file as it learns: it must be writable.
            let text = format!(
                "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\n\
                 sentinel monitor {name} 127.0.0.1 {primary_port} 2\n\
                 sentinel down-after-milliseconds {name} {SENTINEL_DOWN_AFTER_MS}\n\
                 sentinel failover-timeout {name} {SENTINEL_FAILOVER_TIMEOUT_MS}\n\
                 sentinel parallel-syncs {name} 1\n",
                dir = self.dir.display()
            );
            if let Err(e) = std::fs::write(&conf, text) {
                panic!("cannot write {}: {e}", conf.display());
            }
            let mut cmd = Command::new("redis-server");
            cmd.arg(&conf)
                .arg("--sentinel")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut child = match cmd.spawn() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
                Err(e) => panic!("cannot run redis-server --sentinel: {e}"),
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if ping(port) {
                    return Process {
                        port,
                        child: Some(child),
                    };
                }
                if let Ok(Some(status)) = child.try_wait() {
                    last_error = format!("redis-server --sentinel exited at start ({status})");
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = "a sentinel did not answer PING within 10 s".into();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("could not start a sentinel: {last_error}");
    }

    /// Waits until every replica has copied the primary and every sentinel sees the
    /// primary with all its replicas and the other sentinels.
    fn wait_until_formed(&self, replicas: usize, within: Duration) {
        let deadline = Instant::now() + within;
        let expected = format!(
            "name={SENTINEL_PRIMARY_NAME},status=ok,address=127.0.0.1:{},slaves={replicas},sentinels={SENTINELS}",
            self.nodes[0].port
        );
        loop {
            let links: Vec<String> = self.nodes[1..]
                .iter()
                .map(|n| info_field(n.port, "replication", "master_link_status:"))
                .collect();
            let views: Vec<String> = self
                .sentinels
                .iter()
                .map(|s| info_field(s.port, "sentinel", "master0:"))
                .collect();
            if links.iter().all(|l| l == "up") && views.iter().all(|v| *v == expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the sentinel setup did not form within {within:?}: replica links {links:?}, \
                 sentinels see {views:?}, expected {expected:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The URL of the setup:
    /// `redis+sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>/<name>`.
    pub fn url(&self) -> String {
        let sentinels: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect();
        format!(
            "redis+sentinel://{}/{SENTINEL_PRIMARY_NAME}",
            sentinels.join(",")
        )
    }

    /// The ports of the Redis servers: the first primary, then the replicas.
    pub fn node_ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// The URL of node `i` alone, `redis://127.0.0.1:<port>`.
    pub fn node_url(&self, i: usize) -> String {
        format!("redis://127.0.0.1:{}", self.nodes[i].port)
    }

    /// The ports of the sentinels.
    pub fn sentinel_ports(&self) -> Vec<u16> {
        self.sentinels.iter().map(|s| s.port).collect()
    }

    /// The index of the running node that says it is the primary; panics when none does.
    pub fn primary(&self) -> usize {
        self.find_primary()
            .unwrap_or_else(|| panic!("no running node of the sentinel setup is a primary"))
    }

    fn find_primary(&self) -> Option<usize> {
        self.nodes.iter().position(|n| {
            n.child.is_some() && info_field(n.port, "replication", "role:") == "master"
        })
    }

    /// Kills node `i` (SIGKILL, as a crash would) and waits until it is gone.
    pub fn kill_node(&mut self, i: usize) {
        self.nodes[i].kill();
    }

    /// Waits until a node other than `old` is the primary and the sentinels name it; panics
    /// after `within`. Returns its index.
    pub fn wait_for_new_primary(&self, old: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            if let Some(new) = self.find_primary().filter(|p| *p != old) {
                let address = format!("address=127.0.0.1:{}", self.nodes[new].port);
                if self
                    .sentinels
                    .iter()
                    .all(|s| info_field(s.port, "sentinel", "master0:").contains(&address))
                {
                    return new;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no replica was promoted within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RedisSentinels {
    fn drop(&mut self) {
        for p in self.sentinels.iter_mut().chain(self.nodes.iter_mut()) {
            p.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The value of the line starting with `field` in `INFO <section>` of the server on
/// `port`, or "" when it does not answer.
fn info_field(port: u16, section: &str, field: &str) -> String {
    query(port, &["INFO", section])
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_default()
        .trim()
        .to_owned()
}
