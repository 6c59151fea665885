//! Throwaway Redis servers for the tests: one `redis-server` ([`RedisServer`]), a
//! three-node Redis Cluster ([`RedisCluster`]), each on free loopback ports without
//! persistence, and unique key prefixes so that tests share a server without flushing it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

#[cfg(feature = "redis")]
use chrono::Utc;

#[cfg(feature = "redis")]
use crate::redis::KeyPrefix;

/// A new temporary directory for a set of test servers (`kind`: `redis-cluster`, …),
/// unique in this process.
pub(crate) fn scratch_dir(kind: &str) -> std::path::PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tickets-{kind}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot make a temporary directory for the {kind}: {e}"));
    dir
}

/// A key prefix no other test in any process uses (process id, counter, time).
#[cfg(feature = "redis")]
pub fn unique_prefix() -> KeyPrefix {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_subsec_nanos();
    KeyPrefix::parse(format!("t{}-{n}-{nanos}", std::process::id())).expect("a valid prefix")
}

/// A Redis backend on `url` under `prefix`, as a server builds it; panics with a clear
/// message when the test's Redis does not answer.
#[cfg(feature = "redis")]
pub async fn redis_backend(url: &str, prefix: &KeyPrefix) -> crate::RedisBackend {
    crate::RedisBackend::builder(url)
        .prefix(prefix.clone())
        .build()
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test Redis at {url}: {e}"))
}

/// Two backends on one fresh prefix of the Redis at `url`: two servers of one office, for
/// the conformance suites that take a pair of stores.
#[cfg(feature = "redis")]
pub async fn two_servers(url: String) -> (crate::RedisBackend, crate::RedisBackend) {
    let prefix = unique_prefix();
    (
        redis_backend(&url, &prefix).await,
        redis_backend(&url, &prefix).await,
    )
}

/// A `redis-server` of its own on a free loopback port, without persistence; stopped
/// when dropped.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    child: Option<Child>,
}

pub(super) const INSTALL_HINT: &str = "redis-server is not on the PATH; the Redis tests start their own. \
     Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`) or run ./scripts/test, \
     which installs it.";

/// `redis-server` arguments that leave it without functions, as before Redis 7 (for
/// [`RedisServer::start_with`]): the day's scripts then go by `EVALSHA`.
pub const NO_FUNCTIONS: [&str; 6] = [
    "--rename-command",
    "FCALL",
    "",
    "--rename-command",
    "FUNCTION",
    "",
];

impl RedisServer {
    /// Starts a server; panics with an install hint when `redis-server` is missing.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server with extra arguments (e.g. `["--enable-debug-command", "yes"]`).
    pub fn start_with(extra: &[&str]) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tickets-redis-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = RedisServer {
                port,
                dir: dir.clone(),
                extra: extra.iter().map(|s| s.to_string()).collect(),
                child: None,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("could not start redis-server: {last_error}");
    }

