//! Differential tests: seeded random sequences of operations give the same results and the
//! same events on the memory and Redis backends, on the built-in office and on an office
//! with several services, priority classes and desks; and with takes, calls and finishes
//! made at once on Redis (which go to it in batches) and one after the other on memory.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tickets_core::testing::{RedisServer, sample_office, start_time, unique_prefix};
use tickets_core::{
    BusinessCalendar, BusinessDay, ClientKey, Clock, DeskId, EventStream, IdempotencyKey,
    ManualClock, MemoryBackend, OfficeConfig, PriorityCode, QueueConfig, QueueEvent, RateLimit,
    RedisBackend, Result, Service, Snapshot, SnapshotOptions, TakeLimits, TakeRequest,
    TicketNumber, TicketQueue, Transfer, TransferPosition, Username,
};

/// Desks: the default one, two the sample office lists, and ids it does not list.
const DESKS: [&str; 5] = ["1", "2", "3", "A", "B"];
/// The built-in office's service, the sample office's three, and an unknown one.
const SERVICES: [&str; 5] = ["poste", "courrier", "colis", "banque", "timbres"];
const PRIORITIES: [Option<&str>; 5] = [None, None, None, Some("prioritaire"), Some("urgent")];
const KEYS: [&str; 4] = ["kiosk-1:a", "kiosk-1:b", "kiosk-2:a", "phone:x"];
const POSITIONS: [TransferPosition; 3] = [
    TransferPosition::Arrival,
    TransferPosition::End,
    TransferPosition::Front,
];

#[derive(Debug, Clone)]
enum Op {
    Open,
    Close,
    Reset,
    Take(TakeRequest),
    CallNext(DeskId),
    Finish(DeskId),
    Recall(DeskId),
    NoShow(DeskId),
    Status(DeskId),
    Snapshot,
    Ticket(TicketNumber),
    Advance(Duration),
    Call(DeskId, TicketNumber),
    Transfer(Transfer),
    Requeue(TicketNumber),
    /// The holder of a ticket leaves the queue.
    Leave(TicketNumber),
    /// Opens or closes a service of the office (by index), as a configuration change.
    ToggleService(usize),
}

fn random_op(rng: &mut StdRng, offices: bool) -> Op {
    let desk = |rng: &mut StdRng| DeskId::parse(DESKS[rng.random_range(0..DESKS.len())]).unwrap();
    let number = |rng: &mut StdRng| TicketNumber::new(rng.random_range(1..=30)).unwrap();
    let service =
        |rng: &mut StdRng| Service::parse(SERVICES[rng.random_range(0..SERVICES.len())]).unwrap();
    if offices && rng.random_bool(0.25) {
        return match rng.random_range(0..100) {
            0..40 => Op::Call(desk(rng), number(rng)),
            40..80 => Op::Transfer(Transfer {
                ticket: number(rng),
                service: service(rng),
                position: POSITIONS[rng.random_range(0..POSITIONS.len())],
                desk: rng.random_bool(0.3).then(|| desk(rng)),
            }),
            80..88 => Op::Requeue(number(rng)),
            88..95 => Op::Leave(number(rng)),
            _ => Op::ToggleService(rng.random_range(0..3)),
        };
    }
    match rng.random_range(0..100) {
        0..5 => Op::Open,
        5..8 => Op::Close,
        8..9 => Op::Reset,
        9..38 => Op::Take(TakeRequest {
            service: service(rng),
            idempotency_key: rng
                .random_bool(0.3)
                .then(|| IdempotencyKey::parse(KEYS[rng.random_range(0..KEYS.len())]).unwrap()),
            priority: PRIORITIES[rng.random_range(0..PRIORITIES.len())]
                .map(|p| PriorityCode::parse(p).unwrap()),
            // Some takes come from one of three clients limited to 3 tickets a minute,
            // and some obey a cap of 12 waiting tickets.
            limits: TakeLimits {
                per_client: rng.random_bool(0.5).then(|| {
                    let client = ClientKey::parse(["a", "b", "c"][rng.random_range(0..3)]).unwrap();
                    (client, RateLimit::new(3, 60))
                }),
                max_waiting: if rng.random_bool(0.5) { 12 } else { 0 },
            },
        }),
        38..55 => Op::CallNext(desk(rng)),
        55..62 => Op::Finish(desk(rng)),
        62..66 => Op::Recall(desk(rng)),
        66..70 => Op::NoShow(desk(rng)),
        70..77 => Op::Status(desk(rng)),
        77..83 => Op::Snapshot,
        83..91 => Op::Ticket(TicketNumber::new(rng.random_range(1..=30)).unwrap()),
        _ => Op::Advance(match rng.random_range(0..100) {
            0..70 => Duration::seconds(rng.random_range(1..=120)),
            70..95 => Duration::minutes(rng.random_range(1..=90)),
            _ => Duration::hours(rng.random_range(1..=8)),
        }),
    }
}

