//! Measures the history on both stores: a report over many days, and what writing the
//! history adds to finish and no-show (`scripts/bench` runs it with its own redis-server):
//!
//! ```sh
//! cargo build --release -p tickets-core --example history
//! target/release/examples/history redis://127.0.0.1:6379/0 [--days 365] [--per-day 1000] \
//!     [--rounds 200] [--desks 100] [--runs 3] [--smoke]
//! ```
//!
//! `--smoke` only checks that it runs: 20 days of 100 tickets, 5 rounds of 20 desks.
//!
//! **Report.** Fills a memory store through the facade with a settable clock: an office of
//! three services (one with a priority class) and four desks, each day opened, `--per-day`
//! tickets taken over ten hours, most called and finished, a few marked no-show, the rest
//! left waiting (they become unserved when the day is over). The same records are then
//! written to Redis in the store's own format (one `HSET` of the day's fields and lines
//! into `<prefix>:{<day>}:history`, and the `_closed` mark a later day leaves, pipelined),
//! without replaying the operations. It times `TicketQueue::report` over the whole range
//! on each store (a warm-up, then `--runs` runs: best and median; on Redis through the
//! default pool, as a server reads, and with Redis's own `HGETALL` time), the reading alone
//! (`TicketQueue::history` for each day), and checks that both reports are equal.
//!
//! **Cost of the history.** On each store, two queues in the built-in office, one keeping
//! history (the default) and one keeping none (`history_days(0)`). Each round takes a
//! ticket for each of `--desks` desks and calls one to each desk (not timed), then times a
//! finish on every desk; then the same with no-show. The two queues alternate within the
//! round (A B, then B A), one call at a time; a new day starts every `--per-day` tickets
//! or so. On Redis over one connection, with Redis's own time per script (`INFO
//! commandstats`, `cmdstat_fcall` around each timed window, where only those scripts
//! run) besides the time the caller sees. Figures are medians over the windows (one call
//! per desk each; `--rounds` on Redis, five times as many in memory), which a busy
//! machine disturbs less than means.
//!
//! Prints `name: value` lines. Keys written to Redis are under a fresh prefix
//! (`bench-history-<pid>-<time>`) and deleted at the end.

use std::error::Error;
use std::time::{Duration as Elapsed, Instant};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use redis::aio::MultiplexedConnection;
use tickets_core::{
    BusinessCalendar, BusinessDay, Clock, DeskId, KeyPrefix, ManualClock, MemoryBackend,
    OfficeConfig, PriorityCode, QueueBackend, QueueConfig, RedisBackend, Report, ReportQuery,
    Service, TakeRequest, TicketQueue, Username, seconds_text,
};

type BoxResult<T> = Result<T, Box<dyn Error>>;
type Queue<B> = TicketQueue<B, ManualClock>;

const OFFICE: &str = r#"
[[service]]
code = "courrier"
prefix = "A"
name = { fr = "Courrier", en = "Letters" }
target_wait_minutes = 10
priority = true

[[service]]
code = "colis"
prefix = "B"
name = { fr = "Colis", en = "Parcels" }
target_wait_minutes = 15

[[service]]
code = "banque"
prefix = "C"
name = { fr = "Banque", en = "Banking" }

[[priority]]
code = "prioritaire"
name = { fr = "Prioritaire", en = "Priority" }
weight = 1

[[desk]]
id = "1"
name = { fr = "Guichet 1", en = "Desk 1" }
services = ["courrier", "colis"]
priority_ratio = 2

[[desk]]
id = "2"
name = { fr = "Guichet 2", en = "Desk 2" }
services = ["colis", "banque"]

[[desk]]
id = "3"
name = { fr = "Guichet 3", en = "Desk 3" }
services = ["banque", "courrier"]

[[desk]]
id = "4"
name = { fr = "Guichet 4", en = "Desk 4" }
services = ["courrier", "colis", "banque"]
"#;

struct Args {
    url: String,
    days: u32,
    per_day: u32,
    rounds: u32,
    desks: u32,
    runs: usize,
}

