//! The `tickets` binary itself: what it prints, how it fails, how it stops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The server's environment variables, removed so that the developer's own do not leak in.
const ENV: [&str; 16] = [
    "TICKETS_BIND",
    "TICKETS_STORE",
    "REDIS_URL",
    "TICKETS_KEY_PREFIX",
    "TICKETS_TIMEZONE",
    "TICKETS_ROLLOVER_HOUR",
    "TICKETS_ALLOWED_HOSTS",
    "TICKETS_STAFF_PASSWORD",
    "TICKETS_API_TOKEN",
    "TICKETS_REDIS_TIMEOUT_SECONDS",
    "TICKETS_DEFAULT_SERVICE_SECONDS",
    "TICKETS_CONFIG",
    "TICKETS_CONFIG_OVERWRITE",
    "TICKETS_HISTORY_DAYS",
    "RUST_LOG",
    "TZ",
];

pub(crate) fn tickets() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tickets"));
    for var in ENV {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running server: its stdout lines arrive on a channel, and so do its stderr lines
/// (the logs) on another.
pub(crate) struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    log_lines: Receiver<String>,
}

/// Sends each line of `from` on a new channel, from a thread of its own.
fn line_channel(from: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

impl Running {
    pub(crate) fn start(cmd: &mut Command) -> Self {
        let mut child = cmd.spawn().expect("the tickets binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = line_channel(stdout);
        // Read as it comes, so that a chatty log never fills the pipe and blocks the server.
        let log_lines = match child.stderr.take() {
            Some(stderr) => line_channel(stderr),
            None => mpsc::channel().1,
        };
        Running {
            child,
            lines,
            seen: Vec::new(),
            log_lines,
        }
    }

    /// Reads stdout until a line contains `needle` (10 s at most); returns that line.
    pub(crate) fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within 10 s; stdout so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Sends SIGTERM and waits for the exit (10 s at most).
    pub(crate) fn terminate(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        wait_exit(&mut self.child, Duration::from_secs(10))
            .expect("the server stops within 10 s of SIGTERM")
    }

    /// Every stdout line, once the process is gone.
    pub(crate) fn rest_of_stdout(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    /// Every stderr line (the logs), once the process is gone.
    pub(crate) fn stderr(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.log_lines.recv_timeout(Duration::from_secs(5)) {
            out.push(line);
        }
        out
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits for `child` to exit, up to `limit`.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(25));
    }
    None
}

/// The port in "tickets: listening on http://127.0.0.1:PORT (store: …)".
pub(crate) fn port_of(listening: &str) -> u16 {
    let url = listening
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("a URL in {listening:?}"));
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a port in {listening:?}"));
    assert_ne!(port, 0, "the real port, not the one asked");
    port
}

/// A raw HTTP GET to the server; returns the status line.
fn http_get(port: u16, path: &str) -> String {
    http_get_whole(port, path)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A raw HTTP GET to the server; returns the whole answer (head and body).
pub(crate) fn http_get_whole(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a read timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("sent");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

/// A file of the test's own holding `text` (removed when dropped).
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("tickets-startup-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("a temporary file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The example office of `deploy/`.
const EXAMPLE_OFFICE: &str = include_str!("../../../../deploy/office.example.toml");

/// Runs `cmd`, which must exit with a failure within 10 s; answers its standard error.
fn failed_start(cmd: &mut Command) -> String {
    let mut child = cmd.spawn().expect("the tickets binary starts");
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("it exits");
    assert!(!status.success());
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr);
    stderr
}

#[test]
fn an_unreachable_redis_stops_the_server_at_once_with_advice() {
    let mut child = tickets()
        .env("TICKETS_STORE", "redis")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("TICKETS_BIND", "127.0.0.1:0")
        .env("TICKETS_STAFF_PASSWORD", "mot-de-passe-de-test")
        .spawn()
        .expect("the tickets binary starts");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server hangs when Redis is unreachable");
    };
    assert!(!status.success(), "it must fail: {status}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr is text");
    assert!(stderr.contains("Redis"), "mentions Redis: {stderr}");
    assert!(
        stderr.contains("redis://127.0.0.1:1"),
        "names the URL: {stderr}"
    );
    assert!(
        stderr.contains("REDIS_URL") && stderr.contains("TICKETS_STORE=memory"),
        "says what to do: {stderr}"
    );
}

#[test]
fn redis_without_a_url_is_refused_with_advice() {
    let stderr = failed_start(
        tickets()
            .env("TICKETS_STORE", "redis")
            .env("TICKETS_BIND", "127.0.0.1:0"),
    );
    assert!(stderr.contains("REDIS_URL"), "{stderr}");
}

#[test]
fn the_memory_store_prints_its_urls_and_a_generated_password_then_stops_on_sigterm() {
    let mut server = Running::start(tickets().env("TICKETS_BIND", "127.0.0.1:0"));
    let listening = server.wait_for("listening on");
    let port = port_of(&listening);
    assert!(listening.contains("store: memory"), "{listening}");
    server.wait_for("in-memory store");
    let kiosk = server.wait_for("/api/tickets/public");
    assert!(kiosk.contains(&format!("http://127.0.0.1:{port}/api/tickets/public")));
    server.wait_for(&format!("http://127.0.0.1:{port}/api/tickets/staff"));
    server.wait_for(&format!("http://127.0.0.1:{port}/api/dashboard"));
    let password_line = server.wait_for("generated password");
    let password = password_line
        .rsplit(' ')
        .next()
        .expect("the password ends the line");
    assert_eq!(password.len(), 16, "{password_line}");
    assert!(password_line.contains("TICKETS_STAFF_PASSWORD"));

    // It serves (and, from then on, handles signals).
    assert_eq!(http_get(port, "/healthz"), "HTTP/1.1 200 OK");
    assert_eq!(http_get(port, "/api/tickets/status"), "HTTP/1.1 200 OK");

    let status = server.terminate();
    assert!(
        status.success(),
        "a graceful stop exits with success: {status}"
    );
    let out = server.rest_of_stdout();
    assert!(
        out.iter().any(|l| l.contains("tickets: stopped")),
        "{}",
        out.join("\n")
    );
    // Printed once for the person who started it, never in the logs.
    let logs = server.stderr().join("\n");
    assert!(!logs.is_empty(), "the server logs to stderr");
    assert!(!logs.contains(password), "{logs}");
}

#[test]
fn a_configured_password_is_not_printed() {
    let secret = "un-secret-bien-garde";
    // Every log line there is: the logs go to stderr.
    let mut server = Running::start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_STAFF_PASSWORD", secret)
            .env("RUST_LOG", "trace"),
    );
    let port = port_of(&server.wait_for("listening on"));
    server.wait_for("/api/dashboard");
    // Signals are handled once the server runs: wait until it answers.
    assert_eq!(http_get(port, "/healthz"), "HTTP/1.1 200 OK");
    let status = server.terminate();
    assert!(status.success(), "{status}");
    let out = server.rest_of_stdout().join("\n");
    assert!(!out.contains(secret), "{out}");
    assert!(!out.contains("staff password"), "{out}");
    let logs = server.stderr().join("\n");
    assert!(
        logs.contains(&format!("127.0.0.1:{port}")),
        "the logs are read: {logs}"
    );
    assert!(!logs.contains(secret), "{logs}");
}

#[test]
fn a_port_in_use_is_reported_with_advice() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("an address");
    let stderr = failed_start(
        tickets()
            .env("TICKETS_BIND", addr.to_string())
            .env("TICKETS_STAFF_PASSWORD", "mot-de-passe-de-test"),
    );
    assert!(stderr.contains(&addr.to_string()), "{stderr}");
    assert!(stderr.contains("TICKETS_BIND"), "{stderr}");
}

