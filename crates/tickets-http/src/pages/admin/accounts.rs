//! `/api/admin/accounts` (administrators): every account with its role, state and desk;
//! add one; manage one (`?edit=<username>`): profile and role, disable or enable, a new
//! password, end its sessions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use tickets_core::{
    AccountChanges, AccountStore, AccountView, OfficeConfig, QueueBackend, Username,
};

use super::{
    Field, STYLES, back, call_any_check, desk_select, desk_text, named, notice, role_name,
    role_select,
};
use crate::api::account_ops::{self, AccountForm, Change, FieldError, Refused};
use crate::api::accounts::change_detail;
use crate::auth::{AuditNote, Auth, StaffPage, note_audit, url_encode};
use crate::lang::Lang;
use crate::pages::{
    Nav, Page, StaffPage as Current, html_response, office_and_lang, unavailable_page,
};
use crate::state::AppState;

const PATH: &str = "/api/admin/accounts";

/// The page's query: the account to manage, and the outcome of the last change.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// The account to manage.
    edit: Option<String>,
    /// The last change's outcome, said once.
    done: Option<String>,
    /// The account the last change concerned.
    u: Option<String>,
    /// How many sessions the last change ended.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    n: Option<u32>,
}

/// The page's forms.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AccountsForm {
    /// `create`, `update`, `enable`, `disable`, `password` or `revoke_sessions`.
    action: String,
    /// The account.
    #[serde(default)]
    username: String,
    /// Its display name (`create`, `update`).
    #[serde(default)]
    display_name: String,
    /// Its role (`create`, `update`).
    #[serde(default)]
    role: String,
    /// A password (`create`, `password`).
    #[serde(default)]
    password: String,
    /// Its default desk, empty for none (`create`, `update`).
    #[serde(default)]
    default_desk: String,
    /// `on` when an agent may call a given ticket out of order (`create`, `update`).
    call_out_of_order: Option<String>,
}

impl AccountsForm {
    /// Whether the out-of-order box is ticked.
    fn call_any(&self) -> bool {
        self.call_out_of_order.as_deref() == Some("on")
    }
}

/// Which form failed, and why, to show it again.
struct Failed<'a> {
    form: &'static str,
    error: Option<FieldError>,
    message: Option<String>,
    typed: &'a AccountsForm,
}

/// The outcome of `done` for the account `u`, in words.
fn outcome(l: Lang, done: &str, u: &str, n: u64) -> Option<(bool, String)> {
    let (fr, en) = match done {
        "created" => (
            format!("Compte « {u} » créé."),
            format!("Account {u} created."),
        ),
        "updated" => (
            format!("Compte « {u} » modifié."),
            format!("Account {u} updated."),
        ),
        "enabled" => (
            format!("Compte « {u} » réactivé : il peut de nouveau se connecter."),
            format!("Account {u} enabled: it can sign in again."),
        ),
        "disabled" => (
            format!(
                "Compte « {u} » désactivé : ses sessions sont fermées et ses jetons ne fonctionnent plus."
            ),
            format!("Account {u} disabled: its sessions are closed and its tokens no longer work."),
        ),
        "password" => (
            format!("Mot de passe de « {u} » changé : ses sessions sont fermées."),
            format!("Password of {u} changed: its sessions are closed."),
        ),
        "revoked" => (
            format!("{n} session(s) de « {u} » fermée(s)."),
            format!("{n} session(s) of {u} closed."),
        ),
        _ => return None,
    };
    Some((true, l.t(&fr, &en).to_owned()))
}

/// The staff accounts (administrators).
#[utoipa::path(
    get,
    operation_id = "admin_accounts_page",
    path = "/api/admin/accounts",
    tag = crate::openapi::TAG_PAGES,
    params(AccountsQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The accounts.", content_type = "text/html", body = String),
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
    query: web::Query<AccountsQuery>,
) -> HttpResponse {
    let (office, l) = office_and_lang(&req, &state);
    let message = match (query.done.as_deref(), named(query.u.as_deref())) {
        (Some(done), Some(u)) => outcome(l, done, u.as_str(), u64::from(query.n.unwrap_or(0))),
        _ => None,
    };
    let edit = named(query.edit.as_deref());
    render(
        &req,
        l,
        &office,
        &auth,
        edit.as_ref(),
        message,
        None,
        StatusCode::OK,
    )
    .await
}