fn args() -> BoxResult<Args> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let smoke = argv.iter().any(|a| a == "--smoke");
    let mut a = Args {
        url: String::new(),
        days: if smoke { 20 } else { 365 },
        per_day: if smoke { 100 } else { 1000 },
        rounds: if smoke { 5 } else { 200 },
        desks: if smoke { 20 } else { 100 },
        runs: 3,
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> BoxResult<u32> {
            let v = it.next().ok_or_else(|| format!("{name} needs a number"))?;
            match v.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{name}: not a positive whole number: {v}").into()),
            }
        };
        match arg.as_str() {
            "--smoke" => {}
            "--days" => a.days = number("--days")?,
            "--per-day" => a.per_day = number("--per-day")?,
            "--rounds" => a.rounds = number("--rounds")?,
            "--desks" => a.desks = number("--desks")?,
            "--runs" => a.runs = number("--runs")? as usize,
            url if !url.starts_with("--") && a.url.is_empty() => a.url = url.to_owned(),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if a.url.is_empty() {
        return Err(
            "usage: history <redis url> [--days N] [--per-day M] [--rounds R] \
                    [--desks D] [--runs K] [--smoke]"
                .into(),
        );
    }
    Ok(a)
}

fn calendar() -> BusinessCalendar {
    BusinessCalendar::new(Paris, 3).expect("a valid calendar")
}

/// `date` at `h`:`m` in Paris.
fn local(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Paris
        .from_local_datetime(&date.and_hms_opt(h, m, 0).expect("a valid time"))
        .single()
        .expect("a local time that exists once")
        .with_timezone(&Utc)
}

fn ms(d: Elapsed) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Best and median of `samples`.
fn best_median(mut samples: Vec<Elapsed>) -> (Elapsed, Elapsed) {
    samples.sort();
    (samples[0], samples[samples.len() / 2])
}

// --- the report ------------------------------------------------------------------------

/// The first day of the history.
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 6).expect("a valid date")
}

/// Fills a memory store with `days` days of `per_day` tickets; the clock ends on the
/// morning after the last day, before any operation.
async fn fill(a: &Args) -> BoxResult<(Queue<MemoryBackend>, ManualClock)> {
    let office = OfficeConfig::from_toml(OFFICE)?;
    let desks: Vec<DeskId> = office.desks.iter().map(|d| d.id.clone()).collect();
    let clock = ManualClock::new(local(first_day(), 8, 0));
    let config = QueueConfig {
        calendar: calendar(),
        ..QueueConfig::default()
    };
    let queue = TicketQueue::with_clock(MemoryBackend::with_office(office)?, clock.clone(), config);
    // Each desk acts for its own staff account, which the history records.
    let at_desk: Vec<Queue<MemoryBackend>> = desks
        .iter()
        .map(|d| Ok(queue.acting(Some(Username::parse(format!("agent-{}", d.as_str()))?))))
        .collect::<BoxResult<_>>()?;
    let services = ["courrier", "colis", "banque"].map(|s| Service::parse(s).expect("a code"));
    let priority = PriorityCode::parse("prioritaire")?;
    let mut rng = StdRng::seed_from_u64(7);
    let span_us = 10 * 3600 * 1_000_000 / i64::from(a.per_day);
    for d in 0..a.days {
        let date = first_day() + Duration::days(i64::from(d));
        let open = local(date, 8, 30);
        clock.set(open);
        queue.open_day().await?;
        for i in 0..a.per_day {
            let at = open
                + Duration::microseconds(span_us * i64::from(i) + rng.random_range(0..span_us));
            clock.set(at);
            let service = &services[match rng.random_range(0..10) {
                0..5 => 0,
                5..8 => 1,
                _ => 2,
            }];
            let req = TakeRequest {
                service: service.clone(),
                priority: (service == &services[0] && rng.random_bool(0.1))
                    .then(|| priority.clone()),
                ..TakeRequest::default()
            };
            queue.take(req).await?;
            let k = i as usize % desks.len();
            let (desk, q) = (&desks[k], &at_desk[k]);
            match rng.random_range(0..100) {
                // The customer at the desk did not come; the desk calls the next one.
                0..4 => {
                    q.no_show(desk).await?;
                    q.call_next(desk).await?;
                }
                // Finishes the desk's ticket and calls the next one.
                4..97 => {
                    q.call_next(desk).await?;
                }
                // The desk is busy: the queue grows a little.
                _ => {}
            }
        }
        // Closing time: the desks finish; whoever still waits goes unserved.
        clock.set(open + Duration::hours(10) + Duration::minutes(15));
        for (desk, q) in desks.iter().zip(&at_desk) {
            q.finish(desk).await?;
        }
        queue.close_day().await?;
    }
    let after = first_day() + Duration::days(i64::from(a.days));
    clock.set(local(after, 8, 0));
    Ok((queue, clock))
}

