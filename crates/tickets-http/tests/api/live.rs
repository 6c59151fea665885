//! The event stream across real server processes sharing one Redis.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;
use tickets_core::testing::{RedisServer, unique_prefix};

use crate::startup::{Running, port_of, tickets};

const TOKEN: &str = "live-test-token";

/// A `tickets` process on the given Redis, with a bearer token for staff calls.
fn server(redis: &RedisServer, prefix: &str) -> (Running, u16) {
    let mut cmd = tickets();
    cmd.env("TICKETS_STORE", "redis")
        .env("REDIS_URL", redis.url())
        .env("TICKETS_KEY_PREFIX", prefix)
        .env("TICKETS_BIND", "127.0.0.1:0")
        .env("TICKETS_TIMEZONE", "UTC")
        .env("TICKETS_STAFF_PASSWORD", "live-test-password")
        .env("TICKETS_API_TOKEN", TOKEN)
        .env("TICKETS_REDIS_TIMEOUT_SECONDS", "0.5");
    let mut running = Running::start(&mut cmd);
    let port = port_of(&running.wait_for("listening on"));
    (running, port)
}

/// A staff POST; returns the status code.
fn post(port: u16, path: &str, body: &str) -> u16 {
    post_answer(port, path, body).0
}

/// A staff POST; returns the status code and the body.
fn post_answer(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("sent");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (code, body)
}

