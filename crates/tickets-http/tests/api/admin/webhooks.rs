//! The webhooks page, `/api/admin/webhooks`: the hooks and their form (a new hook's secret
//! shown once, refusals next to their field), removal, and the deliveries kept with "send
//! again" for a failed one.

use chrono::Utc;
use serde_json::{Value, json};
use tickets_core::webhooks::{DeliveryOutcome, NewDelivery, Webhook, WebhookId, WebhookStore};
use tickets_core::{Action, AnyBackend, MemoryBackend};
use tickets_http::Config;

use super::{AGENT_PASSWORD, audit, create_account, send};
use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_security_headers, spawn_app, spawn_app_with,
    spawn_app_with_config,
};

const PATH: &str = "/api/admin/webhooks";

/// Asserts what every page must be (the checks of `pages.rs`): HTML, no inline script, no
/// style attribute, every script loaded from our assets, the security headers.
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

/// Posts the page's form (`events` may repeat) as the administrator to `uri`.
async fn post_form(app: &TestApp, uri: &str, form: &[(&str, &str)]) -> TestResponse {
    send(app, app.as_staff(app.post(uri).set_form(form))).await
}

/// The page as the administrator.
async fn page(app: &TestApp, uri: &str) -> String {
    assert_clean_page(&send(app, app.as_staff(app.get(uri))).await, 200)
}

/// Follows a 303 as the administrator and returns the page's text.
async fn follow(app: &TestApp, res: &TestResponse) -> String {
    res.assert_status(303);
    page(app, res.location()).await
}

/// The secret shown on a page (`value="whsec_…"`).
fn shown_secret(html: &str) -> Option<String> {
    html.split("id=\"secret-value\"")
        .nth(1)?
        .split("value=\"")
        .nth(1)?
        .split('"')
        .next()
        .map(str::to_owned)
}

/// The hooks as the JSON API lists them.
async fn hooks(app: &TestApp) -> Vec<Value> {
    send(app, app.as_staff(app.get("/api/webhooks")))
        .await
        .json()["webhooks"]
        .as_array()
        .expect("webhooks")
        .clone()
}

