//! The HTML pages: kiosk, ticket follow-up, staff console, dashboard, assets. They work by
//! plain forms, in French by default and English on request, with no inline script or
//! style (the CSP forbids them).

use actix_web::http::header;

use crate::helpers::{TestApp, TestResponse, assert_security_headers, spawn_app};

/// Asserts what every page must be: HTML, no inline script, no style attribute, and
/// every script loaded from our assets.
#[track_caller]
fn assert_clean_page(res: &TestResponse, status: u16) -> String {
    let html = res.html(status);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for (i, _) in html.match_indices("<script") {
        let tag_end = html[i..].find('>').map_or(html.len(), |e| i + e);
        let tag = &html[i..tag_end];
        assert!(
            tag.contains(" src=\"/assets/"),
            "inline or foreign script: {tag}"
        );
        assert!(
            html[tag_end..].starts_with("></script>"),
            "a script with content: {}",
            &html[i..(tag_end + 40).min(html.len())]
        );
    }
    assert!(!html.contains(" style="), "style attribute in the page");
    assert!(!html.contains("<style"), "style element in the page");
    assert!(!html.contains(" onclick="), "inline handler in the page");
    assert!(!html.contains("javascript:"), "javascript: URL in the page");
    assert_security_headers(res);
    html
}

/// The path of the first `<link rel="stylesheet" href=…>` for `asset`.
fn asset_href(html: &str, asset: &str) -> String {
    let needle = format!("href=\"/assets/{asset}");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no link to {asset}"))
        + 6;
    let end = html[start..].find('"').expect("a closing quote") + start;
    html[start..end].replace("&amp;", "&")
}

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
    assert!(
        html.contains("hidden"),
        "the take form is hidden while closed"
    );
}

