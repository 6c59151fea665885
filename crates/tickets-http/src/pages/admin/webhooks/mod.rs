//! `/api/admin/webhooks` (administrators): every webhook with its events; add one (its
//! signing secret shown once, on the answer to the form), remove one; the deliveries kept
//! (failed, then waiting for their next attempt), and "send again" for a failed one.
//!
//! The checks and store calls are the JSON API's (`api/webhooks.rs`): the same URL check
//! (public addresses only unless `TICKETS_WEBHOOK_ALLOW_PRIVATE=1`), the same event
//! names, the same secret rules, the same audit actions. The markup is in `view.rs`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use tickets_core::webhooks::{
    ALL_EVENTS, MAX_WEBHOOKS, Webhook, WebhookId, WebhookStore, check_events,
};
use tickets_core::{Action, QueueBackend};

use super::{STYLES, back, notice};
use view::{create_form, deliveries_table, hooks_table, secret};

mod view;
use crate::api::account_ops::FieldError;
use crate::auth::{AuditNote, Auth, StaffPage, note_audit};
use crate::lang::Lang;
use crate::pages::{
    Nav, Page, StaffPage as Current, html_response, office_and_lang, unavailable_page,
};
use crate::state::AppState;
use crate::webhooks::{
    MAX_SECRET_CHARS as MAX_SECRET, MIN_SECRET_CHARS as MIN_SECRET, check_url, secret_or_new,
};

const PATH: &str = "/api/admin/webhooks";

/// The longest delivery id the page accepts (the API's rule).
const MAX_DELIVERY_ID: usize = 120;

/// The page's query: the outcome of the last change.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhooksQuery {
    /// The last change's outcome, said once (`deleted`, `resent`).
    done: Option<String>,
    /// The webhook (`deleted`) or the delivery (`resent`) it concerned.
    id: Option<String>,
}

/// The page's forms, as a browser sends them: `events` once per box ticked.
#[derive(Debug, Default, utoipa::ToSchema)]
pub struct WebhooksForm {
    /// `create`, `delete` or `resend`.
    action: String,
    /// Where a new hook's events go: an `http` or `https` URL (`create`).
    url: String,
    /// The events it receives, one field per event (`create`): action names
    /// (`take_ticket`, `call_next`, …), or `*` for all.
    events: Vec<String>,
    /// Its signing secret, 16 to 200 characters; one is made when empty (`create`).
    secret: String,
    /// The hook to remove (`delete`), or the failed delivery to send again (`resend`).
    id: String,
}

impl WebhooksForm {
    /// The form from its fields (others are ignored).
    fn of(fields: Vec<(String, String)>) -> Self {
        let mut form = WebhooksForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "action" => form.action = value,
                "url" => form.url = value,
                "events" => form.events.push(value),
                "secret" => form.secret = value,
                "id" => form.id = value,
                _ => {}
            }
        }
        form
    }
}

/// What the page shows besides the lists.
#[derive(Default)]
struct Shown<'a> {
    message: Option<(bool, String)>,
    created: Option<&'a Webhook>,
    error: Option<FieldError>,
    typed: Option<&'a WebhooksForm>,
}

/// Every event name a hook may ask for: `*`, then the actions in their fixed order.
fn every_event() -> impl Iterator<Item = &'static str> {
    std::iter::once(ALL_EVENTS).chain(Action::ALL.iter().map(|a| a.as_str()))
}

/// A delivery id as the page shows it in an outcome, if it looks like one.
fn delivery_id(id: &str) -> Option<&str> {
    (!id.is_empty()
        && id.len() <= MAX_DELIVERY_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
    .then_some(id)
}

/// A message of `check_url` as a sentence: a capital first, a full stop last.
fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?', ')']) {
        out.push('.');
    }
    out
}

