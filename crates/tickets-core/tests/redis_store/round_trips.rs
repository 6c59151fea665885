//! What reaches Redis per operation: one round trip, nothing written that is already there.

use super::*;

/// One line of `MONITOR`: the client (`127.0.0.1:port`, or `lua`) and the arguments.
struct Monitored {
    client: String,
    args: Vec<String>,
}

/// Parses `1700000000.123456 [0 127.0.0.1:50000] "evalsha" "abc" "17" …`.
fn parse_monitor_line(line: &str) -> Monitored {
    let open = line.find('[').expect("a [db client] part");
    let close = line[open..].find(']').expect("a closing bracket") + open;
    let client = line[open + 1..close]
        .split_once(' ')
        .map(|(_, c)| c.to_owned())
        .unwrap_or_default();
    let mut args = Vec::new();
    let mut rest = &line[close + 1..];
    while let Some(start) = rest.find('"') {
        let mut arg = String::new();
        let mut chars = rest[start + 1..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, e)) = chars.next() {
                        arg.push(e);
                    }
                }
                '"' => {
                    end = Some(start + 1 + i);
                    break;
                }
                c => arg.push(c),
            }
        }
        args.push(arg);
        rest = &rest[end.expect("a closing quote") + 1..];
    }
    Monitored { client, args }
}

/// A sentinel from the measuring connection: brackets what the backend sends.
async fn sentinel(conn: &mut MultiplexedConnection, text: &str) {
    let echoed: String = redis::cmd("ECHO")
        .arg(text)
        .query_async(conn)
        .await
        .unwrap();
    assert_eq!(echoed, text);
}

/// The `MONITOR` lines up to the sentinel `text`.
async fn read_until(
    feed: &mut (impl futures_util::Stream<Item = String> + Unpin),
    text: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = tokio::time::timeout(StdDuration::from_secs(10), feed.next())
            .await
            .expect("MONITOR keeps reporting")
            .expect("the MONITOR connection stays open");
        if line
            .to_lowercase()
            .contains(&format!("\"echo\" \"{text}\""))
        {
            return lines;
        }
        lines.push(line);
    }
}

/// The commands the scripts ran (as `MONITOR` shows them, client `lua`) while `op` ran.
async fn script_commands<T: Debug>(
    server: &RedisServer,
    conn: &mut MultiplexedConnection,
    op: impl std::future::Future<Output = Result<T>>,
) -> Vec<Vec<String>> {
    let monitor = redis::Client::open(server.url())
        .unwrap()
        .get_async_monitor()
        .await
        .expect("a MONITOR connection");
    let mut feed = monitor.into_on_message::<String>();
    sentinel(conn, "script-commands:start").await;
    read_until(&mut feed, "script-commands:start").await;
    op.await.unwrap();
    sentinel(conn, "script-commands:end").await;
    read_until(&mut feed, "script-commands:end")
        .await
        .iter()
        .map(|l| parse_monitor_line(l))
        .filter(|m| m.client == "lua")
        .map(|m| m.args)
        .collect()
}

