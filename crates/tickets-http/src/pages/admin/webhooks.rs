//! `/api/admin/webhooks` (administrators): every webhook with its events; add one (its
//! signing secret shown once, on the answer to the form), remove one; the deliveries kept
//! (failed, then waiting for their next attempt), and "send again" for a failed one.
//!
//! The checks and store calls are the JSON API's (`api/webhooks.rs`): the same URL check
//! (public addresses only unless `TICKETS_WEBHOOK_ALLOW_PRIVATE=1`), the same event
//! names, the same secret rules, the same audit actions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use chrono_tz::Tz;
use maud::{Markup, html};
use serde::Deserialize;
use tickets_core::webhooks::{
    ALL_EVENTS, Delivery, MAX_WEBHOOKS, Webhook, WebhookId, WebhookStore, check_events,
};
use tickets_core::{Action, QueueBackend};

use super::{Field, STYLES, back, error_for, error_id, field_error, local_time, notice};
use crate::api::account_ops::FieldError;
use crate::auth::{AuditNote, Auth, StaffPage, note_audit};
use crate::lang::Lang;
use crate::pages::{
    Nav, Page, StaffPage as Current, html_response, office_and_lang, unavailable_page,
};
use crate::state::AppState;
use crate::webhooks::{SIGNATURE_HEADER, check_url};

const PATH: &str = "/api/admin/webhooks";

/// The shortest secret an administrator may choose (the API's rule).
const MIN_SECRET: usize = 16;
/// The longest.
const MAX_SECRET: usize = 200;
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

/// What an event is, in words.
fn event_text(l: Lang, action: Action) -> &'static str {
    match action {
        Action::StartDay => l.t("Journée ouverte", "Day opened"),
        Action::EndDay => l.t("Journée fermée", "Day closed"),
        Action::TakeTicket => l.t("Ticket pris", "Ticket taken"),
        Action::CallNext => l.t("Ticket suivant appelé", "Next ticket called"),
        Action::FinishCurrent => l.t("Ticket terminé au guichet", "Ticket finished at a desk"),
        Action::Recall => l.t("Ticket rappelé", "Ticket called again"),
        Action::NoShow => l.t("Client absent", "No-show"),
        Action::ResetDay => l.t("Journée remise à zéro", "Day reset"),
        Action::CallTicket => l.t(
            "Ticket donné appelé (hors tour)",
            "Given ticket called (out of turn)",
        ),
        Action::Transfer => l.t(
            "Ticket transféré à un autre service",
            "Ticket moved to another service",
        ),
        Action::Requeue => l.t("Absent remis dans la file", "No-show put back in the queue"),
        Action::LeaveQueue => l.t("Client parti de la file", "Customer left the queue"),
    }
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

/// The secret of a hook just added, to copy now, and how receivers check it.
fn secret(l: Lang, hook: &Webhook) -> Markup {
    html! {
        section class="card secret" aria-labelledby="secret-title" {
            h2 id="secret-title" { (l.t("Copiez ce secret maintenant", "Copy this secret now")) }
            p {
                (l.t("Secret de signature du webhook vers", "Signing secret of the webhook to"))
                " " code class="hook-url" { (hook.url) } (l.t(" :", ":"))
            }
            label for="secret-value" class="visually-hidden" { (l.t("Le secret", "The secret")) }
            input type="text" id="secret-value" class="secret-value" readonly value=(hook.secret)
                autofocus autocomplete="off" spellcheck="false" aria-describedby="secret-hint" data-secret
                data-copy-label=(l.t("Copier le secret", "Copy the secret"))
                data-copied-label=(l.t("Copié.", "Copied."))
                data-copy-failed-label=(l.t("Copie impossible : utilisez Ctrl+C.", "Cannot copy: use Ctrl+C."));
            p class="hint" id="secret-hint" {
                (l.t("Copiez-le (le champ a le focus : Ctrl+A puis Ctrl+C, ou ⌘A puis ⌘C sur Mac) et donnez-le au programme qui reçoit les événements. Il ne sera plus jamais affiché, ni ici ni par l'API. S'il est perdu, retirez ce webhook et ajoutez-en un autre.",
                     "Copy it (the field has the focus: Ctrl+A then Ctrl+C, or ⌘A then ⌘C on a Mac) and give it to the program that receives the events. It will never be shown again, here or by the API. If it is lost, remove this webhook and add another."))
            }
            h3 { (l.t("Vérifier la signature", "Checking the signature")) }
            p { (l.t("Chaque livraison est un POST JSON vers cette adresse, avec ces en-têtes :", "Each delivery is a JSON POST to this URL, with these headers:")) }
            ul class="signature-headers" {
                li {
                    code { (SIGNATURE_HEADER) ": t=<" (l.t("horodatage", "timestamp")) ">,v1=<signature>" } " — "
                    (l.t("la signature est le HMAC-SHA256, en hexadécimal, de « <t>.<corps> » (l'horodatage, un point, le corps reçu tel quel) avec ce secret ;",
                         "the signature is the HMAC-SHA256, in hexadecimal, of \"<t>.<body>\" (the timestamp, a dot, the body as received) under this secret;"))
                }
                li {
                    code { "X-Tickets-Event" } " — "
                    (l.t("l'événement (", "the event ("))
                    code { "call_next" } (l.t(", …) ;", ", …);"))
                }
                li {
                    code { "X-Tickets-Delivery" } " — "
                    (l.t("l'identifiant de la livraison, le même à chaque nouvel essai : ignorez un identifiant déjà traité.",
                         "the delivery's id, the same on every new try: ignore an id already handled."))
                }
            }
            p {
                (l.t("Le destinataire recalcule la signature avec ce secret, la compare à celle reçue et refuse la requête si elles diffèrent ou si l'horodatage est trop ancien.",
                     "The receiver computes the signature again with this secret, compares it with the one received, and refuses the request when they differ or when the timestamp is too old."))
            }
            p {
                (l.t("Le contenu des événements et un exemple de vérification : ", "What the events hold and an example of the check: "))
                code { "docs/webhooks.md" }
                (l.t(", dans la documentation du serveur ; la référence de l'API : ", ", in the server's documentation; the API reference: "))
                a href="/api/docs/#/webhooks" { "/api/docs" } "."
            }
        }
    }
}