#[actix_web::test]
async fn the_page_is_for_administrators_and_offers_every_event() {
    let app = spawn_app().await;
    let html = page(&app, PATH).await;
    assert!(html.contains("<h1>Webhooks</h1>"), "{html}");
    assert!(html.contains("Aucun webhook pour l'instant."));
    assert!(html.contains("Aucune livraison en échec ni en attente."));
    assert!(
        html.contains(r#"<a href="/api/admin/webhooks" aria-current="page">Webhooks</a>"#),
        "the nav links the page, marked current"
    );
    // The form: a URL field, a box per event (`*` first), an optional secret.
    assert!(
        html.contains(r#"type="url" id="create-url" name="url""#),
        "{html}"
    );
    assert!(html.contains(r#"<fieldset class="field event-choice""#));
    assert!(html.contains(r#"id="create-events-0" name="events" value="*""#));
    for (i, action) in Action::ALL.iter().enumerate() {
        assert!(
            html.contains(&format!(
                r#"id="create-events-{}" name="events" value="{}""#,
                i + 1,
                action.as_str()
            )),
            "{} is offered",
            action.as_str()
        );
    }
    assert!(html.contains(r#"id="create-secret" name="secret""#));
    // Config::for_tests allows private addresses; the hint says so.
    assert!(html.contains("Ce serveur permet aussi les adresses privées"));

    let en = page(&app, &format!("{PATH}?lang=en")).await;
    assert!(en.contains("<html lang=\"en\""), "{en}");
    assert!(en.contains("New webhook") && en.contains("Add the webhook"));
    assert!(en.contains("All events") && en.contains("Next ticket called"));

    // Agents and managers get the 403 page, a visitor the sign-in page.
    create_account(&app, "agent1", "agent", None).await;
    create_account(&app, "chef1", "manager", None).await;
    for user in ["agent1", "chef1"] {
        let cookie = app.login_as(user, AGENT_PASSWORD).await;
        let res = send(&app, app.get(PATH).cookie(cookie.clone())).await;
        assert!(res.html(403).contains("Accès réservé"));
        let res = send(
            &app,
            app.post(PATH)
                .cookie(cookie.clone())
                .set_form([("action", "delete"), ("id", "0123456789abcdef")]),
        )
        .await;
        res.html(403);
        let dashboard = send(&app, app.get("/api/dashboard").cookie(cookie)).await;
        if user == "chef1" {
            assert!(!dashboard.html(200).contains("href=\"/api/admin/webhooks\""));
        }
    }
    let res = send(&app, app.get(PATH)).await;
    res.assert_status(303);
    assert!(res.location().starts_with("/api/login?next="));
}

#[actix_web::test]
async fn adding_a_hook_shows_its_secret_once_and_lists_it() {
    let app = spawn_app().await;
    let res = post_form(
        &app,
        PATH,
        &[
            ("action", "create"),
            ("url", " http://127.0.0.1:9/hooks/tickets "),
            ("events", "take_ticket"),
            ("events", "call_next"),
            ("secret", ""),
        ],
    )
    .await;
    let html = assert_clean_page(&res, 200);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let secret = shown_secret(&html).unwrap_or_else(|| panic!("no secret on the page: {html}"));
    assert!(
        secret.starts_with("whsec_") && secret.len() == 6 + 48,
        "{secret}"
    );
    assert!(html.contains("Copiez ce secret maintenant"));
    assert!(
        html.contains(
            "<code>X-Tickets-Signature: t=&lt;horodatage&gt;,v1=&lt;signature&gt;</code>"
        ),
        "{html}"
    );
    assert!(html.contains("<code>docs/webhooks.md</code>"));
    assert!(html.contains(r#"<a href="/api/docs/#/webhooks">"#));
    // Listed at once, and afterwards, without the secret.
    assert!(html.contains("http://127.0.0.1:9/hooks/tickets"));
    let listed = page(&app, PATH).await;
    assert!(
        listed.contains("http://127.0.0.1:9/hooks/tickets"),
        "{listed}"
    );
    assert!(
        listed.contains("<code title=\"Ticket pris\">take_ticket</code>")
            && listed.contains("<code title=\"Ticket suivant appelé\">call_next</code>"),
        "{listed}"
    );
    assert!(!listed.contains(&secret), "the secret is shown again");
    assert!(!listed.contains("id=\"secret-value\""));
    let all = hooks(&app).await;
    assert_eq!(all.len(), 1);
    // Stored in the fixed order of the events, as the API stores them.
    assert_eq!(all[0]["events"], json!(["take_ticket", "call_next"]));
    assert_eq!(all[0]["url"], "http://127.0.0.1:9/hooks/tickets");

    // A secret of one's own; "all events" ticked with others means all events.
    let res = post_form(
        &app,
        &format!("{PATH}?lang=en"),
        &[
            ("action", "create"),
            ("url", "http://127.0.0.1:9/other"),
            ("events", "*"),
            ("events", "no_show"),
            ("secret", "sixteen-chars-ok"),
        ],
    )
    .await;
    let html = assert_clean_page(&res, 200);
    assert_eq!(shown_secret(&html).as_deref(), Some("sixteen-chars-ok"));
    assert!(html.contains("Copy this secret now"));
    let all = hooks(&app).await;
    assert_eq!(all[1]["events"], json!(["*"]));
    assert!(
        page(&app, PATH)
            .await
            .contains(r#"<span class="badge badge-all">Tous les événements</span>"#)
    );

    // Every addition is audited.
    let entries = audit(&app, "action=webhook.create").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries.iter().all(|e| {
        e["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("http://127.0.0.1:9/")
    }));
}

#[actix_web::test]
async fn a_field_at_fault_comes_back_with_its_error_and_what_was_typed() {
    let app = spawn_app().await;
    // The fields sent besides `action`, the field at fault, what its error says.
    type Case = (
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );
    let cases: [Case; 5] = [
        (&[("url", ""), ("events", "*")], "url", "Indiquez l'adresse"),
        (
            &[("url", "ftp://example.org/x"), ("events", "*")],
            "url",
            "Seules les adresses http et https",
        ),
        (
            &[("url", "http://127.0.0.1:9/kept")],
            "events",
            "Cochez au moins un événement",
        ),
        (
            &[("url", "http://127.0.0.1:9/kept"), ("events", "called")],
            "events",
            "« called » n'est pas un événement.",
        ),
        (
            &[
                ("url", "http://127.0.0.1:9/kept"),
                ("events", "recall"),
                ("secret", "court"),
            ],
            "secret",
            "Le secret compte de 16 à 200 caractères",
        ),
    ];
    for (fields, field, said) in cases {
        let mut form = vec![("action", "create")];
        form.extend_from_slice(fields);
        let res = post_form(&app, PATH, &form).await;
        let html = assert_clean_page(&res, 422);
        let error = format!("id=\"create-{field}-error\"");
        assert!(html.contains(&error), "{field}: {html}");
        assert!(html.contains(said), "{field}: {said} in {html}");
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(shown_secret(&html).is_none());
        if fields.iter().any(|(_, v)| *v == "http://127.0.0.1:9/kept") {
            assert!(
                html.contains("value=\"http://127.0.0.1:9/kept\""),
                "the URL typed is kept"
            );
        }
        if field == "secret" {
            assert!(
                html.contains(r#"value="recall" checked"#),
                "the events ticked are kept"
            );
            assert!(
                !html.contains("value=\"court\""),
                "the secret is shown again"
            );
        }
    }
    // In English too.
    let res = post_form(
        &app,
        &format!("{PATH}?lang=en"),
        &[("action", "create"), ("url", "http://127.0.0.1:9/x")],
    )
    .await;
    assert!(
        assert_clean_page(&res, 422)
            .contains("Tick at least one event, or &quot;All events&quot;.")
    );
    // An unknown action.
    let res = post_form(&app, PATH, &[("action", "nope")]).await;
    assert!(assert_clean_page(&res, 422).contains("Action inconnue."));
    assert!(hooks(&app).await.is_empty(), "nothing was added");
}

#[actix_web::test]
async fn a_private_address_is_refused_unless_the_server_allows_it() {
    let mut config = Config::for_tests(PASSWORD);
    config.webhook_allow_private = false;
    let app = spawn_app_with_config(&config).await;
    assert!(
        page(&app, PATH)
            .await
            .contains("adresses publiques seulement")
    );
    for url in [
        "http://127.0.0.1:8080/x",
        "http://10.0.0.1/x",
        "http://[::1]/x",
    ] {
        let form = [("action", "create"), ("url", url), ("events", "*")];
        let html = assert_clean_page(&post_form(&app, PATH, &form).await, 422);
        assert!(html.contains("id=\"create-url-error\""), "{html}");
        assert!(
            html.contains("est une adresse privée ou locale"),
            "{url}: {html}"
        );
        assert!(html.contains("aria-describedby=\"create-url-hint create-url-error\""));
        let en = format!("{PATH}?lang=en");
        let html = assert_clean_page(&post_form(&app, &en, &form).await, 422);
        assert!(
            html.contains("is a private or local address: webhooks go to public addresses only"),
            "{url}: {html}"
        );
    }
    assert!(hooks(&app).await.is_empty());
}

#[actix_web::test]
async fn removing_a_hook_comes_back_with_the_outcome() {
    let app = spawn_app().await;
    for url in ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"] {
        let form = [("action", "create"), ("url", url), ("events", "*")];
        post_form(&app, PATH, &form).await.assert_status(200);
    }
    let id = hooks(&app).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let html = page(&app, PATH).await;
    assert!(
        html.contains("aria-label=\"Retirer le webhook vers http://127.0.0.1:9/a\""),
        "{html}"
    );
    let res = post_form(&app, PATH, &[("action", "delete"), ("id", &id)]).await;
    assert_eq!(res.location(), format!("{PATH}?done=deleted&id={id}"));
    let html = follow(&app, &res).await;
    assert!(
        html.contains(&format!(
            "Webhook {id} retiré : il ne reçoit plus aucun événement."
        )),
        "{html}"
    );
    assert!(!html.contains("http://127.0.0.1:9/a\""));
    let left = hooks(&app).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["url"], "http://127.0.0.1:9/b");

    // Again, or an id that is none: the page says so.
    for id in [id.as_str(), "nope"] {
        let res = post_form(&app, PATH, &[("action", "delete"), ("id", id)]).await;
        assert!(assert_clean_page(&res, 404).contains("Ce webhook n'existe pas"));
    }
    let entries = audit(&app, "action=webhook.delete").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["detail"].as_str(),
        Some(format!("{id} http://127.0.0.1:9/a").as_str())
    );
}

#[actix_web::test]
async fn the_deliveries_kept_are_listed_failed_first_and_a_failed_one_is_sent_again() {
    // The page reads the application's own store: put deliveries in it directly (no worker
    // runs in these tests).
    let backend = MemoryBackend::new();
    let app = spawn_app_with(backend.clone(), "memory", &Config::for_tests(PASSWORD)).await;
    let store = AnyBackend::Memory(backend);
    let hook = Webhook {
        id: WebhookId::random().expect("an id"),
        url: "http://127.0.0.1:9/receiver".into(),
        events: vec!["*".into()],
        secret: "whsec_the-receivers-secret".into(),
        created_at: Utc::now(),
    };
    store.add_webhook(&hook).await.unwrap();
    let now = Utc::now();
    let delivery = |n: u32, event: &str| NewDelivery {
        id: format!("{}-2026-11-30-{n}", hook.id),
        hook: hook.id.clone(),
        event: event.into(),
        body: "{}".into(),
    };
    let (waiting, failed) = (delivery(1, "take_ticket"), delivery(2, "call_next"));
    store
        .enqueue_deliveries(&[waiting.clone(), failed.clone()], now)
        .await
        .unwrap();
    store
        .claim_deliveries(now, chrono::Duration::seconds(60), 2)
        .await
        .unwrap();
    let retry = DeliveryOutcome::Retry {
        error: "connection refused".into(),
        at: now + chrono::Duration::hours(1),
    };
    store
        .finish_delivery(&waiting.id, &retry, now)
        .await
        .unwrap();
    let gave_up = DeliveryOutcome::Failed {
        error: "HTTP 500".into(),
    };
    store
        .finish_delivery(&failed.id, &gave_up, now)
        .await
        .unwrap();

    let html = page(&app, PATH).await;
    let (failed_at, waiting_at) = (
        html.find(&failed.id)
            .expect("the failed delivery is listed"),
        html.find(&waiting.id).expect("the waiting one too"),
    );
    assert!(failed_at < waiting_at, "the failed first");
    assert!(html.contains("<code>HTTP 500</code>") && html.contains("connection refused"));
    assert!(html.contains(">Échec<") && html.contains(">En attente<"));
    assert_eq!(
        html.matches(r#"name="action" value="resend""#).count(),
        1,
        "only a failed delivery can be sent again"
    );
    assert!(html.contains(&format!(
        "aria-label=\"Renvoyer la livraison {}\"",
        failed.id
    )));
    assert!(html.contains("Ticket suivant appelé"));

    let res = post_form(&app, PATH, &[("action", "resend"), ("id", &failed.id)]).await;
    assert_eq!(
        res.location(),
        format!("{PATH}?done=resent&id={}", failed.id)
    );
    let html = follow(&app, &res).await;
    assert!(
        html.contains(&format!("Livraison {} renvoyée", failed.id)),
        "{html}"
    );
    assert!(
        !html.contains(r#"value="resend""#),
        "no failed delivery left"
    );
    let kept = store.deliveries().await.unwrap();
    assert!(kept.iter().all(|d| !d.failed), "{kept:?}");

    // Not failed (any more), or unknown: the page says so.
    for id in [failed.id.as_str(), waiting.id.as_str(), "nope"] {
        let res = post_form(&app, PATH, &[("action", "resend"), ("id", id)]).await;
        assert!(assert_clean_page(&res, 404).contains("Aucune livraison en échec"));
    }
    let entries = audit(&app, "action=webhook.resend").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["detail"].as_str(), Some(failed.id.as_str()));
}
