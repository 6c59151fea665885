//! Test support (feature `testing`): the conformance suite every backend must pass, a
//! throwaway `redis-server`, a throwaway three-node Redis Cluster ([`RedisCluster`]), and
//! unique key prefixes so that tests run in parallel on one server without flushing
//! anything.
//!
//! ```no_run
//! use tickets_core::testing::{RedisServer, conformance_suite, unique_prefix};
//! use tickets_core::{MemoryBackend, RedisBackend};
//!
//! # #[tokio::main]
//! # async fn main() {
//! conformance_suite(|| async { MemoryBackend::new() }).await;
//!
//! let server = RedisServer::start();
//! let url = server.url();
//! conformance_suite(|| {
//!     let url = url.clone();
//!     async move {
//!         RedisBackend::builder(url).prefix(unique_prefix()).build().await.expect("redis")
//!     }
//! })
//! .await;
//! # }
//! ```

use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::backend::{QueueBackend, TakeRequest};
use crate::clock::{BusinessCalendar, ManualClock};
use crate::error::{Error, ErrorKind};
use crate::events::{EventStream, QueueEvent};
use crate::model::{
    Action, DeskId, IdempotencyKey, Service, SnapshotOptions, TicketNumber, TicketStatus,
};
use crate::queue::{QueueConfig, TicketQueue};

#[cfg(feature = "redis")]
pub use crate::redis::KeyPrefix;

pub mod accounts;
mod history;
mod leave;
mod limits;
pub mod push;
mod services;
pub mod webhooks;
use history::*;
use leave::*;
use limits::*;
pub use services::sample_office;
use services::*;
mod sentinel;
pub use sentinel::{
    RedisSentinels, SENTINEL_DOWN_AFTER_MS, SENTINEL_FAILOVER_TIMEOUT_MS, SENTINEL_PRIMARY_NAME,
    SENTINELS,
};

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

/// The instant every conformance case starts at: 2026-11-24 08:00:00 UTC.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
        .single()
        .expect("a valid date")
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

const INSTALL_HINT: &str = "redis-server is not on the PATH; the Redis tests start their own. \
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
fn launch(port: u16, dir: &Path, extra: &[String]) -> Result<Child, String> {
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
fn query(port: u16, args: &[&str]) -> Option<String> {
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn ping(port: u16) -> bool {
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

/// What a conformance case gets: a queue on a fresh backend with a settable clock.
pub struct Fixture<B> {
    /// The queue, on a calendar in UTC with days changing at midnight.
    pub queue: TicketQueue<B, ManualClock>,
    /// Its clock, at [`start_time`].
    pub clock: ManualClock,
}

impl<B: QueueBackend + Clone> Fixture<B> {
    /// A fixture around `backend`.
    pub fn new(backend: B) -> Self {
        let clock = ManualClock::new(start_time());
        let config = QueueConfig {
            calendar: BusinessCalendar::new(chrono_tz::UTC, 0).expect("a valid calendar"),
            ..QueueConfig::default()
        };
        Self {
            queue: TicketQueue::with_clock(backend, clock.clone(), config),
            clock,
        }
    }

    /// The same backend and clock with another calendar.
    pub fn with_calendar(&self, calendar: BusinessCalendar) -> TicketQueue<B, ManualClock> {
        let config = QueueConfig {
            calendar,
            ..*self.queue.config()
        };
        TicketQueue::with_clock(self.queue.backend().clone(), self.clock.clone(), config)
    }
}

/// A boxed case future.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits for the next `n` events (at most 5 s each) and returns them.
pub async fn next_events(stream: &mut EventStream, n: usize) -> Vec<QueueEvent> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match tokio::time::timeout(StdDuration::from_secs(5), stream.recv()).await {
            Ok(Ok(e)) => out.push(e),
            Ok(Err(missed)) => panic!("event stream: {missed} after {} events", out.len()),
            Err(_) => panic!("only {} of {n} events arrived within 5 s", out.len()),
        }
    }
    out
}

fn desk(s: &str) -> DeskId {
    DeskId::parse(s).expect("a valid desk")
}

fn n(v: u64) -> TicketNumber {
    TicketNumber::new(v).expect("a valid number")
}

fn key(s: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey::parse(s).expect("a valid key"))
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        /// The names and bodies of every conformance case.
        pub fn cases<B: QueueBackend + Clone>() -> Vec<(&'static str, fn(Fixture<B>) -> CaseFuture)> {
            vec![$((stringify!($name), |f| Box::pin($name(f)))),*]
        }
    };
}

