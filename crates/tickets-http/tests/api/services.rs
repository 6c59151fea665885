//! Issue 11 over HTTP: the office configuration (`GET`/`PUT /api/config`), takes for a
//! service and a priority class with each refusal, calling a given ticket, transfer,
//! requeue, and the per-service status and snapshot.
//!
//! The scenarios take a [`TestApp`], whatever its backend: `redis.rs` runs the same ones
//! against a real Redis.

use serde_json::{Value, json};
use tickets_core::{MemoryBackend, OfficeConfig, TicketQueue};
use tickets_http::{OfficeApplied, apply_office};

use crate::helpers::{TestApp, spawn_app};

/// An office with four services (one closed, one with a daily limit of 2), a priority
/// class offered by `courrier` only, and two desks.
pub(crate) fn office() -> Value {
    json!({
        "services": [
            {"code": "courrier", "prefix": "A", "name": {"fr": "Courrier", "en": "Letters"},
             "priority": true, "target_wait_minutes": 10},
            {"code": "colis", "prefix": "B", "name": {"fr": "Colis", "en": "Parcels"}},
            {"code": "banque", "prefix": "C", "name": {"fr": "Banque", "en": "Bank"},
             "daily_limit": 2},
            {"code": "retraits", "prefix": "D", "name": {"fr": "Retraits", "en": "Withdrawals"},
             "open": false}
        ],
        "priorities": [
            {"code": "prioritaire", "name": {"fr": "Prioritaire", "en": "Priority"}, "weight": 1}
        ],
        "desks": [
            {"id": "1", "name": {"fr": "Guichet 1", "en": "Desk 1"},
             "services": ["courrier", "colis"], "priority_ratio": 2},
            {"id": "2", "name": {"fr": "Guichet 2", "en": "Desk 2"},
             "services": ["colis", "banque", "retraits"]}
        ]
    })
}

/// `GET`/`PUT /api/config`: the built-in office at version 0, a change with and without
/// `If-Match`, a conflict, and the field of an invalid configuration.
pub(crate) async fn config_scenario(app: &TestApp) {
    let res = app.get_config().await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"0\""));
    let built_in = res.json();
    assert_eq!(built_in["version"], 0);
    assert_eq!(built_in["services"][0]["code"], "poste");
    assert_eq!(built_in["services"][0]["prefix"], "");
    assert_eq!(built_in["desks"], json!([]));

    // A change based on version 0; the version in the body is ignored.
    let mut body = office();
    body["version"] = json!(41);
    let res = app.put_config(&body.to_string(), Some("\"0\"")).await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some("\"1\""));
    let stored = res.json();
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["services"][1]["code"], "colis");
    assert_eq!(stored["services"][3]["open"], false);
    assert_eq!(stored["desks"][0]["priority_ratio"], 2);
    let read = app.get_config().await;
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(read.json(), stored);

    // Another change based on version 0 came too late.
    let late = app.put_config(&office().to_string(), Some("\"0\"")).await;
    let err = late.json_error(409, "version_conflict");
    assert_eq!(err["version"], 1, "the current version: {err}");
    // A bare version is accepted, and `*` (or no header) means any.
    let res = app.put_config(&office().to_string(), Some("1")).await;
    res.assert_status(200);
    assert_eq!(res.json()["version"], 2);
    let res = app.put_config(&office().to_string(), Some("*")).await;
    assert_eq!(res.json()["version"], 3);
    app.put_config(&office().to_string(), Some("trois"))
        .await
        .json_error(422, "invalid_field");

    // Invalid: the field is named; nothing is stored.
    let mut twins = office();
    twins["services"][1]["prefix"] = json!("A");
    let err = app
        .put_config(&twins.to_string(), None)
        .await
        .json_error(422, "invalid_field");
    assert_eq!(err["field"], "service[1].prefix", "{err}");
    let mut stray = office();
    stray["desks"][1]["services"][0] = json!("guichet-auto");
    let err = app
        .put_config(&stray.to_string(), None)
        .await
        .json_error(422, "invalid_field");
    assert_eq!(err["field"], "desk[1].services[0]", "{err}");
    let err = app
        .put_config(r#"{"services": [], "colour": "blue"}"#, None)
        .await
        .json_error(422, "invalid_field");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour"),
        "{err}"
    );
    app.put_config("{", None)
        .await
        .json_error(400, "malformed_json");
    assert_eq!(app.get_config().await.json()["version"], 3);
}

