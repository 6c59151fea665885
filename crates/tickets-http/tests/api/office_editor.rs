//! The office editor page, `/api/admin/office`: the form of the office in force, a save
//! through the same path as `PUT /api/config`, errors next to their input with what was
//! typed kept, a change made meanwhile, waiting tickets, the settings only for
//! administrators, the kiosk preview.
//!
//! The tests post what a browser would: every field of the form the page rendered, as read
//! from its HTML, with some changed.

use actix_web::cookie::Cookie;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, spawn_app};

const PATH: &str = "/api/admin/office";
const ACCOUNT_PASSWORD: &str = "un mot de passe assez long";

/// Two services, a priority class, a desk and settings.
fn office() -> Value {
    json!({
        "services": [
            {"code": "courrier", "prefix": "A", "name": {"fr": "Courrier", "en": "Letters"},
             "max_wait_minutes": 30, "priority": true},
            {"code": "colis", "prefix": "B", "name": {"fr": "Colis", "en": "Parcels"},
             "daily_limit": 200}
        ],
        "priorities": [
            {"code": "prioritaire", "name": {"fr": "Prioritaire", "en": "Priority"}, "weight": 1}
        ],
        "desks": [
            {"id": "1", "name": {"fr": "Guichet 1", "en": "Desk 1"},
             "services": ["colis", "courrier"], "priority_ratio": 2}
        ],
        "settings": {"name": "Poste de Paris 15", "languages": ["fr", "en"]}
    })
}

/// An application with `office()` stored (version 1), as the first administrator.
async fn configured() -> TestApp {
    let app = spawn_app().await;
    assert_eq!(app.configure(&office()).await, 1);
    app
}

/// The same application acting as a new account with `role`.
async fn as_role(app: &TestApp, username: &str, role: &str) -> TestApp {
    let body = json!({
        "username": username, "display_name": format!("Compte {username}"),
        "role": role, "password": ACCOUNT_PASSWORD
    });
    app.post_staff("/api/accounts", &body.to_string())
        .await
        .assert_status(201);
    let cookie: Cookie<'static> = app.login_as(username, ACCOUNT_PASSWORD).await;
    app.clone().with_session(cookie)
}

/// `&amp;` and the like, back to text.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in a tag's text (`None` when absent; `Some("")` when bare).
fn attr(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().last();
        let after = &rest[i + name.len()..];
        rest = after;
        if before != Some(' ') {
            continue;
        }
        if let Some(v) = after.strip_prefix("=\"") {
            return Some(unescape(&v[..v.find('"')?]));
        }
        if after.is_empty() || after.starts_with([' ', '/']) {
            return Some(String::new());
        }
    }
    None
}

/// What a browser posts for the editor's form in `html`: its text and hidden inputs, its
/// ticked boxes and chosen radio buttons (the button pressed is added by the caller).
fn form_of(html: &str) -> Vec<(String, String)> {
    let start = html
        .find("<form method=\"post\" action=\"/api/admin/office\"")
        .expect("the form");
    let form = &html[start..start + html[start..].find("</form>").expect("its end")];
    form.match_indices("<input ")
        .filter_map(|(i, _)| {
            let tag = &form[i..i + form[i..].find('>')?];
            let name = attr(tag, "name")?;
            let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
            let value = attr(tag, "value").unwrap_or_else(|| "on".into());
            match kind.as_str() {
                "checkbox" | "radio" => attr(tag, "checked").map(|_| (name, value)),
                _ => Some((name, value)),
            }
        })
        .collect()
}

/// `fields` with `key` set to `value` (added when absent).
fn set(mut fields: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    match fields.iter_mut().find(|(k, _)| k == key) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((key.to_owned(), value.to_owned())),
    }
    fields
}

/// `fields` without `key` (an unticked box).
fn unset(mut fields: Vec<(String, String)>, key: &str) -> Vec<(String, String)> {
    fields.retain(|(k, _)| k != key);
    fields
}

/// The form as the page shows it now.
async fn current_form(app: &TestApp) -> Vec<(String, String)> {
    form_of(&app.get_staff(PATH).await.html(200))
}

/// Posts `fields` with the button `op` pressed.
async fn post(app: &TestApp, fields: &[(String, String)], op: &str) -> TestResponse {
    let mut body = fields.to_vec();
    body.push(("op".into(), op.into()));
    app.send(app.as_staff(app.post(PATH).set_form(body))).await
}

async fn config(app: &TestApp) -> Value {
    let res = app.get_config().await;
    res.assert_status(200);
    res.json()
}