cases!(
    a_closed_day_refuses_tickets_and_writes_nothing,
    opening_is_idempotent,
    tickets_are_numbered_in_order_with_the_count_ahead,
    the_default_office_has_one_service_with_plain_numbers,
    call_next_is_fifo_and_finishes_the_desks_current_ticket,
    desks_hold_one_ticket_each_independently,
    call_next_on_an_empty_queue_still_finishes_the_current_ticket,
    finish_without_a_current_ticket_does_nothing,
    recall_counts_and_logs_the_call_again,
    no_show_frees_the_desk_and_is_counted,
    closing_keeps_waiting_tickets_callable_and_reopening_continues_numbering,
    reset_wipes_the_day_and_keeps_event_numbers_rising,
    an_idempotency_key_gives_the_same_ticket,
    a_ticket_is_found_with_its_position_and_estimate,
    waits_and_service_times_are_measured,
    every_change_emits_one_event_in_order,
    logs_are_newest_first_and_capped_at_50,
    snapshot_lists_are_bounded,
    activity_is_counted_per_minute_and_action,
    the_business_day_follows_the_time_zone_and_rollover_hour,
    key_count_and_ttl_describe_the_days_keys,
    each_service_numbers_its_tickets_with_its_prefix,
    takes_are_refused_with_a_reason_and_write_nothing,
    a_desk_calls_only_for_its_services,
    the_earliest_arrival_goes_first_and_ties_go_to_the_desks_first_service,
    priority_goes_first_but_the_ratio_lets_others_through,
    an_overdue_ticket_goes_before_priority,
    transfers_keep_the_label_and_place_the_ticket_as_asked,
    a_given_ticket_is_called_out_of_order,
    a_no_show_is_requeued_at_its_arrival_place,
    a_configuration_change_loses_no_waiting_ticket,
    the_office_settings_are_stored_and_read_back_whole,
    per_service_figures_follow_the_calls,
    the_status_lists_every_service_with_its_next_label,
    a_client_takes_only_its_share_per_window,
    refused_and_replayed_takes_use_up_no_share,
    no_ticket_is_taken_past_the_cap_on_waiting_tickets,
    an_idempotency_key_lives_minutes_not_the_day,
    an_idempotency_key_gives_back_no_ticket_made_after_a_reset,
    every_change_of_a_ticket_is_in_its_days_history,
    a_day_that_is_over_leaves_its_open_tickets_unserved,
    the_first_operation_after_weeks_closes_the_day_left_open,
    changes_after_a_day_is_closed_show_over_its_closed_records,
    a_reset_keeps_the_history_and_leaves_open_tickets_unserved,
    a_report_counts_every_ticket_once_with_exact_figures,
    a_holder_leaves_the_queue_and_is_counted_as_left,
    a_number_given_again_after_a_reset_is_another_ticket,
);

