//! `GET /api/reports` and `GET /api/reports/tickets.csv` (managers), and
//! `tickets export`: the figures of the history, and the same tickets as rows that a real
//! CSV reader reads back, on both stores.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::Value;
use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::{
    AccountStore, AnyBackend, BusinessCalendar, DeskId, NewAccount, PasswordHash, QueueConfig,
    RedisBackend, Role, SystemClock, TakeRequest, TicketQueue, Username,
};

use crate::helpers::{PASSWORD, TestApp, accounts_of, redis_backend, spawn_app, spawn_app_with};
use crate::startup::tickets;
use tickets_http::config::Config;

/// Today, as the test application counts days (UTC, midnight).
fn today() -> String {
    Utc::now().date_naive().to_string()
}

/// Three served (one by the default desk, two by desk 2), one absent, two waiting.
async fn a_morning(app: &TestApp) {
    app.post_start_day().await.assert_status(200);
    for _ in 0..6 {
        app.post_take().await.assert_status(201);
    }
    app.post_call_next(None).await.assert_status(200);
    app.post_finish_current(None).await.assert_status(200);
    app.post_call_next(Some("2")).await.assert_status(200);
    app.post_call_next(Some("2")).await.assert_status(200);
    app.post_finish_current(Some("2")).await.assert_status(200);
    app.post_call_next(None).await.assert_status(200);
    app.post_no_show(None).await.assert_status(200);
}

