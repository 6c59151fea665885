//! The kiosk: its languages, its form, closed days and services, priority tickets.

use super::*;

#[actix_web::test]
async fn the_kiosk_is_in_french_by_default() {
    let app = spawn_app().await;
    app.open_day().await;
    let res = app.get_path("/api/tickets/public").await;
    let html = assert_clean_page(&res, 200);
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("Prendre un ticket"));
    assert!(html.contains(r#"<form method="post" action="/api/tickets/public""#));
    assert!(html.contains(r#"name="idempotency_key" value="kiosk-"#));
    assert!(html.contains("Personne n'attend"));
    assert!(
        !html.contains("/api/dashboard"),
        "no staff links on a public page"
    );
}

#[actix_web::test]
async fn the_kiosk_is_in_english_on_request() {
    let app = spawn_app().await;
    let by_header = app
        .send(
            app.get("/api/tickets/public")
                .insert_header((header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.5")),
        )
        .await;
    let by_query = app.get_path("/api/tickets/public?lang=en").await;
    for res in [by_header, by_query] {
        let html = assert_clean_page(&res, 200);
        assert!(html.contains("<html lang=\"en\">"), "{html}");
        assert!(html.contains("Take a ticket"));
        assert!(!html.contains("Prendre un ticket"));
        // The language switch leads back to French.
        assert!(html.contains("lang=fr"));
    }
    // ?lang= wins over the header.
    let html = app
        .send(
            app.get("/api/tickets/public?lang=fr")
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await
        .html(200);
    assert!(html.contains("<html lang=\"fr\">"));
}

#[actix_web::test]
async fn a_closed_kiosk_says_so_and_hides_the_button() {
    let app = spawn_app().await;
    let html = assert_clean_page(&app.get_path("/api/tickets/public").await, 200);
    assert!(html.contains("Service fermé, revenez demain"));
    // The take form, if the page has one, carries `hidden` itself (`hidden` elsewhere, an
    // `input type="hidden"` or `aria-hidden`, hides nothing).
    let forms = start_tags(&html, "form")
        .into_iter()
        .filter(|tag| tag.contains(r#"action="/api/tickets/public""#))
        .collect::<Vec<_>>();
    for form in &forms {
        assert!(has_attribute(form, "hidden"), "a visible take form: {form}");
    }
    // Open, the same form shows.
    app.open_day().await;
    let html = app.get_path("/api/tickets/public").await.html(200);
    let form = start_tags(&html, "form")
        .into_iter()
        .find(|tag| tag.contains(r#"action="/api/tickets/public""#))
        .unwrap_or_else(|| panic!("no take form: {html}"));
    assert!(!has_attribute(form, "hidden"), "{form}");
}

#[actix_web::test]
async fn the_kiosk_form_takes_a_ticket_and_shows_it() {
    let app = spawn_app().await;
    app.open_day().await;
    let day = app.today().await;
    let res = app.post_kiosk(&[("idempotency_key", "kiosk-aaa")]).await;
    res.assert_status(303);
    let location = res.location().to_owned();
    // The ticket's page, with its holder's key (for the QR code), in kiosk mode.
    let holder = |location: &str, n: u64| {
        let key = location
            .strip_prefix(&format!("/api/tickets/follow/{day}/{n}?k="))
            .and_then(|rest| rest.strip_suffix("&kiosk=1"))
            .unwrap_or_else(|| panic!("ticket {n} with its key: {location}"))
            .to_owned();
        assert_eq!(key.len(), 32, "{location}");
        key
    };
    holder(&location, 1);
    // The same form sent twice (a double tap, a reload) gives the same ticket.
    let again = app.post_kiosk(&[("idempotency_key", "kiosk-aaa")]).await;
    assert_eq!(again.location(), location);
    let other = app.post_kiosk(&[("idempotency_key", "kiosk-bbb")]).await;
    holder(other.location(), 2);
    // No key: a ticket all the same.
    let bare = app.post_kiosk(&[]).await;
    holder(bare.location(), 3);
    assert_eq!(app.get_status().await.json()["total_tickets"], 3);
    // A service the office does not have is refused with a reason; an unreadable one is
    // as if absent: the office's only service.
    let bank = app
        .post_kiosk(&[("idempotency_key", "kiosk-ccc"), ("service_type", "banque")])
        .await;
    assert_eq!(
        bank.location(),
        "/api/tickets/public?refused=unknown_service&service=banque"
    );
    let html = assert_clean_page(&app.get_path(bank.location()).await, 200);
    assert!(html.contains("Ce choix n'est plus proposé"), "{html}");
    assert!(html.contains(r#"role="alert""#));
    app.post_kiosk(&[("service_type", "<b>")])
        .await
        .assert_status(303);
    assert_eq!(
        app.get_ticket("4").await.json()["ticket"]["service_type"],
        "poste"
    );
}

#[actix_web::test]
async fn the_kiosk_form_on_a_closed_day_comes_back_with_a_notice() {
    let app = spawn_app().await;
    let res = app.post_kiosk(&[("idempotency_key", "kiosk-x")]).await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/tickets/public?closed=1");
    let html = assert_clean_page(&app.get_path(res.location()).await, 200);
    assert!(html.contains(r#"role="alert""#));
    assert!(html.contains("Service fermé, revenez demain"));
    assert_eq!(app.get_status().await.json()["total_tickets"], 0);
}

#[actix_web::test]
async fn the_kiosk_offers_one_button_per_open_service_and_a_separate_priority_choice() {
    let app = spawn_office(office(|_| {})).await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    let html = assert_clean_page(&app.get_path("/api/tickets/public").await, 200);
    assert_eq!(
        html.matches(r#"class="service-button""#).count(),
        3,
        "{html}"
    );
    assert_eq!(
        html.matches(r#"<form method="post" action="/api/tickets/public""#)
            .count(),
        3
    );
    for (code, name) in [
        ("courrier", "Courrier"),
        ("colis", "Colis"),
        ("banque", "Banque"),
    ] {
        assert!(
            html.contains(&format!(r#"name="service_type" value="{code}""#)),
            "{code}"
        );
        assert!(
            html.contains(&format!(r#"<span class="service-name">{name}</span>"#)),
            "{name}"
        );
    }
    assert!(
        html.contains("2 personnes attendent"),
        "the waiting count of Colis"
    );
    assert!(html.contains("Personne n'attend"));
    // Priority only for the service that offers it, as a separate button of its form.
    assert_eq!(
        html.matches(r#"name="priority" value="prioritaire""#)
            .count(),
        1
    );
    assert!(html.contains("Prioritaire (mobilité réduite, grossesse)"));
    assert!(
        !html.contains("Prendre un ticket</span>"),
        "no single big button"
    );

    let en = app.get_path("/api/tickets/public?lang=en").await;
    let html = assert_clean_page(&en, 200);
    for name in [
        "Letters",
        "Parcels",
        "Banking",
        "Priority (reduced mobility, pregnancy)",
    ] {
        assert!(html.contains(name), "{name}");
    }
    assert!(html.contains("2 people waiting"));
}

#[actix_web::test]
async fn a_closed_service_is_not_offered_and_refusals_say_why() {
    let app = spawn_office(office(|o| {
        o.services[1].open = false;
        o.services[2].daily_limit = Some(1);
    }))
    .await;
    let html = assert_clean_page(&app.get_path("/api/tickets/public").await, 200);
    assert_eq!(html.matches(r#"name="service_type""#).count(), 2, "{html}");
    assert!(
        !html.contains(r#"value="colis""#),
        "no form for the closed service"
    );
    assert!(html.contains("Fermé aujourd'hui"));

    // A form from a page shown before the service closed.
    let to = kiosk_take(&app, &[("service_type", "colis")]).await;
    assert_eq!(
        to,
        "/api/tickets/public?refused=service_closed&service=colis"
    );
    let html = assert_clean_page(&app.get_path(&to).await, 200);
    assert!(
        html.contains("Le service « Colis » ne donne plus de tickets aujourd'hui."),
        "{html}"
    );
    // The daily limit.
    assert!(
        kiosk_take(&app, &[("service_type", "banque")])
            .await
            .contains("/follow/")
    );
    let to = kiosk_take(&app, &[("service_type", "banque")]).await;
    assert_eq!(to, "/api/tickets/public?refused=daily_limit&service=banque");
    let res = app
        .send(app.get(&to).insert_header((header::ACCEPT_LANGUAGE, "en")))
        .await;
    let html = assert_clean_page(&res, 200);
    assert!(
        html.contains("No more tickets for Banking today: the day&#39;s maximum is reached.")
            || html.contains("No more tickets for Banking today: the day's maximum is reached."),
        "{html}"
    );
    // With several services, a form that names none asks to choose.
    assert_eq!(
        kiosk_take(&app, &[]).await,
        "/api/tickets/public?refused=unknown_service"
    );
}

#[actix_web::test]
async fn a_priority_ticket_shows_its_label_service_and_class() {
    let app = spawn_office(office(|_| {})).await;
    let day = app.today().await;
    kiosk_take(&app, &[("service_type", "courrier")]).await;
    let to = kiosk_take(
        &app,
        &[("service_type", "courrier"), ("priority", "prioritaire")],
    )
    .await;
    let holder = to
        .strip_prefix(&format!("/api/tickets/follow/{day}/2?k="))
        .and_then(|rest| rest.strip_suffix("&kiosk=1"))
        .unwrap_or_else(|| panic!("the ticket's page with its holder's key: {to}"));
    assert_eq!(holder.len(), 32);
    let ticket = app.get_ticket("2").await.json();
    assert_eq!(ticket["ticket"]["label"], "A002");
    assert_eq!(ticket["ticket"]["priority"], "prioritaire");
    let html = assert_clean_page(&app.get_path(&to).await, 200);
    assert!(html.contains(">A002</p>"), "the label, big: {html}");
    assert!(html.contains(r#"aria-label="Ticket numéro A002""#));
    assert!(html.contains("<span data-service-name>Courrier</span>"));
    assert!(html.contains("Prioritaire (mobilité réduite, grossesse)"));
    assert!(
        html.contains("Vous êtes le prochain."),
        "priority goes first"
    );
    assert!(html.contains("<title>Ticket A002 · Tickets</title>"));
    // The first ticket: one person ahead (the priority ticket).
    let html = app
        .get_path(&format!("/api/tickets/follow/{day}/1"))
        .await
        .html(200);
    assert!(html.contains("1 personne avant vous."), "{html}");
    // Called at a configured desk: its name.
    app.post_call_next(Some("1")).await.assert_status(200);
    let html = app
        .get_path(&format!("/api/tickets/follow/{day}/2"))
        .await
        .html(200);
    assert!(
        html.contains("C'est votre tour ! Rendez-vous au <strong>Guichet 1</strong>"),
        "{html}"
    );
}