/// Takes for a service and a priority class, with labels, and every refusal.
pub(crate) async fn take_scenario(app: &TestApp) {
    app.configure(&office()).await;
    app.open_day().await;

    let res = app.post_take_for("courrier", None).await;
    res.assert_status(201);
    let body = res.json();
    assert_eq!(body["ticket"]["service_type"], "courrier");
    assert_eq!(body["ticket"]["label"], "A001");
    assert_eq!(body["ticket"]["priority"], Value::Null);
    assert_eq!(body["ticket"]["ticket_number"], 1);
    assert_eq!(app.take_for("colis", None).await, (2, "B001".to_owned()));
    // A priority ticket goes before the normal one of its service.
    let res = app.post_take_for("courrier", Some("prioritaire")).await;
    res.assert_status(201);
    let body = res.json();
    assert_eq!(body["ticket"]["label"], "A002");
    assert_eq!(body["ticket"]["priority"], "prioritaire");
    assert_eq!(body["waiting_before"], 0, "{body}");
    // `priority: null` is no priority.
    let res = app
        .post_take_json(r#"{"service_type": "courrier", "priority": null}"#)
        .await;
    res.assert_status(201);
    assert_eq!(res.json()["waiting_before"], 2);

    // Refusals, each with its code and a message for the kiosk.
    let err = app
        .post_take_for("guichet-auto", None)
        .await
        .json_error(422, "unknown_service");
    assert_eq!(err["field"], "service_type");
    let err = app
        .post_take_for("colis", Some("prioritaire"))
        .await
        .json_error(422, "priority_not_offered");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Colis"),
        "the service's name: {err}"
    );
    let en = app
        .send(
            app.post_json(
                "/api/tickets/take",
                r#"{"service_type": "colis", "priority": "prioritaire"}"#,
            )
            .insert_header(("Accept-Language", "en")),
        )
        .await
        .json_error(422, "priority_not_offered");
    assert!(
        en["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Parcels"),
        "{en}"
    );
    let err = app
        .post_take_for("courrier", Some("vip"))
        .await
        .json_error(422, "unknown_priority");
    assert_eq!(err["field"], "priority");
    app.post_take_json(r#"{"service_type": "courrier", "priority": "a b"}"#)
        .await
        .json_error(422, "invalid_field");
    app.post_take_json(r#"{"service_type": "courrier", "priority": 1}"#)
        .await
        .json_error(422, "invalid_field");
    let err = app
        .post_take_for("retraits", None)
        .await
        .json_error(409, "service_closed");
    assert_eq!(err["service"], "retraits");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Retraits")
    );
    assert_eq!(app.take_for("banque", None).await.1, "C001");
    assert_eq!(app.take_for("banque", None).await.1, "C002");
    let err = app
        .post_take_for("banque", None)
        .await
        .json_error(409, "daily_limit_reached");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Banque"),
        "{err}"
    );
    // The day closed comes first, with the original answer.
    app.post_end_day().await.assert_status(200);
    let err = app
        .post_take_for("colis", None)
        .await
        .json_error(409, "day_closed");
    assert_eq!(err["closed"], true);
}