#[test]
fn sigterm_ends_the_live_streams_instead_of_waiting_for_them() {
    let mut server = Running::start(tickets().env("TICKETS_BIND", "127.0.0.1:0"));
    let port = port_of(&server.wait_for("listening on"));
    server.wait_for("generated password");

    // One client that stays, one that hung up without the server noticing yet.
    let open_stream = |port: u16| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        write!(
            s,
            "GET /api/tickets/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .expect("sent");
        let mut first = [0u8; 64];
        let n = s.read(&mut first).expect("the stream starts");
        assert!(
            String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&first[..n])
        );
        s
    };
    let mut staying = open_stream(port);
    drop(open_stream(port));

    Command::new("kill")
        .arg("-TERM")
        .arg(server.child.id().to_string())
        .status()
        .expect("kill runs");
    // The graceful shutdown allows 10 s for requests in flight; a stream is not one.
    let status = wait_exit(&mut server.child, Duration::from_secs(6))
        .expect("the server stops well before its 10 s grace period, streams open or not");
    assert!(status.success(), "{status}");
    // The staying client saw its stream end (EOF, not a reset).
    staying
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("a read timeout");
    let mut rest = Vec::new();
    assert!(
        staying.read_to_end(&mut rest).is_ok(),
        "the stream ends cleanly with the server"
    );
}