/// Writes the history of `queue`'s days into Redis under `prefix`, as the store keeps it.
async fn copy_history(
    queue: &Queue<MemoryBackend>,
    conn: &mut MultiplexedConnection,
    prefix: &str,
    days: impl Iterator<Item = BusinessDay>,
    closed_at: DateTime<Utc>,
) -> BoxResult<u64> {
    let mut written = 0;
    let mut pipe = redis::pipe();
    let mut pending = 0;
    for day in days {
        let records = queue.history(day).await?;
        if records.is_empty() {
            continue;
        }
        let key = format!("{prefix}:{{{day}}}:history");
        let mut hset = redis::cmd("HSET");
        hset.arg(&key);
        for r in &records {
            hset.arg(r.field()).arg(r.line());
        }
        // The mark the first operation of a later day leaves on a closed day.
        hset.arg("_closed").arg(seconds_text(closed_at));
        pipe.add_command(hset).ignore();
        // Real time: a run that stops half-way leaves nothing for long.
        pipe.cmd("EXPIRE").arg(&key).arg(86_400).ignore();
        written += records.len() as u64;
        pending += 1;
        if pending == 16 {
            pipe.query_async::<()>(conn).await?;
            pipe = redis::pipe();
            pending = 0;
        }
    }
    if pending > 0 {
        pipe.query_async::<()>(conn).await?;
    }
    Ok(written)
}

/// Times `queue.report(query)` and the reading alone: a warm-up, then `runs` runs each.
/// On Redis (`stats`), also Redis's own time per report, in µs (`INFO commandstats`).
async fn time_report<B: QueueBackend>(
    queue: &Queue<B>,
    query: &ReportQuery,
    runs: usize,
    mut stats: Option<&mut MultiplexedConnection>,
) -> BoxResult<(Report, Vec<Elapsed>, Vec<Elapsed>, f64)> {
    let report = queue.report(query).await?;
    let mut reports = Vec::new();
    let before = match stats.as_deref_mut() {
        Some(c) => command_stats(c, "hgetall").await?.1,
        None => 0,
    };
    for _ in 0..runs {
        let t0 = Instant::now();
        let r = queue.report(query).await?;
        reports.push(t0.elapsed());
        assert_eq!(r.total.taken, report.total.taken);
    }
    let in_redis = match stats {
        Some(c) => (command_stats(c, "hgetall").await?.1 - before) as f64 / runs as f64,
        None => 0.0,
    };
    let mut reads = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut n = 0;
        for day in query.days() {
            n += queue.history(day).await?.len();
        }
        reads.push(t0.elapsed());
        assert_eq!(n as u64, report.total.taken);
    }
    Ok((report, reports, reads, in_redis))
}

fn print_times(store: &str, records: u64, reports: Vec<Elapsed>, reads: Vec<Elapsed>) {
    let (best, median) = best_median(reports);
    let (read_best, read_median) = best_median(reads);
    println!("report {store} best ms: {:.1}", ms(best));
    println!("report {store} median ms: {:.1}", ms(median));
    println!(
        "report {store} records per second: {:.0}",
        records as f64 / best.as_secs_f64()
    );
    println!("read {store} best ms: {:.1}", ms(read_best));
    println!("read {store} median ms: {:.1}", ms(read_median));
}