/// Runs every case of [`cases`] concurrently, each on a backend from `factory`; panics
/// naming every case that failed.
pub async fn conformance_suite<B, F, Fut>(factory: F)
where
    B: QueueBackend + Clone,
    F: Fn() -> Fut,
    Fut: Future<Output = B>,
{
    let mut running = Vec::new();
    for (name, case) in cases::<B>() {
        let fixture = Fixture::new(factory().await);
        running.push((name, tokio::spawn(case(fixture))));
    }
    let mut failed = Vec::new();
    for (name, handle) in running {
        if let Err(e) = handle.await {
            let msg = e
                .try_into_panic()
                .ok()
                .and_then(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_else(|| "cancelled".into());
            failed.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} conformance case(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

async fn take<B: QueueBackend + Clone>(f: &Fixture<B>) -> crate::Taken {
    f.queue.take(TakeRequest::default()).await.expect("take")
}

async fn a_closed_day_refuses_tickets_and_writes_nothing<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    let st = q.status(&DeskId::default()).await.unwrap();
    assert!(!st.open);
    assert_eq!(
        (st.queue_length, st.current_ticket, st.next_ticket),
        (0, None, None)
    );
    let err = q.take(TakeRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DayClosed);
    let called = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!((called.called, called.finished), (None, None));
    assert_eq!(q.finish(&DeskId::default()).await.unwrap(), None);
    assert!(!q.close_day().await.unwrap().changed);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(
        snap.key_count, 0,
        "nothing may be written on a closed, empty day"
    );
    assert_eq!(snap.ttl_seconds, None);
    assert!(snap.logs.is_empty() && snap.waiting_list.is_empty() && snap.desks.is_empty());
    assert_eq!(snap.day.to_string(), "2026-11-24");
}

async fn opening_is_idempotent<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    let first = q.open_day().await.unwrap();
    assert!(first.open && first.changed);
    let again = q.open_day().await.unwrap();
    assert!(again.open && !again.changed);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert!(snap.open);
    assert_eq!(snap.logs.len(), 1, "a repeated open logs nothing");
    assert_eq!(snap.logs[0].action, Action::StartDay);
    assert_eq!(snap.last_event, 1);
}

async fn tickets_are_numbered_in_order_with_the_count_ahead<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for i in 1..=3 {
        f.clock.advance(Duration::seconds(1));
        let t = take(&f).await;
        assert_eq!(t.ticket.number, n(i));
        assert_eq!(t.waiting_before, i - 1);
        assert_eq!(t.ticket.status, TicketStatus::Waiting);
        assert_eq!(t.ticket.taken_at, f.clock.now_micros());
        assert!(!t.replayed);
    }
    let st = q.status(&DeskId::default()).await.unwrap();
    assert_eq!(st.queue_length, 3);
    assert_eq!(st.waiting_tickets, 3);
    assert_eq!(st.next_ticket, Some(n(1)));
    assert_eq!(st.total_tickets, 3);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let listed: Vec<u64> = snap.waiting_list.iter().map(|t| t.number.get()).collect();
    assert_eq!(listed, [1, 2, 3]);
    assert_eq!(snap.total_tickets, 3);
    assert_eq!(snap.hash_count, 3);
    assert_eq!(
        snap.logs[0].to_string().split('|').nth(1),
        Some("take_ticket:3")
    );
}

async fn the_default_office_has_one_service_with_plain_numbers<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    let t = take(&f).await;
    assert_eq!(t.ticket.service.as_str(), "poste");
    assert_eq!(
        (t.ticket.label.as_str(), t.ticket.priority.clone()),
        ("1", None)
    );
    let banque = Service::parse("banque").unwrap();
    let err = q
        .take(TakeRequest {
            service: banque.clone(),
            ..TakeRequest::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownService(s) if s == &banque),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let info = q.ticket(n(1)).await.unwrap();
    assert_eq!(info.ticket.service.as_str(), "poste");
    assert_eq!(q.status(&DeskId::default()).await.unwrap().total_tickets, 1);
}

async fn call_next_is_fifo_and_finishes_the_desks_current_ticket<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..3 {
        take(&f).await;
    }
    let a = desk("A");
    f.clock.advance(Duration::seconds(10));
    let c1 = q.call_next(&a).await.unwrap();
    let t1 = c1.called.expect("ticket 1 called");
    assert_eq!(t1.number, n(1));
    assert_eq!(t1.status, TicketStatus::InProgress);
    assert_eq!(t1.desk, Some(a.clone()));
    assert_eq!(t1.called_at, Some(f.clock.now_micros()));
    assert_eq!(c1.finished, None);
    assert_eq!(c1.waiting_tickets, 2);
    f.clock.advance(Duration::seconds(10));
    let c2 = q.call_next(&a).await.unwrap();
    let done = c2.finished.expect("ticket 1 finished in the same step");
    assert_eq!(done.number, n(1));
    assert_eq!(done.status, TicketStatus::Completed);
    assert_eq!(done.finished_at, Some(f.clock.now_micros()));
    assert_eq!(c2.called.expect("ticket 2 called").number, n(2));
    assert_eq!(q.status(&a).await.unwrap().current_ticket, Some(n(2)));
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let lines: Vec<String> = snap.logs.iter().take(3).map(|l| l.to_string()).collect();
    assert!(lines[0].ends_with("|call_next:2@A"), "{lines:?}");
    assert!(lines[1].ends_with("|finish_current:1@A"), "{lines:?}");
    assert!(lines[2].ends_with("|call_next:1@A"), "{lines:?}");
}