/// In the steady state a take, a call-next and a finish write what changes: TTLs only on
/// the keys created, on the logs (whose TTL the snapshot reports as the day's) and on the
/// history at a take (once a second: a change in the same second with the same TTL would
/// set what is there), no
/// streak rewritten to the `0` it holds, no account deleted from a ticket that has none;
/// and they check the type only of the keys they write without reading them first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_operations_write_nothing_that_is_already_there() {
    let server = RedisServer::start();
    let mut conn = raw(&server).await;
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let q = queue_on(&server, &prefix, &clock).await;
    let a = desk("A");
    q.open_day().await.unwrap();
    for _ in 0..4 {
        q.take(TakeRequest::default()).await.unwrap();
    }
    q.call_next(&a).await.unwrap();
    let day = "2026-11-24";
    let named = |cmds: &[Vec<String>], name: &str| -> Vec<String> {
        cmds.iter()
            .filter(|c| c[0].eq_ignore_ascii_case(name))
            .map(|c| c[1].clone())
            .collect()
    };

    // Each change in a second of its own.
    let next_second = || clock.advance(chrono::Duration::seconds(1));
    next_second();
    let take = script_commands(&server, &mut conn, q.take(TakeRequest::default())).await;
    assert!(
        named(&take, "lpush") == [format!("{prefix}:{{{day}}}:logs")],
        "the take logs its line: {take:?}"
    );
    assert_eq!(
        named(&take, "expire"),
        [
            format!("{prefix}:{{{day}}}:ticket:5"),
            format!("{prefix}:{{{day}}}:history"),
            format!("{prefix}:{{{day}}}:logs"),
        ],
        "a take sets the TTL of the ticket it creates, of the history it extends and of the \
         logs, no other"
    );
    // Another take in the same second: the logs' and the history's TTLs are what it would
    // set.
    let again = script_commands(&server, &mut conn, q.take(TakeRequest::default())).await;
    assert_eq!(
        named(&again, "expire"),
        [format!("{prefix}:{{{day}}}:ticket:6")],
        "{again:?}"
    );
    let pttl = |key: &str| {
        let mut conn = conn.clone();
        let key = format!("{prefix}:{{{day}}}:{key}");
        async move {
            let ms: i64 = redis::cmd("PTTL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap();
            ms
        }
    };
    let ttl = q.moment().ttl_seconds() as i64 * 1000;
    let logs = pttl("logs").await;
    assert!(
        (ttl - 5_000..=ttl).contains(&logs),
        "the logs' TTL {logs} ms is the one the last change set, {ttl} ms"
    );
    let history = pttl("history").await;
    assert!(
        (HISTORY_TTL * 1000 - 5_000..=HISTORY_TTL * 1000).contains(&history),
        "the history's TTL {history} ms is the one the last take set, {HISTORY_TTL} s"
    );

    next_second();
    let call = script_commands(&server, &mut conn, q.call_next(&a)).await;
    assert!(
        named(&call, "hset").contains(&format!("{prefix}:{{{day}}}:desks")),
        "the call moves the desk: {call:?}"
    );
    assert_eq!(
        named(&call, "expire"),
        [format!("{prefix}:{{{day}}}:logs")],
        "{call:?}"
    );
    assert_eq!(named(&call, "hdel"), Vec::<String>::new(), "{call:?}");
    assert!(
        !named(&call, "hset").contains(&format!("{prefix}:{{{day}}}:streaks")),
        "the desk's streak stays 0 unwritten: {call:?}"
    );
    let streak: String = redis::cmd("HGET")
        .arg(format!("{prefix}:{{{day}}}:streaks"))
        .arg("A")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(streak, "0");
    assert_eq!(q.status(&a).await.unwrap().current_ticket, Some(n(2)));

    // Finish reads the waiting set (for its event) before its first write: that read
    // checks its type, and only the keys it writes unread get a check, by the cheapest
    // read of their type (a length), not by TYPE.
    next_second();
    let finish = script_commands(&server, &mut conn, q.finish(&a)).await;
    let key = |k: &str| format!("{prefix}:{{{day}}}:{k}");
    assert_eq!(named(&finish, "llen"), [key("logs")], "{finish:?}");
    assert_eq!(
        named(&finish, "hlen"),
        [key("activity"), key("stats"), key("history")],
        "{finish:?}"
    );
    for (name, script) in [("take", &take), ("call-next", &call), ("finish", &finish)] {
        assert_eq!(
            named(script, "type"),
            Vec::<String>::new(),
            "{name}: {script:?}"
        );
    }
    let first_write = finish
        .iter()
        .position(|c| c[0].eq_ignore_ascii_case("hset"))
        .expect("finish writes the ticket");
    assert!(
        finish[..first_write]
            .iter()
            .any(|c| c[0].eq_ignore_ascii_case("zcard") && c[1] == key("waiting")),
        "the waiting set is read before the first write: {finish:?}"
    );
    // Back to the first second: Redis counts TTLs in real time, so the keys made before
    // the test clock moved on have TTLs of the earlier seconds.
    clock.set(start_time());
    check_day_keys(&mut conn, &q, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_exactly_one_fcall_round_trip() {
    one_round_trip_per_operation(&[], "fcall").await;
}

/// A server without functions (before Redis 7; here they are renamed away): the first
/// call finds `FCALL` unknown, and from then on the scripts go by `EVALSHA`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_functions_every_operation_is_exactly_one_evalsha_round_trip() {
    one_round_trip_per_operation(&NO_FUNCTIONS, "evalsha").await;
}

/// Runs every operation twenty times on a server started with `extra` and checks that
/// each sent exactly one command, `call` (`fcall` or `evalsha`), with the day's keys, the
/// same function or script each time, one per operation.
async fn one_round_trip_per_operation(extra: &[&str], call: &str) {
    let server = RedisServer::start_with(extra);
    let mut conn = raw(&server).await;
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let q = queue_on(&server, &prefix, &clock).await;
    let a = desk("A");

    // Each operation with the script that serves it.
    async fn run(q: &Queue, a: &DeskId, ops: &mut Vec<&'static str>) {
        macro_rules! op {
            ($name:literal, $e:expr) => {{
                $e.await.unwrap();
                ops.push($name);
            }};
        }
        op!("open_day", q.open_day());
        op!("take", q.take(TakeRequest::default()));
        op!("take", q.take(TakeRequest::default()));
        op!("take", q.take(TakeRequest::default()));
        op!("call_next", q.call_next(a));
        op!("recall", q.recall(a));
        op!("finish", q.finish(a));
        op!("call_next", q.call_next(a));
        op!("finish", q.no_show(a)); // no_show runs finish.lua
        op!("requeue", q.requeue(n(2)));
        op!(
            "transfer",
            q.transfer(&Transfer {
                ticket: n(3),
                service: Service::default(),
                position: TransferPosition::Front,
                desk: None,
            })
        );
        op!("call", q.call(a, n(2)));
        op!("status", q.status(a));
        op!("snapshot", q.snapshot(SnapshotOptions::default()));
        op!("ticket", q.ticket(n(1)));
        op!("close_day", q.close_day());
        op!("reset_day", q.reset_day());
    }

    // Warm up: the first call of each script may load its library (or its text) first.
    run(&q, &a, &mut Vec::new()).await;

    let monitor = redis::Client::open(server.url())
        .unwrap()
        .get_async_monitor()
        .await
        .expect("a MONITOR connection");
    let mut feed = monitor.into_on_message::<String>();
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut conn)
        .await
        .unwrap();
    let before_conns = connections_received(&mut conn).await;
    sentinel(&mut conn, "round-trips:start").await;
    read_until(&mut feed, "round-trips:start").await;

    let mut ops = Vec::new();
    for _ in 0..20 {
        run(&q, &a, &mut ops).await;
    }

    sentinel(&mut conn, "round-trips:end").await;
    let lines = read_until(&mut feed, "round-trips:end").await;
    let sent: Vec<Monitored> = lines
        .iter()
        .map(|l| parse_monitor_line(l))
        .filter(|m| m.client != "lua")
        .collect();
    let script_lines = lines.len() - sent.len();
    assert!(
        script_lines > sent.len(),
        "commands inside scripts show as [0 lua]"
    );
    assert_eq!(
        sent.len(),
        ops.len(),
        "one command per operation; clients sent: {:?}",
        sent.iter().map(|m| m.args.join(" ")).collect::<Vec<_>>()
    );

    let tag = format!("{{{}}}", q.moment().day);
    let mut sha_of: BTreeMap<&str, String> = BTreeMap::new();
    for (op, m) in ops.iter().zip(&sent) {
        assert_eq!(m.args[0].to_lowercase(), call, "{op} sent {:?}", m.args);
        if call == "fcall" {
            assert!(
                m.args[1].starts_with(&format!("{op}_")),
                "{op} calls its own function: {:?}",
                m.args
            );
        }
        assert_eq!(m.args[2], "1", "{op} passes the day's key");
        assert_eq!(
            m.args[3],
            format!("{prefix}:{tag}:day"),
            "{op} passes the day's key, from which the script names the others"
        );
        let sha = sha_of.entry(op).or_insert_with(|| m.args[1].clone());
        assert_eq!(*sha, m.args[1], "{op} always runs the same script");
    }
    let distinct: std::collections::BTreeSet<&String> = sha_of.values().collect();
    assert_eq!(distinct.len(), 13, "thirteen scripts, one per operation");

    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    let calls = |name: &str| -> u64 {
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{name}:calls=")))
            .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
    };
    assert_eq!(calls(call), ops.len() as u64);
    let other = if call == "fcall" { "evalsha" } else { "fcall" };
    assert_eq!(calls(other), 0);
    assert_eq!(calls("eval"), 0);
    assert_eq!(
        calls("script|load") + calls("function|load"),
        0,
        "warm scripts are never loaded again"
    );
    assert_eq!(
        connections_received(&mut conn).await,
        before_conns,
        "no connection was opened during the run"
    );

    // The exception, measured apart: the first operation of a day in a process (here a
    // new facade, which knows of no day closed) first closes the history of the days
    // before, one call of history_close per day, in rounds of 2, 4, … days at once, back
    // to the first one already closed or `history_days` (400) days. Before the test's day
    // there is no history at all, so none of the 400 is already closed.
    async fn calls_during(
        conn: &mut MultiplexedConnection,
        call: &str,
        op: impl std::future::Future<Output = ()>,
    ) -> u64 {
        let () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query_async(conn)
            .await
            .unwrap();
        op.await;
        let stats: String = redis::cmd("INFO")
            .arg("commandstats")
            .query_async(conn)
            .await
            .unwrap();
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{call}:calls=")))
            .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
    }
    let status = |q: &Queue| {
        let (q, a) = (q.clone(), a.clone());
        async move {
            q.status(&a).await.unwrap();
        }
    };
    let days = u64::from(utc_config().history_days);
    assert_eq!(days, 400);
    let fresh = TicketQueue::with_clock(q.backend().clone(), clock.clone(), utc_config());
    assert_eq!(
        calls_during(&mut conn, call, status(&fresh)).await,
        days + 1,
        "the first operation closes {days} empty days first"
    );
    assert_eq!(
        calls_during(&mut conn, call, status(&fresh)).await,
        1,
        "the next ones on the same day do not"
    );
    // The next day: the first operation closes the day before (the days before that are
    // known closed). The first one of another process, which knows of no day closed,
    // sends its first round (the day before and the one before it, at once) and stops
    // there, at the day already closed.
    clock.set(start_time() + chrono::Duration::days(1));
    assert_eq!(calls_during(&mut conn, call, status(&fresh)).await, 2);
    assert_eq!(calls_during(&mut conn, call, status(&fresh)).await, 1);
    let other = TicketQueue::with_clock(q.backend().clone(), clock.clone(), utc_config());
    assert_eq!(calls_during(&mut conn, call, status(&other)).await, 3);
    assert_eq!(calls_during(&mut conn, call, status(&other)).await, 1);
}

async fn connections_received(conn: &mut MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(conn)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .expect("total_connections_received in INFO stats")
        .trim()
        .parse()
        .unwrap()
}
