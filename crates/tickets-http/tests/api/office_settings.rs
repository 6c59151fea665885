//! The office settings (`settings` of `PUT /api/config`): the office's name on every page,
//! the kiosk's welcome text in the page's language, the languages offered, and the field
//! of an invalid setting.

use actix_web::http::header;
use serde_json::{Value, json};
use tickets_core::OfficeConfig;

use crate::helpers::{TestApp, TestResponse, spawn_app, spawn_redis_app};

/// The built-in office with `settings`, as `PUT /api/config` takes it.
fn office_with(settings: Value) -> Value {
    let mut office = serde_json::to_value(OfficeConfig::default()).expect("JSON");
    office["settings"] = settings;
    office
}

/// The settings of these tests: a name with characters HTML escapes, a welcome text in
/// each language, both languages in the default order.
fn settings() -> Value {
    json!({
        "name": "Poste & Co <Paris 15>",
        "welcome": {
            "fr": "Bienvenue au bureau de Paris 15 : touchez le bouton.",
            "en": "Welcome to the Paris 15 office: touch the button."
        },
        "languages": ["fr", "en"]
    })
}

/// The name as the pages write it.
const NAME_HTML: &str = "Poste &amp; Co &lt;Paris 15&gt;";

/// Stores `settings` in the built-in office (asserting 200) and answers the stored document.
async fn configure(app: &TestApp, settings: Value) -> Value {
    let res = app
        .put_config(&office_with(settings).to_string(), None)
        .await;
    res.assert_status(200);
    res.json()
}

/// An HTML page without a style attribute (the CSP forbids them).
#[track_caller]
fn page(res: &TestResponse) -> String {
    let html = res.html(200);
    assert!(!html.contains(" style="), "style attribute in the page");
    html
}

/// The `<html lang>` of a page.
fn html_lang(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("<html lang>") + 12;
    &html[start..start + 2]
}

/// The languages the page's switch offers (`hreflang` of its links).
fn switch_to(html: &str) -> Vec<&str> {
    html.match_indices("hreflang=\"")
        .map(|(i, _)| &html[i + 10..i + 12])
        .collect()
}

#[actix_web::test]
async fn the_settings_travel_through_the_api_and_default_to_none() {
    let app = spawn_app().await;
    // The built-in office: no name, no welcome text, both languages.
    let built_in = app.get_config().await.json();
    assert_eq!(built_in["settings"], json!({"languages": ["fr", "en"]}));
    let stored = configure(&app, settings()).await;
    assert_eq!(stored["settings"], settings());
    assert_eq!(app.get_config().await.json(), stored);
    // Sent without settings: they stay as they are (a script that edits services need not
    // know them).
    let res = app
        .put_config(
            &serde_json::to_string(&OfficeConfig::default()).expect("JSON"),
            None,
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["settings"], settings());
    // Sent as the default ones: back to them, still in the answer.
    let stored = configure(&app, json!({})).await;
    assert_eq!(stored["settings"], json!({"languages": ["fr", "en"]}));
}

#[actix_web::test]
async fn the_settings_are_kept_by_redis() {
    let (_server, app) = spawn_redis_app().await;
    let stored = configure(&app, settings()).await;
    // GET reads the store again.
    let read = app.get_config().await.json();
    assert_eq!(read, stored);
    assert_eq!(read["settings"], settings());
}

