//! `/api/admin/tokens` (administrators): every API token with its account and role;
//! create one (its secret shown once, on the answer to the form), revoke one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use maud::{Markup, html};
use serde::Deserialize;
use tickets_core::{AccountStore, AccountView, NewToken, QueueBackend, TokenInfo};

use super::{Field, STYLES, back, local_time, notice, role_name};
use crate::api::account_ops::{self, FieldError, Refused};
use crate::auth::{AuditNote, Auth, StaffPage, note_audit};
use crate::lang::Lang;
use crate::pages::{
    Nav, Page, StaffPage as Current, html_response, office_and_lang, unavailable_page,
};
use crate::state::AppState;

const PATH: &str = "/api/admin/tokens";

/// The page's query: the outcome of the last change.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokensQuery {
    /// The last change's outcome, said once (`revoked`).
    done: Option<String>,
    /// The token it concerned.
    id: Option<String>,
}

/// The page's forms.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TokensForm {
    /// `create` or `revoke`.
    action: String,
    /// The account a new token acts as (`create`).
    #[serde(default)]
    username: String,
    /// What it is for (`create`).
    #[serde(default)]
    label: String,
    /// The token to revoke (`revoke`).
    #[serde(default)]
    id: String,
}

/// What the page shows besides the list.
#[derive(Default)]
struct Shown<'a> {
    message: Option<(bool, String)>,
    created: Option<&'a NewToken>,
    error: Option<FieldError>,
    typed: Option<&'a TokensForm>,
}