async fn desks_hold_one_ticket_each_independently<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..3 {
        take(&f).await;
    }
    let (a, b) = (desk("A"), desk("guichet-2"));
    assert_eq!(q.call_next(&a).await.unwrap().called.unwrap().number, n(1));
    assert_eq!(q.call_next(&b).await.unwrap().called.unwrap().number, n(2));
    let fin = q.finish(&a).await.unwrap().expect("A finishes 1");
    assert_eq!((fin.number, fin.status), (n(1), TicketStatus::Completed));
    assert_eq!(q.status(&a).await.unwrap().current_ticket, None);
    assert_eq!(q.status(&b).await.unwrap().current_ticket, Some(n(2)));
    assert_eq!(
        q.status(&DeskId::default()).await.unwrap().current_ticket,
        None
    );
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let desks: Vec<(String, Option<u64>)> = snap
        .desks
        .iter()
        .map(|d| {
            (
                d.desk.to_string(),
                d.current.as_ref().map(|t| t.number.get()),
            )
        })
        .collect();
    assert_eq!(desks, [("A".into(), None), ("guichet-2".into(), Some(2))]);
    assert_eq!(snap.current_ticket, None, "the default desk holds nothing");
    assert_eq!(snap.figures.desks_at_work, 2);
    // The default desk mirrors the original single current ticket.
    let c = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!(c.called.unwrap().number, n(3));
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.current_ticket, Some(n(3)));
    assert_eq!(
        snap.current_ticket_data.unwrap().status,
        TicketStatus::InProgress
    );
}

async fn call_next_on_an_empty_queue_still_finishes_the_current_ticket<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    let c = q.call_next(&a).await.unwrap();
    assert_eq!(c.called, None);
    assert_eq!(c.finished.unwrap().status, TicketStatus::Completed);
    assert_eq!(q.status(&a).await.unwrap().current_ticket, None);
    let again = q.call_next(&a).await.unwrap();
    assert_eq!((again.called, again.finished), (None, None));
}

async fn finish_without_a_current_ticket_does_nothing<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    assert_eq!(q.finish(&desk("A")).await.unwrap(), None);
    assert_eq!(q.recall(&desk("A")).await.unwrap(), None);
    assert_eq!(q.no_show(&desk("A")).await.unwrap(), None);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 2, "only start_day and take_ticket");
    assert!(snap.desks.is_empty());
}

async fn recall_counts_and_logs_the_call_again<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    let r1 = q.recall(&a).await.unwrap().expect("recalled");
    assert_eq!((r1.number, r1.recalls), (n(1), 1));
    let r2 = q.recall(&a).await.unwrap().expect("recalled");
    assert_eq!(r2.recalls, 2);
    assert_eq!(r2.status, TicketStatus::InProgress);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert!(snap.logs[0].to_string().ends_with("|recall:1@A"));
}

async fn no_show_frees_the_desk_and_is_counted<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    let gone = q.no_show(&a).await.unwrap().expect("marked");
    assert_eq!((gone.number, gone.status), (n(1), TicketStatus::NoShow));
    assert_eq!(q.status(&a).await.unwrap().current_ticket, None);
    // The next call does not complete the no-show ticket.
    let c = q.call_next(&a).await.unwrap();
    assert_eq!(c.finished, None);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.figures.no_shows, 1);
    assert_eq!(snap.figures.served, 0);
    assert_eq!(
        q.ticket(n(1)).await.unwrap().ticket.status,
        TicketStatus::NoShow
    );
}