fn csv_records(text: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a well-formed row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

fn count(rows: &[BTreeMap<String, String>], column: &str, value: &str) -> u64 {
    rows.iter().filter(|r| r[column] == value).count() as u64
}

/// The report of today and its CSV agree, ticket by ticket.
async fn report_and_csv_agree(app: &TestApp) {
    a_morning(app).await;
    let day = today();
    let res = app
        .get_staff(&format!("/api/reports?from={day}&to={day}"))
        .await;
    res.assert_status(200);
    let report: Value = res.json();
    let total = &report["total"];
    assert_eq!(total["taken"], 6, "{report}");
    assert_eq!(total["served"], 3, "{report}");
    assert_eq!(total["in_progress"], 0, "{report}");
    assert_eq!(total["no_show"], 1, "{report}");
    assert_eq!(total["waiting"], 2, "{report}");
    assert_eq!(total["called"], 4, "{report}");
    assert_eq!(report["days"].as_array().unwrap().len(), 1);
    assert_eq!(report["days"][0]["taken"], 6);
    let desks: Vec<&str> = report["desks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["desk"].as_str().unwrap())
        .collect();
    assert_eq!(desks, ["1", "2"]);

    let res = app
        .get_staff(&format!("/api/reports/tickets.csv?from={day}&to={day}"))
        .await;
    res.assert_status(200);
    assert_eq!(res.content_type(), "text/csv; charset=utf-8");
    let disposition = res.header("content-disposition").unwrap();
    assert!(
        disposition.contains(&format!("tickets-{day}-{day}.csv")),
        "{disposition}"
    );
    let text = res.text();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let (header, rows) = csv_records(&text);
    assert_eq!(header.join(","), tickets_http::export::TICKETS_CSV_HEADER);
    assert_eq!(rows.len() as u64, total["taken"].as_u64().unwrap());
    for (outcome, field) in [
        ("served", "served"),
        ("no_show", "no_show"),
        ("waiting", "waiting"),
        ("in_progress", "in_progress"),
    ] {
        assert_eq!(
            count(&rows, "outcome", outcome),
            total[field].as_u64().unwrap(),
            "{outcome}"
        );
    }
    // Every called ticket names the account that called it; the waits add up.
    assert_eq!(count(&rows, "account", "admin"), 4);
    let waits: f64 = rows
        .iter()
        .filter_map(|r| r["wait_seconds"].parse::<f64>().ok())
        .sum();
    let avg = total["avg_wait_seconds"].as_f64().unwrap();
    assert!((waits / 4.0 - avg).abs() <= 1.0, "{waits} / 4 vs {avg}");
    let numbers: Vec<&str> = rows.iter().map(|r| r["number"].as_str()).collect();
    assert_eq!(
        numbers,
        ["1", "2", "3", "4", "5", "6"],
        "in the order taken"
    );

    // A filter applies to both.
    let res = app
        .get_staff(&format!(
            "/api/reports/tickets.csv?from={day}&to={day}&desk=2"
        ))
        .await;
    let (_, rows) = csv_records(&res.text());
    assert_eq!(rows.len(), 2);
    let res = app
        .get_staff(&format!("/api/reports?to={day}&desk=2"))
        .await;
    assert_eq!(res.json()["total"]["served"], 2);
    assert_eq!(
        res.json()["days"].as_array().unwrap().len(),
        7,
        "a week by default"
    );
}

#[actix_web::test]
async fn the_report_and_its_csv_agree_on_memory() {
    report_and_csv_agree(&spawn_app().await).await;
}

#[actix_web::test]
async fn the_report_and_its_csv_agree_on_redis() {
    let server = RedisServer::start();
    let backend = redis_backend(&server).await;
    let app = spawn_app_with(backend, "redis", &Config::for_tests(PASSWORD)).await;
    report_and_csv_agree(&app).await;
}

#[actix_web::test]
async fn reports_are_for_managers_and_bad_ranges_are_named() {
    let backend = tickets_core::MemoryBackend::new();
    let app = spawn_app_with(backend.clone(), "memory", &Config::for_tests(PASSWORD)).await;
    let agent_password = "le mot de passe de Léa";
    accounts_of(&backend)
        .create_account(
            NewAccount {
                username: Username::parse("lea").unwrap(),
                display_name: "Léa".into(),
                role: Role::Agent,
                password_hash: PasswordHash::new(agent_password).unwrap(),
                default_desk: None,
                call_out_of_order: false,
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let res = app.send(app.get("/api/reports")).await;
    res.json_error(401, "unauthorized");
    let lea = app.login_as("lea", agent_password).await;
    for path in ["/api/reports", "/api/reports/tickets.csv"] {
        let res = app.send(app.get(path).cookie(lea.clone())).await;
        res.json_error(403, "forbidden");
    }
    for (query, field) in [
        ("from=30/11/2026", "from"),
        ("from=2026-11-30&to=2026-11-01", "from"),
        ("from=2020-01-01&to=2026-11-30", "to"),
        ("service=Colis!", "service"),
        ("desk=a%20b", "desk"),
    ] {
        for path in ["/api/reports", "/api/reports/tickets.csv"] {
            let res = app.get_staff(&format!("{path}?{query}")).await;
            let body = res.json_error(422, "invalid_field");
            assert_eq!(body["field"], field, "{path}?{query}: {body}");
            assert!(!body["message"].as_str().unwrap().is_empty());
        }
    }
    // A range with no ticket is a report of zeros, not an error.
    let res = app
        .get_staff("/api/reports?from=2025-01-01&to=2025-01-31")
        .await;
    res.assert_status(200);
    let report = res.json();
    assert_eq!(report["total"]["taken"], 0);
    assert_eq!(report["total"]["median_wait_seconds"], Value::Null);
    assert_eq!(report["days"].as_array().unwrap().len(), 31);
}

#[actix_web::test]
async fn tickets_export_writes_csv_and_json_lines_from_the_store() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let backend = RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .unwrap();
    let config = QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).unwrap(),
        ..QueueConfig::default()
    };
    let queue = TicketQueue::with_clock(AnyBackend::Redis(backend), SystemClock, config);
    queue.open_day().await.unwrap();
    for _ in 0..4 {
        queue.take(TakeRequest::default()).await.unwrap();
    }
    let desk = DeskId::default();
    let marie = queue.acting(Some(Username::parse("marie").unwrap()));
    marie.call_next(&desk).await.unwrap();
    marie.call_next(&desk).await.unwrap();
    let day = today();
    let url = server.url();
    let run = |format: &str| {
        let out = tickets()
            .env("REDIS_URL", &url)
            .env("TICKETS_KEY_PREFIX", prefix.as_str())
            .env("TICKETS_TIMEZONE", "UTC")
            .args(["export", "--from", &day, "--to", &day, "--format", format])
            .output()
            .expect("the tickets binary runs");
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            stderr.contains("exported 4 ticket(s) of 1 day(s)"),
            "{stderr}"
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let (header, rows) = csv_records(&run("csv"));
    assert_eq!(header.len(), 15);
    assert_eq!(rows.len(), 4);
    assert_eq!(count(&rows, "outcome", "served"), 1);
    assert_eq!(count(&rows, "outcome", "in_progress"), 1);
    assert_eq!(count(&rows, "outcome", "waiting"), 2);
    assert_eq!(count(&rows, "account", "marie"), 2);
    let lines = run("jsonl");
    let objects: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(objects.len(), 4);
    assert_eq!(objects[0]["outcome"], "served");
    assert_eq!(objects[0]["account"], "marie");
    assert_eq!(objects[3]["outcome"], "waiting");

    // A bad range is refused with a reason and a failure code.
    let out = tickets()
        .env("REDIS_URL", &url)
        .args(["export", "--from", &day, "--to", "2020-01-01"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("comes after"),
        "{out:?}"
    );
}