/// One queue per backend, each with its own clock, always set to the same time.
struct Pair {
    mem: TicketQueue<MemoryBackend, ManualClock>,
    red: TicketQueue<RedisBackend, ManualClock>,
    mem_clock: ManualClock,
    red_clock: ManualClock,
    calendar: BusinessCalendar,
}

fn same<T: PartialEq + Debug>(ctx: &str, mem: Result<T>, red: Result<T>) {
    match (mem, red) {
        (Ok(m), Ok(r)) => assert_eq!(m, r, "{ctx}: memory (left) and Redis (right) differ"),
        (Err(m), Err(r)) => assert_eq!(m.kind(), r.kind(), "{ctx}: memory {m:?}, Redis {r:?}"),
        (m, r) => panic!("{ctx}: memory gave {m:?}, Redis gave {r:?}"),
    }
}

/// Redis counts a key's TTL down in real time, the memory backend in the test clock's
/// time. Both must match what was set at the last change of the day (the newest log
/// line): Redis within a few real seconds, memory after the test clock's advance since.
fn normalise_ttl(
    ctx: &str,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
    mem: &mut Snapshot,
    red: &mut Snapshot,
) {
    match (mem.ttl_seconds, red.ttl_seconds) {
        (None, None) => {}
        (Some(m), Some(r)) => {
            let last = mem.logs.first().expect("a day with keys has logs").time;
            let set = calendar.moment(last).ttl_seconds() as i64;
            let since = (now - last).num_milliseconds();
            let expected_mem = set - since / 1000;
            assert!(
                (m as i64 - expected_mem).abs() <= 1,
                "{ctx}: memory ttl {m}, expected {expected_mem} ({set} s set {since} ms ago)"
            );
            assert!(
                r as i64 <= set && r as i64 >= set - 5,
                "{ctx}: Redis ttl {r}, expected {set} minus a few real seconds"
            );
            red.ttl_seconds = mem.ttl_seconds;
        }
        (m, r) => panic!("{ctx}: ttl memory {m:?}, Redis {r:?}"),
    }
}

impl Pair {
    fn now(&self) -> DateTime<Utc> {
        let (m, r) = (self.mem_clock.now(), self.red_clock.now());
        assert_eq!(m, r, "the two clocks stay together");
        m
    }