async fn reports(a: &Args, conn: &mut MultiplexedConnection, prefix: &str) -> BoxResult<()> {
    let t0 = Instant::now();
    let (memory, clock) = fill(a).await?;
    let filled = t0.elapsed();
    let from = BusinessDay::new(first_day());
    let to = BusinessDay::new(first_day() + Duration::days(i64::from(a.days) - 1));
    let query = ReportQuery::new(from, to)?;
    println!("days: {}", a.days);
    println!("tickets per day: {}", a.per_day);
    println!("fill memory s: {:.2}", filled.as_secs_f64());

    let t0 = Instant::now();
    let prefix = format!("{prefix}-report");
    let written = copy_history(&memory, conn, &prefix, query.days(), clock.now()).await?;
    println!("copy to redis s: {:.2}", t0.elapsed().as_secs_f64());
    println!("records: {written}");

    let redis = RedisBackend::builder(&a.url)
        .prefix(KeyPrefix::parse(prefix.as_str())?)
        .build()
        .await?;
    let redis = TicketQueue::with_clock(redis, ManualClock::new(clock.now()), *memory.config());
    redis
        .put_office(OfficeConfig::from_toml(OFFICE)?, None)
        .await?;

    let (mem_report, mem_reports, mem_reads, _) =
        time_report(&memory, &query, a.runs, None).await?;
    let (redis_report, redis_reports, redis_reads, in_redis) =
        time_report(&redis, &query, a.runs, Some(conn)).await?;
    print_times("memory", written, mem_reports, mem_reads);
    print_times("redis", written, redis_reports, redis_reads);
    println!("report redis time in redis ms: {:.1}", in_redis / 1e3);

    let t = &mem_report.total;
    assert_eq!(t.taken, written, "the report counts every record");
    assert_eq!(t.taken, u64::from(a.days) * u64::from(a.per_day));
    assert_eq!(
        (t.served, t.no_show, t.unserved),
        (
            redis_report.total.served,
            redis_report.total.no_show,
            redis_report.total.unserved
        )
    );
    assert!(
        mem_report == redis_report,
        "the reports of the two stores differ"
    );
    println!("reports equal: yes");
    println!(
        "total: {} taken, {} served, {} no-show, {} unserved; median wait {:.0} s, p90 {:.0} s",
        t.taken,
        t.served,
        t.no_show,
        t.unserved,
        t.median_wait_seconds.unwrap_or(0.0),
        t.p90_wait_seconds.unwrap_or(0.0)
    );
    Ok(())
}

// --- the cost of writing history ---------------------------------------------------------

/// `cmdstat_fcall`'s calls and microseconds so far (the day's scripts are functions).
async fn script_stats(conn: &mut MultiplexedConnection) -> BoxResult<(u64, u64)> {
    command_stats(conn, "fcall").await
}

/// The calls and microseconds so far of the command `name` (`INFO commandstats`).
async fn command_stats(conn: &mut MultiplexedConnection, name: &str) -> BoxResult<(u64, u64)> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(conn)
        .await?;
    let Some(line) = info
        .lines()
        .find_map(|l| l.strip_prefix(&format!("cmdstat_{name}:")))
    else {
        return Ok((0, 0));
    };
    let field = |name: &str| {
        line.split(',')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("calls"), field("usec")))
}

/// The timed windows of one queue and one operation: each window's time per call, and on
/// Redis Redis's own time per script.
#[derive(Default)]
struct Samples {
    /// Seconds per call, one value per window.
    caller: Vec<f64>,
    /// Microseconds per script in Redis, one value per window.
    redis: Vec<f64>,
    calls: u64,
    scripts: u64,
}

impl Samples {
    fn caller_median(&self) -> f64 {
        median_of(&self.caller)
    }