/// Call a given ticket, transfer and requeue, with their refusals.
pub(crate) async fn desk_scenario(app: &TestApp) {
    app.configure(&office()).await;
    app.open_day().await;
    let (a1, _) = app.take_for("courrier", None).await;
    let (b1, _) = app.take_for("colis", None).await;
    let (a2, _) = app.take_for("courrier", None).await;
    let (c1, _) = app.take_for("banque", None).await;

    // Call A002 to desk 1 out of order.
    let res = app.post_call("1", a2).await;
    res.assert_status(200);
    let body = res.json();
    assert_eq!(body["current_ticket"], a2);
    assert_eq!(body["desk"], "1");
    assert_eq!(body["finished_ticket"], Value::Null);
    assert_eq!(body["ticket"]["label"], "A002");
    assert_eq!(body["ticket"]["status"], "in_progress");
    assert_eq!(body["waiting_tickets"], 3);
    let err = app.post_call("2", a2).await.json_error(409, "wrong_status");
    assert_eq!(
        (err["ticket"].clone(), err["status"].clone()),
        (json!(a2), json!("in_progress"))
    );
    let err = app.post_call("9", a1).await.json_error(422, "unknown_desk");
    assert_eq!(err["field"], "desk");
    app.post_call("1", 999)
        .await
        .json_error(404, "ticket_not_found");
    for bad in [
        r#"{"desk": "1"}"#,
        r#"{"desk": "1", "ticket": 0}"#,
        r#"{"ticket": "x"}"#,
    ] {
        let err = app
            .post_staff("/api/tickets/call", bad)
            .await
            .json_error(422, "invalid_field");
        assert_eq!(err["field"], "ticket", "{bad}: {err}");
    }
    let log = app.get_snapshot().await.json()["logs"][0].clone();
    assert!(
        log.as_str()
            .unwrap_or_default()
            .ends_with(&format!("|call_ticket:{a2}@1")),
        "{log}"
    );

    // Transfer the waiting A001 to parcels, in front: it keeps its label.
    let res = app
        .post_transfer(&json!({"ticket": a1, "service": "colis", "position": "front"}))
        .await;
    res.assert_status(200);
    let body = res.json();
    assert_eq!(body["transferred_ticket"], a1);
    assert_eq!(body["service"], "colis");
    assert_eq!(body["position"], "front");
    assert_eq!(body["ticket"]["service_type"], "colis");
    assert_eq!(body["ticket"]["label"], "A001");
    assert_eq!(body["ticket"]["transfers"], 1);
    // Desk 2 serves parcels first: A001, now at the front of parcels, before B001.
    let called = app.post_call_next(Some("2")).await.json();
    assert_eq!(called["current_ticket"], a1, "{called}");
    // The desk's current ticket goes to the bank's queue (default position: arrival).
    let res = app
        .post_transfer(&json!({"ticket": a1, "service": "banque", "desk": "2"}))
        .await;
    res.assert_status(200);
    let body = res.json();
    assert_eq!(body["position"], "arrival");
    assert_eq!(body["ticket"]["status"], "waiting");
    assert_eq!(body["ticket"]["desk"], Value::Null);
    let err = app
        .post_transfer(&json!({"ticket": b1, "service": "guichet-auto"}))
        .await
        .json_error(422, "unknown_service");
    assert_eq!(err["field"], "service");
    for (bad, field) in [
        (
            json!({"ticket": b1, "service": "colis", "position": "back"}),
            "position",
        ),
        (json!({"ticket": b1}), "service"),
        (json!({"service": "colis"}), "ticket"),
        (
            json!({"ticket": b1, "service": "colis", "desk": "a b"}),
            "desk",
        ),
    ] {
        let err = app
            .post_transfer(&bad)
            .await
            .json_error(422, "invalid_field");
        assert_eq!(err["field"], field, "{bad}: {err}");
    }
    app.post_transfer(&json!({"ticket": 999, "service": "colis"}))
        .await
        .json_error(404, "ticket_not_found");

    // Requeue a no-show at its arrival place.
    app.post_call("2", c1).await.assert_status(200);
    app.post_no_show(Some("2")).await.assert_status(200);
    let res = app.post_requeue(c1).await;
    res.assert_status(200);
    let body = res.json();
    assert_eq!(body["requeued_ticket"], c1);
    assert_eq!(body["ticket"]["status"], "waiting");
    assert_eq!(body["ticket"]["label"], "C001");
    let err = app.post_requeue(c1).await.json_error(409, "wrong_status");
    assert_eq!(err["status"], "waiting");
    app.post_requeue(999)
        .await
        .json_error(404, "ticket_not_found");
    let info = app.get_ticket(&c1.to_string()).await.json();
    assert_eq!(info["status"], "waiting");
    assert_eq!(info["ticket"]["label"], "C001");
}

