//! The admin console: staff accounts (`/api/admin/accounts`), API tokens
//! (`/api/admin/tokens`) and webhooks (`/api/admin/webhooks`) for administrators, the audit
//! log (`/api/admin/audit`) for managers.
//!
//! Like the console, the forms work without JavaScript: a change posts to the page's path
//! and comes back (303) with its outcome, said once at the top; a field at fault shows the
//! form again (422) with the error next to the field. The exceptions are a new token and a
//! new webhook, whose secret is shown on the answer to the post itself, never in an
//! address. The checks and store calls are the JSON API's (`api/account_ops.rs`,
//! `api/webhooks.rs`'s store and checks).

pub mod accounts;
pub mod audit;
pub mod tokens;
pub mod webhooks;

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};
use tickets_core::{DeskId, OfficeConfig, Role, Username};

use super::desk_name;
use crate::api::account_ops::FieldError;
use crate::lang::Lang;

/// The console's stylesheet, beside `app.css`.
const STYLES: &[&str] = &["css/admin.css"];

/// A role in words.
pub fn role_name(l: Lang, role: Role) -> &'static str {
    match role {
        Role::Agent => l.t("Agent", "Agent"),
        Role::Manager => l.t("Responsable", "Manager"),
        Role::Admin => l.t("Administrateur", "Administrator"),
    }
}

/// An instant as people read it in the business time zone: `2026-05-04 09:12:03`.
fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A desk as people read it, or a dash.
fn desk_text(l: Lang, office: &OfficeConfig, desk: Option<&DeskId>) -> String {
    desk.map_or_else(|| "—".to_owned(), |d| desk_name(l, office, d))
}

/// The username an outcome names, when it is one (anything else is not shown).
fn named(u: Option<&str>) -> Option<Username> {
    u.and_then(|u| Username::parse(u).ok())
}

/// The outcome of the last change, said once: `ok` in green, otherwise as a warning.
fn notice(outcome: Option<&(bool, String)>) -> Markup {
    html! {
        @if let Some((ok, text)) = outcome {
            p class=(if *ok { "notice notice-ok" } else { "notice notice-warn" }) role=(if *ok { "status" } else { "alert" }) {
                (text)
            }
        }
    }
}

/// The id of the error message of `field` in the form `form`.
fn error_id(form: &str, field: &str) -> String {
    format!("{form}-{field}-error")
}

/// A form's error, if it is about `field`.
fn error_for<'e>(error: Option<&'e FieldError>, field: &str) -> Option<&'e FieldError> {
    error.filter(|e| e.field == field)
}

/// The error message under a field, if any.
fn field_error(l: Lang, form: &str, field: &str, error: Option<&FieldError>) -> Markup {
    html! {
        @if let Some(e) = error_for(error, field) {
            p class="field-error" id=(error_id(form, field)) { (e.message(l)) }
        }
    }
}

/// A text field with its label, its hint, and its error below it (focused when at fault).
struct Field<'a> {
    form: &'a str,
    name: &'a str,
    label: &'a str,
    value: &'a str,
    kind: &'a str,
    hint: Option<&'a str>,
    required: bool,
    autocomplete: &'a str,
    max: usize,
}

impl Field<'_> {
    fn render(&self, l: Lang, error: Option<&FieldError>) -> Markup {
        let id = format!("{}-{}", self.form, self.name);
        let bad = error_for(error, self.name).is_some();
        let hint_id = format!("{id}-hint");
        let described: Vec<String> = [
            self.hint.map(|_| hint_id.clone()),
            bad.then(|| error_id(self.form, self.name)),
        ]
        .into_iter()
        .flatten()
        .collect();
        html! {
            div class="field" {
                label for=(id) { (self.label) }
                input type=(self.kind) id=(id) name=(self.name) value=(self.value)
                    required[self.required] autocomplete=(self.autocomplete)
                    maxlength=(self.max) spellcheck="false" autofocus[bad]
                    aria-invalid=[bad.then_some("true")]
                    aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
                @if let Some(h) = self.hint {
                    small class="hint" id=(hint_id) { (h) }
                }
                (field_error(l, self.form, self.name, error))
            }
        }
    }
}

/// A role chooser.
fn role_select(l: Lang, form: &str, chosen: &str, error: Option<&FieldError>) -> Markup {
    let id = format!("{form}-role");
    let bad = error_for(error, "role").is_some();
    html! {
        div class="field" {
            label for=(id) { (l.t("Rôle", "Role")) }
            select id=(id) name="role" autofocus[bad] aria-invalid=[bad.then_some("true")]
                aria-describedby=[bad.then(|| error_id(form, "role"))] {
                @for r in Role::ALL {
                    option value=(r.as_str()) selected[chosen == r.as_str()] { (role_name(l, r)) }
                }
            }
            (field_error(l, form, "role", error))
        }
    }
}

/// The checkbox that lets an agent call a given ticket out of order.
fn call_any_check(l: Lang, form: &str, checked: bool) -> Markup {
    let id = format!("{form}-call_out_of_order");
    html! {
        div class="check" {
            input type="checkbox" id=(id) name="call_out_of_order" value="on" checked[checked];
            label for=(id) {
                (l.t("Peut appeler un ticket hors de son tour (toujours permis aux responsables)",
                    "May call a ticket out of turn (always allowed to managers)"))
            }
        }
    }
}

/// A default desk chooser: the office's desks, or a text field when it lists none.
fn desk_select(
    l: Lang,
    office: &OfficeConfig,
    form: &str,
    chosen: &str,
    error: Option<&FieldError>,
) -> Markup {
    let id = format!("{form}-default_desk");
    let bad = error_for(error, "default_desk").is_some();
    let described = bad.then(|| error_id(form, "default_desk"));
    html! {
        div class="field" {
            label for=(id) { (l.t("Guichet proposé à la connexion", "Desk offered at sign-in")) }
            @if office.desks.is_empty() {
                input type="text" id=(id) name="default_desk" value=(chosen) maxlength="16"
                    autocomplete="off" spellcheck="false" autofocus[bad]
                    aria-invalid=[bad.then_some("true")] aria-describedby=[described]
                    placeholder=(l.t("aucun", "none"));
            } @else {
                select id=(id) name="default_desk" autofocus[bad]
                    aria-invalid=[bad.then_some("true")] aria-describedby=[described] {
                    option value="" selected[chosen.is_empty()] { (l.t("Aucun", "None")) }
                    @for d in &office.desks {
                        option value=(d.id) selected[chosen == d.id.as_str()] { (desk_name(l, office, &d.id)) }
                    }
                }
            }
            (field_error(l, form, "default_desk", error))
        }
    }
}

/// 303 to `location`.
fn back(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