/// The API tokens (administrators).
#[utoipa::path(
    get,
    operation_id = "admin_tokens_page",
    path = "/api/admin/tokens",
    tag = crate::openapi::TAG_PAGES,
    params(TokensQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The tokens.", content_type = "text/html", body = String),
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
    query: web::Query<TokensQuery>,
) -> HttpResponse {
    let (_, l) = office_and_lang(&req, &state);
    let id = query
        .id
        .as_deref()
        .filter(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    let message = match (query.done.as_deref(), id) {
        (Some("revoked"), Some(id)) => Some((
            true,
            match l {
                Lang::Fr => format!("Jeton {id} révoqué : il ne fonctionne plus."),
                Lang::En => format!("Token {id} revoked: it no longer works."),
            },
        )),
        _ => None,
    };
    let tz = state.queue.config().calendar.time_zone();
    let shown = Shown {
        message,
        ..Shown::default()
    };
    render(&req, l, tz, &auth, shown, StatusCode::OK).await
}

async fn render(
    req: &HttpRequest,
    l: Lang,
    tz: Tz,
    auth: &Auth,
    shown: Shown<'_>,
    status: StatusCode,
) -> HttpResponse {
    let store = auth.accounts();
    let (Ok(accounts), Ok(tokens)) = (store.accounts().await, store.tokens(None).await) else {
        return unavailable_page(req, l);
    };
    let page = Page {
        lang: l,
        title: l.t("Jetons d'API", "API tokens").to_owned(),
        class: "page-admin",
        nav: Nav::Staff(Current::Tokens),
        scripts: &["js/admin.js"],
        styles: STYLES,
        req,
    };
    html_response(
        status,
        page.render(html! {
            h1 { (l.t("Jetons d'API", "API tokens")) }
            (notice(shown.message.as_ref()))
            @if let Some(new) = shown.created {
                (secret(l, new))
            }
            p class="lead-text" {
                (l.t("Un jeton permet à un programme (écran, script) d'appeler l'API au nom d'un compte, avec le rôle de ce compte : « Authorization: Bearer <jeton> ». Il fonctionne tant que le compte est actif.",
                     "A token lets a program (a screen, a script) call the API as an account, with that account's role: \"Authorization: Bearer <token>\". It works while the account is enabled."))
            }
            div class="admin-grid" {
                section class="card" aria-labelledby="tokens-title" {
                    h2 id="tokens-title" { (l.t("Jetons", "Tokens")) " " span class="count" { "(" (tokens.len()) ")" } }
                    (table(l, tz, &tokens, &accounts))
                }
                (create_form(l, &accounts, shown.error.as_ref(), shown.typed))
            }
        }),
    )
}

/// The secret of a token just created, to copy now.
fn secret(l: Lang, new: &NewToken) -> Markup {
    html! {
        section class="card secret" aria-labelledby="secret-title" {
            h2 id="secret-title" { (l.t("Copiez ce jeton maintenant", "Copy this token now")) }
            p {
                (match l {
                    Lang::Fr => format!("Jeton « {} » pour le compte {} :", new.info.label, new.info.username),
                    Lang::En => format!("Token \"{}\" for account {}:", new.info.label, new.info.username),
                })
            }
            label for="secret-value" class="visually-hidden" { (l.t("Le jeton", "The token")) }
            input type="text" id="secret-value" class="secret-value" readonly value=(new.token.as_str())
                autofocus autocomplete="off" spellcheck="false" aria-describedby="secret-hint" data-secret
                data-copy-label=(l.t("Copier le jeton", "Copy the token"))
                data-copied-label=(l.t("Copié.", "Copied."))
                data-copy-failed-label=(l.t("Copie impossible : utilisez Ctrl+C.", "Cannot copy: use Ctrl+C."));
            p class="hint" id="secret-hint" {
                (l.t("Copiez-le (le champ a le focus : Ctrl+A puis Ctrl+C, ou ⌘A puis ⌘C sur Mac) et gardez-le en lieu sûr. Il ne sera plus jamais affiché : le serveur n'en garde qu'une empreinte. S'il est perdu, révoquez-le et créez-en un autre.",
                     "Copy it (the field has the focus: Ctrl+A then Ctrl+C, or ⌘A then ⌘C on a Mac) and keep it somewhere safe. It will never be shown again: the server keeps only a fingerprint. If it is lost, revoke it and create another."))
            }
        }
    }
}

fn table(l: Lang, tz: Tz, tokens: &[TokenInfo], accounts: &[AccountView]) -> Markup {
    html! {
        @if tokens.is_empty() {
            p class="muted" { (l.t("Aucun jeton pour l'instant.", "No token yet.")) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="tokens-title" tabindex="0" {
                table class="admin-table tokens-table" {
                    thead {
                        tr {
                            th scope="col" { (l.t("Libellé", "Label")) }
                            th scope="col" { (l.t("Compte et rôle", "Account and role")) }
                            th scope="col" { (l.t("Créé le", "Created")) }
                            th scope="col" { span class="visually-hidden" { (l.t("Actions", "Actions")) } }
                        }
                    }
                    tbody {
                        @for t in tokens {
                            @let account = accounts.iter().find(|a| a.username == t.username);
                            tr {
                                th scope="row" {
                                    span class="account-name" { (t.label) }
                                    code class="account-user" { (t.id) }
                                }
                                td {
                                    span class="account-name" { (t.username) }
                                    @match account {
                                        Some(a) if a.enabled => span class=(format!("role role-{}", a.role)) { (role_name(l, a.role)) },
                                        Some(_) => span class="badge badge-closed" { (l.t("compte désactivé", "account disabled")) },
                                        None => span class="badge badge-closed" { (l.t("compte inconnu", "unknown account")) },
                                    }
                                }
                                td { (local_time(t.created_at, tz)) }
                                td class="row-action" {
                                    form method="post" action=(PATH) {
                                        input type="hidden" name="action" value="revoke";
                                        input type="hidden" name="id" value=(t.id);
                                        button type="submit" class="button button-danger button-small"
                                            aria-label=(match l { Lang::Fr => format!("Révoquer le jeton « {} »", t.label), Lang::En => format!("Revoke the token \"{}\"", t.label) }) {
                                            (l.t("Révoquer", "Revoke"))
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
    accounts: &[AccountView],
    error: Option<&FieldError>,
    typed: Option<&TokensForm>,
) -> Markup {
    let chosen = typed.map_or("", |t| t.username.as_str());
    let bad_user = error.is_some_and(|e| e.field == "username");
    html! {
        section class="card" aria-labelledby="create-title" {
            h2 id="create-title" { (l.t("Nouveau jeton", "New token")) }
            form method="post" action=(PATH) class="stack admin-form" novalidate {
                input type="hidden" name="action" value="create";
                div class="field" {
                    label for="create-username" { (l.t("Il agit en tant que", "It acts as")) }
                    select id="create-username" name="username" autofocus[bad_user]
                        aria-invalid=[bad_user.then_some("true")]
                        aria-describedby=[bad_user.then_some("create-username-error")] {
                        @for a in accounts {
                            option value=(a.username) selected[chosen == a.username.as_str()] {
                                (a.username) " — " (a.display_name) " (" (role_name(l, a.role)) ")"
                            }
                        }
                    }
                    (super::field_error(l, "create", "username", error))
                }
                (Field { form: "create", name: "label", label: l.t("Libellé", "Label"),
                    value: typed.map_or("", |t| t.label.as_str()), kind: "text",
                    hint: Some(l.t("À quoi il sert (ex. « écran de la salle d'attente »).", "What it is for (e.g. \"waiting room screen\").")),
                    required: true, autocomplete: "off", max: 64 }.render(l, error))
                button type="submit" class="button button-primary" { (l.t("Créer le jeton", "Create the token")) }
            }
        }
    }
}

/// Creates or revokes a token (administrators): a new token's secret is on the answer
/// itself (200), shown this once; a revocation comes back (303) with its outcome.
#[utoipa::path(
    post,
    operation_id = "admin_tokens_act",
    path = "/api/admin/tokens",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = TokensForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Created: the page with the token's secret, shown once.", content_type = "text/html", body = String),
        (status = 303, description = "Revoked: back to the page with the outcome (or to the sign-in page)."),
        (status = 400, description = "Not the page's form.", body = crate::openapi::ErrorBody),
        (status = 403, description = "Not an administrator (a page), or another site (`cross_origin`).",
         content((String = "text/html"), (crate::openapi::ErrorBody = "application/json"))),
        (status = 404, description = "No such token: the page again.", content_type = "text/html", body = String),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
        (status = 422, description = "A field breaks its rule: the page again, the error next to it.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn act<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    _staff: StaffPage,
    form: web::Form<TokensForm>,
) -> HttpResponse {
    let (_, l) = office_and_lang(&req, &state);
    let tz = state.queue.config().calendar.time_zone();
    let store = auth.accounts();
    let refused = match form.action.as_str() {
        "create" => match account_ops::create_token(store, &form.username, &form.label).await {
            Ok(new) => {
                let detail = format!(
                    "{} for {}: {}",
                    new.info.id, new.info.username, new.info.label
                );
                note_audit(
                    &req,
                    AuditNote {
                        action: Some("token.create"),
                        desk: None,
                        detail,
                    },
                );
                let shown = Shown {
                    created: Some(&new),
                    ..Shown::default()
                };
                return render(&req, l, tz, &auth, shown, StatusCode::OK).await;
            }
            Err(r) => r,
        },
        "revoke" => {
            let owner = store.tokens(None).await.ok().and_then(|ts| {
                ts.into_iter()
                    .find(|t| t.id.as_str() == form.id.trim())
                    .map(|t| t.username)
            });
            match account_ops::revoke_token(store, &form.id).await {
                Ok(id) => {
                    let detail = match owner {
                        Some(u) => format!("{id} of {u}"),
                        None => id.to_string(),
                    };
                    note_audit(
                        &req,
                        AuditNote {
                            action: Some("token.revoke"),
                            desk: None,
                            detail,
                        },
                    );
                    return back(format!("{PATH}?done=revoked&id={id}"));
                }
                Err(r) => r,
            }
        }
        _ => Refused::Field(FieldError::new(
            "action",
            "Action inconnue.",
            "Unknown action.",
        )),
    };
    let (status, shown) = match refused {
        Refused::Store(e) => {
            tracing::warn!(error = %e, "a token change failed");
            return unavailable_page(&req, l);
        }
        Refused::Field(e) if e.field == "action" => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                message: Some((false, e.message(l).to_owned())),
                ..Shown::default()
            },
        ),
        Refused::Field(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                error: Some(e),
                typed: Some(&form),
                ..Shown::default()
            },
        ),
        _ => (
            StatusCode::NOT_FOUND,
            Shown {
                message: Some((
                    false,
                    l.t(
                        "Ce jeton n'existe pas (il a peut-être déjà été révoqué).",
                        "This token does not exist (it may have been revoked already).",
                    )
                    .to_owned(),
                )),
                ..Shown::default()
            },
        ),
    };
    render(&req, l, tz, &auth, shown, status).await
}
