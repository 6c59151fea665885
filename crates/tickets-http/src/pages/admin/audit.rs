//! `/api/admin/audit` (managers): the audit log, newest first, filtered by account, desk,
//! action and day with a plain GET form, and a link to the same lines as CSV.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use maud::{Markup, html};
use tickets_core::{AccountStore, AuditEntry, OfficeConfig, QueueBackend};

use super::{STYLES, desk_text, field_error, local_time, role_name};
use crate::api::account_ops::FieldError;
use crate::api::audit::{AuditQuery, DEFAULT_LIMIT, check};
use crate::auth::{Auth, StaffPage};
use crate::lang::Lang;
use crate::pages::{
    Nav, Page, StaffPage as Current, desk_name, html_response, office_and_lang, unavailable_page,
};
use crate::state::AppState;

/// Actions offered as suggestions in the filter, besides those on the page.
const KNOWN_ACTIONS: [&str; 15] = [
    "sign-in",
    "sign-out",
    "tickets.call-next",
    "console.call-next",
    "tickets.end-day",
    "config",
    "account.create",
    "account.update",
    "account.password",
    "account.revoke-sessions",
    "token.create",
    "token.revoke",
    "webhook.create",
    "webhook.delete",
    "webhook.resend",
];

/// The audit log (managers).
#[utoipa::path(
    get,
    operation_id = "admin_audit_page",
    path = "/api/admin/audit",
    tag = crate::openapi::TAG_PAGES,
    params(AuditQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The audit log.", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to the sign-in page."),
        (status = 403, description = "Not a manager or an administrator: a page that says so.", content_type = "text/html", body = String),
        (status = 422, description = "A filter breaks its rule: the page with the error next to it (HTML); a query that cannot be read at all, e.g. a parameter given twice (JSON).", content(
            (String = "text/html"),
            (crate::openapi::ErrorBody = "application/json"),
        )),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    _staff: StaffPage,
    query: web::Query<AuditQuery>,
) -> HttpResponse {
    let (office, l) = office_and_lang(&req, &state);
    let calendar = &state.queue.config().calendar;
    let tz = calendar.time_zone();
    let store = auth.accounts();
    // The lines of the actions this server answered before are written first.
    auth.audit_writer().flush().await;
    let (entries, error) = match check(&query, calendar, DEFAULT_LIMIT) {
        Ok(asked) => match store
            .audit(&asked.filter, asked.limit, chrono::Utc::now())
            .await
        {
            Ok(entries) => (entries, None),
            Err(_) => return unavailable_page(&req, l),
        },
        Err(e) => (Vec::new(), Some(e)),
    };
    let Ok(accounts) = store.accounts().await else {
        return unavailable_page(&req, l);
    };
    let mut actions: Vec<&str> = KNOWN_ACTIONS.to_vec();
    for e in &entries {
        if !actions.contains(&e.action.as_str()) {
            actions.push(&e.action);
        }
    }
    actions.sort_unstable();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let csv = match query.to_query() {
        q if q.is_empty() => "/api/audit.csv".to_owned(),
        q => format!("/api/audit.csv?{q}"),
    };
    let page = Page {
        lang: l,
        title: l.t("Journal d'audit", "Audit log").to_owned(),
        class: "page-admin",
        nav: Nav::Staff(Current::Audit),
        scripts: &[],
        styles: STYLES,
        req: &req,
    };
    html_response(
        status,
        page.render(html! {
            div class="admin-head" {
                h1 { (l.t("Journal d'audit", "Audit log")) }
                a class="button button-secondary" href=(csv) download {
                    (l.t("Télécharger en CSV", "Download as CSV"))
                    span class="visually-hidden" { (l.t(" (avec ces filtres)", " (with these filters)")) }
                }
            }
            p class="lead-text" {
                (l.t("Chaque action du personnel et chaque changement de compte, avec le compte, son rôle, le guichet, l'adresse et l'heure. Gardé 90 jours.",
                     "Every staff action and every account change, with the account, its role, the desk, the address and the time. Kept 90 days."))
            }
            (filters(l, &office, &query, error.as_ref(), &accounts, &actions))
            section class="card" aria-labelledby="entries-title" {
                h2 id="entries-title" {
                    (l.t("Entrées", "Entries")) " " span class="count" { "(" (entries.len()) ")" }
                }
                (table(l, &office, tz, &entries))
            }
        }),
    )
}