/// The webhooks (administrators).
#[utoipa::path(
    get,
    operation_id = "admin_webhooks_page",
    path = "/api/admin/webhooks",
    tag = crate::openapi::TAG_PAGES,
    params(WebhooksQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The webhooks and the deliveries kept.", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to the sign-in page."),
        (status = 403, description = "Not an administrator: a page that says so.", content_type = "text/html", body = String),
        (status = 422, description = "Invalid query.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    _staff: StaffPage,
    query: web::Query<WebhooksQuery>,
) -> HttpResponse {
    let (_, l) = office_and_lang(&req, &state);
    let id = query.id.as_deref();
    let message = match (query.done.as_deref(), id) {
        (Some("deleted"), Some(id)) if WebhookId::parse(id).is_ok() => Some((
            true,
            match l {
                Lang::Fr => format!("Webhook {id} retiré : il ne reçoit plus aucun événement."),
                Lang::En => format!("Webhook {id} removed: it no longer receives any event."),
            },
        )),
        (Some("resent"), Some(id)) if delivery_id(id).is_some() => Some((
            true,
            match l {
                Lang::Fr => format!(
                    "Livraison {id} renvoyée : elle part maintenant, avec une nouvelle journée d'essais."
                ),
                Lang::En => {
                    format!("Delivery {id} sent again: it goes now, with a new day of retries.")
                }
            },
        )),
        _ => None,
    };
    let shown = Shown {
        message,
        ..Shown::default()
    };
    render(&req, &state, &auth, l, shown, StatusCode::OK).await
}

async fn render<B: QueueBackend>(
    req: &HttpRequest,
    state: &AppState<B>,
    auth: &Auth,
    l: Lang,
    shown: Shown<'_>,
    status: StatusCode,
) -> HttpResponse {
    let store = auth.accounts();
    let (Ok(hooks), Ok(mut deliveries)) = (store.webhooks().await, store.deliveries().await) else {
        return unavailable_page(req, l);
    };
    // The failed first, then those waiting (the store's order already; kept within each).
    deliveries.sort_by_key(|d| !d.failed);
    let tz = state.queue.config().calendar.time_zone();
    let page = Page {
        lang: l,
        title: l.t("Webhooks", "Webhooks").to_owned(),
        class: "page-admin",
        nav: Nav::Staff(Current::Webhooks),
        scripts: &["js/admin.js"],
        styles: STYLES,
        req,
    };
    html_response(
        status,
        page.render(html! {
            h1 { (l.t("Webhooks", "Webhooks")) }
            (notice(shown.message.as_ref()))
            @if let Some(hook) = shown.created {
                (secret(l, hook))
            }
            p class="lead-text" {
                (l.t("Un webhook envoie les événements de la file (ticket pris, appel, fin de journée…) à une adresse web, en POST JSON signé, dès qu'ils arrivent. Un envoi qui échoue est réessayé pendant une journée, puis gardé ci-dessous pour être renvoyé.",
                     "A webhook sends the queue's events (ticket taken, call, end of day…) to a web address, as a signed JSON POST, as they happen. A send that fails is tried again for a day, then kept below to be sent again."))
            }
            div class="admin-grid" {
                section class="card" aria-labelledby="hooks-title" {
                    h2 id="hooks-title" { (l.t("Webhooks", "Webhooks")) " " span class="count" { "(" (hooks.len()) ")" } }
                    (hooks_table(l, tz, &hooks))
                }
                (create_form(l, state.webhook_allow_private, shown.error.as_ref(), shown.typed))
            }
            section class="card deliveries" aria-labelledby="deliveries-title" {
                h2 id="deliveries-title" { (l.t("Livraisons gardées", "Deliveries kept")) " " span class="count" { "(" (deliveries.len()) ")" } }
                p class="hint" {
                    (l.t("Les livraisons en échec (une journée d'essais sans réponse 2xx), les plus récentes d'abord, puis celles qui attendent leur prochain essai. Une livraison réussie n'est pas gardée.",
                         "The failed deliveries (a day of tries without a 2xx answer), newest first, then those waiting for their next try. A delivery that succeeded is not kept."))
                }
                (deliveries_table(l, tz, &deliveries, &hooks))
            }
        }),
    )
}