/// The `<input>` tag named `name` in `html`.
fn input<'h>(html: &'h str, name: &str) -> &'h str {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let start = html[..at].rfind('<').expect("a tag");
    &html[start..at + html[at..].find('>').expect("its end")]
}

#[actix_web::test]
async fn an_admin_sees_every_field_of_the_office_in_force() {
    let app = configured().await;
    let html = app.get_staff(PATH).await.html(200);
    let fields = form_of(&html);
    let value = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no field {k} in {fields:?}"))
    };
    assert_eq!(value("version"), "1");
    assert_eq!(value("services.0.code"), "courrier");
    assert_eq!(value("services.0.max_wait"), "30");
    assert_eq!(value("services.0.priority"), "on");
    assert_eq!(value("services.1.prefix"), "B");
    assert_eq!(value("services.1.name_en"), "Parcels");
    assert_eq!(value("services.1.daily_limit"), "200");
    assert_eq!(value("priorities.0.weight"), "1");
    assert_eq!(value("desks.0.id"), "1");
    assert_eq!(value("desks.0.ratio"), "2");
    assert_eq!(value("settings.name"), "Poste de Paris 15");
    assert_eq!(value("settings.languages"), "fr,en");
    // An empty row to add one of each, and a "remove" box on the others.
    assert_eq!(value("services.2.code"), "");
    assert_eq!(value("priorities.1.code"), "");
    assert_eq!(value("desks.1.id"), "");
    assert!(html.contains("name=\"services.0.remove\""));
    assert!(!html.contains("name=\"services.2.remove\""));
    // The desk's services in its order, ticked: colis (row 1) then courrier (row 0).
    let ticks: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "desks.0.services")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(ticks, ["1", "0"]);
    // Every input has its label.
    for (name, _) in &fields {
        let tag = input(&html, name);
        if let Some(id) = attr(tag, "id") {
            assert!(
                html.contains(&format!("<label for=\"{id}\"")),
                "no label for {id}"
            );
        }
    }
    // The kiosk preview of the office in force, and no style attribute (the CSP).
    assert!(html.contains("class=\"kiosk-frame\""));
    assert!(html.contains("<span class=\"service-name\">Courrier</span>"));
    assert!(!html.contains(" style="));
    // Saving it unchanged stores nothing, and says so.
    let before = config(&app).await;
    let res = post(&app, &fields, "save").await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/admin/office?done=unchanged&v=1");
    assert_eq!(config(&app).await, before);
    let html = app.get_staff(res.location()).await.html(200);
    assert!(html.contains("Rien à enregistrer : la configuration est inchangée (version 1)."));
}

#[actix_web::test]
async fn a_manager_adds_a_service_that_every_reader_of_the_configuration_sees() {
    let app = configured().await;
    let manager = as_role(&app, "marie", "manager").await;
    let mut fields = current_form(&manager).await;
    for (k, v) in [
        ("services.2.code", "banque"),
        ("services.2.prefix", "C"),
        ("services.2.name_fr", "Banque"),
        ("services.2.name_en", "Banking"),
        ("services.2.target_wait", "10"),
    ] {
        fields = set(fields, k, v);
    }
    // Ticked at the desk too (the new row is row 2).
    fields.push(("desks.0.services".into(), "2".into()));
    let res = post(&manager, &fields, "save").await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/admin/office?done=saved&v=2");
    let stored = config(&app).await;
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["services"][2]["code"], "banque");
    assert_eq!(stored["services"][2]["target_wait_minutes"], 10);
    assert_eq!(
        stored["desks"][0]["services"],
        json!(["colis", "courrier", "banque"])
    );
    // The outcome, said once.
    let html = manager.get_staff(res.location()).await.html(200);
    assert!(
        html.contains("Configuration enregistrée (version 2)."),
        "{html}"
    );
    // Audited with the versions.
    let audit = app.get_staff("/api/audit?action=office.update").await;
    let text = audit.text();
    assert!(text.contains("version 1 → 2"), "{text}");
    assert!(text.contains("marie"), "{text}");
}