/// Takes a ticket through the server on `port` (asserting 201); returns its number.
fn take_number(port: u16) -> u64 {
    let (code, body) = post_answer(port, "/api/tickets/take", "");
    assert_eq!(code, 201, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("a JSON answer");
    answer["ticket"]["ticket_number"]
        .as_u64()
        .unwrap_or_else(|| panic!("no ticket number in {answer}"))
}

/// One frame of the stream.
#[derive(Debug, Clone)]
struct Frame {
    event: String,
    data: Value,
}

/// How long a client waits for a frame before the test fails.
const FRAME_WAIT: Duration = Duration::from_secs(20);

/// A raw SSE client: HTTP/1.1, chunked transfer decoding, frames split on blank lines.
/// Every wait is bounded (the server's keep-alive comments alone never end one).
struct SseClient {
    reader: BufReader<TcpStream>,
    /// Body bytes read but not decoded yet (a chunk may arrive in pieces).
    raw: Vec<u8>,
    /// Decoded text not split into frames yet.
    pending: String,
}

impl SseClient {
    fn connect(port: u16, staff: bool) -> Self {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        s.set_read_timeout(Some(FRAME_WAIT)).expect("timeout");
        let auth = if staff {
            format!("Authorization: Bearer {TOKEN}\r\n")
        } else {
            String::new()
        };
        write!(
            s,
            "GET /api/tickets/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             Accept: text/event-stream\r\n{auth}\r\n"
        )
        .expect("sent");
        let mut reader = BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("response headers");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase().contains("text/event-stream"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{head}"
        );
        // From now on, short reads: the deadlines are checked between them.
        reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        SseClient {
            reader,
            raw: Vec::new(),
            pending: String::new(),
        }
    }

    /// Reads what arrives within 200 ms, and decodes the complete chunks into `pending`.
    fn read_some(&mut self) {
        let mut buf = [0; 16 * 1024];
        match self.reader.read(&mut buf) {
            Ok(0) => panic!("the stream ended"),
            Ok(n) => self.raw.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return;
            }
            Err(e) => panic!("reading the stream: {e}"),
        }
        while let Some(eol) = self.raw.windows(2).position(|w| w == b"\r\n") {
            let size = std::str::from_utf8(&self.raw[..eol])
                .ok()
                .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
                .expect("a hexadecimal chunk size");
            assert!(size > 0, "the stream ended");
            let end = eol + 2 + size + 2;
            if self.raw.len() < end {
                break;
            }
            let data = &self.raw[eol + 2..eol + 2 + size];
            self.pending
                .push_str(std::str::from_utf8(data).expect("UTF-8"));
            self.raw.drain(..end);
        }
    }

    /// The next `event:` frame (comments and the `retry` hint are skipped) if one comes
    /// before `deadline`.
    fn next_before(&mut self, deadline: Instant) -> Option<Frame> {
        loop {
            while let Some(end) = self.pending.find("\n\n") {
                let raw: String = self.pending.drain(..end + 2).collect();
                let mut event = None;
                let mut data = None;
                for line in raw.lines() {
                    if let Some(e) = line.strip_prefix("event: ") {
                        event = Some(e.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str(d).expect("JSON data"));
                    }
                }
                if let (Some(event), Some(data)) = (event, data) {
                    return Some(Frame { event, data });
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            self.read_some();
        }
    }

    /// The next `event:` frame; fails the test when none comes within [`FRAME_WAIT`].
    fn next(&mut self) -> Frame {
        self.next_before(Instant::now() + FRAME_WAIT)
            .unwrap_or_else(|| panic!("no frame within {FRAME_WAIT:?}"))
    }

    /// The next frame of kind `event`, skipping others (within [`FRAME_WAIT`]).
    fn next_of(&mut self, event: &str) -> Frame {
        let deadline = Instant::now() + FRAME_WAIT;
        loop {
            let f = self
                .next_before(deadline)
                .unwrap_or_else(|| panic!("no {event} frame within {FRAME_WAIT:?}"));
            if f.event == event {
                return f;
            }
        }
    }

    /// Reads on for `quiet` and fails on any frame of kind `event` (others are skipped):
    /// what was expected came, and nothing more.
    fn assert_no_more(&mut self, event: &str, quiet: Duration) {
        let deadline = Instant::now() + quiet;
        while let Some(f) = self.next_before(deadline) {
            assert_ne!(f.event, event, "one {event} frame too many: {f:?}");
        }
    }
}

#[test]
fn events_made_on_one_server_reach_a_client_of_another_in_order_and_once() {
    let redis = RedisServer::start();
    let prefix = unique_prefix().to_string();
    let (_a, port_a) = server(&redis, &prefix);
    let (_b, port_b) = server(&redis, &prefix);

    let mut public = SseClient::connect(port_a, false);
    let mut staff = SseClient::connect(port_a, true);
    // The current state comes first.
    let first = public.next();
    assert_eq!(first.event, "state");
    assert_eq!(first.data["open"], false);
    assert!(first.data.get("figures").is_none(), "figures are for staff");
    let first_staff = staff.next();
    assert_eq!(first_staff.event, "state");
    assert!(first_staff.data.get("figures").is_some());

    assert_eq!(post(port_b, "/api/tickets/start-day", ""), 200);
    for _ in 0..5 {
        assert_eq!(post(port_b, "/api/tickets/take", ""), 201);
    }
    assert_eq!(
        post(port_b, "/api/tickets/call-next", r#"{"desk":"A"}"#),
        200
    );
    assert_eq!(post(port_b, "/api/tickets/recall", r#"{"desk":"A"}"#), 200);
    assert_eq!(
        post(port_b, "/api/tickets/call-next", r#"{"desk":"A"}"#),
        200
    );
    assert_eq!(post(port_b, "/api/tickets/no-show", r#"{"desk":"A"}"#), 200);
    assert_eq!(post(port_b, "/api/tickets/end-day", ""), 200);

    let expected = [
        "start_day",
        "take_ticket",
        "take_ticket",
        "take_ticket",
        "take_ticket",
        "take_ticket",
        "call_next",
        "recall",
        "finish_current",
        "call_next",
        "no_show",
        "end_day",
    ];
    for client in [&mut public, &mut staff] {
        let got: Vec<(u64, String)> = (0..expected.len())
            .map(|_| {
                let f = client.next_of("queue");
                (
                    f.data["seq"].as_u64().expect("seq"),
                    f.data["action"].as_str().expect("action").to_owned(),
                )
            })
            .collect();
        let want: Vec<(u64, String)> = expected
            .iter()
            .enumerate()
            .map(|(i, a)| (i as u64 + 1, a.to_string()))
            .collect();
        assert_eq!(got, want, "every event once, in order");
    }
    // The state after the burst says where the queue stands.
    let mut state = public.next_of("state");
    while state.data["last_event"] != expected.len() {
        state = public.next_of("state");
    }
    assert_eq!(state.data["open"], false);
    assert_eq!(state.data["queue_length"], 3);
    assert_eq!(state.data["next_ticket"], 3);
    assert_eq!(state.data["total_tickets"], 5);

    // A client connecting now starts from the current state.
    let mut late = SseClient::connect(port_b, false);
    let f = late.next();
    assert_eq!(f.event, "state");
    assert_eq!(f.data["last_event"], expected.len());
    assert_eq!(f.data["queue_length"], 3);

    // Once: no event came twice after the expected ones.
    for client in [&mut public, &mut staff] {
        client.assert_no_more("queue", Duration::from_millis(700));
    }
}

#[test]
fn events_flow_again_after_redis_restarts_without_restarting_the_servers() {
    let mut redis = RedisServer::start();
    let prefix = unique_prefix().to_string();
    let (_a, port_a) = server(&redis, &prefix);
    let (_b, port_b) = server(&redis, &prefix);
    let mut client = SseClient::connect(port_a, false);
    assert_eq!(client.next().event, "state");
    assert_eq!(post(port_b, "/api/tickets/start-day", ""), 200);
    assert_eq!(client.next_of("queue").data["action"], "start_day");

    redis.stop();
    assert_eq!(
        post(port_b, "/api/tickets/take", ""),
        503,
        "Redis down: 503"
    );
    redis.restart();

    // Redis came back empty (no persistence): the day is closed; open it from B as soon
    // as B's pool has reconnected.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match post(port_b, "/api/tickets/start-day", "") {
            200 => break,
            code if Instant::now() < deadline => {
                assert_eq!(code, 503, "only 503 while reconnecting");
                std::thread::sleep(Duration::from_millis(100));
            }
            code => panic!("start-day still answers {code} 15 s after Redis came back"),
        }
    }
    // A's pub/sub listener reconnects with backoff; B's actions must reach A's client.
    // Until it has, B's takes are lost for A: take until one of them arrives. Redis came
    // back empty, so every take event from now on is of a ticket taken after the restart
    // (none was taken before it).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut taken = Vec::new();
    let first = loop {
        assert!(
            Instant::now() < deadline,
            "no event reached A after the restart"
        );
        taken.push(take_number(port_b));
        let f = client
            .next_before(deadline)
            .unwrap_or_else(|| panic!("no event reached A after the restart"));
        if f.event == "queue" && f.data["action"] == "take_ticket" {
            break f;
        }
    };
    let first_ticket = first.data["ticket"].as_u64().expect("a ticket number");
    let at = taken
        .iter()
        .position(|n| *n == first_ticket)
        .unwrap_or_else(|| {
            panic!("{first:?} is not one of the takes after the restart: {taken:?}")
        });
    // From then on A hears every take, in order, and the one after them too.
    taken.push(take_number(port_b));
    let mut seq = first.data["seq"].as_u64().expect("seq");
    for n in &taken[at + 1..] {
        let f = client.next_of("queue");
        seq += 1;
        assert_eq!(
            (
                f.data["action"].as_str(),
                f.data["ticket"].as_u64(),
                f.data["seq"].as_u64()
            ),
            (Some("take_ticket"), Some(*n), Some(seq)),
            "{f:?}"
        );
    }
}

/// The example office of `deploy/`.
const EXAMPLE_OFFICE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../deploy/office.example.toml"
);

/// The state frame that follows event `seq`.
fn state_after(client: &mut SseClient, seq: u64) -> Frame {
    loop {
        let f = client.next_of("state");
        if f.data["last_event"] == seq {
            return f;
        }
    }
}

#[test]
fn events_carry_the_service_and_label_and_the_state_each_services_queue() {
    let mut cmd = tickets();
    cmd.env("TICKETS_BIND", "127.0.0.1:0")
        .env("TICKETS_STAFF_PASSWORD", "live-test-password")
        .env("TICKETS_API_TOKEN", TOKEN)
        .env("TICKETS_CONFIG", EXAMPLE_OFFICE);
    let mut running = Running::start(&mut cmd);
    let port = port_of(&running.wait_for("listening on"));

    let mut public = SseClient::connect(port, false);
    let mut staff = SseClient::connect(port, true);
    let first = public.next();
    assert_eq!(first.event, "state");
    let services = first.data["services"].as_array().expect("services").clone();
    assert_eq!(services.len(), 2);
    assert_eq!(services[0]["code"], "courrier");
    assert_eq!(services[0]["prefix"], "A");
    assert_eq!(services[0]["name"]["en"], "Letters");
    assert_eq!(services[0]["queue"], serde_json::json!([]));
    assert_eq!(staff.next().event, "state");

    assert_eq!(post(port, "/api/tickets/start-day", ""), 200);
    for body in [
        r#"{"service_type": "courrier"}"#,
        r#"{"service_type": "courrier", "priority": "prioritaire"}"#,
        r#"{"service_type": "colis"}"#,
    ] {
        assert_eq!(post(port, "/api/tickets/take", body), 201);
    }
    let _start = public.next_of("queue");
    let takes: Vec<Value> = (0..3).map(|_| public.next_of("queue").data).collect();
    let seen: Vec<(&str, &str, &Value)> = takes
        .iter()
        .map(|d| {
            (
                d["service"].as_str().unwrap_or_default(),
                d["label"].as_str().unwrap_or_default(),
                &d["priority"],
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("courrier", "A001", &Value::Null),
            ("courrier", "A002", &Value::from("prioritaire")),
            ("colis", "B001", &Value::Null),
        ]
    );
    // The state after the takes: each service's waiting numbers in calling order, which
    // is what a phone following its ticket counts its position from.
    let state = state_after(&mut public, 4);
    let services = &state.data["services"];
    assert_eq!(services[0]["queue"], serde_json::json!([2, 1]));
    assert_eq!(services[0]["waiting"], 2);
    assert_eq!(services[0]["next_label"], "A002");
    assert!(services[0]["estimated_wait_seconds"].as_u64().is_some());
    assert_eq!(services[1]["queue"], serde_json::json!([3]));
    assert!(services[0].get("served").is_none(), "figures are for staff");
    let staff_state = state_after(&mut staff, 4);
    assert_eq!(
        staff_state.data["services"][0]["waiting_by_priority"]["prioritaire"],
        1
    );
    assert_eq!(staff_state.data["priorities"][0]["waiting"], 1);

    // A call: the event and the board's list of calls carry the label.
    assert_eq!(
        post(port, "/api/tickets/call-next", r#"{"desk": "1"}"#),
        200
    );
    let call = public.next_of("queue");
    assert_eq!(call.data["action"], "call_next");
    assert_eq!(call.data["label"], "A002");
    assert_eq!(call.data["desk"], "1");
    let state = state_after(&mut public, 5);
    assert_eq!(state.data["calls"][0]["label"], "A002");
    assert_eq!(state.data["desks"][0]["label"], "A002");
    assert_eq!(state.data["services"][0]["queue"], serde_json::json!([1]));
}
