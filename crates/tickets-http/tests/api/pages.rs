//! The HTML pages: kiosk, ticket follow-up, staff console, dashboard, assets. They work by
//! plain forms, in French by default and English on request, with no inline script or
//! style (the CSP forbids them).

use actix_web::http::header;
use tickets_core::{MemoryBackend, OfficeConfig};
use tickets_http::Config;

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_security_headers, spawn_app, spawn_app_with,
};

/// The office of the browser tests: three services (`courrier` A with priority, `colis` B,
/// `banque` C), one priority class, desks 1 to 4.
const OFFICE: &str = include_str!("../../../../e2e/office.toml");

/// The test office, changed by `tweak`.
fn office(tweak: impl FnOnce(&mut OfficeConfig)) -> OfficeConfig {
    let mut office = OfficeConfig::from_toml(OFFICE).expect("e2e/office.toml is valid");
    tweak(&mut office);
    office
}

/// A fresh application for `office`, signed in as staff, its day open.
async fn spawn_office(office: OfficeConfig) -> TestApp {
    let backend = MemoryBackend::with_office(office).expect("a valid office");
    let app = spawn_app_with(backend, "memory", &Config::for_tests(PASSWORD)).await;
    app.open_day().await;
    app
}

/// Takes a ticket at the kiosk (`service_type`, `priority`); answers its page's path.
async fn kiosk_take(app: &TestApp, form: &[(&str, &str)]) -> String {
    let res = app.post_kiosk(form).await;
    res.assert_status(303);
    res.location().to_owned()
}

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

/// The start tags `<name …>` of `html`.
fn start_tags<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(i, _)| {
            html[i + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '>')
        })
        .map(|(i, _)| &html[i..=html[i..].find('>').map_or(html.len() - 1, |e| i + e)])
        .collect()
}

/// Whether the start tag `tag` has the attribute `name` (not merely a value or another
/// attribute containing the word).
fn has_attribute(tag: &str, name: &str) -> bool {
    let inner = tag.trim_start_matches('<').trim_end_matches('>');
    let mut quoted = false;
    let mut word = String::new();
    let mut names = Vec::new();
    for c in inner.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            ' ' | '=' => names.push(std::mem::take(&mut word)),
            c => word.push(c),
        }
    }
    names.push(word);
    names.iter().skip(1).any(|n| n == name)
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
        html.contains(r#"<th scope="row" data-desk="guichet-7">Guichet guichet-7</th>"#),
        "the desk is listed: {html}"
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

#[actix_web::test]
async fn the_board_shows_labels_and_desk_names() {
    let app = spawn_office(office(|_| {})).await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    kiosk_take(&app, &[("service_type", "courrier")]).await;
    app.post_console(&[("action", "call_next"), ("desk", "2")])
        .await
        .assert_status(303);
    app.post_console(&[("action", "call_ticket"), ("desk", "4"), ("ticket", "2")])
        .await
        .assert_status(303);
    app.post_console(&[("action", "finish"), ("desk", "2")])
        .await
        .assert_status(303);
    let html = assert_clean_page(&app.get_path("/api/tickets/display").await, 200);
    assert!(
        html.contains(r#"<p class="now-number wide" data-now-number>A001</p>"#),
        "{html}"
    );
    assert!(html.contains(r#"<strong data-now-desk>Guichet 4</strong>"#));
    // The finished ticket keeps its label in the list.
    assert!(html.contains(r#"data-n="1" data-label="B001""#), "{html}");
    assert!(html.contains(r#"data-say="Ticket {n}, {d}""#));
    assert!(
        html.contains(r#"&quot;4&quot;:&quot;Guichet 4&quot;"#)
            || html.contains(r#""4":"Guichet 4""#)
    );
    let en = app
        .send(
            app.get("/api/tickets/display")
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await;
    let html = assert_clean_page(&en, 200);
    assert!(
        html.contains(r#"<strong data-now-desk>Desk 4</strong>"#),
        "{html}"
    );
    assert!(html.contains("Parcels"));
}

#[actix_web::test]
async fn the_dashboard_shows_each_services_figures_and_chart_data() {
    let app = spawn_office(office(|_| {})).await;
    kiosk_take(
        &app,
        &[("service_type", "courrier"), ("priority", "prioritaire")],
    )
    .await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    app.post_console(&[("action", "call_next"), ("desk", "3")])
        .await
        .assert_status(303);
    app.post_console(&[("action", "finish"), ("desk", "3")])
        .await
        .assert_status(303);
    let html = assert_clean_page(&app.get_staff("/api/dashboard").await, 200);
    for code in ["courrier", "colis", "banque"] {
        assert!(
            html.contains(&format!(r#"<tr data-service="{code}">"#)),
            "{code}: {html}"
        );
    }
    assert!(
        html.contains("1 prioritaire (mobilité réduite, grossesse)"),
        "{html}"
    );
    assert!(html.contains("(≤ 15 min)"), "the target of parcels");
    assert!(
        html.contains("100 %"),
        "the parcel called within its target"
    );
    assert!(html.contains("data-service-chart="));
    assert!(
        html.contains(r#"&quot;code&quot;:&quot;colis&quot;"#)
            || html.contains(r#""code":"colis""#)
    );
    assert!(
        html.contains("<th scope=\"row\">A001</th>"),
        "the queue by label: {html}"
    );
    assert!(html.contains("<th scope=\"row\">B002</th>"));
}

#[actix_web::test]
async fn every_page_the_docs_ui_included_forbids_inline_styles_and_asks_for_https() {
    let app = spawn_app().await;
    app.open_day().await;
    let n = app.take().await;
    let day = app.today().await;
    let follow = format!("/api/tickets/follow/{day}/{n}");
    let pages = [
        "/api/tickets/public",
        "/api/tickets/display",
        "/api/tickets/staff",
        "/api/dashboard",
        "/api/login",
        follow.as_str(),
        "/api/tickets/follow/2000-01-01/1",
        "/api/docs/",
        "/api/docs/index.html",
        "/api/docs/swagger-initializer.js",
        "/api/docs/swagger-ui.css",
        "/api/openapi.json",
        "/api/tickets/status",
        "/no-such-page",
    ];
    for path in pages {
        let res = app.get_staff(path).await;
        assert!(
            res.status.is_success() || res.status.as_u16() == 404,
            "{path}: {}",
            res.status
        );
        let csp = res
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let style_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("style-src "))
            .unwrap_or_else(|| panic!("{path}: no style-src in {csp}"));
        assert_eq!(style_src, "style-src 'self'", "{path}");
        assert_eq!(
            res.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}"
        );
    }
}
