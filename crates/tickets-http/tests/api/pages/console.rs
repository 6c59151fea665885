//! The staff console: its actions and their outcome, resets, the desk it remembers, the office's desks.

use super::*;

#[actix_web::test]
async fn console_actions_come_back_with_their_outcome() {
    let app = spawn_app().await;
    let res = app
        .post_console(&[("action", "open_day"), ("desk", "A")])
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/tickets/staff?done=opened&desk=A");
    let again = app
        .post_console(&[("action", "open_day"), ("desk", "A")])
        .await;
    assert_eq!(
        again.location(),
        "/api/tickets/staff?done=already_open&desk=A"
    );
    app.take().await;
    app.take().await;

    let res = app
        .post_console(&[("action", "call_next"), ("desk", "A")])
        .await;
    res.assert_status(303);
    let location = res.location().to_owned();
    assert!(location.contains("done=called"), "{location}");
    assert!(location.contains("n=1"), "{location}");
    assert!(location.contains("desk=A"), "{location}");
    let html = assert_clean_page(&app.get_staff(&location).await, 200);
    assert!(html.contains("Ticket 1 appelé."), "{html}");
    assert!(
        html.contains(r#"data-current="1""#),
        "the desk shows its ticket"
    );

    let steps: [(&str, &str); 6] = [
        ("recall", "done=recalled&desk=A&n=1"),
        ("finish", "done=finished&desk=A&n=1"),
        ("finish", "done=none_current&desk=A"),
        ("call_next", "done=called&desk=A&n=2"),
        ("no_show", "done=no_show&desk=A&n=2"),
        ("call_next", "done=none_waiting&desk=A"),
    ];
    for (action, outcome) in steps {
        let res = app.post_console(&[("action", action), ("desk", "A")]).await;
        res.assert_status(303);
        assert_eq!(
            res.location(),
            format!("/api/tickets/staff?{outcome}"),
            "{action}"
        );
    }
    let res = app.post_console(&[("action", "close_day")]).await;
    assert_eq!(res.location(), "/api/tickets/staff?done=closed&desk=1");
    assert_eq!(app.get_status().await.json()["open"], false);

    let res = app
        .post_console(&[("action", "dance"), ("desk", "A")])
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?done=unknown&desk=A");
    let res = app
        .post_console(&[("action", "call_next"), ("desk", "a b")])
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?done=bad_desk");
}

#[actix_web::test]
async fn reset_from_the_console_needs_confirmation() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    app.take().await;
    for form in [
        vec![("action", "reset_day")],
        vec![("action", "reset_day"), ("confirm", "no")],
        vec![("action", "reset_day"), ("confirm", "")],
    ] {
        let res = app.post_console(&form).await;
        res.assert_status(303);
        assert!(
            res.location().contains("done=reset_unconfirmed"),
            "{}",
            res.location()
        );
    }
    assert_eq!(
        app.get_status().await.json()["total_tickets"],
        2,
        "nothing erased"
    );
    let res = app
        .post_console(&[("action", "reset_day"), ("confirm", "yes")])
        .await;
    assert_eq!(
        res.location(),
        "/api/tickets/staff?done=reset&desk=1&removed=2"
    );
    let html = assert_clean_page(&app.get_staff(res.location()).await, 200);
    assert!(
        html.contains("Journée remise à zéro : 2 ticket(s) effacé(s)."),
        "{html}"
    );
    let st = app.get_status().await.json();
    assert_eq!(
        (st["total_tickets"].clone(), st["open"].clone()),
        (0.into(), false.into())
    );
}

#[actix_web::test]
async fn resetting_a_day_without_tickets_lands_on_a_working_console() {
    let app = spawn_app().await;
    // A day never opened, then the same reset again: nothing to remove, twice.
    for _ in 0..2 {
        let res = app
            .post_console(&[("action", "reset_day"), ("desk", "2"), ("confirm", "yes")])
            .await;
        res.assert_status(303);
        assert_eq!(
            res.location(),
            "/api/tickets/staff?done=reset&desk=2&removed=0"
        );
        let html = assert_clean_page(&app.get_staff(res.location()).await, 200);
        assert!(
            html.contains("Journée remise à zéro : 0 ticket(s) effacé(s)."),
            "{html}"
        );
        assert!(html.contains("data-live=\"staff-state\""), "{html}");
    }
    // Without the count, the outcome still reads well.
    let html = app
        .get_staff("/api/tickets/staff?done=reset&desk=2")
        .await
        .html(200);
    assert!(html.contains("Journée remise à zéro.</p>"), "{html}");
}

