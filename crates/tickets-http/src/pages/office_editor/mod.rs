//! `/api/admin/office` (managers): the office configuration as a form. Services, priority
//! classes and desks for managers and administrators; the office's settings (name, welcome
//! text, languages) for administrators only: a manager sees them read-only and a save keeps
//! them as they are.
//!
//! The form works without JavaScript and keeps what was typed whatever happens: "Aperçu"
//! shows the kiosk of the edited office beside the form and saves nothing; "Enregistrer"
//! goes through the same path as `PUT /api/config` ([`office_change::replace`]: the
//! version the form was built from, the core's validation, every server told) and comes
//! back (303) with the new version. A field at fault shows the page again (422) with the
//! message next to its input and a summary at the top; a change made meanwhile by someone
//! else (409) or one that closes, re-letters or strands a service with waiting tickets (409,
//! until confirmed) says so; removing a service while tickets wait is refused (409).

mod build;
mod form;
mod notices;
mod preview;
#[cfg(test)]
mod tests;
mod view;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tickets_core::{Error, OfficeConfig, QueueBackend, Role, Service};

use self::form::{Draft, FieldError, NotTheForm, Op, SettingsDraft};
use self::view::Screen;
use crate::api::error::ApiError;
use crate::api::office::{CONFIG_BODY_LIMIT, set_in_force};
use crate::api::read_body;
use crate::auth::{AuditNote, StaffPage, note_audit};
use crate::lang::Lang;
use crate::office_change::{self, Impact};
use crate::pages::{Nav, Page, StaffPage as Current, html_response, unavailable_page};
use crate::state::AppState;

/// The page's path.
pub const PATH: &str = "/api/admin/office";

/// The page's query: the outcome of the last save.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficeQuery {
    /// `saved` after a save, `unchanged` after a save that changed nothing.
    done: Option<String>,
    /// The version saved.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    v: Option<u32>,
}

/// The page around `screen`.
fn reply(req: &HttpRequest, status: StatusCode, screen: &Screen<'_>) -> HttpResponse {
    let l = screen.l;
    let page = Page {
        lang: l,
        title: l
            .t("Configuration du bureau", "Office configuration")
            .to_owned(),
        class: "page-office",
        nav: Nav::Staff(Current::Office),
        scripts: &["js/office-editor.js"],
        styles: &["css/office-editor.css"],
        req,
    };
    html_response(status, page.render(view::render(screen)))
}

/// The office configuration as a form (managers; the settings for administrators).
#[utoipa::path(
    get,
    operation_id = "admin_office_page",
    path = "/api/admin/office",
    tag = crate::openapi::TAG_PAGES,
    params(OfficeQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The form, with the kiosk of the configuration in force.", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to the sign-in page."),
        (status = 403, description = "Not a manager: a page that says so.", content_type = "text/html", body = String),
        (status = 422, description = "Invalid query.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    StaffPage(caller): StaffPage,
    query: web::Query<OfficeQuery>,
) -> HttpResponse {
    let (office, waiting) = match (
        state.queue.reload_office().await,
        office_change::waiting_per_service(&state).await,
    ) {
        (Ok(o), Ok(w)) => (o, w),
        _ => return unavailable_page(&req, Lang::of(&req)),
    };
    set_in_force(&req, office.clone());
    let l = Lang::among(&req, office.settings.offered());
    let notice = match (query.done.as_deref(), query.v) {
        (Some("saved"), Some(v)) => Some((
            true,
            match l {
                Lang::Fr => format!("Configuration enregistrée (version {v})."),
                Lang::En => format!("Configuration saved (version {v})."),
            },
        )),
        (Some("unchanged"), Some(v)) => Some((
            true,
            match l {
                Lang::Fr => {
                    format!("Rien à enregistrer : la configuration est inchangée (version {v}).")
                }
                Lang::En => {
                    format!("Nothing to save: the configuration is unchanged (version {v}).")
                }
            },
        )),
        _ => None,
    };
    let draft = Draft::of(&office);
    let screen = Screen {
        l,
        draft: &draft,
        admin: caller.may(Role::Admin),
        stored: &office,
        waiting: &waiting,
        errors: &[],
        notice,
        impacts: &[],
        fingerprint: "",
        ask_confirm: false,
        preview: Some(&office),
        edited: false,
        focus_preview: false,
    };
    reply(&req, StatusCode::OK, &screen)
}

/// 303 to `location`.
fn see_other(location: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The posted body as its fields, in order.
fn fields(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::invalid_utf8())?;
    web::Query::<Vec<(String, String)>>::from_query(text)
        .map(web::Query::into_inner)
        .map_err(|e| not_the_form(&e.to_string()))
}

fn not_the_form(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_form",
        format!("Ce n'est pas le formulaire de la page ({what})."),
        format!("Not the page's form ({what})."),
    )
}

