//! Reports over several days with a settable clock, in Paris with days changing at 03:00,
//! across the spring DST change (2026-03-29, 02:00 → 03:00): every figure of the report is
//! checked against the same figures computed here, from what the operations answered, by
//! a separate and deliberately plain method. On both stores.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Paris;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::{
    BusinessCalendar, BusinessDay, DeskId, Figures, ManualClock, MemoryBackend, OfficeConfig,
    QueueBackend, QueueConfig, RedisBackend, ReportQuery, Service, TakeRequest, Ticket,
    TicketQueue, Username,
};

const OFFICE: &str = r#"
[[service]]
code = "courrier"
prefix = "A"
name = { fr = "Courrier", en = "Letters" }
target_wait_minutes = 10

[[service]]
code = "colis"
prefix = "B"
name = { fr = "Colis", en = "Parcels" }
target_wait_minutes = 5

[[desk]]
id = "1"
name = { fr = "Guichet 1", en = "Desk 1" }
services = ["courrier", "colis"]

[[desk]]
id = "2"
name = { fr = "Guichet 2", en = "Desk 2" }
services = ["colis"]
"#;

/// What the test saw of one ticket.
#[derive(Debug, Clone)]
struct Seen {
    day: NaiveDate,
    service: String,
    taken: DateTime<Utc>,
    called: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    desk: Option<String>,
    /// "served", "no_show", or None while open.
    end: Option<&'static str>,
}

/// The business day of an instant, computed plainly: Paris local time, minus the three
/// hours before the rollover.
fn business_day(t: DateTime<Utc>) -> NaiveDate {
    (t.with_timezone(&Paris).naive_local() - Duration::hours(3)).date()
}

fn paris(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Paris
        .with_ymd_and_hms(y, m, d, h, mi, 0)
        .single()
        .expect("a local time that exists once")
        .with_timezone(&Utc)
}

struct Run<B: QueueBackend> {
    queue: TicketQueue<B, ManualClock>,
    clock: ManualClock,
    seen: BTreeMap<(NaiveDate, u64), Seen>,
    rng: StdRng,
}

impl<B: QueueBackend> Run<B> {
    fn now(&self) -> DateTime<Utc> {
        use tickets_core::Clock;
        self.clock.now()
    }

    fn ended(&mut self, t: &Ticket, end: &'static str) {
        let now = self.now();
        let s = self
            .seen
            .get_mut(&(business_day(now), t.number.get()))
            .expect("a ticket seen");
        s.finished = Some(now);
        s.end = Some(end);
    }

    async fn take(&mut self) {
        let service = if self.rng.random_bool(0.6) {
            "courrier"
        } else {
            "colis"
        };
        let req = TakeRequest {
            service: Service::parse(service).unwrap(),
            ..TakeRequest::default()
        };
        let t = self.queue.take(req).await.expect("take").ticket;
        assert_eq!(t.taken_at, self.now());
        let day = business_day(self.now());
        self.seen.insert(
            (day, t.number.get()),
            Seen {
                day,
                service: service.to_owned(),
                taken: t.taken_at,
                called: None,
                finished: None,
                desk: None,
                end: None,
            },
        );
    }

    async fn step(&mut self) {
        let desk = DeskId::parse(if self.rng.random_bool(0.5) { "1" } else { "2" }).unwrap();
        let by = Username::parse(format!("agent-{}", desk.as_str())).unwrap();
        let q = self.queue.acting(Some(by));
        match self.rng.random_range(0..100) {
            0..45 => self.take().await,
            45..80 => {
                let c = q.call_next(&desk).await.expect("call next");
                if let Some(t) = &c.finished {
                    self.ended(t, "served");
                }
                if let Some(t) = &c.called {
                    let now = self.now();
                    let s = self
                        .seen
                        .get_mut(&(business_day(now), t.number.get()))
                        .unwrap();
                    s.called = Some(now);
                    s.desk = Some(desk.to_string());
                }
            }
            80..90 => {
                if let Some(t) = q.finish(&desk).await.expect("finish") {
                    self.ended(&t, "served");
                }
            }
            90..96 => {
                if let Some(t) = q.no_show(&desk).await.expect("no-show") {
                    self.ended(&t, "no_show");
                }
            }
            _ => {
                q.recall(&desk).await.expect("recall");
            }
        }
    }
}