#[test]
fn an_office_file_is_stored_at_start_and_serves_its_services() {
    let file = TempFile::new("office.toml", EXAMPLE_OFFICE);
    let mut server = Running::start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_STAFF_PASSWORD", "mot-de-passe-de-test")
            .args(["--config", file.path()]),
    );
    let port = port_of(&server.wait_for("listening on"));
    let office = server.wait_for("tickets: office:");
    assert!(
        office.contains("version 1") && office.contains("courrier, colis"),
        "{office}"
    );
    let status = http_get_whole(port, "/api/tickets/status");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(
        status.contains(r#""code":"courrier""#) && status.contains(r#""prefix":"B""#),
        "{status}"
    );
    assert!(server.terminate().success());
}

#[test]
fn the_overwrite_flag_reads_from_the_environment_and_without_a_file_is_refused() {
    let file = TempFile::new("overwrite.toml", EXAMPLE_OFFICE);
    let mut server = Running::start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_STAFF_PASSWORD", "mot-de-passe-de-test")
            .env("TICKETS_CONFIG", file.path())
            .env("TICKETS_CONFIG_OVERWRITE", "1"),
    );
    server.wait_for("listening on");
    let office = server.wait_for("tickets: office:");
    assert!(office.contains("stored from TICKETS_CONFIG"), "{office}");
    drop(server);

    let stderr = failed_start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_CONFIG_OVERWRITE", "1"),
    );
    assert!(stderr.contains("--config"), "{stderr}");
}

#[test]
fn without_an_office_file_the_built_in_office_is_said() {
    let mut server = Running::start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_STAFF_PASSWORD", "mot-de-passe-de-test"),
    );
    server.wait_for("listening on");
    let office = server.wait_for("tickets: office:");
    assert!(
        office.contains("built-in") && office.contains("poste"),
        "{office}"
    );
}

#[test]
fn a_bad_office_file_stops_the_server_naming_the_file_and_the_field() {
    // Two services with the same letter.
    let twins = TempFile::new(
        "twins.toml",
        &EXAMPLE_OFFICE.replace("prefix = \"B\"", "prefix = \"A\""),
    );
    let stderr = failed_start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_CONFIG", twins.path()),
    );
    assert!(stderr.contains(twins.path()), "names the file: {stderr}");
    assert!(
        stderr.contains("service[1].prefix"),
        "names the field: {stderr}"
    );

    // Not TOML: the parser's line is given.
    let broken = TempFile::new("broken.toml", "[[service]]\ncode = \"colis\n");
    let stderr = failed_start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .args(["--config", broken.path()]),
    );
    assert!(stderr.contains(broken.path()), "{stderr}");
    assert!(stderr.contains("line 2"), "where: {stderr}");

    // Unreadable.
    let missing = std::env::temp_dir().join("tickets-no-such-office.toml");
    let stderr = failed_start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_CONFIG", &missing),
    );
    assert!(
        stderr.contains("cannot read") && stderr.contains("tickets-no-such-office.toml"),
        "{stderr}"
    );
}

#[test]
fn a_short_staff_password_stops_the_server_saying_why() {
    let stderr = failed_start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_STAFF_PASSWORD", "court"),
    );
    assert!(
        stderr.contains("TICKETS_STAFF_PASSWORD") && stderr.contains("at least 12 characters"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("court"),
        "the password is not shown: {stderr}"
    );
}