/// Renders the page: `edit` the account managed, `failed` a form shown again.
#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    l: Lang,
    office: &OfficeConfig,
    auth: &Auth,
    edit: Option<&Username>,
    message: Option<(bool, String)>,
    failed: Option<Failed<'_>>,
    status: StatusCode,
) -> HttpResponse {
    let Ok(accounts) = auth.accounts().accounts().await else {
        return unavailable_page(req, l);
    };
    let managed = edit.and_then(|u| accounts.iter().find(|a| &a.username == u));
    let page = Page {
        lang: l,
        title: l.t("Comptes du personnel", "Staff accounts").to_owned(),
        class: "page-admin",
        nav: Nav::Staff(Current::Accounts),
        scripts: &[],
        styles: STYLES,
        req,
    };
    let failed = failed.as_ref();
    html_response(
        status,
        page.render(html! {
            h1 { (l.t("Comptes du personnel", "Staff accounts")) }
            (notice(message.as_ref()))
            @if let Some(a) = managed {
                (manage(l, office, a, failed))
            } @else if let Some(u) = edit {
                p class="notice notice-warn" role="alert" {
                    (match l { Lang::Fr => format!("Aucun compte ne s'appelle « {u} »."), Lang::En => format!("There is no account named {u}.") })
                }
            }
            div class="admin-grid" {
                section class="card" aria-labelledby="accounts-title" {
                    h2 id="accounts-title" { (l.t("Comptes", "Accounts")) " " span class="count" { "(" (accounts.len()) ")" } }
                    (table(l, office, &accounts, edit))
                }
                (create_form(l, office, failed.filter(|f| f.form == "create")))
            }
        }),
    )
}