/// The plain figures of some tickets; `today`: the day that is not over.
fn plain(tickets: &[&Seen], today: NaiveDate, targets: &BTreeMap<&str, i64>) -> Figures {
    let mut f = Figures {
        taken: tickets.len() as u64,
        ..Figures::default()
    };
    let mut waits = Vec::new();
    let mut services = Vec::new();
    for s in tickets {
        match (s.end, s.called, s.day == today) {
            (Some("served"), _, _) => f.served += 1,
            (Some(_), _, _) => f.no_show += 1,
            (None, _, false) => f.unserved += 1,
            (None, None, true) => f.waiting += 1,
            (None, Some(_), true) => f.in_progress += 1,
        }
        if let Some(c) = s.called {
            let w = (c - s.taken).num_microseconds().unwrap();
            waits.push(w);
            let target = targets[s.service.as_str()];
            f.with_target += 1;
            if w <= target {
                f.within_target += 1;
            }
        }
        if let (Some("served"), Some(c), Some(e)) = (s.end, s.called, s.finished) {
            services.push((e - c).num_microseconds().unwrap());
        }
    }
    waits.sort();
    services.sort();
    let secs = |us: i64| us as f64 / 1e6;
    f.called = waits.len() as u64;
    if !waits.is_empty() {
        let n = waits.len();
        f.avg_wait_seconds = Some(secs(waits.iter().sum::<i64>()) / n as f64);
        f.median_wait_seconds = Some(if n % 2 == 1 {
            secs(waits[n / 2])
        } else {
            (secs(waits[n / 2 - 1]) + secs(waits[n / 2])) / 2.0
        });
        // The smallest wait that at least 90 % of the waits do not exceed.
        let p90 = *waits
            .iter()
            .find(|w| waits.iter().filter(|v| *v <= *w).count() * 10 >= n * 9)
            .unwrap();
        f.p90_wait_seconds = Some(secs(p90));
        f.max_wait_seconds = Some(secs(*waits.last().unwrap()));
    }
    if !services.is_empty() {
        let n = services.len();
        f.avg_service_seconds = Some(secs(services.iter().sum::<i64>()) / n as f64);
        let p90 = *services
            .iter()
            .find(|w| services.iter().filter(|v| *v <= *w).count() * 10 >= n * 9)
            .unwrap();
        f.p90_service_seconds = Some(secs(p90));
    }
    f.within_target_share =
        (f.with_target > 0).then(|| f.within_target as f64 / f.with_target as f64);
    f
}

fn assert_figures(ctx: &str, got: &Figures, want: &Figures) {
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (a, b) => a == b,
    };
    let counts = |f: &Figures| {
        [
            f.taken,
            f.served,
            f.no_show,
            f.unserved,
            f.waiting,
            f.in_progress,
            f.called,
            f.with_target,
            f.within_target,
        ]
    };
    assert_eq!(
        counts(got),
        counts(want),
        "{ctx}: counts (taken, served, no-show, unserved, waiting, in progress, called, with target, within)"
    );
    for (name, g, w) in [
        ("avg wait", got.avg_wait_seconds, want.avg_wait_seconds),
        (
            "median wait",
            got.median_wait_seconds,
            want.median_wait_seconds,
        ),
        ("p90 wait", got.p90_wait_seconds, want.p90_wait_seconds),
        ("max wait", got.max_wait_seconds, want.max_wait_seconds),
        (
            "avg service",
            got.avg_service_seconds,
            want.avg_service_seconds,
        ),
        (
            "p90 service",
            got.p90_service_seconds,
            want.p90_service_seconds,
        ),
        (
            "within target",
            got.within_target_share,
            want.within_target_share,
        ),
    ] {
        assert!(close(g, w), "{ctx}: {name}: report {g:?}, expected {w:?}");
    }
}