/// The events of the form, checked: `*` alone when it is ticked, no repeats.
fn chosen_events(events: &[String]) -> Result<Vec<String>, FieldError> {
    if let Some(unknown) = events
        .iter()
        .find(|e| *e != ALL_EVENTS && e.parse::<Action>().is_err())
    {
        return Err(FieldError::new(
            "events",
            format!("« {unknown} » n'est pas un événement."),
            format!("\"{unknown}\" is not an event."),
        ));
    }
    let list: Vec<String> = if events.iter().any(|e| e == ALL_EVENTS) {
        vec![ALL_EVENTS.to_owned()]
    } else {
        every_event()
            .filter(|name| events.iter().any(|e| e == name))
            .map(str::to_owned)
            .collect()
    };
    if list.is_empty() {
        return Err(FieldError::new(
            "events",
            "Cochez au moins un événement, ou « Tous les événements ».",
            "Tick at least one event, or \"All events\".",
        ));
    }
    check_events(&list).map_err(|e| FieldError::new("events", e.reason.clone(), e.reason))?;
    Ok(list)
}

/// Why an addition was not made.
enum Refused {
    /// A field breaks its rule (422).
    Field(FieldError),
    /// The store failed (503).
    Store(tickets_core::Error),
}

/// Checks the form and adds its hook.
async fn create(
    store: &impl WebhookStore,
    allow_private: bool,
    form: &WebhooksForm,
) -> Result<Webhook, Refused> {
    let url = form.url.trim();
    if url.is_empty() {
        return Err(Refused::Field(FieldError::new(
            "url",
            "Indiquez l'adresse qui recevra les événements.",
            "Give the URL that will receive the events.",
        )));
    }
    let (checked, _) = check_url(url, allow_private)
        .await
        .map_err(|e| Refused::Field(FieldError::new("url", sentence(&e.fr), sentence(&e.en))))?;
    let events = chosen_events(&form.events).map_err(Refused::Field)?;
    let given = Some(form.secret.trim()).filter(|s| !s.is_empty());
    let Some(secret) = secret_or_new(given) else {
        return Err(Refused::Field(FieldError::new(
            "secret",
            format!(
                "Le secret compte de {MIN_SECRET} à {MAX_SECRET} caractères ; laissez le champ vide pour qu'il soit créé."
            ),
            format!(
                "The secret has {MIN_SECRET} to {MAX_SECRET} characters; leave the field empty to have one made."
            ),
        )));
    };
    let hook = Webhook {
        id: WebhookId::random().map_err(Refused::Store)?,
        url: checked.to_string(),
        events,
        secret,
        created_at: Utc::now(),
    };
    match store.add_webhook(&hook).await {
        Ok(()) => Ok(hook),
        Err(tickets_core::Error::Invalid(_)) => Err(Refused::Field(FieldError::new(
            "url",
            format!("Un bureau a au plus {MAX_WEBHOOKS} webhooks : retirez-en un d'abord."),
            format!("An office has at most {MAX_WEBHOOKS} webhooks: remove one first."),
        ))),
        Err(e) => Err(Refused::Store(e)),
    }
}