#[actix_web::test]
async fn a_bad_prefix_is_shown_next_to_its_input_with_what_was_typed() {
    let app = configured().await;
    let fields = current_form(&app).await;
    let fields = set(fields, "services.1.prefix", "B1");
    let fields = set(fields, "services.1.name_fr", "Colis & paquets");
    let res = post(&app, &fields, "save").await;
    let html = res.html(422);
    // The message under that row's letter, the input marked and described by it.
    let prefix = input(&html, "services.1.prefix");
    assert!(prefix.contains("value=\"B1\""), "{prefix}");
    assert!(prefix.contains("aria-invalid=\"true\""), "{prefix}");
    assert!(
        prefix.contains("aria-describedby=\"services-1-prefix-error\""),
        "{prefix}"
    );
    let error_at = html
        .find("id=\"services-1-prefix-error\"")
        .expect("the message");
    assert!(error_at > html.find("name=\"services.1.prefix\"").unwrap());
    assert!(html[error_at..].starts_with("id=\"services-1-prefix-error\">La lettre des tickets"));
    // The summary at the top links to it and takes the focus.
    assert!(html.contains("class=\"error-summary\" id=\"errors\" tabindex=\"-1\" autofocus"));
    assert!(html.contains("href=\"#services-1-prefix\""));
    // What was typed elsewhere is kept.
    assert!(input(&html, "services.1.name_fr").contains("value=\"Colis &amp; paquets\""));
    // Nothing saved.
    assert_eq!(config(&app).await["version"], 1);
    // In English too.
    let res = app
        .send(app.as_staff(app.post(&format!("{PATH}?lang=en")).set_form({
            let mut f = fields.clone();
            f.push(("op".into(), "save".into()));
            f
        })))
        .await;
    assert!(
        res.html(422)
            .contains(">The tickets' letter: 0 to 3 capital letters")
    );
}

#[actix_web::test]
async fn a_change_made_meanwhile_is_not_overwritten_and_nothing_typed_is_lost() {
    let app = configured().await;
    let fields = current_form(&app).await;
    // Someone else changes the office (version 2).
    let mut other = office();
    other["services"][1]["name"]["fr"] = json!("Colis et lettres recommandées");
    assert_eq!(app.configure(&other).await, 2);
    let fields = set(fields, "services.0.name_en", "Mail");
    let res = post(&app, &fields, "save").await;
    let html = res.html(409);
    assert!(
        html.contains("la version 2 a été enregistrée entre-temps"),
        "{html}"
    );
    assert!(input(&html, "services.0.name_en").contains("value=\"Mail\""));
    assert!(input(&html, "version").contains("value=\"2\""));
    let stored = config(&app).await;
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["services"][0]["name"]["en"], "Letters");
    // Saving the form as it came back replaces version 2, knowingly.
    let again = form_of(&html);
    post(&app, &again, "save").await.assert_status(303);
    let stored = config(&app).await;
    assert_eq!(stored["version"], 3);
    assert_eq!(stored["services"][0]["name"]["en"], "Mail");
}

#[actix_web::test]
async fn waiting_tickets_stop_a_removal_and_a_closure_waits_for_its_confirmation() {
    let app = configured().await;
    app.open_day().await;
    app.take_for("colis", None).await;
    app.take_for("colis", None).await;
    let fields = current_form(&app).await;
    assert!(
        app.get_staff(PATH)
            .await
            .text()
            .contains("2 tickets en attente"),
        "the row says how many wait"
    );
    // Removing colis: refused, the reason next to its "remove" box, even confirmed.
    let removed = set(fields.clone(), "services.1.remove", "on");
    let html = post(&app, &removed, "save").await.html(409);
    let at = html
        .find("id=\"services-1-remove-error\"")
        .expect("next to the box");
    assert!(
        html[at..].contains("2 tickets attendent pour ce service"),
        "{html}"
    );
    assert!(input(&html, "services.1.remove").contains("checked"));
    let confirmed = set(removed, "confirm", "colis:removed");
    post(&app, &confirmed, "save").await.assert_status(409);
    assert_eq!(config(&app).await["version"], 1);

    // Closing it and changing its letter: a warning listing it, and a box to tick.
    let closed = set(unset(fields, "services.1.open"), "services.1.prefix", "P");
    let html = post(&app, &closed, "save").await.html(409);
    let warning = &html[html.find("class=\"impacts\"").expect("the warning")..];
    assert!(
        warning.contains("Colis (2 tickets en attente) — fermé"),
        "{warning}"
    );
    assert!(
        warning.contains("lettre changée de « B » en « P »"),
        "{warning}"
    );
    assert!(html.contains("id=\"impacts\" tabindex=\"-1\" autofocus"));
    assert_eq!(config(&app).await["version"], 1);
    // The box the page shows, ticked: saved.
    let form = form_of(&html);
    assert!(!form.iter().any(|(k, _)| k == "confirm"), "unticked");
    let confirm = attr(input(&html, "confirm"), "value").expect("its value");
    assert_eq!(confirm, "colis:closed,colis:relettered");
    let res = post(&app, &set(form, "confirm", &confirm), "save").await;
    res.assert_status(303);
    let stored = config(&app).await;
    assert_eq!(stored["services"][1]["open"], false);
    assert_eq!(stored["services"][1]["prefix"], "P");
}