#[actix_web::test]
async fn the_kiosk_form_takes_a_ticket_and_shows_it() {
    let app = spawn_app().await;
    app.open_day().await;
    let day = app.today().await;
    let res = app.post_kiosk(&[("idempotency_key", "kiosk-aaa")]).await;
    res.assert_status(303);
    let location = res.location().to_owned();
    assert_eq!(location, format!("/api/tickets/follow/{day}/1?kiosk=1"));
    // The same form sent twice (a double tap, a reload) gives the same ticket.
    let again = app.post_kiosk(&[("idempotency_key", "kiosk-aaa")]).await;
    assert_eq!(again.location(), location);
    let other = app.post_kiosk(&[("idempotency_key", "kiosk-bbb")]).await;
    assert_eq!(
        other.location(),
        format!("/api/tickets/follow/{day}/2?kiosk=1")
    );
    // No key: a ticket all the same.
    let bare = app.post_kiosk(&[]).await;
    assert_eq!(
        bare.location(),
        format!("/api/tickets/follow/{day}/3?kiosk=1")
    );
    assert_eq!(app.get_status().await.json()["total_tickets"], 3);
    // A service from the form is kept; a bad one falls back to the default.
    let bank = app
        .post_kiosk(&[("idempotency_key", "kiosk-ccc"), ("service_type", "banque")])
        .await;
    assert!(bank.location().contains("/4?kiosk=1"));
    assert_eq!(
        app.get_ticket("4").await.json()["ticket"]["service_type"],
        "banque"
    );
    app.post_kiosk(&[("service_type", "<b>")])
        .await
        .assert_status(303);
    assert_eq!(
        app.get_ticket("5").await.json()["ticket"]["service_type"],
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
async fn the_follow_page_shows_the_number_the_position_and_a_qr_code_at_the_kiosk() {
    let app = spawn_app().await;
    app.open_day().await;
    for _ in 0..3 {
        app.take().await;
    }
    let day = app.today().await;
    let kiosk = app
        .get_path(&format!("/api/tickets/follow/{day}/3?kiosk=1"))
        .await;
    let html = assert_clean_page(&kiosk, 200);
    assert!(html.contains(r#"<p class="ticket-number""#));
    assert!(html.contains(">3</p>"), "the number is shown");
    assert!(html.contains("2 personnes avant vous."), "{html}");
    assert!(html.contains("Attente estimée"));
    assert!(html.contains("<svg"), "a QR code");
    assert!(html.contains(&format!("http://localhost/api/tickets/follow/{day}/3")));
    assert_eq!(kiosk.header("cache-control"), Some("no-store"));

    let phone = app.get_path(&format!("/api/tickets/follow/{day}/1")).await;
    let html = assert_clean_page(&phone, 200);
    assert!(html.contains("Vous êtes le prochain."));
    assert!(!html.contains("<svg"), "no QR code on the phone");

    app.post_call_next(Some("B")).await.assert_status(200);
    let called = app
        .send(
            app.get(&format!("/api/tickets/follow/{day}/1"))
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await;
    let html = assert_clean_page(&called, 200);
    assert!(html.contains("It's your turn! Please go to desk"), "{html}");
    assert!(html.contains("<strong>B</strong>"));
}

#[actix_web::test]
async fn an_unknown_ticket_has_a_404_page() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    let day = app.today().await;
    for path in [
        format!("/api/tickets/follow/{day}/2"),
        format!("/api/tickets/follow/{day}/0"),
        format!("/api/tickets/follow/{day}/abc"),
        "/api/tickets/follow/2001-01-01/1".to_owned(),
        "/api/tickets/follow/not-a-day/1".to_owned(),
    ] {
        let res = app.get_path(&path).await;
        let html = assert_clean_page(&res, 404);
        assert!(html.contains("Ticket introuvable"), "{path}: {html}");
    }
}

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
    assert_eq!(res.location(), "/api/tickets/staff?done=reset&desk=1&n=2");
    let st = app.get_status().await.json();
    assert_eq!(
        (st["total_tickets"].clone(), st["open"].clone()),
        (0.into(), false.into())
    );
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
async fn the_dashboard_lists_logs_desks_and_figures() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    app.take().await;
    app.post_call_next(Some("guichet-7"))
        .await
        .assert_status(200);
    let res = app.get_staff("/api/dashboard").await;
    let html = assert_clean_page(&res, 200);
    assert!(html.contains("Tableau de bord"));
    assert!(
        html.contains("<th scope=\"row\">guichet-7</th>"),
        "the desk is listed"
    );
    for words in ["Ouverture", "Ticket pris", "Appel"] {
        assert!(html.contains(words), "log line {words:?}");
    }
    assert!(html.contains("data-chart="), "the chart's data");
    assert!(html.contains("uPlot"), "the vendored chart library");
    let en = app
        .send(
            app.as_staff(app.get("/api/dashboard"))
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await;
    let html = assert_clean_page(&en, 200);
    assert!(html.contains("Dashboard") && html.contains("Ticket taken"));
}

#[actix_web::test]
async fn the_sign_in_and_error_pages_are_clean_too() {
    let app = spawn_app().await;
    assert_clean_page(&app.get_path("/api/login").await, 200);
    assert_clean_page(&app.post_login("wrong", None).await, 401);
}

async fn stylesheet(app: &TestApp) -> String {
    let html = app.get_path("/api/tickets/public").await.html(200);
    asset_href(&html, "css/app.css")
}

#[actix_web::test]
async fn assets_are_served_with_cache_headers() {
    let app = spawn_app().await;
    let href = stylesheet(&app).await;
    assert!(href.starts_with("/assets/css/app.css?v="), "{href}");
    let res = app.get_path(&href).await;
    res.assert_status(200);
    assert!(
        res.content_type().starts_with("text/css"),
        "{}",
        res.content_type()
    );
    let cache = res.header("cache-control").expect("a cache header");
    assert!(
        cache.contains("immutable") && cache.contains("max-age=31536000"),
        "{cache}"
    );
    assert!(!res.body.is_empty());
    let etag = res.header("etag").expect("an ETag").to_owned();

    for other in ["/assets/css/app.css", "/assets/css/app.css?v=0000000000"] {
        let res = app.get_path(other).await;
        res.assert_status(200);
        let cache = res.header("cache-control").expect("a cache header");
        assert!(!cache.contains("immutable"), "{other}: {cache}");
        assert!(cache.contains("no-cache"), "{other}: {cache}");
    }
    let again = app
        .send(
            app.get("/assets/css/app.css")
                .insert_header((header::IF_NONE_MATCH, etag.as_str())),
        )
        .await;
    again.assert_status(304);
    assert!(again.body.is_empty());

    // Scripts are assets too, with their own content type.
    let js = app.get_path("/assets/js/common.js").await;
    js.assert_status(200);
    assert!(
        js.content_type().contains("javascript"),
        "{}",
        js.content_type()
    );
    // No way out of the asset folder.
    for path in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/",
    ] {
        let res = app.get_path(path).await;
        assert_eq!(res.status.as_u16(), 404, "{path}: {}", res.text());
    }
}