    fn spawn(&mut self) -> Result<(), String> {
        self.child = Some(launch(self.port, &self.dir, &self.extra)?);
        Ok(())
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL, `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (as a crash would) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + StdDuration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return,
                // The port may linger for a moment after the kill.
                Err(e) if Instant::now() > deadline => {
                    panic!("could not restart redis-server: {e}")
                }
                Err(_) => std::thread::sleep(StdDuration::from_millis(100)),
            }
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `redis-server` on `port` (loopback, no persistence, files in `dir`) with `extra`
/// arguments, and waits until it answers `PING`.
pub(super) fn launch(port: u16, dir: &Path, extra: &[String]) -> Result<Child, String> {
    let mut cmd = Command::new("redis-server");
    cmd.args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .args(["--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
        Err(e) => return Err(format!("spawning redis-server: {e}")),
    };
    let deadline = Instant::now() + StdDuration::from_secs(10);
    while Instant::now() < deadline {
        if ping(port) {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("redis-server exited at start ({status})"));
        }
        std::thread::sleep(StdDuration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err("redis-server did not answer PING within 10 s".into())
}

/// A local Redis Cluster of three primaries (no replicas unless asked) on free loopback
/// ports, without persistence; every process is stopped and its directory removed when
/// dropped.
///
/// Made as an operator would: three `redis-server --cluster-enabled yes`, then
/// `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, then a wait until
/// `CLUSTER INFO` says `cluster_state:ok` on every node. Panics with a clear message when
/// `redis-server` or `redis-cli` is missing or the cluster does not form.
///
/// ```no_run
/// use tickets_core::RedisBackend;
/// use tickets_core::testing::RedisCluster;
///
/// # #[tokio::main]
/// # async fn main() {
/// let cluster = RedisCluster::start();
/// let backend = RedisBackend::builder(cluster.url()).build().await.expect("the cluster");
/// assert!(backend.is_cluster());
/// # }
/// ```
#[derive(Debug)]
pub struct RedisCluster {
    dir: PathBuf,
    nodes: Vec<ClusterNode>,
    replicas: usize,
}

#[derive(Debug)]
struct ClusterNode {
    port: u16,
    child: Option<Child>,
}

const CLI_HINT: &str = "redis-cli is not on the PATH; the Redis Cluster tests use it to form \
     their cluster. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-tools`, or \
     `redis-server`, which brings it) or run ./scripts/test, which installs it.";

/// How many primaries a [`RedisCluster`] has.
pub const CLUSTER_NODES: usize = 3;

/// The `cluster-node-timeout` of a [`RedisCluster`], in milliseconds, unless overridden.
pub const CLUSTER_NODE_TIMEOUT_MS: u64 = 5000;

impl RedisCluster {
    /// Starts a cluster of [`CLUSTER_NODES`] primaries.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a cluster whose nodes get `extra` arguments after the defaults (e.g.
    /// `["--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no"]`).
    pub fn start_with(extra: &[&str]) -> Self {
        Self::start_with_replicas(0, extra)
    }

    /// Starts a cluster of [`CLUSTER_NODES`] primaries with `replicas` replicas each
    /// (`redis-cli --cluster create --cluster-replicas <replicas>`), every node with
    /// `extra` arguments.
    pub fn start_with_replicas(replicas: usize, extra: &[&str]) -> Self {
        match Command::new("redis-cli").arg("--version").output() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{CLI_HINT}"),
            Err(e) => panic!("cannot run redis-cli: {e}"),
            Ok(_) => {}
        }
        let dir = scratch_dir("redis-cluster");
        // Built first, so that a panic below still stops what was started.
        let mut cluster = RedisCluster {
            dir,
            nodes: Vec::new(),
            replicas,
        };
        for _ in 0..CLUSTER_NODES * (1 + replicas) {
            let node = cluster.start_node(extra);
            cluster.nodes.push(node);
        }
        cluster.create();
        cluster.wait_until_ok(StdDuration::from_secs(20));
        cluster
    }

    fn start_node(&self, extra: &[&str]) -> ClusterNode {
        let mut last_error = String::new();
        for _ in 0..5 {
            let (port, bus) = (free_port(), free_port());
            if port == bus {
                continue;
            }
            let mut args: Vec<String> = [
                "--cluster-enabled",
                "yes",
                "--cluster-port",
                &bus.to_string(),
                "--cluster-config-file",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            args.push(
                self.dir
                    .join(format!("nodes-{port}.conf"))
                    .display()
                    .to_string(),
            );
            // Replicas copy their primary at once, not after the default 5 s delay.
            args.extend(
                [
                    "--cluster-node-timeout",
                    &CLUSTER_NODE_TIMEOUT_MS.to_string(),
                    "--repl-diskless-sync-delay",
                    "0",
                ]
                .iter()
                .map(|s| s.to_string()),
            );
            args.extend(extra.iter().map(|s| s.to_string()));
            match launch(port, &self.dir, &args) {
                Ok(child) => {
                    return ClusterNode {
                        port,
                        child: Some(child),
                    };
                }
                Err(e) => last_error = e,
            }
        }
        panic!("could not start a cluster node: {last_error}");
    }

    /// `redis-cli --cluster create`, bounded in time.
    fn create(&mut self) {
        let mut cmd = Command::new("redis-cli");
        cmd.arg("--cluster").arg("create");
        for node in &self.nodes {
            cmd.arg(format!("127.0.0.1:{}", node.port));
        }
        cmd.args([
            "--cluster-replicas",
            &self.replicas.to_string(),
            "--cluster-yes",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{CLI_HINT}"),
            Err(e) => panic!("cannot run redis-cli --cluster create: {e}"),
        };
        let deadline = Instant::now() + StdDuration::from_secs(30);
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    let mut out = String::new();
                    if let Some(mut o) = child.stdout.take() {
                        let _ = o.read_to_string(&mut out);
                    }
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut out);
                    }
                    assert!(
                        status.success(),
                        "redis-cli --cluster create failed ({status}):\n{out}"
                    );
                    return;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(StdDuration::from_millis(20));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("redis-cli --cluster create did not finish within 30 s");
                }
            }
        }
    }

    /// Waits until every running node says `cluster_state:ok`, and every replica has
    /// finished its first copy of its primary (`master_link_status:up`).
    fn wait_until_ok(&self, within: StdDuration) {
        let field = |text: &str, name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or("unknown")
                .trim()
                .to_owned()
        };
        let deadline = Instant::now() + within;
        loop {
            let states: Vec<(u16, String, String)> = self
                .nodes
                .iter()
                .filter(|n| n.child.is_some())
                .map(|n| {
                    let info = query(n.port, &["CLUSTER", "INFO"]).unwrap_or_default();
                    let repl = query(n.port, &["INFO", "replication"]).unwrap_or_default();
                    let link = match field(&repl, "role:").as_str() {
                        "slave" => field(&repl, "master_link_status:"),
                        _ => "up".to_owned(),
                    };
                    (n.port, field(&info, "cluster_state:"), link)
                })
                .collect();
            if states.iter().all(|(_, s, link)| s == "ok" && link == "up") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the Redis Cluster did not reach cluster_state:ok (and its replicas their \
                 primaries) within {within:?}: (port, state, replica link) {states:?}"
            );
            std::thread::sleep(StdDuration::from_millis(20));
        }
    }

    /// The ports of the nodes (primaries and replicas), in the order they were created.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// The cluster URL naming every node: `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,…`.
    pub fn url(&self) -> String {
        self.url_from(0)
    }

    /// The cluster URL naming every node, node `first` first (the event listener
    /// subscribes through the first node that answers).
    pub fn url_from(&self, first: usize) -> String {
        let n = self.nodes.len();
        let nodes: Vec<String> = (0..n)
            .map(|i| format!("127.0.0.1:{}", self.nodes[(first + i) % n].port))
            .collect();
        format!("redis+cluster://{}", nodes.join(","))
    }

    /// The nodes as a comma list of URLs: `redis://127.0.0.1:<p1>,redis://127.0.0.1:<p2>,…`.
    pub fn node_list(&self) -> String {
        let nodes: Vec<String> = (0..self.nodes.len()).map(|i| self.node_url(i)).collect();
        nodes.join(",")
    }

    /// The URL of node `i` alone, `redis://127.0.0.1:<port>` (a plain connection to it).
    pub fn node_url(&self, i: usize) -> String {
        format!("redis://127.0.0.1:{}", self.nodes[i].port)
    }

    /// Kills node `i` (as a crash would) and waits until it is gone.
    pub fn stop_node(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The hash slot of `key` (`CLUSTER KEYSLOT`, asked of a running node).
    pub fn slot_of(&self, key: &str) -> u16 {
        self.ask_any(&["CLUSTER", "KEYSLOT", key])
            .parse()
            .expect("CLUSTER KEYSLOT answers a number")
    }

    /// The index of the node that owns `slot` (from `CLUSTER NODES` of a running node).
    pub fn node_of_slot(&self, slot: u16) -> usize {
        let nodes = self.ask_any(&["CLUSTER", "NODES"]);
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some(port) = fields
                .get(1)
                .and_then(|a| a.split('@').next())
                .and_then(|a| a.rsplit_once(':'))
                .and_then(|(_, p)| p.parse::<u16>().ok())
            else {
                continue;
            };
            let owns = fields.iter().skip(8).any(|range| {
                let (lo, hi) = range.split_once('-').unwrap_or((range, range));
                match (lo.parse::<u16>(), hi.parse::<u16>()) {
                    (Ok(lo), Ok(hi)) => (lo..=hi).contains(&slot),
                    _ => false,
                }
            });
            if owns && let Some(i) = self.nodes.iter().position(|n| n.port == port) {
                return i;
            }
        }
        panic!("no node of the cluster owns slot {slot}:\n{nodes}");
    }

    /// The index of the node that holds `key`.
    pub fn node_of_key(&self, key: &str) -> usize {
        self.node_of_slot(self.slot_of(key))
    }

    fn ask_any(&self, args: &[&str]) -> String {
        self.nodes
            .iter()
            .filter(|n| n.child.is_some())
            .find_map(|n| query(n.port, args))
            .unwrap_or_else(|| panic!("no running node answered {args:?}"))
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.stop_node(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends one command to the server on `port` and reads a simple, integer or bulk answer.
pub(super) fn query(port: u16, args: &[&str]) -> Option<String> {
    use std::io::BufRead;
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(StdDuration::from_secs(2))).ok()?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(req.as_bytes()).ok()?;
    let mut reader = std::io::BufReader::new(s);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let line = line.trim_end();
    match line.as_bytes().first()? {
        b'+' | b':' => Some(line[1..].to_owned()),
        b'$' => {
            let len: usize = line[1..].parse().ok()?;
            let mut body = vec![0; len + 2];
            reader.read_exact(&mut body).ok()?;
            body.truncate(len);
            String::from_utf8(body).ok()
        }
        _ => None,
    }
}

pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub(super) fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(StdDuration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}