    fn redis_median(&self) -> f64 {
        median_of(&self.redis)
    }
}

fn median_of(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One queue's finishes and no-shows.
#[derive(Default)]
struct Cost {
    finish: Samples,
    no_show: Samples,
}

#[derive(Clone, Copy)]
enum End {
    Finish,
    NoShow,
}

/// One timed window: a ticket taken and called for every desk (not timed), then `end` on
/// every desk, one call at a time.
async fn window<B: QueueBackend>(
    queue: &Queue<B>,
    desks: &[DeskId],
    end: End,
    cost: &mut Cost,
    mut stats: Option<&mut MultiplexedConnection>,
) -> BoxResult<()> {
    for _ in desks {
        queue.take(TakeRequest::default()).await?;
    }
    for d in desks {
        let called = queue.call_next(d).await?;
        assert!(called.called.is_some() && called.finished.is_none());
    }
    let before = match stats.as_deref_mut() {
        Some(c) => Some(script_stats(c).await?),
        None => None,
    };
    let t0 = Instant::now();
    for d in desks {
        let ended = match end {
            End::Finish => queue.finish(d).await?,
            End::NoShow => queue.no_show(d).await?,
        };
        assert!(ended.is_some());
    }
    let took = t0.elapsed();
    let n = desks.len() as u64;
    let samples = match end {
        End::Finish => &mut cost.finish,
        End::NoShow => &mut cost.no_show,
    };
    samples.caller.push(took.as_secs_f64() / n as f64);
    samples.calls += n;
    if let (Some(c), Some((calls, usec))) = (stats, before) {
        let (calls2, usec2) = script_stats(c).await?;
        let scripts = calls2 - calls;
        samples
            .redis
            .push((usec2 - usec) as f64 / scripts.max(1) as f64);
        samples.scripts += scripts;
    }
    Ok(())
}

/// Rounds on `with` (history kept) and `without`, alternating which goes first; the first
/// round is a warm-up, not counted. A new day starts once a day holds about `--per-day`
/// tickets, as an office's would (the first operation of a day, not timed, closes the
/// day before).
async fn compare<B: QueueBackend>(
    a: &Args,
    rounds: u32,
    clock: &ManualClock,
    with: &Queue<B>,
    without: &Queue<B>,
    mut stats: Option<&mut MultiplexedConnection>,
) -> BoxResult<(Cost, Cost)> {
    let desks: Vec<DeskId> = (0..a.desks)
        .map(|i| DeskId::parse(format!("d{i}")))
        .collect::<Result<_, _>>()?;
    let rounds_a_day = (a.per_day / (2 * a.desks)).max(1);
    let (mut on, mut off) = (Cost::default(), Cost::default());
    let (mut warm_on, mut warm_off) = (Cost::default(), Cost::default());
    for round in 0..=rounds {
        if round % rounds_a_day == 0 {
            let day = cost_day() + Duration::days(i64::from(round / rounds_a_day));
            clock.set(local(day, 10, 0));
            with.open_day().await?;
            without.open_day().await?;
        }
        clock.advance(Duration::seconds(1));
        for end in [End::Finish, End::NoShow] {
            let (first, second) = if round == 0 {
                ((with, &mut warm_on), (without, &mut warm_off))
            } else if round % 2 == 1 {
                ((with, &mut on), (without, &mut off))
            } else {
                ((without, &mut off), (with, &mut on))
            };
            window(first.0, &desks, end, first.1, stats.as_deref_mut()).await?;
            window(second.0, &desks, end, second.1, stats.as_deref_mut()).await?;
        }
    }
    Ok((on, off))
}

/// The first day of the cost measures.
fn cost_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("a valid date")
}

fn cost_clock() -> ManualClock {
    ManualClock::new(local(cost_day(), 10, 0))
}

fn config(history_days: u32) -> QueueConfig {
    QueueConfig {
        calendar: calendar(),
        history_days,
        ..QueueConfig::default()
    }
}

