//! Load tool for the event stream: connects many SSE clients to a running server, then
//! calls the next ticket a few times and measures, for every client, the delay from the
//! call-next request to the arrival of its event. Prints median, p99 and max, and the
//! server's RSS when given its pid.
//!
//! ```text
//! cargo run --release -p tickets-http --example sse_clients -- \
//!     --port 8000 --token "$TICKETS_API_TOKEN" --clients 1000 --calls 20 [--pid <server pid>]
//! ```
//! The server must accept `Authorization: Bearer <token>`; the tool opens the day and
//! takes the tickets it calls. Loopback only; every loop is bounded.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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
/// and so the very arrivals it times.
async fn client(a: Args, ready: Arc<Barrier>, expected: usize) -> Vec<(u64, Instant)> {
    let mut s = TcpStream::connect(("127.0.0.1", a.port))
        .await
        .expect("connect");
    let req = format!(
        "GET /api/tickets/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: text/event-stream\r\n\r\n",
        a.port
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let mut r = BufReader::new(s);
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).await.expect("headers");
        if line == "\r\n" {
            break;
        }
    }
    let mut arrivals = Vec::with_capacity(expected);
    // The stream's bytes not yet cut into frames. Frames are read as bytes: the frame's
    // kind is its `event:` line and a queue event's `seq` is in its `id:` line, so the
    // tool reads the first few dozen bytes of each frame, not all of it (thousands of
    // clients decoding every state frame took a core from the server it measures).
    let mut pending: Vec<u8> = Vec::new();
    let mut got_state = false;
    let deadline = Instant::now() + Duration::from_secs(120);
    while arrivals.len() < expected && Instant::now() < deadline {
        line.clear();
        let n = tokio::time::timeout(Duration::from_secs(30), r.read_line(&mut line)).await;
        if !matches!(n, Ok(Ok(k)) if k > 0) {
            break;
        }
        let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
        let start = pending.len();
        pending.resize(start + size + 2, 0);
        if r.read_exact(&mut pending[start..]).await.is_err() {
            break;
        }
        let now = Instant::now();
        // The chunk's closing CRLF is not part of the stream.
        pending.truncate(start + size);
        let mut from = 0;
        while let Some(end) = frame_end(&pending[from..]) {
            let frame = &pending[from..from + end];
            match Frame::of(frame) {
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
    arrivals
}

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
        let mut lines = frame.split(|b| *b == b'\n');
        let (Some(id), Some(event)) = (lines.next(), lines.next()) else {
            return Frame::Other;
        };
        match event {
            b"event: state" => Frame::State,
            b"event: queue" => {
                let is_call = lines
                    .next()
                    .is_some_and(|d| d.starts_with(b"data: {\"action\":\"call_next\""));
                let seq = id
                    .rsplit(|b| *b == b':')
                    .next()
                    .and_then(|s| std::str::from_utf8(s).ok())
                    .and_then(|s| s.parse().ok());
                match (is_call, seq) {
                    (true, Some(seq)) => Frame::CallNext(seq),
                    _ => Frame::Other,
                }
            }
            _ => Frame::Other,
        }
    }
}

/// Where the first blank line (the end of a frame) starts in `hay`.
fn frame_end(hay: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = hay[from..].iter().position(|b| *b == b'\n') {
        let at = from + i;
        if hay.get(at + 1) == Some(&b'\n') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

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
    for t in tasks {
        if let Ok(Ok(got)) = tokio::time::timeout(Duration::from_secs(60), t).await {
            for (seq, at) in got {
                arrivals.entry(seq).or_default().push(at);
            }
        }
    }
    let mut seqs: Vec<u64> = arrivals.keys().copied().collect();
    seqs.sort();
    // call_next events come in the order of the calls; a finish event precedes each after
    // the first, so match the i-th call_next seq with the i-th request.
    let mut delays = Vec::new();
    let mut received = 0;
    for (i, seq) in seqs.iter().enumerate() {
        let Some(sent) = sent_at.get(i) else { break };
        for at in &arrivals[seq] {
            received += 1;
            delays.push(at.duration_since(*sent).as_secs_f64() * 1e3);
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
    if let (Some(idle), Some(conn)) = (idle_rss, connected_rss) {
        println!("server RSS before (MiB): {:.1}", idle as f64 / 1024.0);
        println!("server RSS with clients (MiB): {:.1}", conn as f64 / 1024.0);
    }
    if received < expected {
        std::process::exit(1);
    }
}