async fn closing_keeps_waiting_tickets_callable_and_reopening_continues_numbering<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    take(&f).await;
    let closed = q.close_day().await.unwrap();
    assert!(!closed.open && closed.changed);
    assert!(!q.close_day().await.unwrap().changed);
    assert!(matches!(
        q.take(TakeRequest::default()).await,
        Err(Error::DayClosed)
    ));
    let c = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!(c.called.unwrap().number, n(1));
    assert!(q.open_day().await.unwrap().changed);
    assert_eq!(take(&f).await.ticket.number, n(3));
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let actions: Vec<Action> = snap.logs.iter().map(|l| l.action).collect();
    assert!(actions.contains(&Action::EndDay));
}

async fn reset_wipes_the_day_and_keeps_event_numbers_rising<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..4 {
        take(&f).await;
    }
    q.call_next(&desk("A")).await.unwrap();
    let before = q
        .snapshot(SnapshotOptions::default())
        .await
        .unwrap()
        .last_event;
    let reset = q.reset_day().await.unwrap();
    assert_eq!(reset.tickets_removed, 4);
    let st = q.status(&desk("A")).await.unwrap();
    assert!(!st.open);
    assert_eq!(
        (st.queue_length, st.current_ticket, st.total_tickets),
        (0, None, 0)
    );
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 1);
    assert_eq!(snap.logs[0].action, Action::ResetDay);
    assert_eq!(snap.last_event, before + 1);
    assert!(snap.desks.is_empty());
    assert!(matches!(
        q.ticket(n(1)).await,
        Err(Error::TicketNotFound(_))
    ));
    q.open_day().await.unwrap();
    assert_eq!(take(&f).await.ticket.number, n(1));
}

async fn an_idempotency_key_gives_the_same_ticket<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    let req = TakeRequest {
        service: Service::default(),
        idempotency_key: key("kiosk-1:abc"),
        priority: None,
        limits: Default::default(),
    };
    let first = q.take(req.clone()).await.unwrap();
    let again = q.take(req.clone()).await.unwrap();
    assert_eq!(again.ticket, first.ticket);
    assert!(again.replayed && !first.replayed);
    let other = q
        .take(TakeRequest {
            service: Service::default(),
            idempotency_key: key("kiosk-1:def"),
            priority: None,
            limits: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(other.ticket.number, n(2));
    assert_eq!(other.waiting_before, 1);
    q.call_next(&DeskId::default()).await.unwrap();
    let after_call = q.take(req.clone()).await.unwrap();
    assert_eq!(after_call.ticket.number, n(1));
    assert_eq!(after_call.ticket.status, TicketStatus::InProgress);
    assert_eq!(after_call.waiting_before, 0);
    q.close_day().await.unwrap();
    assert!(
        q.take(req).await.unwrap().replayed,
        "a known key still answers when closed"
    );
    let new_key = TakeRequest {
        service: Service::default(),
        idempotency_key: key("kiosk-1:new"),
        priority: None,
        limits: Default::default(),
    };
    assert!(matches!(q.take(new_key).await, Err(Error::DayClosed)));
    assert_eq!(q.status(&DeskId::default()).await.unwrap().total_tickets, 2);
}

async fn a_ticket_is_found_with_its_position_and_estimate<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..3 {
        take(&f).await;
    }
    let info = q.ticket(n(3)).await.unwrap();
    assert_eq!(info.waiting_before, Some(2));
    // Nobody served yet: 300 s assumed per ticket, one desk.
    assert_eq!(info.estimated_wait_seconds, Some(900));
    q.call_next(&desk("A")).await.unwrap();
    f.clock.advance(Duration::seconds(60));
    q.call_next(&desk("A")).await.unwrap();
    let info = q.ticket(n(3)).await.unwrap();
    assert_eq!(info.waiting_before, Some(0));
    assert_eq!(info.figures.avg_service_seconds, Some(60.0));
    assert_eq!(info.figures.service_rate_per_hour, Some(60.0));
    assert_eq!(info.estimated_wait_seconds, Some(60));
    let called = q.ticket(n(1)).await.unwrap();
    assert_eq!(
        (called.waiting_before, called.estimated_wait_seconds),
        (None, None)
    );
    assert!(matches!(q.ticket(n(99)).await, Err(Error::TicketNotFound(x)) if x == n(99)));
}