    async fn apply(&self, ctx: &str, op: &Op) {
        let (m, r) = (&self.mem, &self.red);
        match op {
            Op::Open => same(ctx, m.open_day().await, r.open_day().await),
            Op::Close => same(ctx, m.close_day().await, r.close_day().await),
            Op::Reset => same(ctx, m.reset_day().await, r.reset_day().await),
            Op::Take(req) => same(ctx, m.take(req.clone()).await, r.take(req.clone()).await),
            Op::CallNext(d) => {
                // Some desks' calls name the account acting, which the history records.
                let by = (d.as_str() != "1").then(|| {
                    Username::parse(format!("agent-{}", d.as_str().to_lowercase())).unwrap()
                });
                same(
                    ctx,
                    m.acting(by.clone()).call_next(d).await,
                    r.acting(by).call_next(d).await,
                )
            }
            Op::Finish(d) => same(ctx, m.finish(d).await, r.finish(d).await),
            Op::Recall(d) => same(ctx, m.recall(d).await, r.recall(d).await),
            Op::NoShow(d) => same(ctx, m.no_show(d).await, r.no_show(d).await),
            Op::Status(d) => same(ctx, m.status(d).await, r.status(d).await),
            Op::Ticket(n) => same(ctx, m.ticket(*n).await, r.ticket(*n).await),
            Op::Snapshot => {
                let opts = SnapshotOptions::default();
                match (m.snapshot(opts).await, r.snapshot(opts).await) {
                    (Ok(mut ms), Ok(mut rs)) => {
                        normalise_ttl(ctx, &self.calendar, self.now(), &mut ms, &mut rs);
                        assert_eq!(ms, rs, "{ctx}: memory (left) and Redis (right) differ");
                    }
                    (ms, rs) => same(ctx, ms, rs),
                }
            }
            Op::Advance(by) => {
                self.mem_clock.advance(*by);
                self.red_clock.advance(*by);
            }
            Op::Call(d, n) => same(ctx, m.call(d, *n).await, r.call(d, *n).await),
            Op::Transfer(t) => same(ctx, m.transfer(t).await, r.transfer(t).await),
            Op::Requeue(n) => same(ctx, m.requeue(*n).await, r.requeue(*n).await),
            Op::Leave(n) => {
                // Each store has its own secret, so the holder's keys differ: the stores
                // are compared below the key check, on the ticket its time of taking names.
                let taken = |found: tickets_core::Result<tickets_core::TicketInfo>| {
                    found.ok().map(|i| i.ticket.taken_at)
                };
                let (mt, rt) = (taken(m.ticket(*n).await), taken(r.ticket(*n).await));
                assert_eq!(mt, rt, "{ctx}: the same ticket {n} in both stores");
                if let Some(at) = mt {
                    same(
                        ctx,
                        tickets_core::QueueBackend::leave(m.backend(), &m.moment(), *n, at).await,
                        tickets_core::QueueBackend::leave(r.backend(), &r.moment(), *n, at).await,
                    );
                }
            }
            Op::ToggleService(i) => {
                let mut office = (*m.office()).clone();
                if let Some(s) = office.services.get_mut(*i) {
                    s.open = !s.open;
                }
                same(
                    ctx,
                    m.put_office(office.clone(), None).await,
                    r.put_office(office, None).await,
                );
            }
        }
    }
}

/// Whether a batch of Redis may hold the operation (take, call-next, finish, no-show).
fn batchable(op: &Op) -> bool {
    matches!(
        op,
        Op::Take(_) | Op::CallNext(_) | Op::Finish(_) | Op::NoShow(_)
    )
}

/// A batchable operation's answer, as text (the same on both stores when the answers are
/// equal: every answer's `Debug` shows each field its `PartialEq` compares).
async fn batchable_answer<B: tickets_core::QueueBackend>(
    q: &TicketQueue<B, ManualClock>,
    op: &Op,
) -> Result<String> {
    match op {
        Op::Take(req) => q.take(req.clone()).await.map(|t| format!("{t:?}")),
        Op::CallNext(d) => {
            let by = (d.as_str() != "1")
                .then(|| Username::parse(format!("agent-{}", d.as_str().to_lowercase())).unwrap());
            q.acting(by).call_next(d).await.map(|c| format!("{c:?}"))
        }
        Op::Finish(d) => q.finish(d).await.map(|t| format!("{t:?}")),
        Op::NoShow(d) => q.no_show(d).await.map(|t| format!("{t:?}")),
        other => panic!("not batchable: {other:?}"),
    }
}