/// The error next to the row of a service the store may not remove (tickets wait for it):
/// on its "remove" box, or on its code when the code was changed.
fn in_use(draft: &Draft, service: &Service, waiting: u64) -> FieldError {
    let row = draft
        .services
        .iter()
        .position(|r| r.was == service.as_str());
    let removed = row.is_some_and(|r| draft.services[r].remove);
    let (fr_n, en_n) = match waiting {
        1 => ("1 ticket attend".to_owned(), "1 ticket waits".to_owned()),
        n => (
            format!("{n} tickets attendent"),
            format!("{n} tickets wait"),
        ),
    };
    let (key, fr, en) = match row {
        Some(r) if removed => (
            format!("services.{r}.remove"),
            format!(
                "{fr_n} pour ce service : il ne peut pas être supprimé aujourd'hui. Fermez-le plutôt (décochez « Ouvert aux nouveaux tickets ») : ses tickets resteront appelables ; supprimez-le quand plus personne n'attend."
            ),
            format!(
                "{en_n} for this service: it cannot be removed today. Close it instead (untick \"Open to new tickets\"): its tickets stay callable; remove it once nobody waits."
            ),
        ),
        Some(r) => (
            format!("services.{r}.code"),
            format!(
                "{fr_n} pour « {service} » : changer son code reviendrait à le supprimer. Gardez le code {service} tant que des tickets attendent."
            ),
            format!(
                "{en_n} for \"{service}\": changing its code would remove it. Keep the code {service} while tickets wait."
            ),
        ),
        None => (
            "services".to_owned(),
            format!(
                "{fr_n} pour le service « {service} » : il ne peut pas être supprimé aujourd'hui. Fermez-le plutôt."
            ),
            format!(
                "{en_n} for the service \"{service}\": it cannot be removed today. Close it instead."
            ),
        ),
    };
    FieldError { key, fr, en }
}

/// The sentence of a change refused because another came first; the form now carries the
/// version in force, so that saving again replaces it.
fn conflict_notice(l: Lang, mine: u64, current: u64) -> String {
    match l {
        Lang::Fr => format!(
            "La configuration a changé pendant que vous l'éditiez : la version {current} a été enregistrée entre-temps (votre formulaire partait de la version {mine}). Rien n'est enregistré et vos saisies sont conservées ci-dessous. Vérifiez-les (la page ouverte dans un autre onglet montre la version {current}), puis enregistrez de nouveau : elles remplaceront la version {current}."
        ),
        Lang::En => format!(
            "The configuration changed while you were editing it: version {current} was saved meanwhile (your form started from version {mine}). Nothing was saved and what you typed is kept below. Check it (the page opened in another tab shows version {current}), then save again: it will replace version {current}."
        ),
    }
}