fn filters(
    l: Lang,
    office: &OfficeConfig,
    q: &AuditQuery,
    error: Option<&FieldError>,
    accounts: &[tickets_core::AccountView],
    actions: &[&str],
) -> Markup {
    let v = |f: &Option<String>| f.clone().unwrap_or_default();
    let bad = |field: &str| error.is_some_and(|e| e.field == field);
    let described = |field: &str| bad(field).then(|| format!("filter-{field}-error"));
    let limit = v(&q.limit);
    html! {
        form method="get" action="/api/admin/audit" class="card filters" aria-labelledby="filters-title" {
            h2 id="filters-title" class="visually-hidden" { (l.t("Filtres", "Filters")) }
            div class="field" {
                label for="filter-account" { (l.t("Compte", "Account")) }
                input type="text" id="filter-account" name="account" value=(v(&q.account)) list="known-accounts"
                    autocomplete="off" spellcheck="false" maxlength="32" autofocus[bad("account")]
                    aria-invalid=[bad("account").then_some("true")] aria-describedby=[described("account")];
                datalist id="known-accounts" {
                    @for a in accounts { option value=(a.username) { (a.display_name) } }
                }
                (field_error(l, "filter", "account", error))
            }
            div class="field" {
                label for="filter-desk" { (l.t("Guichet", "Desk")) }
                @if office.desks.is_empty() {
                    input type="text" id="filter-desk" name="desk" value=(v(&q.desk)) maxlength="16"
                        autocomplete="off" spellcheck="false" autofocus[bad("desk")]
                        aria-invalid=[bad("desk").then_some("true")] aria-describedby=[described("desk")];
                } @else {
                    select id="filter-desk" name="desk" autofocus[bad("desk")]
                        aria-invalid=[bad("desk").then_some("true")] aria-describedby=[described("desk")] {
                        option value="" { (l.t("Tous", "All")) }
                        @for d in &office.desks {
                            option value=(d.id) selected[q.desk.as_deref() == Some(d.id.as_str())] { (desk_name(l, office, &d.id)) }
                        }
                    }
                }
                (field_error(l, "filter", "desk", error))
            }
            div class="field" {
                label for="filter-action" { (l.t("Action", "Action")) }
                input type="text" id="filter-action" name="action" value=(v(&q.action)) list="known-actions"
                    autocomplete="off" spellcheck="false" maxlength="48" autofocus[bad("action")]
                    aria-invalid=[bad("action").then_some("true")] aria-describedby=[described("action")];
                datalist id="known-actions" {
                    @for a in actions { option value=(a) {} }
                }
                (field_error(l, "filter", "action", error))
            }
            div class="field" {
                label for="filter-day" { (l.t("Jour", "Day")) }
                input type="date" id="filter-day" name="day" value=(v(&q.day)) autofocus[bad("day")]
                    aria-invalid=[bad("day").then_some("true")] aria-describedby=[described("day")];
                (field_error(l, "filter", "day", error))
            }
            div class="field" {
                label for="filter-limit" { (l.t("Au plus", "At most")) }
                select id="filter-limit" name="limit" autofocus[bad("limit")]
                    aria-invalid=[bad("limit").then_some("true")] aria-describedby=[described("limit")] {
                    @for n in ["100", "500", "1000"] {
                        option value=(n) selected[limit == n || (limit.is_empty() && n == "100")] { (n) " " (l.t("lignes", "lines")) }
                    }
                }
                (field_error(l, "filter", "limit", error))
            }
            div class="filter-buttons" {
                button type="submit" class="button button-primary" { (l.t("Filtrer", "Filter")) }
                a class="button button-secondary" href="/api/admin/audit" { (l.t("Tout afficher", "Show all")) }
            }
        }
    }
}

fn table(l: Lang, office: &OfficeConfig, tz: Tz, entries: &[AuditEntry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p class="muted" { (l.t("Aucune entrée ne correspond à ces filtres.", "No entry matches these filters.")) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="entries-title" tabindex="0" {
                table class="admin-table audit-table" {
                    caption class="visually-hidden" { (l.t("Les plus récentes d'abord", "Newest first")) }
                    thead {
                        tr {
                            th scope="col" { (l.t("Heure", "Time")) }
                            th scope="col" { (l.t("Compte", "Account")) }
                            th scope="col" { (l.t("Guichet", "Desk")) }
                            th scope="col" { (l.t("Action", "Action")) }
                            th scope="col" { (l.t("Détail", "Detail")) }
                            th scope="col" { (l.t("Adresse", "Address")) }
                        }
                    }
                    tbody {
                        @for e in entries {
                            tr {
                                td class="when" { time datetime=(e.at.to_rfc3339()) { (local_time(e.at, tz)) } }
                                td class="who" {
                                    @match &e.account {
                                        Some(a) => span class="account-name" { (a) },
                                        None => span class="muted" { "—" },
                                    }
                                    @if let Some(r) = e.role {
                                        span class=(format!("role role-{r}")) { (role_name(l, r)) }
                                    }
                                }
                                td class="desk" { (desk_text(l, office, e.desk.as_ref())) }
                                td class="action" { code { (e.action) } }
                                td class="detail" { (e.detail) }
                                td class="client" data-label=(l.t("Adresse :", "Address:")) {
                                    @if let Some(c) = e.client { (c.to_string()) } @else { "—" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