/// Redis's count of `FCALL`s so far.
async fn fcalls(conn: &mut redis::aio::MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(conn)
        .await
        .expect("INFO commandstats");
    info.lines()
        .find_map(|l| l.strip_prefix("cmdstat_fcall:calls="))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl Pair {
    /// Applies `ops` one after the other on memory and all at once on Redis (from one
    /// task, so that they queue on one thread in their order); returns the `FCALL`s Redis
    /// ran for them.
    async fn apply_at_once(
        &self,
        ctx: &str,
        ops: &[Op],
        conn: &mut redis::aio::MultiplexedConnection,
    ) -> u64 {
        let mut mem = Vec::with_capacity(ops.len());
        for op in ops {
            mem.push(batchable_answer(&self.mem, op).await);
        }
        let before = fcalls(conn).await;
        let red =
            futures_util::future::join_all(ops.iter().map(|op| batchable_answer(&self.red, op)))
                .await;
        let sent = fcalls(conn).await.saturating_sub(before);
        for (i, (m, r)) in mem.into_iter().zip(red).enumerate() {
            same(&format!("{ctx}, operation {i}"), m, r);
        }
        sent
    }
}

/// Every event already sent to `stream` (the memory backend sends synchronously).
fn drain_sent(stream: &mut EventStream) -> Vec<QueueEvent> {
    let mut out = Vec::new();
    loop {
        // Events already sent are ready at once; an empty buffer means none is left.
        let next = futures_util::FutureExt::now_or_never(stream.recv());
        match next {
            Some(Ok(e)) => out.push(e),
            Some(Err(missed)) => panic!("the memory subscriber missed events: {missed}"),
            None => return out,
        }
    }
}

/// The next `n` events from Redis, 10 s at most each.
async fn receive(ctx: &str, stream: &mut EventStream, n: usize) -> Vec<QueueEvent> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match tokio::time::timeout(StdDuration::from_secs(10), stream.recv()).await {
            Ok(Ok(e)) => out.push(e),
            Ok(Err(missed)) => panic!("{ctx}: the Redis subscriber missed events: {missed}"),
            Err(_) => panic!("{ctx}: only {} of {n} Redis events arrived", out.len()),
        }
    }
    out
}

/// How a run sends its operations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sending {
    /// One after the other on both stores.
    OneByOne,
    /// Runs of batchable operations (1 to 8) at once on Redis.
    AtOnce,
}

async fn run_seed(
    server: &RedisServer,
    seed: u64,
    calendar: BusinessCalendar,
    start: DateTime<Utc>,
    steps: usize,
    office: Option<OfficeConfig>,
    sending: Sending,
) -> BTreeSet<BusinessDay> {
    let config = QueueConfig {
        calendar,
        ..QueueConfig::default()
    };
    let mem_clock = ManualClock::new(start);
    let red_clock = ManualClock::new(start);
    let redis = RedisBackend::builder(server.url())
        .prefix(unique_prefix())
        .build()
        .await
        .expect("connect to the test redis-server");
    let pair = Pair {
        mem: TicketQueue::with_clock(MemoryBackend::new(), mem_clock.clone(), config),
        red: TicketQueue::with_clock(redis, red_clock.clone(), config),
        mem_clock,
        red_clock,
        calendar,
    };
    let offices = office.is_some();
    if let Some(office) = office {
        same(
            "the office",
            pair.mem.put_office(office.clone(), None).await,
            pair.red.put_office(office, None).await,
        );
    }
    let mut mem_events = pair.mem.events();
    let mut red_events = pair.red.events();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut days = BTreeSet::new();
    let mut conn = redis::Client::open(server.url())
        .expect("the test server's URL")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to the test redis-server");
    // Operations sent at once, and the FCALLs they took.
    let (mut at_once, mut groups, mut fcalls_at_once) = (0, 0, 0);
    let mut carried = None;
    let mut step = 0;
    while step < steps {
        let op = carried
            .take()
            .unwrap_or_else(|| random_op(&mut rng, offices));
        let ctx = if sending == Sending::AtOnce && batchable(&op) {
            let size = rng.random_range(1..=8);
            let mut group = vec![op];
            while group.len() < size {
                let next = random_op(&mut rng, offices);
                if !batchable(&next) {
                    carried = Some(next);
                    break;
                }
                group.push(next);
            }
            let ctx = format!(
                "seed {seed}, steps {step}.. at {}, at once {group:?}",
                pair.now()
            );
            let sent = pair.apply_at_once(&ctx, &group, &mut conn).await;
            if group.len() > 1 {
                at_once += group.len();
                groups += 1;
                fcalls_at_once += sent;
            }
            step += group.len();
            ctx
        } else {
            let ctx = format!("seed {seed}, step {step} at {}, {op:?}", pair.now());
            pair.apply(&ctx, &op).await;
            step += 1;
            ctx
        };
        days.insert(pair.mem.moment().day);
        assert_eq!(pair.mem.moment(), pair.red.moment(), "{ctx}");
    }
    if sending == Sending::AtOnce {
        println!(
            "seed {seed}: {at_once} operations sent at once, in {groups} groups, took \
             {fcalls_at_once} FCALLs"
        );
        // The first of a group goes alone, the others together once it is back.
        assert!(
            fcalls_at_once <= 2 * groups,
            "seed {seed}: operations made at once went in batches ({at_once} in {groups} \
             groups took {fcalls_at_once} FCALLs)"
        );
    }

    // The same events, in the same order. A final reset on both marks the end: the next
    // Redis event after the memory ones must be that reset, not a stray extra.
    // The same history, day by day, before and after the final reset (which leaves the
    // tickets still open unserved).
    let history = |when: &'static str| {
        let (pair, days) = (&pair, &days);
        async move {
            let mut records = 0;
            for day in days {
                let ctx = format!("seed {seed}, history of {day} {when}");
                let (m, r) = (pair.mem.history(*day).await, pair.red.history(*day).await);
                records += m.as_ref().map_or(0, Vec::len);
                same(&ctx, m, r);
            }
            records
        }
    };
    let records = history("before the end").await;
    println!("seed {seed}: {records} history records agree");
    let ctx = format!("seed {seed}, events");
    let ends = (pair.mem.reset_day().await, pair.red.reset_day().await);
    same(&ctx, ends.0, ends.1);
    history("after a final reset").await;
    let mem = drain_sent(&mut mem_events);
    assert!(!mem.is_empty(), "{ctx}: the run changed something");
    let red = receive(&ctx, &mut red_events, mem.len()).await;
    for (i, (m, r)) in mem.iter().zip(&red).enumerate() {
        assert_eq!(m, r, "{ctx}: event {i} of {} differs", mem.len());
    }
    days
}

