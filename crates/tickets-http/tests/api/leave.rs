//! A ticket's holder leaves the queue: `POST /api/tickets/leave` and the ticket page's
//! form; only with the key of the ticket's link, on both stores.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_redis_app};

/// The day, number and key of a ticket taken now.
async fn take(app: &TestApp) -> (String, u64, String, String) {
    let taken = app.post_take().await;
    taken.assert_status(201);
    let taken = taken.json();
    let day = taken["day"].as_str().expect("day").to_owned();
    let n = taken["ticket"]["ticket_number"].as_u64().expect("number");
    let url = taken["ticket_url"].as_str().expect("ticket_url").to_owned();
    let key = url
        .split_once("?k=")
        .map(|(_, k)| k.to_owned())
        .unwrap_or_else(|| panic!("a key in {url}"));
    (day, n, key, url)
}

async fn leave(app: &TestApp, body: &Value) -> crate::helpers::TestResponse {
    app.send(app.post_json("/api/tickets/leave", &body.to_string()))
        .await
}

async fn a_holder_leaves_with_the_key_of_the_link_only(app: TestApp) {
    app.open_day().await;
    let (day, one, key_one, _) = take(&app).await;
    let (_, two, key_two, _) = take(&app).await;
    let (_, three, _, _) = take(&app).await;

    // Someone who knows the number but not the key, or another ticket's key.
    for key in [key_one.as_str(), "0123456789abcdef0123456789abcdef"] {
        let refused = leave(&app, &json!({"day": day, "ticket": two, "key": key})).await;
        let err = refused.json_error(403, "wrong_ticket_key");
        assert!(
            err["message"].as_str().unwrap_or_default().contains("QR"),
            "{err}"
        );
    }
    // Bad input, each with the field it is about.
    for (body, field) in [
        (json!({"ticket": two, "key": key_two}), "day"),
        (
            json!({"day": "30/11/2026", "ticket": two, "key": key_two}),
            "day",
        ),
        (json!({"day": day, "key": key_two}), "ticket"),
        (json!({"day": day, "ticket": 0, "key": key_two}), "ticket"),
        (json!({"day": day, "ticket": two}), "key"),
        (json!({"day": day, "ticket": two, "key": 12}), "key"),
    ] {
        let err = leave(&app, &body).await.json_error(422, "invalid_field");
        assert_eq!(err["field"], field, "{body}: {err}");
    }
    let malformed = app
        .send(app.post_json("/api/tickets/leave", "{\"day\": "))
        .await;
    assert_eq!(malformed.status.as_u16(), 400, "{}", malformed.text());
    // Another day's ticket, or one that does not exist.
    leave(
        &app,
        &json!({"day": "2020-01-01", "ticket": two, "key": key_two}),
    )
    .await
    .json_error(404, "ticket_not_found");
    leave(&app, &json!({"day": day, "ticket": 99, "key": key_two}))
        .await
        .json_error(404, "ticket_not_found");

    let left = leave(&app, &json!({"day": day, "ticket": two, "key": key_two})).await;
    left.assert_status(200);
    let left = left.json();
    assert_eq!(left["ticket"]["status"], "cancelled");
    assert!(left["ticket"]["finish_time"].is_number(), "{left}");
    // Twice: the same answer.
    let again = leave(&app, &json!({"day": day, "ticket": two, "key": key_two})).await;
    again.assert_status(200);
    assert_eq!(again.json()["ticket"], left["ticket"]);

    // The one behind moves up; the figures count it as left.
    let behind = app.get_ticket(&three.to_string()).await.json();
    assert_eq!(behind["waiting_before"], 1, "{behind}");
    let snap = app.get_snapshot().await.json();
    assert_eq!(snap["figures"]["left"], 1, "{snap}");
    assert_eq!(snap["queue_length"], 2, "{snap}");

    // A called ticket cannot be left any more.
    app.post_call_next(None).await.assert_status(200);
    let late = leave(&app, &json!({"day": day, "ticket": one, "key": key_one})).await;
    let err = late.json_error(409, "wrong_status");
    assert_eq!(err["status"], "in_progress");
}

#[actix_web::test]
async fn a_holder_leaves_with_the_key_of_the_link_only_on_memory() {
    a_holder_leaves_with_the_key_of_the_link_only(spawn_app().await).await;
}

#[actix_web::test]
async fn a_holder_leaves_with_the_key_of_the_link_only_on_redis() {
    let (_redis, app) = spawn_redis_app().await;
    a_holder_leaves_with_the_key_of_the_link_only(app).await;
}

#[actix_web::test]
async fn the_ticket_page_offers_leaving_to_its_holder_only() {
    let app = spawn_app().await;
    app.open_day().await;
    let (day, n, key, url) = take(&app).await;
    let plain = format!("/api/tickets/follow/{day}/{n}");

    // Without the key, or with a wrong one: the ticket, read-only.
    for path in [
        plain.clone(),
        format!("{plain}?k=0123456789abcdef0123456789abcdef"),
    ] {
        let html = app.get_path(&path).await.html(200);
        assert!(!html.contains("/leave\""), "{path}: {html}");
    }
    // The holder's page: the form, behind a disclosure, posting the key.
    let html = app.get_path(&url).await.html(200);
    assert!(html.contains("<details"), "{html}");
    assert!(
        html.contains(&format!("action=\"{plain}/leave\"")),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{key}\"")), "{html}");
    // The kiosk's page of the ticket carries the key into its QR code's link.
    let kiosk = app.get_path(&format!("{url}&kiosk=1")).await.html(200);
    assert!(kiosk.contains(&format!("{plain}?k={key}")), "{kiosk}");

    // A wrong key is refused with a page that says why.
    let wrong = app
        .send(
            app.post(&format!("{plain}/leave"))
                .set_form([("k", "nope")]),
        )
        .await;
    let page = wrong.html(403);
    assert!(page.contains("QR"), "{page}");
    // The holder leaves, and comes back to the ticket, cancelled, without the form.
    let res = app
        .send(
            app.post(&format!("{plain}/leave"))
                .set_form([("k", key.as_str())]),
        )
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), url);
    let after = app.get_path(&url).await.html(200);
    assert!(after.contains("annulé"), "{after}");
    assert!(!after.contains("/leave\""), "{after}");
    // Leaving a ticket already called says it is too late.
    let (_, m, key_m, _) = take(&app).await;
    app.post_call_next(None).await.assert_status(200);
    let late = app
        .send(
            app.post(&format!("/api/tickets/follow/{day}/{m}/leave"))
                .set_form([("k", key_m.as_str())]),
        )
        .await;
    late.html(409);
}