#[actix_web::test]
async fn the_kiosk_greets_in_the_pages_language_and_every_page_names_the_office() {
    let app = spawn_app().await;
    app.open_day().await;
    // Without settings: "Bienvenue", "Tickets".
    let html = page(&app.get_path("/api/tickets/public").await);
    assert!(
        html.contains("<title>Prendre un ticket · Tickets</title>"),
        "{html}"
    );
    assert!(html.contains(">Bienvenue</h1>"));
    assert!(!html.contains("data-office-name"));

    configure(&app, settings()).await;
    let fr = page(&app.get_path("/api/tickets/public").await);
    assert!(
        fr.contains(&format!("<title>Prendre un ticket — {NAME_HTML}</title>")),
        "{fr}"
    );
    assert!(
        fr.contains(&format!("data-office-name>{NAME_HTML}</span>")),
        "{fr}"
    );
    assert!(fr.contains("Bienvenue au bureau de Paris 15 : touchez le bouton."));
    assert!(
        !fr.contains(">Bienvenue</h1>"),
        "the welcome text replaces it"
    );
    // Above the button.
    let welcome = fr.find("data-welcome").expect("the welcome text");
    assert!(welcome < fr.find("take-button").expect("the button"));
    assert!(!fr.contains("Welcome to the Paris 15 office"));
    assert!(!fr.contains(r#"Poste & Co"#), "the name is escaped");

    let en = page(&app.get_path("/api/tickets/public?lang=en").await);
    assert_eq!(html_lang(&en), "en");
    assert!(en.contains("Welcome to the Paris 15 office: touch the button."));
    assert!(!en.contains("Bienvenue au bureau"));
    assert!(en.contains(&format!("<title>Take a ticket — {NAME_HTML}</title>")));
    let en = page(
        &app.send(
            app.get("/api/tickets/public")
                .insert_header((header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")),
        )
        .await,
    );
    assert!(en.contains("Welcome to the Paris 15 office"));

    // The ticket, shown and printed at the kiosk, and on the phone.
    let res = app
        .post_kiosk(&[("idempotency_key", "kiosk-settings")])
        .await;
    res.assert_status(303);
    let ticket = res.location().to_owned();
    let html = page(&app.get_path(&ticket).await);
    assert!(
        html.contains(&format!(
            r#"<p class="ticket-office" data-office-name>{NAME_HTML}</p>"#
        )),
        "{html}"
    );
    let printed = html.find("ticket-print").expect("the printed part");
    assert!(printed < html.find("ticket-office").expect("the name"));
    let phone = page(&app.get_path(ticket.trim_end_matches("?kiosk=1")).await);
    assert!(phone.contains(&format!("<title>Ticket 1 — {NAME_HTML}</title>")));
    assert!(phone.contains("ticket-office"));

    // The board, whose top bar is hidden, names it beside the calls.
    let board = page(&app.get_path("/api/tickets/display").await);
    assert!(
        board.contains(&format!(
            r#"<p class="board-office" data-office-name>{NAME_HTML}</p>"#
        )),
        "{board}"
    );
    // The staff pages and the sign-in page have it in their top bar.
    for path in ["/api/tickets/staff", "/api/dashboard"] {
        let html = page(&app.get_staff(path).await);
        assert!(
            html.contains(&format!("data-office-name>{NAME_HTML}")),
            "{path}"
        );
    }
    let login = app.get_path("/api/login").await;
    assert!(
        login
            .text()
            .contains(&format!("data-office-name>{NAME_HTML}"))
    );
}

#[actix_web::test]
async fn a_language_not_offered_falls_back_to_the_first_offered() {
    let app = spawn_app().await;
    app.open_day().await;
    let mut english_only = settings();
    english_only["languages"] = json!(["en"]);
    configure(&app, english_only).await;
    let asked_french = [
        app.get("/api/tickets/public"),
        app.get("/api/tickets/public?lang=fr"),
        app.get("/api/tickets/public")
            .insert_header((header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9")),
        app.get("/api/tickets/public")
            .insert_header((header::COOKIE, "lang=fr")),
    ];
    for req in asked_french {
        let html = page(&app.send(req).await);
        assert_eq!(html_lang(&html), "en");
        assert!(html.contains("Welcome to the Paris 15 office"));
        assert!(
            switch_to(&html).is_empty(),
            "no switch to a language not offered"
        );
    }
    let board = page(&app.get_path("/api/tickets/display?lang=fr").await);
    assert_eq!(html_lang(&board), "en");

    // English first: the default when the browser asks for neither; French on request.
    let mut english_first = settings();
    english_first["languages"] = json!(["en", "fr"]);
    configure(&app, english_first).await;
    let html = page(
        &app.send(
            app.get("/api/tickets/public")
                .insert_header((header::ACCEPT_LANGUAGE, "de-DE")),
        )
        .await,
    );
    assert_eq!(html_lang(&html), "en");
    assert_eq!(switch_to(&html), ["fr"]);
    let html = page(&app.get_path("/api/tickets/public?lang=fr").await);
    assert_eq!(html_lang(&html), "fr");
    assert_eq!(switch_to(&html), ["en"]);
    assert!(html.contains("Bienvenue au bureau de Paris 15"));
    // Staff pages follow the same rule.
    let console = page(&app.get_staff("/api/tickets/staff").await);
    assert_eq!(html_lang(&console), "en");
}

#[actix_web::test]
async fn invalid_settings_are_refused_with_their_field() {
    let app = spawn_app().await;
    let version = app.get_config().await.json()["version"].clone();
    let cases = [
        (json!({"name": "   "}), "settings.name"),
        (json!({"name": "x".repeat(81)}), "settings.name"),
        (json!({"name": "Poste\nParis"}), "settings.name"),
        (
            json!({"welcome": {"fr": "Bienvenue", "en": ""}}),
            "settings.welcome.en",
        ),
        (
            json!({"welcome": {"fr": "é".repeat(201), "en": "Welcome"}}),
            "settings.welcome.fr",
        ),
        (json!({"languages": ["en", "en"]}), "settings.languages[1]"),
    ];
    for (settings, field) in cases {
        let err = app
            .put_config(&office_with(settings.clone()).to_string(), None)
            .await
            .json_error(422, "invalid_field");
        assert_eq!(err["field"], field, "{settings}: {err}");
    }
    // Unknown codes and fields are refused as the body's.
    for (settings, named) in [
        (json!({"languages": ["fr", "de"]}), "de"),
        (json!({"welcome": {"fr": "Bienvenue"}}), "en"),
        (json!({"colour": "blue"}), "colour"),
    ] {
        let err = app
            .put_config(&office_with(settings.clone()).to_string(), None)
            .await
            .json_error(422, "invalid_field");
        let message = err["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{settings}: {err}");
    }
    // Nothing was stored.
    assert_eq!(app.get_config().await.json()["version"], version);
}

#[actix_web::test]
async fn only_an_administrator_changes_the_settings_through_the_api() {
    use tickets_core::{AccountStore, NewAccount, PasswordHash, Role, Username};
    let backend = tickets_core::MemoryBackend::new();
    let app = crate::helpers::spawn_app_with(
        backend.clone(),
        "memory",
        &tickets_http::Config::for_tests(crate::helpers::PASSWORD),
    )
    .await;
    configure(&app, settings()).await;
    crate::helpers::accounts_of(&backend)
        .create_account(
            NewAccount {
                username: Username::parse("sophie").expect("a name"),
                display_name: "Sophie".into(),
                role: Role::Manager,
                password_hash: PasswordHash::new("la responsable du bureau").expect("a hash"),
                default_desk: None,
                call_out_of_order: false,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("created");
    let manager = app.login_as("sophie", "la responsable du bureau").await;
    let put = |body: Value| {
        app.request(actix_web::http::Method::PUT, "/api/config")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body.to_string())
            .cookie(manager.clone())
    };
    // Other settings: refused, nothing changed.
    let mut other = settings();
    other["name"] = json!("Un autre nom");
    let err = app
        .send(put(office_with(other)))
        .await
        .json_error(403, "forbidden");
    assert_eq!(err["required_role"], "admin");
    // The same settings, or none at all: the change goes through and the settings stay.
    let mut office = office_with(settings());
    office["services"][0]["name"]["fr"] = json!("La Poste");
    let res = app.send(put(office.clone())).await;
    res.assert_status(200);
    office
        .as_object_mut()
        .expect("an object")
        .remove("settings");
    office["services"][0]["name"]["fr"] = json!("La Poste du quartier");
    let res = app.send(put(office)).await;
    res.assert_status(200);
    let stored = res.json();
    assert_eq!(stored["settings"]["name"], "Poste & Co <Paris 15>");
    assert_eq!(stored["services"][0]["name"]["fr"], "La Poste du quartier");
    // The administrator may.
    let mut other = settings();
    other["name"] = json!("Un autre nom");
    let stored = configure(&app, other).await;
    assert_eq!(stored["settings"]["name"], "Un autre nom");
}

#[actix_web::test]
async fn taking_a_ticket_by_phone_is_offered_only_when_the_office_turns_it_on() {
    let app = spawn_app().await;
    app.open_day().await;
    // Off by default: no QR code on the kiosk, no door poster.
    let kiosk = app.get_path("/api/tickets/public").await.html(200);
    assert!(!kiosk.contains("phone-take"), "{kiosk}");
    let door = app.get_path("/api/tickets/door").await.html(404);
    assert!(door.contains("prenez-le à la borne"), "{door}");
    let stored = configure(&app, json!({"phone_take": true})).await;
    assert_eq!(stored["settings"]["phone_take"], true);
    // On: the kiosk shows the QR code of its own page, and the door poster a big one.
    let kiosk = app.get_path("/api/tickets/public").await.html(200);
    assert!(kiosk.contains(r#"class="phone-take no-print""#), "{kiosk}");
    assert!(kiosk.contains(r#"aria-label="Code QR pour prendre un ticket avec votre téléphone""#));
    let door = app.get_path("/api/tickets/door").await.html(200);
    assert!(door.contains("<svg"), "{door}");
    assert!(
        door.contains(">http://localhost/api/tickets/public</a>"),
        "{door}"
    );
    let en = app.get_path("/api/tickets/door?lang=en").await.html(200);
    assert!(en.contains("Take your ticket with your phone"), "{en}");
    // A phone's take obeys the same limits: it is the kiosk page's form, from an address.
    // and lands on its ticket's own page, with the holder's key, not the kiosk's.
    let res = app.post_kiosk(&[("idempotency_key", "phone-1")]).await;
    res.assert_status(303);
    let to = res.location();
    assert!(to.contains("?k=") && !to.contains("kiosk=1"), "{to}");
    // Off again: left out of the stored document (the default).
    let stored = configure(&app, json!({})).await;
    assert!(stored["settings"].get("phone_take").is_none(), "{stored}");
    app.get_path("/api/tickets/door").await.html(404);
}
