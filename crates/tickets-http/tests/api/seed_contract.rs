//! The original system's API (`seed/CONTRACT.md`) end to end, with the changes the new
//! system makes on purpose (409 on a closed day, JSON numbers, no stranded ticket,
//! end-day that closes without wiping, reset-day that wipes).
//!
//! The scenarios take a [`TestApp`], whatever its backend: `redis.rs` runs the same ones
//! against a real Redis.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_has_keys, spawn_app};

/// The fields of the original status.
pub(crate) const SEED_STATUS_FIELDS: [&str; 6] = [
    "day",
    "open",
    "queue_length",
    "current_ticket",
    "next_ticket",
    "waiting_tickets",
];

/// The fields of the original snapshot.
pub(crate) const SEED_SNAPSHOT_FIELDS: [&str; 14] = [
    "day",
    "open",
    "queue_length",
    "current_ticket",
    "current_ticket_data",
    "next_ticket",
    "waiting_tickets",
    "waiting_list",
    "logs",
    "total_tickets",
    "avg_wait_seconds",
    "key_count",
    "hash_count",
    "ttl_seconds",
];

/// The fields the new snapshot adds.
pub(crate) const NEW_SNAPSHOT_FIELDS: [&str; 4] = ["log_entries", "desks", "figures", "activity"];

/// `v` restricted to `fields` (every one of which must be present).
#[track_caller]
fn only(v: &Value, fields: &[&str]) -> Value {
    assert_has_keys(v, fields);
    Value::Object(
        fields
            .iter()
            .map(|f| ((*f).to_owned(), v[*f].clone()))
            .collect(),
    )
}

/// The status restricted to the original fields.
async fn seed_status(app: &TestApp) -> Value {
    let res = app.get_status().await;
    res.assert_status(200);
    assert!(res.content_type().starts_with("application/json"));
    let body = res.json();
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = SEED_STATUS_FIELDS.to_vec();
    expected.extend(["desk", "total_tickets", "services"]);
    expected.sort_unstable();
    assert_eq!(
        keys, expected,
        "the seed's fields, plus desk, total_tickets and services"
    );
    only(&body, &SEED_STATUS_FIELDS)
}

/// The snapshot (asserting 200 and every field, original and new).
async fn snapshot(app: &TestApp) -> Value {
    let res = app.get_snapshot().await;
    res.assert_status(200);
    let snap = res.json();
    assert_has_keys(&snap, &SEED_SNAPSHOT_FIELDS);
    assert_has_keys(&snap, &NEW_SNAPSHOT_FIELDS);
    for line in snap["logs"].as_array().expect("logs is a list") {
        assert!(line.is_string(), "log lines are strings: {line}");
    }
    snap
}