fn table(
    l: Lang,
    office: &OfficeConfig,
    accounts: &[AccountView],
    edit: Option<&Username>,
) -> Markup {
    html! {
        div class="table-scroll" role="region" aria-labelledby="accounts-title" tabindex="0" {
            table class="admin-table accounts-table" {
                thead {
                    tr {
                        th scope="col" { (l.t("Compte", "Account")) }
                        th scope="col" { (l.t("Rôle", "Role")) }
                        th scope="col" { (l.t("État", "State")) }
                        th scope="col" { (l.t("Guichet", "Desk")) }
                        th scope="col" { span class="visually-hidden" { (l.t("Actions", "Actions")) } }
                    }
                }
                tbody {
                    @for a in accounts {
                        tr class=[(edit == Some(&a.username)).then_some("is-current")] {
                            th scope="row" {
                                span class="account-name" { (a.display_name) }
                                span class="account-user" { (a.username) }
                            }
                            td { span class=(format!("role role-{}", a.role)) { (role_name(l, a.role)) } }
                            td {
                                @if a.enabled { span class="badge badge-open" { (l.t("actif", "enabled")) } }
                                @else { span class="badge badge-closed" { (l.t("désactivé", "disabled")) } }
                            }
                            td { (desk_text(l, office, a.default_desk.as_ref())) }
                            td class="row-action" {
                                a class="button button-secondary button-small"
                                    href=(format!("{PATH}?edit={}#manage", url_encode(a.username.as_str())))
                                    aria-label=(match l { Lang::Fr => format!("Gérer le compte {}", a.username), Lang::En => format!("Manage account {}", a.username) }) {
                                    (l.t("Gérer", "Manage"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn create_form(l: Lang, office: &OfficeConfig, failed: Option<&Failed<'_>>) -> Markup {
    let typed = failed.map(|f| f.typed);
    let error = failed.and_then(|f| f.error.as_ref());
    let value = |f: fn(&AccountsForm) -> &str| typed.map_or("", f);
    let field = |name, label, value, kind, hint, autocomplete, max| Field {
        form: "create",
        name,
        label,
        value,
        kind,
        hint,
        required: true,
        autocomplete,
        max,
    };
    html! {
        section class="card" aria-labelledby="create-title" {
            h2 id="create-title" { (l.t("Ajouter un compte", "Add an account")) }
            @if let Some(m) = failed.and_then(|f| f.message.as_ref()) {
                p class="notice notice-warn" role="alert" { (m) }
            }
            form method="post" action=(PATH) class="stack admin-form" novalidate {
                input type="hidden" name="action" value="create";
                (field("username", l.t("Identifiant", "Username"), value(|t| &t.username), "text",
                    Some(l.t("Minuscules, chiffres, « . », « _ », « - » (ex. marie.dupont).", "Lowercase letters, digits, '.', '_', '-' (e.g. marie.dupont).")),
                    "off", 32).render(l, error))
                (field("display_name", l.t("Nom affiché", "Display name"), value(|t| &t.display_name), "text", None, "off", 64).render(l, error))
                (role_select(l, "create", typed.map_or("agent", |t| t.role.as_str()), error))
                (desk_select(l, office, "create", value(|t| &t.default_desk), error))
                (call_any_check(l, "create", typed.is_some_and(AccountsForm::call_any)))
                (field("password", l.t("Mot de passe", "Password"), "", "password",
                    Some(l.t("Au moins 12 caractères ; une phrase de plusieurs mots convient bien. Transmettez-le à la personne de vive voix.", "At least 12 characters; a phrase of several words works well. Give it to the person in person.")),
                    "new-password", 1024).render(l, error))
                button type="submit" class="button button-primary" { (l.t("Créer le compte", "Create the account")) }
            }
        }
    }
}

fn manage(l: Lang, office: &OfficeConfig, a: &AccountView, failed: Option<&Failed<'_>>) -> Markup {
    let u = a.username.as_str();
    let failed_here = failed.filter(|f| f.typed.username == u && f.form != "create");
    let error_of = |form: &str| {
        failed_here
            .filter(|f| f.form == form)
            .and_then(|f| f.error.as_ref())
    };
    let typed = failed_here.filter(|f| f.form == "update").map(|f| f.typed);
    let desk = a
        .default_desk
        .as_ref()
        .map(|d| d.to_string())
        .unwrap_or_default();
    html! {
        section class="card manage" id="manage" tabindex="-1" aria-labelledby="manage-title" {
            div class="manage-head" {
                h2 id="manage-title" {
                    (l.t("Gérer ", "Manage ")) (a.display_name) " " span class="account-user" { (u) }
                }
                a href=(PATH) class="button button-secondary button-small" { (l.t("Fermer", "Close")) }
            }
            @if let Some(m) = failed_here.and_then(|f| f.message.as_ref()) {
                p class="notice notice-warn" role="alert" { (m) }
            }
            div class="manage-grid" {
                form method="post" action=(PATH) class="stack admin-form" novalidate aria-labelledby="profile-title" {
                    h3 id="profile-title" { (l.t("Profil et rôle", "Profile and role")) }
                    input type="hidden" name="action" value="update";
                    input type="hidden" name="username" value=(u);
                    (Field { form: "update", name: "display_name", label: l.t("Nom affiché", "Display name"),
                        value: typed.map_or(a.display_name.as_str(), |t| t.display_name.as_str()), kind: "text",
                        hint: None, required: true, autocomplete: "off", max: 64 }.render(l, error_of("update")))
                    (role_select(l, "update", typed.map_or(a.role.as_str(), |t| t.role.as_str()), error_of("update")))
                    (desk_select(l, office, "update", typed.map_or(desk.as_str(), |t| t.default_desk.as_str()), error_of("update")))
                    (call_any_check(l, "update", typed.map_or(a.call_out_of_order, AccountsForm::call_any)))
                    button type="submit" class="button button-primary" { (l.t("Enregistrer", "Save")) }
                }
                div class="stack" {
                    form method="post" action=(PATH) class="stack admin-form" novalidate aria-labelledby="password-title" {
                        h3 id="password-title" { (l.t("Nouveau mot de passe", "New password")) }
                        input type="hidden" name="action" value="password";
                        input type="hidden" name="username" value=(u);
                        (Field { form: "password", name: "password", label: l.t("Mot de passe", "Password"), value: "",
                            kind: "password", hint: Some(l.t("Au moins 12 caractères. Ses sessions seront fermées.", "At least 12 characters. Its sessions will be closed.")),
                            required: true, autocomplete: "new-password", max: 1024 }.render(l, error_of("password")))
                        button type="submit" class="button button-secondary" { (l.t("Changer le mot de passe", "Change the password")) }
                    }
                    div class="admin-form stack" {
                        h3 { (l.t("Accès", "Access")) }
                        form method="post" action=(PATH) {
                            input type="hidden" name="action" value="revoke_sessions";
                            input type="hidden" name="username" value=(u);
                            button type="submit" class="button button-secondary" { (l.t("Fermer ses sessions", "Close its sessions")) }
                        }
                        form method="post" action=(PATH) {
                            input type="hidden" name="username" value=(u);
                            @if a.enabled {
                                input type="hidden" name="action" value="disable";
                                button type="submit" class="button button-danger" { (l.t("Désactiver le compte", "Disable the account")) }
                            } @else {
                                input type="hidden" name="action" value="enable";
                                button type="submit" class="button button-primary" { (l.t("Réactiver le compte", "Enable the account")) }
                            }
                        }
                        p class="hint" {
                            (l.t("Désactiver ferme ses sessions aussitôt et arrête ses jetons d'API ; réactiver les rétablit, pas les sessions.",
                                 "Disabling closes its sessions at once and stops its API tokens; enabling brings the tokens back, not the sessions."))
                        }
                    }
                }
            }
        }
    }
}

/// One change to the accounts (administrators): back (303) with its outcome, or the page
/// again with the error next to its field.
#[utoipa::path(
    post,
    operation_id = "admin_accounts_act",
    path = "/api/admin/accounts",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = AccountsForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Done: back to the page with the outcome (or to the sign-in page)."),
        (status = 400, description = "Not the page's form.", body = crate::openapi::ErrorBody),
        (status = 403, description = "Not an administrator (a page), or another site (`cross_origin`).",
         content((String = "text/html"), (crate::openapi::ErrorBody = "application/json"))),
        (status = 404, description = "No such account: the page again.", content_type = "text/html", body = String),
        (status = 409, description = "The last enabled administrator: the page again, saying so.", content_type = "text/html", body = String),
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
    form: web::Form<AccountsForm>,
) -> HttpResponse {
    let (office, l) = office_and_lang(&req, &state);
    let form = form.into_inner();
    let store = auth.accounts();
    let user = || account_ops::username(&form.username).map_err(|_| Refused::NoAccount);
    let mut count = 0;
    let result: Result<(&'static str, Username, String), Refused> = async {
        match form.action.as_str() {
            "create" => {
                let typed = AccountForm {
                    username: form.username.clone(),
                    display_name: form.display_name.clone(),
                    role: form.role.clone(),
                    password: form.password.clone(),
                    default_desk: form.default_desk.clone(),
                    call_out_of_order: form.call_any(),
                };
                let a = account_ops::create_account(store, &office, typed).await?;
                let detail = format!("{} ({})", a.username, a.role);
                Ok(("created", a.username, detail))
            }
            "update" => {
                let u = user()?;
                let change = Change {
                    profile: AccountChanges {
                        display_name: Some(account_ops::display_name(&form.display_name)?),
                        role: Some(account_ops::role(&form.role)?),
                        default_desk: Some(account_ops::desk(
                            &form.default_desk,
                            &office,
                            "default_desk",
                        )?),
                        call_out_of_order: Some(form.call_any()),
                    },
                    enabled: None,
                };
                account_ops::update_account(store, &u, &change).await?;
                Ok(("updated", u.clone(), change_detail(&u, &change)))
            }
            "enable" | "disable" => {
                let u = user()?;
                let enabled = form.action == "enable";
                let change = Change {
                    profile: AccountChanges::default(),
                    enabled: Some(enabled),
                };
                account_ops::update_account(store, &u, &change).await?;
                let done = if enabled { "enabled" } else { "disabled" };
                Ok((done, u.clone(), change_detail(&u, &change)))
            }
            "password" => {
                let u = user()?;
                account_ops::set_password(store, &u, form.password.clone()).await?;
                let detail = format!("{u}: new password, sessions ended");
                Ok(("password", u, detail))
            }
            "revoke_sessions" => {
                let u = user()?;
                count = account_ops::revoke_sessions(store, &u).await?;
                let detail = format!("{u}: {count} session(s) ended");
                Ok(("revoked", u, detail))
            }
            _ => Err(Refused::Field(FieldError::new(
                "action",
                "Action inconnue.",
                "Unknown action.",
            ))),
        }
    }
    .await;
    let action = match form.action.as_str() {
        "create" => "account.create",
        "password" => "account.password",
        "revoke_sessions" => "account.revoke-sessions",
        _ => "account.update",
    };
    match result {
        Ok((done, u, detail)) => {
            note_audit(
                &req,
                AuditNote {
                    action: Some(action),
                    desk: None,
                    detail,
                },
            );
            let u = url_encode(u.as_str());
            let mut location = format!("{PATH}?done={done}&u={u}");
            if done == "revoked" {
                location.push_str(&format!("&n={count}"));
            }
            if done != "created" {
                location.push_str(&format!("&edit={u}#manage"));
            }
            back(location)
        }
        Err(Refused::Store(e)) => {
            tracing::warn!(error = %e, action = %form.action, "an account change failed");
            unavailable_page(&req, l)
        }
        Err(refused) => {
            let (status, error, message) = match refused {
                Refused::Field(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e), None),
                Refused::LastAdmin => (
                    StatusCode::CONFLICT,
                    None,
                    Some(l.t(
                        "C'est le dernier compte administrateur actif : donnez d'abord le rôle administrateur à un autre compte.",
                        "This is the last enabled administrator account: make another account an administrator first.",
                    ).to_owned()),
                ),
                _ => (
                    StatusCode::NOT_FOUND,
                    None,
                    Some(l.t("Aucun compte ne porte ce nom.", "There is no account with this username.").to_owned()),
                ),
            };
            let form_id = match form.action.as_str() {
                "create" => "create",
                "password" => "password",
                _ => "update",
            };
            let edit = (form_id != "create")
                .then(|| Username::parse(form.username.trim()).ok())
                .flatten();
            let failed = Failed {
                form: form_id,
                error,
                message: message.clone(),
                typed: &form,
            };
            let notice = (edit.is_none() && form_id != "create")
                .then(|| message.map(|m| (false, m)))
                .flatten();
            render(
                &req,
                l,
                &office,
                &auth,
                edit.as_ref(),
                notice,
                Some(failed),
                status,
            )
            .await
        }
    }
}