async fn waits_and_service_times_are_measured<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    f.clock.advance(Duration::seconds(30));
    take(&f).await;
    f.clock.advance(Duration::seconds(30));
    let a = desk("A");
    q.call_next(&a).await.unwrap(); // ticket 1 waited 60 s
    f.clock.advance(Duration::seconds(120));
    q.call_next(&a).await.unwrap(); // 1 served in 120 s; 2 waited 150 s
    f.clock.advance(Duration::seconds(60));
    q.finish(&a).await.unwrap(); // 2 served in 60 s
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let fig = &snap.figures;
    assert_eq!(
        (fig.taken, fig.called, fig.served, fig.waiting),
        (2, 2, 2, 0)
    );
    assert_eq!(fig.avg_wait_seconds, Some(105.0));
    assert_eq!(snap.avg_wait_seconds, Some(105.0));
    assert_eq!(fig.avg_service_seconds, Some(90.0));
    let desk_a = &snap.desks[0];
    assert_eq!((desk_a.served, desk_a.avg_service_seconds), (2, Some(90.0)));
    let t2 = q.ticket(n(2)).await.unwrap().ticket;
    assert_eq!(t2.wait_seconds(), Some(150.0));
}

async fn every_change_emits_one_event_in_order<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    let mut events = q.events();
    q.open_day().await.unwrap();
    q.open_day().await.unwrap(); // no change, no event
    take(&f).await;
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    q.recall(&a).await.unwrap();
    q.call_next(&a).await.unwrap(); // finish 1 + call 2
    q.no_show(&a).await.unwrap();
    q.close_day().await.unwrap();
    q.reset_day().await.unwrap();
    let got = next_events(&mut events, 10).await;
    type Summary = (u64, Action, Option<u64>, Option<String>, u64);
    let summary: Vec<Summary> = got
        .iter()
        .map(|e| {
            (
                e.seq,
                e.action,
                e.ticket.map(TicketNumber::get),
                e.desk.as_ref().map(|d| d.to_string()),
                e.queue_length,
            )
        })
        .collect();
    let a = Some("A".to_string());
    assert_eq!(
        summary,
        [
            (1, Action::StartDay, None, None, 0),
            (2, Action::TakeTicket, Some(1), None, 1),
            (3, Action::TakeTicket, Some(2), None, 2),
            (4, Action::CallNext, Some(1), a.clone(), 1),
            (5, Action::Recall, Some(1), a.clone(), 1),
            (6, Action::FinishCurrent, Some(1), a.clone(), 1),
            (7, Action::CallNext, Some(2), a.clone(), 0),
            (8, Action::NoShow, Some(2), a.clone(), 0),
            (9, Action::EndDay, None, None, 0),
            (10, Action::ResetDay, None, None, 0),
        ]
    );
    let heads: Vec<Option<u64>> = got
        .iter()
        .map(|e| e.next_ticket.map(TicketNumber::get))
        .collect();
    assert_eq!(
        heads,
        [
            None,
            Some(1),
            Some(1),
            Some(2),
            Some(2),
            Some(2),
            None,
            None,
            None,
            None
        ],
        "next_ticket after each change"
    );
    assert!(got.iter().all(|e| e.day.to_string() == "2026-11-24"));
    assert_eq!(got[0].at, f.clock.now_micros());
}

async fn logs_are_newest_first_and_capped_at_50<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..60 {
        take(&f).await;
    }
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 50);
    assert_eq!(snap.logs[0].ticket, Some(n(60)));
    assert_eq!(snap.logs[49].ticket, Some(n(11)));
}

async fn snapshot_lists_are_bounded<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..60 {
        take(&f).await;
    }
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.waiting_list.len(), 50);
    assert_eq!(snap.queue_length, 60);
    assert_eq!(snap.waiting_list[49].number, n(50));
    let small = q
        .snapshot(SnapshotOptions {
            waiting: 5,
            logs: 3,
            activity_minutes: 0,
        })
        .await
        .unwrap();
    assert_eq!((small.waiting_list.len(), small.logs.len()), (5, 3));
    assert!(small.activity.is_empty());
    let none = q
        .snapshot(SnapshotOptions {
            waiting: 0,
            logs: 0,
            activity_minutes: 1,
        })
        .await
        .unwrap();
    assert!(none.waiting_list.is_empty());
    assert_eq!(
        none.next_ticket,
        Some(n(1)),
        "next is known without listing"
    );
}