/// The log lines of the snapshot.
fn log_lines(snap: &Value) -> Vec<String> {
    snap["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .map(|l| l.as_str().expect("a line").to_owned())
        .collect()
}

/// A ticket's status through `GET /api/tickets/ticket/{n}`.
async fn ticket_status(app: &TestApp, n: u64) -> String {
    let res = app.get_ticket(&n.to_string()).await;
    res.assert_status(200);
    res.json()["status"].as_str().expect("a status").to_owned()
}

/// Checks one take's answer: 201, the original fields, numbers as JSON numbers.
#[track_caller]
fn check_taken(body: &Value, day: &str, number: u64, waiting_before: u64) {
    assert_eq!(body["day"], json!(day));
    assert_eq!(body["waiting_before"], json!(waiting_before), "{body}");
    assert_eq!(body["replayed"], json!(false));
    let t = &body["ticket"];
    assert_has_keys(
        t,
        &[
            "ticket_number",
            "creation_time",
            "service_type",
            "status",
            "creation_time_iso",
        ],
    );
    assert_eq!(t["ticket_number"], json!(number), "{body}");
    assert!(t["ticket_number"].is_u64());
    assert_eq!(t["service_type"], "poste");
    assert_eq!(t["status"], "waiting");
    assert!(
        t["creation_time"].is_f64(),
        "creation_time is a JSON number: {t}"
    );
    let iso = t["creation_time_iso"].as_str().expect("an ISO time");
    let parsed = chrono::DateTime::parse_from_rfc3339(iso).expect("RFC 3339");
    assert!(iso.ends_with("+00:00"), "{iso}");
    let secs = t["creation_time"].as_f64().unwrap_or_default();
    assert!(
        (parsed.timestamp_micros() as f64 / 1e6 - secs).abs() < 1e-3,
        "creation_time and creation_time_iso agree: {t}"
    );
}

/// The original scenario, start to finish.
pub(crate) async fn seed_scenario(app: &TestApp) {
    // --- A closed day: nothing exists yet. ------------------------------------------------
    let status = seed_status(app).await;
    let day = status["day"].as_str().expect("day is a string").to_owned();
    chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("day is YYYY-MM-DD");
    assert_eq!(
        status,
        json!({"day": day, "open": false, "queue_length": 0, "current_ticket": null,
               "next_ticket": null, "waiting_tickets": 0})
    );

    let take = app.post_take().await;
    take.json_error(409, "day_closed");
    assert_eq!(
        take.json(),
        json!({"error": "day_closed", "message": "Service fermé, revenez demain", "closed": true})
    );

    let call = app.post_call_next(None).await;
    call.assert_status(200);
    let call = call.json();
    assert_eq!(call["message"], "Aucun ticket en attente");
    assert_eq!(call["current_ticket"], Value::Null);
    assert_has_keys(&call, &["message", "current_ticket"]);

    let finish = app.post_finish_current(None).await;
    finish.assert_status(200);
    assert_eq!(finish.json()["message"], "Aucun ticket en cours");

    let end = app.post_end_day().await;
    end.assert_status(200);
    assert_eq!(
        only(&end.json(), &["day", "ended", "open"]),
        json!({"day": day, "ended": true, "open": false})
    );

    // No call above created anything.
    let snap = snapshot(app).await;
    assert_eq!(
        only(&snap, &SEED_SNAPSHOT_FIELDS),
        json!({"day": day, "open": false, "queue_length": 0, "current_ticket": null,
               "current_ticket_data": null, "next_ticket": null, "waiting_tickets": 0,
               "waiting_list": [], "logs": [], "total_tickets": 0, "avg_wait_seconds": null,
               "key_count": 0, "hash_count": 0, "ttl_seconds": null})
    );

    // --- start-day, idempotent. -----------------------------------------------------------
    let start = app.post_start_day().await;
    start.assert_status(200);
    assert_eq!(
        start.json(),
        json!({"day": day, "open": true, "changed": true})
    );
    let again = app.post_start_day().await;
    again.assert_status(200);
    assert_eq!(
        only(&again.json(), &["day", "open"]),
        json!({"day": day, "open": true}),
        "a repeated start-day answers the same"
    );
    assert_eq!(again.json()["changed"], false);
    let snap = snapshot(app).await;
    let lines = log_lines(&snap);
    assert_eq!(
        lines.len(),
        1,
        "a repeated start-day logs nothing: {lines:?}"
    );
    assert!(lines[0].ends_with("|start_day"), "{lines:?}");
    assert_eq!(snap["open"], true);
    assert!(snap["key_count"].as_u64().expect("key_count is a number") > 0);
    let ttl = snap["ttl_seconds"]
        .as_u64()
        .expect("ttl_seconds is a number");
    assert!(
        (3600..=25 * 3600).contains(&ttl),
        "keys expire at the end of the day, at least one hour ahead: {ttl}"
    );

    // --- Three takes, whatever the body. --------------------------------------------------
    for (n, body) in [
        (1, None),
        (2, Some("{}")),
        (3, Some(r#"{"service_type": "poste"}"#)),
    ] {
        let res = match body {
            None => app.post_take().await,
            Some(b) => app.post_take_json(b).await,
        };
        res.assert_status(201);
        assert!(res.content_type().starts_with("application/json"));
        check_taken(&res.json(), &day, n, n - 1);
    }

    assert_eq!(
        seed_status(app).await,
        json!({"day": day, "open": true, "queue_length": 3, "current_ticket": null,
               "next_ticket": 1, "waiting_tickets": 3})
    );
    let full = app.get_status().await.json();
    assert_eq!(full["total_tickets"], 3);

    let snap = snapshot(app).await;
    assert_eq!(snap["total_tickets"], 3);
    assert_eq!(snap["hash_count"], 3);
    assert_eq!(snap["queue_length"], 3);
    assert_eq!(snap["waiting_tickets"], 3);
    assert_eq!(snap["next_ticket"], 1);
    assert_eq!(snap["current_ticket"], Value::Null);
    assert_eq!(snap["current_ticket_data"], Value::Null);
    assert_eq!(snap["avg_wait_seconds"], Value::Null, "nobody called yet");
    let waiting = snap["waiting_list"].as_array().expect("waiting_list");
    let numbers: Vec<&Value> = waiting.iter().map(|t| &t["ticket_number"]).collect();
    assert_eq!(numbers, [&json!(1), &json!(2), &json!(3)]);
    for t in waiting {
        assert_eq!(t["status"], "waiting");
        assert!(t["creation_time"].is_f64(), "a JSON number: {t}");
        assert_eq!(t["service_type"], "poste");
    }
    let lines = log_lines(&snap);
    assert_eq!(lines.len(), 4);
    assert!(
        lines[0].ends_with("|take_ticket:3"),
        "newest first: {lines:?}"
    );
    assert!(lines[2].ends_with("|take_ticket:1"), "{lines:?}");
    assert!(lines[3].ends_with("|start_day"), "{lines:?}");
    let (time, _) = lines[0].split_once('|').expect("<time>|<action>");
    chrono::DateTime::parse_from_rfc3339(time).expect("log lines start with an ISO time");
    let entries = snap["log_entries"].as_array().expect("log_entries");
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["action"], "take_ticket");
    assert_eq!(entries[0]["ticket_number"], 3);
    assert_eq!(snap["figures"]["taken"], 3);
    assert_eq!(snap["figures"]["waiting"], 3);
    assert_eq!(snap["desks"], json!([]));
    assert!(
        !snap["activity"].as_array().expect("activity").is_empty(),
        "this minute's actions are counted"
    );

    // --- A ticket current. ----------------------------------------------------------------
    let call = app.post_call_next(None).await;
    call.assert_status(200);
    let call = call.json();
    assert_eq!(
        only(&call, &["current_ticket", "waiting_tickets"]),
        json!({"current_ticket": 1, "waiting_tickets": 2})
    );
    assert_eq!(call["finished_ticket"], Value::Null);
    assert_eq!(call["ticket"]["status"], "in_progress");
    assert_eq!(
        seed_status(app).await,
        json!({"day": day, "open": true, "queue_length": 2, "current_ticket": 1,
               "next_ticket": 2, "waiting_tickets": 2})
    );
    let snap = snapshot(app).await;
    let current = &snap["current_ticket_data"];
    assert_eq!(current["ticket_number"], 1);
    assert_eq!(current["status"], "in_progress");
    assert!(
        snap["avg_wait_seconds"]
            .as_f64()
            .expect("a wait once called")
            >= 0.0,
        "{snap}"
    );

    let finish = app.post_finish_current(None).await;
    finish.assert_status(200);
    assert_eq!(
        only(&finish.json(), &["finished_ticket"]),
        json!({"finished_ticket": 1})
    );
    let status = seed_status(app).await;
    assert_eq!(status["current_ticket"], Value::Null);
    assert_eq!(status["next_ticket"], 2);
    let again = app.post_finish_current(None).await;
    again.assert_status(200);
    assert_eq!(again.json()["message"], "Aucun ticket en cours");
    assert_eq!(ticket_status(app, 1).await, "completed");

    // --- call-next while a ticket is current finishes it (D1 fixed). ----------------------
    let call = app.post_call_next(None).await.json();
    assert_eq!(call["current_ticket"], 2);
    let call = app.post_call_next(None).await.json();
    assert_eq!(
        only(&call, &["current_ticket", "waiting_tickets"]),
        json!({"current_ticket": 3, "waiting_tickets": 0})
    );
    assert_eq!(call["finished_ticket"], 2);
    assert_eq!(
        ticket_status(app, 2).await,
        "completed",
        "no stranded ticket"
    );
    let snap = snapshot(app).await;
    assert_eq!(snap["figures"]["served"], 2);
    let desks = snap["desks"].as_array().expect("desks");
    assert_eq!(desks.len(), 1, "{desks:?}");
    assert_eq!(desks[0]["desk"], "1");
    assert_eq!(desks[0]["current"]["ticket_number"], 3);

    // --- end-day closes but keeps the data; waiting tickets stay callable. ----------------
    check_taken(&app.post_take().await.json(), &day, 4, 0);
    let end = app.post_end_day().await;
    end.assert_status(200);
    assert_eq!(
        end.json(),
        json!({"day": day, "ended": true, "open": false, "changed": true})
    );
    assert_eq!(app.post_end_day().await.json()["changed"], false);
    assert_eq!(
        seed_status(app).await,
        json!({"day": day, "open": false, "queue_length": 1, "current_ticket": 3,
               "next_ticket": 4, "waiting_tickets": 1})
    );
    let snap = snapshot(app).await;
    assert_eq!(snap["total_tickets"], 4, "closing keeps the tickets");
    assert!(log_lines(&snap)[0].ends_with("|end_day"));
    app.post_take().await.json_error(409, "day_closed");
    let call = app.post_call_next(None).await;
    call.assert_status(200);
    assert_eq!(call.json()["current_ticket"], 4);
    assert_eq!(call.json()["finished_ticket"], 3);

    // --- Reopening continues the numbering. -----------------------------------------------
    let start = app.post_start_day().await.json();
    assert_eq!(start["changed"], true);
    check_taken(&app.post_take().await.json(), &day, 5, 0);

    // --- reset-day wipes; numbering restarts at 1. ----------------------------------------
    let reset = app.post_reset_day().await;
    reset.assert_status(200);
    assert_eq!(
        reset.json(),
        json!({"day": day, "reset": true, "open": false, "tickets_removed": 5})
    );
    assert_eq!(
        seed_status(app).await,
        json!({"day": day, "open": false, "queue_length": 0, "current_ticket": null,
               "next_ticket": null, "waiting_tickets": 0})
    );
    app.get_ticket("1")
        .await
        .json_error(404, "ticket_not_found");
    let snap = snapshot(app).await;
    let lines = log_lines(&snap);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with("|reset_day"));
    assert_eq!(snap["total_tickets"], 0);
    assert_eq!(snap["hash_count"], 0);
    assert_eq!(snap["waiting_list"], json!([]));
    app.open_day().await;
    check_taken(&app.post_take().await.json(), &day, 1, 0);
}

/// The extensions beside the original endpoints: desks, services, idempotent takes,
/// recall, no-show, one ticket's status.
pub(crate) async fn extensions_scenario(app: &TestApp) {
    app.open_day().await;
    let day = app.today().await;
    for _ in 0..3 {
        app.take().await;
    }

    // One ticket's position and estimated wait: nobody served yet, 300 s assumed, one desk.
    let res = app.get_ticket("3").await;
    res.assert_status(200);
    let info = res.json();
    assert_eq!(info["day"], json!(day));
    assert_eq!(info["ticket"]["ticket_number"], 3);
    assert_eq!(info["status"], "waiting");
    assert_eq!(info["waiting_before"], 2);
    assert_eq!(info["estimated_wait_seconds"], 900);
    assert_eq!(info["queue_length"], 3);
    let first = app.get_ticket("1").await.json();
    assert_eq!(first["waiting_before"], 0);
    assert_eq!(first["estimated_wait_seconds"], 300);
    app.get_ticket("4")
        .await
        .json_error(404, "ticket_not_found");

    // Desks: each desk has its own current ticket.
    let a = app.post_call_next(Some("A")).await;
    a.assert_status(200);
    let a = a.json();
    assert_eq!(
        (a["current_ticket"].clone(), a["desk"].clone()),
        (json!(1), json!("A"))
    );
    let b = app.post_call_next(Some("guichet-2")).await.json();
    assert_eq!(
        (b["current_ticket"].clone(), b["desk"].clone()),
        (json!(2), json!("guichet-2"))
    );
    assert_eq!(
        b["finished_ticket"],
        Value::Null,
        "desk A's ticket is not touched"
    );
    let st = app.get_path("/api/tickets/status?desk=A").await.json();
    assert_eq!(
        (st["desk"].clone(), st["current_ticket"].clone()),
        (json!("A"), json!(1))
    );
    let st = app.get_status().await.json();
    assert_eq!(
        st["current_ticket"],
        Value::Null,
        "the default desk called nothing"
    );
    let called = app.get_ticket("1").await.json();
    assert_eq!(called["status"], "in_progress");
    assert_eq!(called["desk"], "A");
    assert_eq!(called["waiting_before"], Value::Null);
    assert_eq!(called["estimated_wait_seconds"], Value::Null);
    let info = app.get_ticket("3").await.json();
    assert_eq!(info["waiting_before"], 0);

    let done = app.post_finish_current(Some("A")).await.json();
    assert_eq!(
        (done["finished_ticket"].clone(), done["desk"].clone()),
        (json!(1), json!("A"))
    );
    let none = app.post_finish_current(Some("A")).await.json();
    assert_eq!(none["message"], "Aucun ticket en cours");
    assert_eq!(none["desk"], "A");
    assert_eq!(
        ticket_status(app, 2).await,
        "in_progress",
        "desk B still serves 2"
    );

    // Recall and no-show at desk C.
    let c = app.post_call_next(Some("C")).await.json();
    assert_eq!(c["current_ticket"], 3);
    let r = app.post_recall(Some("C")).await;
    r.assert_status(200);
    let r = r.json();
    assert_eq!(r["recalled_ticket"], 3);
    assert_eq!(r["desk"], "C");
    assert_eq!(r["ticket"]["recalls"], 1);
    assert_eq!(
        app.post_recall(Some("C")).await.json()["ticket"]["recalls"],
        2
    );
    assert_eq!(
        app.post_recall(Some("A")).await.json()["message"],
        "Aucun ticket en cours"
    );
    let gone = app.post_no_show(Some("C")).await;
    gone.assert_status(200);
    let gone = gone.json();
    assert_eq!(gone["no_show_ticket"], 3);
    assert_eq!(gone["ticket"]["status"], "no_show");
    assert_eq!(ticket_status(app, 3).await, "no_show");
    assert_eq!(
        app.post_no_show(Some("C")).await.json()["message"],
        "Aucun ticket en cours"
    );
    let snap = snapshot(app).await;
    assert_eq!(snap["figures"]["no_shows"], 1);
    assert_eq!(snap["figures"]["served"], 1);
    let desks: Vec<&Value> = snap["desks"]
        .as_array()
        .expect("desks")
        .iter()
        .map(|d| &d["desk"])
        .collect();
    for d in ["A", "C", "guichet-2"] {
        assert!(desks.contains(&&json!(d)), "desk {d} in {desks:?}");
    }
    let lines = log_lines(&snap);
    assert!(lines[0].ends_with("|no_show:3@C"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.ends_with("|recall:3@C")),
        "{lines:?}"
    );

    // service_type is honoured: the built-in office has the one service `poste` (an
    // office configuration adds others, see services.rs).
    app.post_take_json(r#"{"service_type": "banque"}"#)
        .await
        .json_error(422, "unknown_service");
    let poste = app.post_take_json(r#"{"service_type": "poste"}"#).await;
    poste.assert_status(201);
    let poste = poste.json();
    assert_eq!(poste["ticket"]["service_type"], "poste");
    assert_eq!(
        poste["ticket"]["label"], "4",
        "plain numbers without a prefix"
    );
    let n = poste["ticket"]["ticket_number"].as_u64().expect("a number");
    assert_eq!(n, 4);
    assert_eq!(
        app.get_ticket("4").await.json()["ticket"]["service_type"],
        "poste"
    );

    // Idempotency-Key: the same key gives the same ticket, 200 and replayed.
    let first = app.post_take_with_key("kiosk-1:abc").await;
    first.assert_status(201);
    let first = first.json();
    assert_eq!(first["replayed"], false);
    assert_eq!(first["ticket"]["ticket_number"], 5);
    let again = app.post_take_with_key("kiosk-1:abc").await;
    again.assert_status(200);
    let again = again.json();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["ticket"], first["ticket"], "the very same ticket");
    let other = app.post_take_with_key("kiosk-1:def").await;
    other.assert_status(201);
    let other = other.json();
    assert_eq!(other["ticket"]["ticket_number"], 6);
    assert_eq!(app.get_status().await.json()["total_tickets"], 6);
    // The link carries the holder's key, the same when the take is replayed.
    let url = first["ticket_url"].as_str().expect("ticket_url");
    let key = url
        .strip_prefix(&format!("/api/tickets/follow/{day}/5?k="))
        .unwrap_or_else(|| panic!("{url}"));
    assert!(
        key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(again["ticket_url"], first["ticket_url"]);
    assert_ne!(other["ticket_url"], first["ticket_url"]);

    // Messages follow the language asked.
    let en = app
        .send(
            app.as_staff(app.post_json("/api/tickets/finish-current", r#"{"desk": "Z"}"#))
                .insert_header(("Accept-Language", "en")),
        )
        .await
        .json();
    assert_eq!(en["message"], "No current ticket");
}

#[actix_web::test]
async fn the_seed_scenario_holds_on_the_memory_store() {
    let app = spawn_app().await;
    seed_scenario(&app).await;
}

#[actix_web::test]
async fn desks_services_idempotent_takes_recall_and_no_show_work_on_the_memory_store() {
    let app = spawn_app().await;
    extensions_scenario(&app).await;
}

#[actix_web::test]
async fn take_accepts_no_body_an_empty_object_or_whitespace() {
    let app = spawn_app().await;
    app.open_day().await;
    app.post_take().await.assert_status(201);
    app.post_take_json("{}").await.assert_status(201);
    app.post_take_json("  \n").await.assert_status(201);
    app.post_take_json(r#"{"service_type": null}"#)
        .await
        .assert_status(201);
    assert_eq!(app.get_status().await.json()["queue_length"], 4);
}

#[actix_web::test]
async fn a_known_idempotency_key_still_answers_once_the_day_is_closed() {
    let app = spawn_app().await;
    app.open_day().await;
    let first = app.post_take_with_key("borne-7").await.json();
    app.post_end_day().await.assert_status(200);
    let again = app.post_take_with_key("borne-7").await;
    again.assert_status(200);
    assert_eq!(again.json()["ticket"], first["ticket"]);
    app.post_take_with_key("borne-8")
        .await
        .json_error(409, "day_closed");
}

#[actix_web::test]
async fn snapshot_limits_come_from_the_query() {
    let app = spawn_app().await;
    app.open_day().await;
    for _ in 0..5 {
        app.take().await;
    }
    let snap = app
        .get_staff("/api/tickets/snapshot?waiting=2&logs=3&activity_minutes=0")
        .await;
    snap.assert_status(200);
    let snap = snap.json();
    assert_eq!(snap["waiting_list"].as_array().map(Vec::len), Some(2));
    assert_eq!(snap["logs"].as_array().map(Vec::len), Some(3));
    assert_eq!(snap["activity"], json!([]));
    assert_eq!(snap["queue_length"], 5);
}