fn utc() -> BusinessCalendar {
    BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_operations_give_the_same_results_and_events_on_memory_and_redis() {
    let server = RedisServer::start();
    for seed in 1..=8 {
        run_seed(
            &server,
            seed,
            utc(),
            start_time(),
            300,
            None,
            Sending::OneByOne,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_operations_agree_across_midnight_with_the_one_hour_ttl_floor() {
    let server = RedisServer::start();
    // 23:10 UTC: keys written now get the one-hour floor, and the day soon changes.
    let start = Utc
        .with_ymd_and_hms(2026, 11, 24, 23, 10, 0)
        .single()
        .unwrap();
    for seed in [101, 102] {
        let days = run_seed(&server, seed, utc(), start, 300, None, Sending::OneByOne).await;
        assert!(days.len() >= 2, "seed {seed} crossed midnight: {days:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_operations_agree_in_paris_with_a_3am_rollover_across_the_autumn_dst_change() {
    let server = RedisServer::start();
    let paris = BusinessCalendar::new(tickets_core::chrono_tz::Europe::Paris, 3).unwrap();
    // 2026-10-25 00:30 UTC is 02:30 CEST, still the 24th's business day. Clocks go back at
    // 01:00 UTC (03:00 CEST → 02:00 CET) and the 25th starts at 03:00 CET (02:00 UTC).
    let start = Utc
        .with_ymd_and_hms(2026, 10, 25, 0, 30, 0)
        .single()
        .unwrap();
    for seed in [201, 202, 203] {
        let days = run_seed(
            &server,
            seed,
            paris,
            start,
            300,
            Some(sample_office()),
            Sending::OneByOne,
        )
        .await;
        let first: BusinessDay = "2026-10-24".parse().unwrap();
        let second: BusinessDay = "2026-10-25".parse().unwrap();
        assert!(
            days.contains(&first) && days.contains(&second),
            "seed {seed} crossed the business day boundary: {days:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_operations_agree_in_an_office_with_services_priority_and_desks() {
    let server = RedisServer::start();
    for seed in 301..=306 {
        run_seed(
            &server,
            seed,
            utc(),
            start_time(),
            400,
            Some(sample_office()),
            Sending::OneByOne,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_made_at_once_go_in_batches_and_agree_with_memory_one_by_one() {
    let server = RedisServer::start();
    let built_in = (401..=404).map(|seed| (seed, None));
    let office = (411..=414).map(|seed| (seed, Some(sample_office())));
    for (seed, office) in built_in.chain(office) {
        let sending = Sending::AtOnce;
        run_seed(&server, seed, utc(), start_time(), 400, office, sending).await;
    }
}