#[actix_web::test]
async fn the_console_remembers_the_desk_in_a_cookie() {
    let app = spawn_app().await;
    let res = app.get_staff("/api/tickets/staff?desk=guichet-3").await;
    let html = assert_clean_page(&res, 200);
    assert!(html.contains(r#"name="desk" value="guichet-3""#), "{html}");
    let cookie = res.set_cookie("desk").expect("the desk is remembered");
    assert_eq!(cookie.value(), "guichet-3");
    assert_eq!(cookie.http_only(), Some(true));
    let html = app
        .send(
            app.as_staff(app.get("/api/tickets/staff"))
                .cookie(cookie.into_owned()),
        )
        .await
        .html(200);
    assert!(html.contains(r#"name="desk" value="guichet-3""#));
    // A bad desk in the URL is reported, not used.
    let html = app
        .get_staff("/api/tickets/staff?desk=a%20b")
        .await
        .html(200);
    assert!(html.contains("notice-warn"), "{html}");
}

#[actix_web::test]
async fn the_console_lists_the_desks_services_calls_a_given_ticket_transfers_and_requeues() {
    let app = spawn_office(office(|_| {})).await;
    for service in ["courrier", "colis", "banque", "colis"] {
        kiosk_take(&app, &[("service_type", service)]).await;
    }
    // Desk 1 serves letters and parcels, not banking.
    let html = assert_clean_page(&app.get_staff("/api/tickets/staff?desk=1").await, 200);
    assert!(
        html.contains(r#"<h1 id="desk-title" data-desk-name>Guichet 1</h1>"#),
        "{html}"
    );
    assert!(html.contains(r#"<strong data-service-waiting="courrier">1</strong>"#));
    assert!(html.contains(r#"<strong data-service-waiting="colis">2</strong>"#));
    assert!(!html.contains(r#"data-service-waiting="banque""#));
    for label in ["A001", "B001", "B002"] {
        assert!(
            html.contains(&format!(r#"<span class="visually-hidden"> {label}</span>"#)),
            "{label}"
        );
    }
    assert!(!html.contains("C001</span>"), "not this desk's service");
    assert!(
        html.contains(r#"name="service" required"#),
        "the transfer form"
    );

    // Call B002 out of turn.
    let res = app
        .post_console(&[("action", "call_ticket"), ("desk", "1"), ("ticket", "4")])
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?done=called&desk=1&n=4");
    let html = app.get_staff(res.location()).await.html(200);
    assert!(html.contains("Ticket B002 appelé."), "{html}");
    assert!(html.contains(r#"data-current="4">B002</p>"#));
    // Again: it no longer waits.
    let res = app
        .post_console(&[("action", "call_ticket"), ("desk", "1"), ("ticket", "4")])
        .await;
    assert_eq!(
        res.location(),
        "/api/tickets/staff?done=not_waiting&desk=1&n=4"
    );
    let html = app.get_staff(res.location()).await.html(200);
    assert!(
        html.contains("Le ticket B002 n'est plus en attente"),
        "{html}"
    );

    // Transfer the current ticket to banking, at the front.
    let res = app
        .post_console(&[
            ("action", "transfer"),
            ("desk", "1"),
            ("ticket", "4"),
            ("service", "banque"),
            ("position", "front"),
        ])
        .await;
    assert_eq!(
        res.location(),
        "/api/tickets/staff?done=transferred&desk=1&n=4&to=banque"
    );
    let html = app.get_staff(res.location()).await.html(200);
    assert!(
        html.contains("Ticket B002 transféré vers « Banque »."),
        "{html}"
    );
    let ticket = app.get_ticket("4").await.json()["ticket"].clone();
    assert_eq!(
        (
            ticket["service_type"].as_str(),
            ticket["label"].as_str(),
            ticket["status"].as_str()
        ),
        (Some("banque"), Some("B002"), Some("waiting"))
    );
    // Desk 3 (banking first) calls it next: it went to the front.
    let html = app.get_staff("/api/tickets/staff?desk=3").await.html(200);
    assert!(html.contains(r#"class="is-next""#), "{html}");
    let res = app
        .post_console(&[("action", "call_next"), ("desk", "3")])
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?done=called&desk=3&n=4");

    // A no-show is offered back, and put back.
    app.post_console(&[("action", "no_show"), ("desk", "3")])
        .await
        .assert_status(303);
    let html = app.get_staff("/api/tickets/staff?desk=3").await.html(200);
    assert!(html.contains(r#"id="requeue-4""#), "{html}");
    let res = app
        .post_console(&[("action", "requeue"), ("desk", "3"), ("ticket", "4")])
        .await;
    assert_eq!(
        res.location(),
        "/api/tickets/staff?done=requeued&desk=3&n=4"
    );
    assert_eq!(
        app.get_ticket("4").await.json()["ticket"]["status"],
        "waiting"
    );
    let res = app
        .post_console(&[("action", "requeue"), ("desk", "3"), ("ticket", "4")])
        .await;
    assert_eq!(
        res.location(),
        "/api/tickets/staff?done=not_no_show&desk=3&n=4"
    );

    // Refusals.
    let steps: [(&[(&str, &str)], &str); 5] = [
        (
            &[("action", "call_next"), ("desk", "9")],
            "done=unknown_desk&desk=9",
        ),
        (
            &[("action", "call_ticket"), ("desk", "1")],
            "done=bad_ticket&desk=1",
        ),
        (
            &[("action", "call_ticket"), ("desk", "1"), ("ticket", "99")],
            "done=no_ticket&desk=1",
        ),
        (
            &[
                ("action", "transfer"),
                ("desk", "1"),
                ("ticket", "1"),
                ("service", "nope"),
            ],
            "done=unknown_service&desk=1",
        ),
        (
            &[("action", "requeue"), ("desk", "1"), ("ticket", "x")],
            "done=bad_ticket&desk=1",
        ),
    ];
    for (form, outcome) in steps {
        let res = app.post_console(form).await;
        assert_eq!(
            res.location(),
            format!("/api/tickets/staff?{outcome}"),
            "{form:?}"
        );
    }
    let html = app.get_staff("/api/tickets/staff?desk=9").await.html(200);
    assert!(html.contains("Ce guichet n'est pas dans la configuration du bureau"));
}

#[actix_web::test]
async fn the_console_opens_at_the_first_configured_desk() {
    let app = spawn_office(office(|o| {
        o.desks.remove(0);
    }))
    .await;
    let html = app.get_staff("/api/tickets/staff").await.html(200);
    assert!(html.contains(r#"data-desk-name>Guichet 2</h1>"#), "{html}");
}