/// The status and the snapshot per service; a service with waiting tickets is closed,
/// not removed.
pub(crate) async fn status_scenario(app: &TestApp) {
    app.configure(&office()).await;
    app.open_day().await;
    app.take_for("courrier", None).await;
    app.take_for("courrier", Some("prioritaire")).await;
    let (b1, _) = app.take_for("colis", None).await;

    let res = app.get_status().await;
    res.assert_status(200);
    let st = res.json();
    let services = st["services"].as_array().expect("services");
    let codes: Vec<&str> = services.iter().filter_map(|s| s["code"].as_str()).collect();
    assert_eq!(codes, ["courrier", "colis", "banque", "retraits"]);
    let courrier = &services[0];
    assert_eq!(courrier["label"], "Courrier");
    assert_eq!(courrier["name"], json!({"fr": "Courrier", "en": "Letters"}));
    assert_eq!(courrier["prefix"], "A");
    assert_eq!(courrier["priority"], true);
    assert_eq!(courrier["open"], true);
    assert_eq!(courrier["waiting"], 2);
    assert_eq!(courrier["next_label"], "A002", "priority first");
    assert!(
        courrier["estimated_wait_seconds"]
            .as_u64()
            .is_some_and(|s| s > 0)
    );
    assert_eq!(services[1]["next_label"], "B001");
    assert_eq!(services[2]["waiting"], 0);
    assert_eq!(services[2]["next_label"], Value::Null);
    assert_eq!(services[3]["open"], false);
    let en = app.get_path("/api/tickets/status?lang=en").await.json();
    assert_eq!(en["services"][0]["label"], "Letters");
    assert_eq!(en["services"][1]["label"], "Parcels");

    let snap = app.get_snapshot().await.json();
    let figures = snap["services"].as_array().expect("per-service figures");
    assert_eq!(figures[0]["code"], "courrier");
    assert_eq!(figures[0]["waiting"], 2);
    assert_eq!(figures[0]["waiting_by_priority"], json!({"prioritaire": 1}));
    assert_eq!(figures[0]["queue"], json!([2, 1]), "calling order");
    assert_eq!(figures[1]["queue"], json!([b1]));
    assert_eq!(snap["priorities"][0]["code"], "prioritaire");
    assert_eq!(snap["priorities"][0]["waiting"], 1);

    // Removing parcels would lose B001: refused; closing it is the way.
    let mut without = office();
    without["services"]
        .as_array_mut()
        .expect("services")
        .remove(1);
    without["desks"][0]["services"] = json!(["courrier"]);
    without["desks"][1]["services"] = json!(["banque", "retraits"]);
    let err = app
        .put_config(&without.to_string(), None)
        .await
        .json_error(409, "service_in_use");
    assert_eq!(
        (err["service"].clone(), err["waiting"].clone()),
        (json!("colis"), json!(1))
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("open = false"),
        "{err}"
    );
    let mut closed = office();
    closed["services"][1]["open"] = json!(false);
    app.configure(&closed).await;
    app.post_take_for("colis", None)
        .await
        .json_error(409, "service_closed");
    let called = app.post_call_next(Some("2")).await.json();
    assert_eq!(called["current_ticket"], b1, "its tickets stay callable");
}

#[actix_web::test]
async fn the_office_configuration_is_read_and_replaced_with_its_version() {
    config_scenario(&spawn_app().await).await;
}

#[actix_web::test]
async fn takes_name_a_service_and_a_priority_and_every_refusal_has_its_code() {
    take_scenario(&spawn_app().await).await;
}

#[actix_web::test]
async fn desks_call_a_given_ticket_transfer_and_requeue() {
    desk_scenario(&spawn_app().await).await;
}

#[actix_web::test]
async fn the_status_and_the_snapshot_show_each_service() {
    status_scenario(&spawn_app().await).await;
}

#[actix_web::test]
async fn the_office_and_the_new_desk_actions_are_for_staff_only() {
    let app = spawn_app().await;
    app.get_path("/api/config")
        .await
        .json_error(401, "unauthorized");
    app.send(
        app.request(actix_web::http::Method::PUT, "/api/config")
            .insert_header(("content-type", "application/json"))
            .set_payload(office().to_string()),
    )
    .await
    .json_error(401, "unauthorized");
    for (path, body) in [
        ("/api/tickets/call", r#"{"ticket": 1}"#),
        (
            "/api/tickets/transfer",
            r#"{"ticket": 1, "service": "poste"}"#,
        ),
        ("/api/tickets/requeue", r#"{"ticket": 1}"#),
    ] {
        app.send(app.post_json(path, body))
            .await
            .json_error(401, "unauthorized");
    }
    // Nor from another site, even signed in.
    app.send(
        app.as_staff(app.request(actix_web::http::Method::PUT, "/api/config"))
            .insert_header(("content-type", "application/json"))
            .insert_header(("origin", "https://elsewhere.example"))
            .set_payload(office().to_string()),
    )
    .await
    .json_error(403, "cross_origin");
    // Nothing was changed.
    assert_eq!(app.get_config().await.json()["version"], 0);
}

#[actix_web::test]
async fn a_configuration_file_is_stored_once_unless_overwrite_is_asked() {
    let queue = TicketQueue::new(MemoryBackend::new());
    let file = OfficeConfig::from_toml(include_str!("../../../../deploy/office.example.toml"))
        .expect("the example file is valid");
    let applied = apply_office(&queue, file.clone(), false, "office.toml").await;
    assert_eq!(applied.ok(), Some(OfficeApplied::Stored(1)));
    // A change made since (through PUT /api/config) is kept at the next start…
    let mut changed = file.clone();
    changed.services[0].open = false;
    queue.put_office(changed, Some(1)).await.expect("stored");
    let applied = apply_office(&queue, file.clone(), false, "office.toml").await;
    assert_eq!(applied.ok(), Some(OfficeApplied::Kept(2)));
    assert!(!queue.office().services[0].open);
    // …unless the file is to overwrite it.
    let applied = apply_office(&queue, file, true, "office.toml").await;
    assert_eq!(applied.ok(), Some(OfficeApplied::Stored(3)));
    assert!(queue.office().services[0].open);
}