/// Adds, removes a webhook or sends a failed delivery again (administrators): a new hook's
/// secret is on the answer itself (200), shown this once; a removal or a resend comes back
/// (303) with its outcome.
#[utoipa::path(
    post,
    operation_id = "admin_webhooks_act",
    path = "/api/admin/webhooks",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = WebhooksForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Added: the page with the hook's secret, shown once.", content_type = "text/html", body = String),
        (status = 303, description = "Removed, or sent again: back to the page with the outcome (or to the sign-in page)."),
        (status = 400, description = "Not the page's form.", body = crate::openapi::ErrorBody),
        (status = 403, description = "Not an administrator (a page), or another site (`cross_origin`).",
         content((String = "text/html"), (crate::openapi::ErrorBody = "application/json"))),
        (status = 404, description = "No such hook, or no failed delivery with this id: the page again.", content_type = "text/html", body = String),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
        (status = 422, description = "A field breaks its rule (a URL that is not http or https, a private address, no event, a secret too short): the page again, the error next to it.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn act<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    _staff: StaffPage,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let (_, l) = office_and_lang(&req, &state);
    let form = WebhooksForm::of(form.into_inner());
    let store = auth.accounts();
    let (status, shown) = match form.action.as_str() {
        "create" => match create(store, state.webhook_allow_private, &form).await {
            Ok(hook) => {
                note_audit(
                    &req,
                    AuditNote {
                        action: Some("webhook.create"),
                        desk: None,
                        detail: format!("{} {} ({})", hook.id, hook.url, hook.events.join(", ")),
                    },
                );
                let shown = Shown {
                    created: Some(&hook),
                    ..Shown::default()
                };
                return render(&req, &state, &auth, l, shown, StatusCode::OK).await;
            }
            Err(Refused::Store(e)) => {
                tracing::warn!(error = %e, "adding a webhook failed");
                return unavailable_page(&req, l);
            }
            Err(Refused::Field(e)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Shown {
                    error: Some(e),
                    typed: Some(&form),
                    ..Shown::default()
                },
            ),
        },
        "delete" => match WebhookId::parse(form.id.trim()) {
            Err(_) => gone(l),
            Ok(id) => {
                let url = store
                    .webhooks()
                    .await
                    .ok()
                    .and_then(|hs| hs.into_iter().find(|h| h.id == id).map(|h| h.url));
                match store.remove_webhook(&id).await {
                    Ok(true) => {
                        let detail = match url {
                            Some(u) => format!("{id} {u}"),
                            None => id.to_string(),
                        };
                        note_audit(
                            &req,
                            AuditNote {
                                action: Some("webhook.delete"),
                                desk: None,
                                detail,
                            },
                        );
                        return back(format!("{PATH}?done=deleted&id={id}"));
                    }
                    Ok(false) => gone(l),
                    Err(e) => {
                        tracing::warn!(error = %e, "removing a webhook failed");
                        return unavailable_page(&req, l);
                    }
                }
            }
        },
        "resend" => {
            let id = form.id.trim();
            let resent = if id.is_empty() || id.len() > MAX_DELIVERY_ID {
                Ok(false)
            } else {
                store.resend_delivery(id, Utc::now()).await
            };
            match resent {
                Ok(true) => {
                    note_audit(
                        &req,
                        AuditNote {
                            action: Some("webhook.resend"),
                            desk: None,
                            detail: id.to_owned(),
                        },
                    );
                    return back(match delivery_id(id) {
                        Some(id) => format!("{PATH}?done=resent&id={id}"),
                        None => PATH.to_owned(),
                    });
                }
                Ok(false) => (
                    StatusCode::NOT_FOUND,
                    Shown {
                        message: Some((
                            false,
                            l.t(
                                "Aucune livraison en échec ne porte cet identifiant (elle a peut-être déjà été renvoyée).",
                                "No failed delivery has this id (it may have been sent again already).",
                            )
                            .to_owned(),
                        )),
                        ..Shown::default()
                    },
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "sending a delivery again failed");
                    return unavailable_page(&req, l);
                }
            }
        }
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                message: Some((false, l.t("Action inconnue.", "Unknown action.").to_owned())),
                ..Shown::default()
            },
        ),
    };
    render(&req, &state, &auth, l, shown, status).await
}

/// The answer about a hook that does not exist.
fn gone(l: Lang) -> (StatusCode, Shown<'static>) {
    (
        StatusCode::NOT_FOUND,
        Shown {
            message: Some((
                false,
                l.t(
                    "Ce webhook n'existe pas (il a peut-être déjà été retiré).",
                    "This webhook does not exist (it may have been removed already).",
                )
                .to_owned(),
            )),
            ..Shown::default()
        },
    )
}