/// A hook's events, in words.
fn events_list(l: Lang, events: &[String]) -> Markup {
    html! {
        @if events.iter().any(|e| e == ALL_EVENTS) {
            span class="badge badge-all" { (l.t("Tous les événements", "All events")) }
        } @else {
            ul class="event-list" {
                @for e in events {
                    li {
                        @match e.parse::<Action>() {
                            Ok(a) => { span class="visually-hidden" { (event_text(l, a)) ", " } code title=(event_text(l, a)) { (e) } },
                            Err(_) => code { (e) },
                        }
                    }
                }
            }
        }
    }
}

fn hooks_table(l: Lang, tz: Tz, hooks: &[Webhook]) -> Markup {
    html! {
        @if hooks.is_empty() {
            p class="muted" { (l.t("Aucun webhook pour l'instant.", "No webhook yet.")) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="hooks-title" tabindex="0" {
                table class="admin-table hooks-table" {
                    thead {
                        tr {
                            th scope="col" { (l.t("Adresse", "URL")) }
                            th scope="col" { (l.t("Événements", "Events")) }
                            th scope="col" { (l.t("Ajouté le", "Added")) }
                            th scope="col" { span class="visually-hidden" { (l.t("Actions", "Actions")) } }
                        }
                    }
                    tbody {
                        @for h in hooks {
                            tr {
                                th scope="row" {
                                    span class="account-name hook-url" { (h.url) }
                                    code class="account-user" { (h.id) }
                                }
                                td { (events_list(l, &h.events)) }
                                td class="when" { (local_time(h.created_at, tz)) }
                                td class="row-action" {
                                    form method="post" action=(PATH) {
                                        input type="hidden" name="action" value="delete";
                                        input type="hidden" name="id" value=(h.id);
                                        button type="submit" class="button button-danger button-small"
                                            aria-label=(match l { Lang::Fr => format!("Retirer le webhook vers {}", h.url), Lang::En => format!("Remove the webhook to {}", h.url) }) {
                                            (l.t("Retirer", "Remove"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn create_form(
    l: Lang,
    allow_private: bool,
    error: Option<&FieldError>,
    typed: Option<&WebhooksForm>,
) -> Markup {
    let chosen = typed.map_or(&[][..], |t| t.events.as_slice());
    let bad_events = error_for(error, "events").is_some();
    let events_hint = "create-events-hint";
    let described = if bad_events {
        format!("{events_hint} {}", error_id("create", "events"))
    } else {
        events_hint.to_owned()
    };
    html! {
        section class="card" aria-labelledby="create-title" {
            h2 id="create-title" { (l.t("Nouveau webhook", "New webhook")) }
            form method="post" action=(PATH) class="stack admin-form" novalidate {
                input type="hidden" name="action" value="create";
                (Field { form: "create", name: "url", label: l.t("Adresse qui reçoit les événements", "URL that receives the events"),
                    value: typed.map_or("", |t| t.url.as_str()), kind: "url",
                    hint: Some(if allow_private {
                        l.t("http ou https, par ex. https://example.org/hooks/tickets. Ce serveur permet aussi les adresses privées et locales.",
                            "http or https, e.g. https://example.org/hooks/tickets. This server allows private and local addresses too.")
                    } else {
                        l.t("http ou https, par ex. https://example.org/hooks/tickets ; adresses publiques seulement.",
                            "http or https, e.g. https://example.org/hooks/tickets; public addresses only.")
                    }),
                    required: true, autocomplete: "url", max: 2048 }.render(l, error))
                fieldset class="field event-choice" aria-describedby=(described) {
                    legend { (l.t("Événements envoyés", "Events sent")) }
                    small class="hint" id=(events_hint) {
                        (l.t("« Tous » comprend aussi les événements qui s'ajouteront plus tard.",
                             "\"All\" also covers events added later."))
                    }
                    (field_error(l, "create", "events", error))
                    div class="event-checks" {
                        @for (i, name) in every_event().enumerate() {
                            @let id = format!("create-events-{i}");
                            div class=(if name == ALL_EVENTS { "check check-all" } else { "check" }) {
                                input type="checkbox" id=(id) name="events" value=(name)
                                    checked[chosen.iter().any(|c| c == name)]
                                    autofocus[bad_events && i == 0]
                                    aria-invalid=[bad_events.then_some("true")];
                                label for=(id) {
                                    @match name.parse::<Action>() {
                                        Ok(a) => { (event_text(l, a)) " " code { (name) } },
                                        Err(_) => { (l.t("Tous les événements", "All events")) " " code { (name) } },
                                    }
                                }
                            }
                        }
                    }
                }
                (Field { form: "create", name: "secret", label: l.t("Secret de signature (facultatif)", "Signing secret (optional)"),
                    value: "", kind: "text",
                    hint: Some(l.t("De 16 à 200 caractères. Laissez vide : un secret sûr est créé et affiché une fois.",
                                   "16 to 200 characters. Leave it empty: a strong secret is made and shown once.")),
                    required: false, autocomplete: "off", max: MAX_SECRET }.render(l, error))
                button type="submit" class="button button-primary" { (l.t("Ajouter le webhook", "Add the webhook")) }
            }
        }
    }
}

fn deliveries_table(l: Lang, tz: Tz, deliveries: &[Delivery], hooks: &[Webhook]) -> Markup {
    html! {
        @if deliveries.is_empty() {
            p class="muted" { (l.t("Aucune livraison en échec ni en attente.", "No delivery failed or waiting.")) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="deliveries-title" tabindex="0" {
                table class="admin-table deliveries-table" {
                    thead {
                        tr {
                            th scope="col" { (l.t("Livraison", "Delivery")) }
                            th scope="col" { (l.t("État", "State")) }
                            th scope="col" { (l.t("Webhook", "Webhook")) }
                            th scope="col" { (l.t("Depuis", "Since")) }
                            th scope="col" { (l.t("Essais", "Tries")) }
                            th scope="col" { (l.t("Dernière erreur", "Last error")) }
                            th scope="col" { span class="visually-hidden" { (l.t("Actions", "Actions")) } }
                        }
                    }
                    tbody {
                        @for d in deliveries {
                            @let hook = hooks.iter().find(|h| h.id == d.hook);
                            tr class=[d.failed.then_some("is-failed")] {
                                th scope="row" {
                                    span class="account-name" {
                                        @match d.event.parse::<Action>() {
                                            Ok(a) => (event_text(l, a)),
                                            Err(_) => (d.event),
                                        }
                                    }
                                    code class="account-user" { (d.id) }
                                }
                                td class="state" {
                                    @if d.failed {
                                        span class="badge badge-closed" { (l.t("Échec", "Failed")) }
                                    } @else {
                                        span class="badge badge-pending" { (l.t("En attente", "Waiting")) }
                                    }
                                }
                                td class="hook" {
                                    @match hook {
                                        Some(h) => span class="hook-url" { (h.url) },
                                        None => span class="muted" { (l.t("webhook retiré", "webhook removed")) },
                                    }
                                }
                                td class="when" { (local_time(d.created_at, tz)) }
                                td class="tries" data-label=(l.t("Essais :", "Tries:")) { (d.attempts) }
                                td class="error" {
                                    @match &d.last_error {
                                        Some(e) => code { (e) },
                                        None => span class="muted" { "—" },
                                    }
                                }
                                td class="row-action" {
                                    @if d.failed {
                                        form method="post" action=(PATH) {
                                            input type="hidden" name="action" value="resend";
                                            input type="hidden" name="id" value=(d.id);
                                            button type="submit" class="button button-small"
                                                aria-label=(match l { Lang::Fr => format!("Renvoyer la livraison {}", d.id), Lang::En => format!("Send the delivery {} again", d.id) }) {
                                                (l.t("Renvoyer", "Send again"))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
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
    let secret = match form.secret.trim() {
        "" => format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>())),
        s if (MIN_SECRET..=MAX_SECRET).contains(&s.chars().count()) => s.to_owned(),
        _ => {
            return Err(Refused::Field(FieldError::new(
                "secret",
                format!(
                    "Le secret compte de {MIN_SECRET} à {MAX_SECRET} caractères ; laissez le champ vide pour qu'il soit créé."
                ),
                format!(
                    "The secret has {MIN_SECRET} to {MAX_SECRET} characters; leave the field empty to have one made."
                ),
            )));
        }
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