fn ratio_pct(with: f64, without: f64) -> f64 {
    (with / without - 1.0) * 100.0
}

/// In memory, windows are short: five times as many rounds.
const MEMORY_ROUNDS: u32 = 5;

async fn costs(a: &Args, conn: &mut MultiplexedConnection, prefix: &str) -> BoxResult<()> {
    println!("cost desks: {}", a.desks);
    println!("cost rounds redis: {}", a.rounds);
    println!("cost rounds memory: {}", a.rounds * MEMORY_ROUNDS);

    let clock = cost_clock();
    let with = TicketQueue::with_clock(MemoryBackend::new(), clock.clone(), config(400));
    let without = TicketQueue::with_clock(
        MemoryBackend::new().with_history_days(0),
        clock.clone(),
        config(0),
    );
    let rounds = a.rounds * MEMORY_ROUNDS;
    let (on, off) = compare(a, rounds, &clock, &with, &without, None).await?;
    for (name, w, wo) in [
        ("finish", &on.finish, &off.finish),
        ("no-show", &on.no_show, &off.no_show),
    ] {
        let (w, wo) = (w.caller_median(), wo.caller_median());
        println!("{name} memory with history ns: {:.0}", w * 1e9);
        println!("{name} memory without history ns: {:.0}", wo * 1e9);
        println!("{name} memory history cost pct: {:.1}", ratio_pct(w, wo));
    }
    println!("memory calls timed per case: {}", on.finish.calls);

    let clock = cost_clock();
    let build = |suffix: &str, days: u32| {
        RedisBackend::builder(&a.url)
            .prefix(KeyPrefix::parse(format!("{prefix}-{suffix}")).expect("a valid prefix"))
            .pool_size(1)
            .history_days(days)
            .build()
    };
    let with = TicketQueue::with_clock(build("on", 400).await?, clock.clone(), config(400));
    let without = TicketQueue::with_clock(build("off", 0).await?, clock.clone(), config(0));
    let (on, off) = compare(a, a.rounds, &clock, &with, &without, Some(conn)).await?;
    for (name, w, wo) in [
        ("finish", &on.finish, &off.finish),
        ("no-show", &on.no_show, &off.no_show),
    ] {
        let (rw, rwo) = (w.redis_median(), wo.redis_median());
        let (w, wo) = (w.caller_median(), wo.caller_median());
        println!("{name} redis with history us: {:.1}", w * 1e6);
        println!("{name} redis without history us: {:.1}", wo * 1e6);
        println!("{name} redis history cost pct: {:.1}", ratio_pct(w, wo));
        println!("{name} redis script with history us: {rw:.2}");
        println!("{name} redis script without history us: {rwo:.2}");
        println!(
            "{name} redis script history cost pct: {:.1}",
            ratio_pct(rw, rwo)
        );
    }
    println!("redis calls timed per case: {}", on.finish.calls);
    println!(
        "redis scripts counted per case: {} finish, {} no-show",
        on.finish.scripts, on.no_show.scripts
    );
    Ok(())
}

/// Deletes every key under `prefix`.
async fn clean(conn: &mut MultiplexedConnection, prefix: &str) -> BoxResult<()> {
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await?;
        if !keys.is_empty() {
            redis::cmd("UNLINK")
                .arg(&keys)
                .query_async::<()>(conn)
                .await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> BoxResult<()> {
    let a = args()?;
    let prefix = format!(
        "bench-history-{}-{}",
        std::process::id(),
        Utc::now().timestamp_micros()
    );
    // No response time-out: a pipeline of many days' records may take a while.
    let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
    let client = redis::Client::open(a.url.as_str())?;
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let result = run(&a, &mut conn, &prefix).await;
    clean(&mut conn, &prefix).await?;
    result
}

async fn run(a: &Args, conn: &mut MultiplexedConnection, prefix: &str) -> BoxResult<()> {
    reports(a, conn, prefix).await?;
    costs(a, conn, prefix).await
}
