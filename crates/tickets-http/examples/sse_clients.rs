//! Load tool for the event stream: connects many SSE clients to a running server, then
//! calls the next ticket a few times and measures, for every client, the delay from the
//! call-next request to the arrival of its event. Prints median, p99 and max, and the
//! server's RSS and its CPU time per event delivered when given its pid (and the tool's
//! own). With `SSE_PER_CALL=1` in the environment it also prints, on stderr, the delays of
//! each call.
//!
//! ```text
//! cargo run --release -p tickets-http --example sse_clients -- \
//!     --port 8000 --token "$TICKETS_API_TOKEN" --clients 1000 --calls 20 [--pid <server pid>]
//! ```
//! The server must accept `Authorization: Bearer <token>`; the tool opens the day and
//! takes the tickets it calls. Loopback only; every loop is bounded.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

#[derive(Clone)]
struct Args {
    port: u16,
    token: String,
    clients: usize,
    calls: usize,
    pid: Option<u32>,
}

fn args() -> Args {
    let mut a = Args {
        port: 8000,
        token: String::new(),
        clients: 1000,
        calls: 20,
        pid: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < argv.len() {
        let v = &argv[i + 1];
        match argv[i].as_str() {
            "--port" => a.port = v.parse().expect("--port N"),
            "--token" => a.token = v.clone(),
            "--clients" => a.clients = v.parse().expect("--clients N"),
            "--calls" => a.calls = v.parse().expect("--calls N"),
            "--pid" => a.pid = v.parse().ok(),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// One request over a fresh connection; returns the status code.
async fn post(a: &Args, path: &str, body: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", a.port))
        .await
        .expect("connect");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        a.port,
        a.token,
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer).await;
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// One client: connects, waits for the stream's first `state` frame, then reads until it
/// has `expected` call-next events. Returns when each arrived, by the event's `seq`, kept
/// by the client itself: a lock shared by thousands of clients would delay the readers
/// and so the very arrivals it times. Returns the connection too: it stays open until
/// every client is done, since thousands of connections closing at once would delay the
/// last event to the clients still waiting for it (a real audience does not leave as one).
///
/// The tool shares the machine with the server it measures, so each client does little:
/// one `read` per wake into its own buffer, the chunked encoding and the frames cut by
/// bytes, one timer for the whole run rather than one per read.
async fn client(a: Args, ready: Arc<Barrier>, expected: usize) -> (Vec<(u64, Instant)>, TcpStream) {
    let mut s = TcpStream::connect(("127.0.0.1", a.port))
        .await
        .expect("connect");
    let req = format!(
        "GET /api/tickets/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: text/event-stream\r\n\r\n",
        a.port
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let mut arrivals = Vec::with_capacity(expected);
    let reading = read_events(&mut s, &ready, expected, &mut arrivals);
    let _ = tokio::time::timeout(Duration::from_secs(120), reading).await;
    (arrivals, s)
}

/// Reads the stream of `s` until `expected` call-next events arrived (or it ends); waits
/// on `ready` once the first state came.
async fn read_events(
    s: &mut TcpStream,
    ready: &Barrier,
    expected: usize,
    arrivals: &mut Vec<(u64, Instant)>,
) {
    // Bytes read and not yet taken: the response head, then the chunked body.
    let mut raw: Vec<u8> = Vec::with_capacity(4096);
    let mut head_done = false;
    // The stream's bytes (out of their chunks) not yet cut into frames. Frames are read as
    // bytes: the frame's kind is its `event:` line and a queue event's `seq` is in its `id:`
    // line, so the tool reads the first few dozen bytes of each frame, not all of it.
    let mut pending: Vec<u8> = Vec::with_capacity(4096);
    let mut got_state = false;
    while arrivals.len() < expected {
        raw.reserve(2048);
        match s.read_buf(&mut raw).await {
            Ok(n) if n > 0 => {}
            _ => return,
        }
        let now = Instant::now();
        let mut from = 0;
        if !head_done {
            let Some(end) = find(&raw, b"\r\n\r\n") else {
                continue;
            };
            head_done = true;
            from = end + 4;
        }
        // Whole chunks: `<size in hex>\r\n<bytes>\r\n` (the size's line ends at its `\n`).
        while let Some(line) = memchr::memchr(b'\n', &raw[from..]) {
            let size = std::str::from_utf8(&raw[from..from + line])
                .ok()
                .and_then(|h| usize::from_str_radix(h.trim(), 16).ok())
                .unwrap_or(0);
            let start = from + line + 1;
            if raw.len() < start + size + 2 {
                break;
            }
            pending.extend_from_slice(&raw[start..start + size]);
            from = start + size + 2;
        }
        raw.drain(..from);
        let mut from = 0;
        while let Some(end) = frame_end(&pending[from..]) {
            match Frame::of(&pending[from..from + end]) {
                Frame::State if !got_state => {
                    got_state = true;
                    ready.wait().await;
                }
                Frame::CallNext(seq) => arrivals.push((seq, now)),
                _ => {}
            }
            from += end + 2;
        }
        pending.drain(..from);
    }
}

/// Where `needle` first starts in `hay` (`memchr`'s vectorized search: every byte of
/// every event passes the tool's searches, which compared windows of bytes one position
/// at a time for three quarters of its own instructions per event).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// The end of a frame (`\n\n`), its searcher made once.
static FRAME_END: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\n\n"));

/// What the tool needs to know of a frame.
#[derive(Debug, PartialEq)]
enum Frame {
    State,
    /// A `call_next` queue event, with its `seq`.
    CallNext(u64),
    Other,
}

impl Frame {
    /// A frame's kind from its first lines: `id: <day>:<seq>`, `event: <kind>`, then
    /// `data: {"action":"<action>",…` for queue events.
    fn of(frame: &[u8]) -> Frame {
        let Some((id, rest)) = first_line(frame) else {
            return Frame::Other;
        };
        let Some((event, data)) = first_line(rest) else {
            return Frame::Other;
        };
        match event {
            b"event: state" => Frame::State,
            // (The data line's start only: it runs to the end of the frame.)
            b"event: queue" if data.starts_with(b"data: {\"action\":\"call_next\"") => id
                .rsplit(|b| *b == b':')
                .next()
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.parse().ok())
                .map_or(Frame::Other, Frame::CallNext),
            _ => Frame::Other,
        }
    }
}

/// The first line of `text` and what follows it.
fn first_line(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = memchr::memchr(b'\n', text)?;
    Some((&text[..end], &text[end + 1..]))
}

/// Where the first blank line (the end of a frame) starts in `hay`.
fn frame_end(hay: &[u8]) -> Option<usize> {
    FRAME_END.find(hay)
}

/// The CPU time a process used so far (user and system), in clock ticks.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces), from the 3rd on.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Clock ticks a second (`getconf CLK_TCK`; 100 on Linux).
const CLK_TCK: f64 = 100.0;

fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let a = args();
    let idle_rss = a.pid.and_then(rss_kib);
    post(&a, "/api/tickets/start-day", "").await;
    for _ in 0..a.calls {
        post(&a, "/api/tickets/take", "").await;
    }
    let ready = Arc::new(Barrier::new(a.clients + 1));
    let mut tasks = Vec::new();
    let t_connect = Instant::now();
    for _ in 0..a.clients {
        tasks.push(tokio::spawn(client(a.clone(), ready.clone(), a.calls)));
    }
    ready.wait().await;
    let connect_ms = t_connect.elapsed().as_secs_f64() * 1e3;
    let connected_rss = a.pid.and_then(rss_kib);
    let server_pid = a.pid.map(|p| p.to_string());
    let cpu_before = (server_pid.as_deref().and_then(cpu_ticks), cpu_ticks("self"));

    // Each call's event is matched by seq: the state's last event tells where we start.
    let mut sent_at = Vec::new();
    for _ in 0..a.calls {
        let t = Instant::now();
        let code = post(&a, "/api/tickets/call-next", r#"{"desk":"bench"}"#).await;
        assert_eq!(code, 200, "call-next answers 200");
        sent_at.push(t);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut arrivals: HashMap<u64, Vec<Instant>> = HashMap::new();
    let mut outcomes = Vec::with_capacity(a.clients);
    for t in tasks {
        outcomes.push(tokio::time::timeout(Duration::from_secs(60), t).await);
    }
    // CPU from the first call to the last arrival: the server's and this tool's, per event
    // delivered.
    let cpu_after = (server_pid.as_deref().and_then(cpu_ticks), cpu_ticks("self"));
    let mut connections = Vec::with_capacity(a.clients);
    for outcome in outcomes {
        if let Ok(Ok((got, connection))) = outcome {
            for (seq, at) in got {
                arrivals.entry(seq).or_default().push(at);
            }
            connections.push(connection);
        }
    }
    drop(connections);
    let mut seqs: Vec<u64> = arrivals.keys().copied().collect();
    seqs.sort();
    // call_next events come in the order of the calls; a finish event precedes each after
    // the first, so match the i-th call_next seq with the i-th request.
    let mut delays = Vec::new();
    let mut received = 0;
    let per_call = std::env::var_os("SSE_PER_CALL").is_some();
    for (i, seq) in seqs.iter().enumerate() {
        let Some(sent) = sent_at.get(i) else { break };
        let mine: Vec<f64> = arrivals[seq]
            .iter()
            .map(|at| at.duration_since(*sent).as_secs_f64() * 1e3)
            .collect();
        received += mine.len();
        delays.extend_from_slice(&mine);
        if per_call {
            let mut mine = mine;
            mine.sort_by(|x, y| x.total_cmp(y));
            let next = sent_at
                .get(i + 1)
                .map(|n| format!("{:.1}", n.duration_since(*sent).as_secs_f64() * 1e3));
            eprintln!(
                "call {i}: first {:.1} median {:.1} p99 {:.1} max {:.1} (ms); next call after {} ms",
                mine.first().copied().unwrap_or(f64::NAN),
                percentile(&mine, 0.5),
                percentile(&mine, 0.99),
                mine.last().copied().unwrap_or(f64::NAN),
                next.as_deref().unwrap_or("-"),
            );
        }
    }
    delays.sort_by(|x, y| x.total_cmp(y));
    let expected = a.clients * a.calls;
    println!("clients: {}", a.clients);
    println!("calls: {}", a.calls);
    println!("events received: {received} of {expected}");
    println!("connect all (ms): {connect_ms:.1}");
    println!("delay median (ms): {:.2}", percentile(&delays, 0.5));
    println!("delay p99 (ms): {:.2}", percentile(&delays, 0.99));
    println!(
        "delay max (ms): {:.2}",
        delays.last().copied().unwrap_or(f64::NAN)
    );
    let per_event = |before: Option<u64>, after: Option<u64>| {
        let ticks = after? - before?;
        Some(ticks as f64 / CLK_TCK * 1e6 / received.max(1) as f64)
    };
    if let Some(us) = per_event(cpu_before.0, cpu_after.0) {
        println!("server CPU per event delivered (µs): {us:.1}");
    }
    if let Some(us) = per_event(cpu_before.1, cpu_after.1) {
        println!("tool CPU per event delivered (µs): {us:.1}");
    }
    if let (Some(idle), Some(conn)) = (idle_rss, connected_rss) {
        println!("server RSS before (MiB): {:.1}", idle as f64 / 1024.0);
        println!("server RSS with clients (MiB): {:.1}", conn as f64 / 1024.0);
    }
    if received < expected {
        std::process::exit(1);
    }
}