async fn activity_is_counted_per_minute_and_action<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    take(&f).await;
    f.clock.advance(Duration::seconds(90));
    take(&f).await;
    q.call_next(&DeskId::default()).await.unwrap();
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.activity.len(), 2);
    let first = &snap.activity[0];
    assert_eq!(first.minute, start_time());
    assert_eq!(first.counts.get(&Action::StartDay), Some(&1));
    assert_eq!(first.counts.get(&Action::TakeTicket), Some(&2));
    let second = &snap.activity[1];
    assert_eq!(second.minute, start_time() + Duration::minutes(1));
    assert_eq!(second.counts.get(&Action::TakeTicket), Some(&1));
    assert_eq!(second.counts.get(&Action::CallNext), Some(&1));
    assert_eq!(second.counts.get(&Action::StartDay), None);
    // A window of one minute sees only the current minute.
    let last = q
        .snapshot(SnapshotOptions {
            activity_minutes: 1,
            ..SnapshotOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(last.activity.len(), 1);
}

async fn the_business_day_follows_the_time_zone_and_rollover_hour<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    // Paris, days change at 03:00 local. 2026-11-25 01:30 UTC = 02:30 Paris: still the 24th.
    let cal = BusinessCalendar::new(chrono_tz::Europe::Paris, 3).unwrap();
    let q = f.with_calendar(cal);
    f.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 25, 1, 30, 0)
            .single()
            .unwrap(),
    );
    q.open_day().await.unwrap();
    let t = q.take(TakeRequest::default()).await.unwrap();
    assert_eq!(t.day.to_string(), "2026-11-24");
    assert_eq!(q.moment().ttl_seconds(), 3600, "at least one hour ahead");
    // 03:01 Paris: a new day, closed, numbering from 1.
    f.clock.advance(Duration::minutes(31));
    let st = q.status(&DeskId::default()).await.unwrap();
    assert_eq!(st.day.to_string(), "2026-11-25");
    assert!(!st.open);
    assert_eq!(st.total_tickets, 0);
    q.open_day().await.unwrap();
    assert_eq!(
        q.take(TakeRequest::default()).await.unwrap().ticket.number,
        n(1)
    );
    // Across the spring DST change (2026-03-29, 02:00 → 03:00 in Paris) with a rollover at
    // 02:00: 00:59 UTC is 01:59 local on the 28th's business day; 01:00 UTC is 03:00 local,
    // the 29th's.
    let q = f.with_calendar(BusinessCalendar::new(chrono_tz::Europe::Paris, 2).unwrap());
    f.clock.set(
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0)
            .single()
            .unwrap(),
    );
    q.open_day().await.unwrap();
    let before = q.take(TakeRequest::default()).await.unwrap();
    assert_eq!(before.day.to_string(), "2026-03-28");
    f.clock.advance(Duration::minutes(1));
    let st = q.status(&DeskId::default()).await.unwrap();
    assert_eq!(st.day.to_string(), "2026-03-29");
    assert!(!st.open);
}

async fn key_count_and_ttl_describe_the_days_keys<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    // day, counter, logs, stats, activity
    assert_eq!(snap.key_count, 5);
    let expected = q.moment().ttl_seconds();
    let ttl = snap.ttl_seconds.expect("a TTL");
    assert!(
        ttl <= expected && ttl + 5 >= expected,
        "ttl {ttl} vs {expected}"
    );
    take(&f).await;
    q.call_next(&DeskId::default()).await.unwrap();
    // + current, + desks, + ticket:1, + numbers (per service), + streaks (per desk); the
    // waiting set and the service's queue are empty again
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.key_count, 10);
    assert_eq!(snap.hash_count, 1);
}

impl ManualClock {
    /// The clock's time, truncated to microseconds as operations see it.
    pub fn now_micros(&self) -> DateTime<Utc> {
        use crate::clock::Clock;
        crate::model::from_micros(self.now().timestamp_micros()).expect("a representable time")
    }
}