#[actix_web::test]
async fn only_an_administrator_changes_the_settings() {
    let app = configured().await;
    let manager = as_role(&app, "marc", "manager").await;
    let html = manager.get_staff(PATH).await.html(200);
    assert!(
        !html.contains("name=\"settings.name\""),
        "read-only for a manager"
    );
    assert!(html.contains("<dd>Poste de Paris 15</dd>"));
    // A manager's post with settings (hand-made) keeps the stored ones.
    let fields = form_of(&html);
    let fields = set(fields, "settings.name", "Autre nom");
    let fields = set(fields, "settings.languages", "en");
    let fields = set(fields, "services.0.name_fr", "Lettres");
    post(&manager, &fields, "save").await.assert_status(303);
    let stored = config(&app).await;
    assert_eq!(stored["services"][0]["name"]["fr"], "Lettres");
    assert_eq!(
        stored["settings"],
        json!({"name": "Poste de Paris 15", "languages": ["fr", "en"]})
    );
    // An administrator changes them.
    let fields = current_form(&app).await;
    let fields = set(fields, "settings.name", "Poste de Paris 15 — Vaugirard");
    let fields = set(fields, "settings.welcome_fr", "Bienvenue !");
    let fields = set(fields, "settings.welcome_en", "Welcome!");
    let fields = set(fields, "settings.languages", "en,fr");
    post(&app, &fields, "save").await.assert_status(303);
    let stored = config(&app).await;
    assert_eq!(
        stored["settings"],
        json!({"name": "Poste de Paris 15 — Vaugirard",
               "welcome": {"fr": "Bienvenue !", "en": "Welcome!"},
               "languages": ["en", "fr"]})
    );
    // A welcome text in one language only: the other one is asked for.
    let fields = set(current_form(&app).await, "settings.welcome_en", "");
    let html = post(&app, &fields, "save").await.html(422);
    assert!(html.contains("id=\"settings-welcome_en-error\""), "{html}");
}

#[actix_web::test]
async fn an_agent_may_neither_see_nor_post_the_form() {
    let app = configured().await;
    let fields = current_form(&app).await;
    let agent = as_role(&app, "paul", "agent").await;
    let res = agent.get_staff(PATH).await;
    assert!(res.html(403).contains("responsables"));
    post(&agent, &fields, "save").await.assert_status(403);
    assert_eq!(config(&app).await["version"], 1);
    // Signed out: to the sign-in page.
    let res = app.send(app.get(PATH)).await;
    res.assert_status(303);
    assert!(res.location().starts_with("/api/login?next="));
}

#[actix_web::test]
async fn a_preview_shows_the_edited_kiosk_and_saves_nothing() {
    let app = configured().await;
    let fields = current_form(&app).await;
    let fields = set(fields, "services.1.name_fr", "Colis et paquets");
    let fields = set(fields, "services.1.priority", "on");
    let fields = set(fields, "settings.welcome_fr", "Bonjour et bienvenue");
    let fields = set(fields, "settings.welcome_en", "Hello and welcome");
    let html = post(&app, &fields, "preview").await.html(200);
    let preview = &html[html.find("class=\"preview-panel\"").expect("the preview")..];
    assert!(preview.contains("Avec vos changements, non enregistrés."));
    assert!(preview.contains("<span class=\"service-name\">Colis et paquets</span>"));
    assert!(preview.contains("Bonjour et bienvenue</h1>"));
    assert!(
        preview.contains("pour Colis et paquets"),
        "the priority button"
    );
    assert!(preview.contains("Poste de Paris 15"), "the office's name");
    assert!(preview.contains("<fieldset class=\"kiosk-frame-screen\" disabled>"));
    assert!(html.contains("Aperçu : rien n'est enregistré ;"));
    // What was typed is in the form, and nothing was saved.
    assert!(input(&html, "services.1.name_fr").contains("value=\"Colis et paquets\""));
    assert_eq!(config(&app).await["version"], 1);
    // A preview of an invalid office shows the errors instead.
    let bad = set(fields, "services.0.code", "Courrier!");
    let html = post(&app, &bad, "preview").await.html(422);
    assert!(html.contains("Corrigez les erreurs pour voir l'aperçu."));
}