async fn scenario<B: QueueBackend>(backend: B, seed: u64) {
    let office = OfficeConfig::from_toml(OFFICE).unwrap();
    let start = paris(2026, 3, 27, 8, 30);
    let clock = ManualClock::new(start);
    let config = QueueConfig {
        calendar: BusinessCalendar::new(Paris, 3).unwrap(),
        ..QueueConfig::default()
    };
    let queue = TicketQueue::with_clock(backend, clock.clone(), config);
    queue.put_office(office, None).await.unwrap();
    let mut run = Run {
        queue,
        clock,
        seen: BTreeMap::new(),
        rng: StdRng::seed_from_u64(seed),
    };
    let days = [27, 28, 29, 30, 31];
    for (i, d) in days.iter().enumerate() {
        run.clock.set(paris(2026, 3, *d, 8, 30));
        run.queue.open_day().await.unwrap();
        for _ in 0..(40 + 10 * i) {
            let by = Duration::seconds(run.rng.random_range(20..400));
            run.clock.advance(by);
            run.step().await;
        }
        if *d == 28 {
            // The night of the DST change: a ticket at 01:30 (still the 28th's business
            // day), a call at 01:50; the clock then jumps from 02:00 to 03:00.
            run.clock.set(paris(2026, 3, 29, 1, 30));
            run.take().await;
            run.clock.set(paris(2026, 3, 29, 1, 50));
            run.step().await;
        }
    }
    let today = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    assert_eq!(business_day(run.now()), today);
    let day = |d: u32| BusinessDay::new(NaiveDate::from_ymd_opt(2026, 3, d).unwrap());
    let report = run
        .queue
        .report(&ReportQuery::new(day(26), day(31)).unwrap())
        .await
        .unwrap();
    let targets: BTreeMap<&str, i64> = [("courrier", 600_000_000), ("colis", 300_000_000)].into();
    let all: Vec<&Seen> = run.seen.values().collect();
    assert!(all.len() > 100, "the scenario made {} tickets", all.len());
    assert!(
        all.iter().any(|s| s.end.is_none() && s.day < today),
        "some tickets were left"
    );
    assert_figures("total", &report.total, &plain(&all, today, &targets));
    assert_eq!(report.days.len(), 6);
    assert_eq!(report.days[0].figures.taken, 0, "the 26th had no ticket");
    for d in &report.days {
        let mine: Vec<&Seen> = all
            .iter()
            .copied()
            .filter(|s| s.day == d.day.date())
            .collect();
        assert_figures(
            &format!("day {}", d.day),
            &d.figures,
            &plain(&mine, today, &targets),
        );
        for (svc, n) in &d.taken_by_service {
            let want = mine.iter().filter(|s| s.service == svc.as_str()).count() as u64;
            assert_eq!(*n, want, "day {} service {svc}", d.day);
        }
    }
    assert_eq!(report.services.len(), 2);
    for s in &report.services {
        let mine: Vec<&Seen> = all
            .iter()
            .copied()
            .filter(|t| t.service == s.code.as_str())
            .collect();
        assert_figures(
            &format!("service {}", s.code),
            &s.figures,
            &plain(&mine, today, &targets),
        );
    }
    let desks: Vec<&str> = report.desks.iter().map(|d| d.desk.as_str()).collect();
    assert_eq!(desks, ["1", "2"]);
    for d in &report.desks {
        let mine: Vec<&Seen> = all
            .iter()
            .copied()
            .filter(|t| t.desk.as_deref() == Some(d.desk.as_str()))
            .collect();
        assert_figures(
            &format!("desk {}", d.desk),
            &d.figures,
            &plain(&mine, today, &targets),
        );
    }
    // Weekday × hour, in Paris time.
    let mut hours: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    for s in &all {
        let local = s.taken.with_timezone(&Paris);
        *hours
            .entry((local.weekday().number_from_monday(), local.hour()))
            .or_default() += 1;
    }
    let got: BTreeMap<(u32, u32), u64> = report
        .hours
        .iter()
        .map(|h| ((u32::from(h.weekday), u32::from(h.hour)), h.taken))
        .collect();
    assert_eq!(got, hours);
    assert!(
        got.contains_key(&(7, 1)),
        "the Sunday 01:30 ticket counts at 01:00 on Sunday"
    );
    // A filtered report keeps only its tickets.
    let mut colis = ReportQuery::new(day(27), day(31)).unwrap();
    colis.service = Some(Service::parse("colis").unwrap());
    let filtered = run.queue.report(&colis).await.unwrap();
    let mine: Vec<&Seen> = all
        .iter()
        .copied()
        .filter(|t| t.service == "colis")
        .collect();
    assert_figures(
        "colis only",
        &filtered.total,
        &plain(&mine, today, &targets),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_over_days_across_dst_matches_a_plain_count_on_memory() {
    for seed in [1, 2, 3] {
        scenario(MemoryBackend::new(), seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_over_days_across_dst_matches_a_plain_count_on_redis() {
    let server = RedisServer::start();
    for seed in [1, 2, 3] {
        let backend = RedisBackend::builder(server.url())
            .prefix(unique_prefix())
            .build()
            .await
            .expect("connect to the test redis-server");
        scenario(backend, seed).await;
    }
}

/// With a retention of 0 days nothing is written to the history, and nothing is closed.
async fn no_history<B: QueueBackend>(backend: B) {
    let clock = ManualClock::new(paris(2026, 3, 27, 9, 0));
    let config = QueueConfig {
        calendar: BusinessCalendar::new(Paris, 3).unwrap(),
        history_days: 0,
        ..QueueConfig::default()
    };
    let queue = TicketQueue::with_clock(backend, clock.clone(), config);
    queue.open_day().await.unwrap();
    queue.take(TakeRequest::default()).await.unwrap();
    queue.take(TakeRequest::default()).await.unwrap();
    queue.call_next(&DeskId::default()).await.unwrap();
    queue.finish(&DeskId::default()).await.unwrap();
    queue.reset_day().await.unwrap();
    let day = queue.moment().day;
    assert!(queue.history(day).await.unwrap().is_empty());
    clock.advance(Duration::days(1));
    queue.status(&DeskId::default()).await.unwrap();
    assert!(queue.history(day).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_history_is_kept_with_a_retention_of_zero_days() {
    no_history(MemoryBackend::new().with_history_days(0)).await;
    let server = RedisServer::start();
    let backend = RedisBackend::builder(server.url())
        .prefix(unique_prefix())
        .history_days(0)
        .build()
        .await
        .expect("connect to the test redis-server");
    no_history(backend).await;
}