/// A preview or a save of the form: the page again with the kiosk of the edited office
/// (preview), or back to the page (303) with the new version (save); or the page again,
/// with what was typed, saying why nothing was saved.
#[utoipa::path(
    post,
    operation_id = "admin_office_save",
    path = "/api/admin/office",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(
        content = std::collections::BTreeMap<String, String>,
        content_type = "application/x-www-form-urlencoded",
        description = "The page's form: `version` (the version it was built from), `op` (`preview` or `save`), `confirm` (the warning confirmed), and one field per input: `services.<row>.code|prefix|name_fr|name_en|target_wait|max_wait|daily_limit|priority|open|remove|was`, `priorities.<row>.code|name_fr|name_en|weight|remove`, `desks.<row>.id|name_fr|name_en|ratio|remove` and `desks.<row>.services` (a service row, once per service served, in order), `settings.name|welcome_fr|welcome_en|languages|phone_take` (`languages`: `fr,en`, `en,fr`, `fr` or `en`; `phone_take`: present when on; administrators only)."
    ),
    responses(
        (status = 200, description = "Preview: the page again with the kiosk of the edited office; nothing saved.", content_type = "text/html", body = String),
        (status = 303, description = "Saved (or nothing changed): back to the page with the version (or to the sign-in page)."),
        (status = 400, description = "Not the page's form (no `version`, more than 128 rows in a list, not UTF-8).", body = crate::openapi::ErrorBody),
        (status = 403, description = "Not a manager (a page), or another site (`cross_origin`).",
         content((String = "text/html"), (crate::openapi::ErrorBody = "application/json"))),
        (status = 409, description = "Nothing saved, the page again with what was typed: another change came first, a removed service still has waiting tickets, or the change affects waiting tickets and waits for its confirmation.", content_type = "text/html", body = String),
        (status = 413, description = "The body is over 256 KiB.", body = crate::openapi::ErrorBody),
        (status = 422, description = "A field breaks its rule: the page again, the message next to the field.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn save<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    StaffPage(caller): StaffPage,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, CONFIG_BODY_LIMIT).await?;
    let mut draft = Draft::parse(&fields(&body)?).map_err(|NotTheForm(what)| not_the_form(what))?;
    let (stored, waiting) = match (
        state.queue.reload_office().await,
        office_change::waiting_per_service(&state).await,
    ) {
        (Ok(o), Ok(w)) => (o, w),
        _ => return Ok(unavailable_page(&req, Lang::of(&req))),
    };
    set_in_force(&req, stored.clone());
    let l = Lang::among(&req, stored.settings.offered());
    let admin = caller.may(Role::Admin);
    if !admin {
        // A manager's form has no settings: the stored ones stay.
        draft.settings = SettingsDraft::of(&stored.settings);
    }
    let built = draft.build((!admin).then_some(&stored.settings));
    let mine = draft.version;
    draft.add_empty_rows();
    let plain = Screen {
        l,
        draft: &draft,
        admin,
        stored: &stored,
        waiting: &waiting,
        errors: &[],
        notice: None,
        impacts: &[],
        fingerprint: "",
        ask_confirm: false,
        preview: None,
        edited: false,
        focus_preview: false,
    };
    let built = match built {
        Ok(b) => b,
        Err(errors) => {
            let s = Screen {
                errors: &errors,
                ..plain.clone()
            };
            return Ok(reply(&req, StatusCode::UNPROCESSABLE_ENTITY, &s));
        }
    };
    if let Err(e) = built.office.validate() {
        let errors = [built.locate(&e)];
        let s = Screen {
            errors: &errors,
            ..plain.clone()
        };
        return Ok(reply(&req, StatusCode::UNPROCESSABLE_ENTITY, &s));
    }
    let (blocking, warnings): (Vec<Impact>, Vec<Impact>) =
        office_change::impacts(&stored, &built.office, &waiting)
            .into_iter()
            .partition(Impact::blocks);
    let fingerprint = office_change::fingerprint(&warnings);
    let edited = Screen {
        impacts: &warnings,
        fingerprint: &fingerprint,
        preview: Some(&built.office),
        edited: true,
        ..plain.clone()
    };
    if !blocking.is_empty() {
        let errors: Vec<FieldError> = blocking
            .iter()
            .map(|i| in_use(&draft, &i.service, i.waiting))
            .collect();
        let s = Screen {
            errors: &errors,
            ..edited.clone()
        };
        return Ok(reply(&req, StatusCode::CONFLICT, &s));
    }
    if draft.op == Op::Preview {
        note_audit(
            &req,
            AuditNote {
                action: Some("office.preview"),
                desk: None,
                detail: format!("version {mine}: preview, nothing saved"),
            },
        );
        let s = Screen {
            notice: Some((
                true,
                l.t(
                    "Aperçu : rien n'est enregistré ; « Aperçu de la borne » montre vos changements, « Enregistrer » les applique.",
                    "Preview: nothing was saved; \"Kiosk preview\" shows your changes, \"Save\" applies them.",
                )
                .to_owned(),
            )),
            focus_preview: true,
            ..edited.clone()
        };
        return Ok(reply(&req, StatusCode::OK, &s));
    }
    // Another change came first: the form, as typed, now carries the version in force.
    let conflict = |current: u64| {
        let mut again = draft.clone();
        again.version = current;
        (again, conflict_notice(l, mine, current))
    };
    if mine != stored.version {
        let (again, text) = conflict(stored.version);
        let s = Screen {
            draft: &again,
            notice: Some((false, text)),
            ..edited.clone()
        };
        return Ok(reply(&req, StatusCode::CONFLICT, &s));
    }
    if !warnings.is_empty() && draft.confirm != fingerprint {
        let s = Screen {
            ask_confirm: true,
            ..edited.clone()
        };
        return Ok(reply(&req, StatusCode::CONFLICT, &s));
    }
    // Nothing changed: no new version.
    let same = OfficeConfig {
        version: stored.version,
        ..built.office.clone()
    };
    if same == *stored {
        return Ok(see_other(format!("{PATH}?done=unchanged&v={mine}")));
    }
    match office_change::replace(&state, built.office.clone(), Some(mine)).await {
        Ok(saved) => {
            note_audit(
                &req,
                AuditNote {
                    action: Some("office.update"),
                    desk: None,
                    detail: format!("version {mine} → {}", saved.version),
                },
            );
            Ok(see_other(format!("{PATH}?done=saved&v={}", saved.version)))
        }
        Err(Error::VersionConflict { current }) => {
            let (again, text) = conflict(current);
            let s = Screen {
                draft: &again,
                notice: Some((false, text)),
                ..edited.clone()
            };
            Ok(reply(&req, StatusCode::CONFLICT, &s))
        }
        Err(Error::ServiceInUse { service, waiting }) => {
            let errors = [in_use(&draft, &service, waiting)];
            let s = Screen {
                errors: &errors,
                ..edited.clone()
            };
            Ok(reply(&req, StatusCode::CONFLICT, &s))
        }
        Err(Error::Invalid(e)) => {
            let errors = [built.locate(&e)];
            let s = Screen {
                errors: &errors,
                ..edited.clone()
            };
            Ok(reply(&req, StatusCode::UNPROCESSABLE_ENTITY, &s))
        }
        Err(e) => {
            tracing::warn!(error = %e, "an office change failed");
            Ok(unavailable_page(&req, l))
        }
    }
}
