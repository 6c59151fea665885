//! The pages, rendered with maud: French by default, English on request. They work by
//! plain forms without JavaScript; the scripts in `web-assets/js/` only add live updates.

pub mod admin;
pub mod dashboard;
pub mod display;
pub mod door;
pub mod enroll;
pub mod follow;
pub mod kiosk;
pub mod login;
pub mod office_editor;
mod qr;
pub mod reports;
pub mod staff;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use tickets_core::{
    Action, DeskId, Language, Names, OfficeConfig, PriorityCode, QueueBackend, Service,
    TicketStatus,
};

use crate::assets;
use crate::lang::Lang;
use crate::state::AppState;

/// The colours of the services in charts, in the office's order (the `swatch-N` classes of
/// `app.css` are the same): the dashboard's lines and the reports' bars.
pub const SERVICE_COLOURS: [&str; 8] = [
    "#1d4ed8", "#047857", "#b45309", "#6b21a8", "#be123c", "#0e7490", "#4d7c0f", "#374151",
];

/// Which navigation a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// Public pages: no staff links.
    Public,
    /// Staff pages: console, dashboard, sign out; the current one marked.
    Staff(StaffPage),
}

/// The staff pages, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffPage {
    /// The console.
    Console,
    /// The dashboard.
    Dashboard,
    /// The staff accounts (administrators).
    Accounts,
    /// The API tokens (administrators).
    Tokens,
    /// The webhooks (administrators).
    Webhooks,
    /// The audit log (managers).
    Audit,
    /// The reports (managers).
    Reports,
    /// The office configuration (managers; no link in the bar yet).
    Office,
}

/// What a page is made of.
pub struct Page<'a> {
    /// The language.
    pub lang: Lang,
    /// The title (also the `<title>`).
    pub title: String,
    /// A class on `<body>` (`page-kiosk`, …).
    pub class: &'a str,
    /// The navigation.
    pub nav: Nav,
    /// Extra scripts (paths under `web-assets/`).
    pub scripts: &'a [&'a str],
    /// Extra stylesheets (paths under `web-assets/`).
    pub styles: &'a [&'a str],
    /// The request (for the language switch link, and the office in force: its name and
    /// languages).
    pub req: &'a HttpRequest,
}

/// The office in force and the language of a page, for a handler that holds the state:
/// the office is put on the request, so that the layout shows its name and languages
/// whatever the backend.
pub fn office_and_lang<B: QueueBackend>(
    req: &HttpRequest,
    state: &AppState<B>,
) -> (Arc<OfficeConfig>, Lang) {
    let office = state.queue.office();
    crate::api::office::set_in_force(req, office.clone());
    let lang = Lang::among(req, office.settings.offered());
    (office, lang)
}

/// The `<title>`: the page's, then the office's name ("Borne — Poste de Paris 15"), or
/// "Tickets" when it has none.
fn document_title(lang: Lang, title: &str, office_name: Option<&str>) -> String {
    match office_name {
        Some(name) => format!("{title} — {name}"),
        None => format!("{title} · {}", lang.t("Tickets", "Tickets")),
    }
}

/// The path of the current request with `lang=<other>` in its query.
fn switch_href(req: &HttpRequest, to: Lang) -> String {
    let kept: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    format!("{}?{q}lang={}", req.path(), to.code())
}

impl Page<'_> {
    /// The whole document around `main`: the office's name (when it has one) in the title
    /// and the top bar, a switch to each other language the office offers.
    pub fn render(&self, main: Markup) -> Markup {
        let l = self.lang;
        let office = crate::api::office::in_force(self.req);
        let settings = office.as_deref().map(|o| &o.settings);
        let office_name = settings.and_then(|s| s.name.as_deref());
        let others: Vec<Lang> = settings
            .map_or(&Language::ALL[..], |s| s.offered())
            .iter()
            .map(|&o| Lang::from(o))
            .filter(|&o| o != l)
            .collect();
        html! {
            (DOCTYPE)
            html lang=(l.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="color-scheme" content="light";
                    title { (document_title(l, &self.title, office_name)) }
                    link rel="icon" href=(assets::url("img/icon.svg")) type="image/svg+xml";
                    link rel="stylesheet" href=(assets::url("css/app.css"));
                    @for s in self.styles {
                        link rel="stylesheet" href=(assets::url(s));
                    }
                    link rel="stylesheet" href=(assets::url("css/print.css")) media="print";
                    @for s in self.scripts {
                        script src=(assets::url(s)) defer {}
                    }
                }
                body class=(self.class) data-office-version=[office.as_deref().map(|o| o.version)] {
                    a class="skip-link" href="#main" { (l.t("Aller au contenu", "Skip to content")) }
                    header class="topbar" {
                        a class=(if office_name.is_some() { "brand brand-named" } else { "brand" }) href="/api/tickets/public" {
                            span class="brand-mark" aria-hidden="true" { "№" }
                            " "
                            @match office_name {
                                Some(name) => span class="brand-name" data-office-name { (name) },
                                None => (l.t("Tickets", "Tickets")),
                            }
                        }
                        @if matches!(self.nav, Nav::Staff(_)) || !others.is_empty() {
                            nav aria-label=(l.t("Navigation", "Navigation")) {
                                ul {
                                    @if let Nav::Staff(current) = self.nav {
                                        li { a href="/api/tickets/staff" aria-current=[(current == StaffPage::Console).then_some("page")] { (l.t("Guichet", "Desk")) } }
                                        @let role = match actix_web::HttpMessage::extensions(self.req).get::<crate::auth::Identity>() {
                                            Some(crate::auth::Identity::Caller(c)) => Some(c.role),
                                            _ => None,
                                        };
                                        @if role.is_some_and(|r| r.allows(tickets_core::Role::Manager)) {
                                            li { a href="/api/dashboard" aria-current=[(current == StaffPage::Dashboard).then_some("page")] { (l.t("Tableau de bord", "Dashboard")) } }
                                            li { a href="/api/admin/reports" aria-current=[(current == StaffPage::Reports).then_some("page")] { (l.t("Rapports", "Reports")) } }
                                        }
                                        li { a href="/api/tickets/public" { (l.t("Borne", "Kiosk")) } }
                                        @if role.is_some_and(|r| r.allows(tickets_core::Role::Admin)) {
                                            li { a href="/api/admin/accounts" aria-current=[(current == StaffPage::Accounts).then_some("page")] { (l.t("Comptes", "Accounts")) } }
                                            li { a href="/api/admin/tokens" aria-current=[(current == StaffPage::Tokens).then_some("page")] { (l.t("Jetons", "Tokens")) } }
                                            li { a href="/api/admin/webhooks" aria-current=[(current == StaffPage::Webhooks).then_some("page")] { (l.t("Webhooks", "Webhooks")) } }
                                        }
                                        @if role.is_some_and(|r| r.allows(tickets_core::Role::Manager)) {
                                            li { a href="/api/admin/office" aria-current=[(current == StaffPage::Office).then_some("page")] { (l.t("Bureau", "Office")) } }
                                            li { a href="/api/admin/audit" aria-current=[(current == StaffPage::Audit).then_some("page")] { (l.t("Journal", "Audit log")) } }
                                        }
                                        li {
                                            form method="post" action="/api/logout" class="inline" {
                                                button type="submit" class="link" { (l.t("Se déconnecter", "Sign out")) }
                                            }
                                        }
                                    }
                                    @for other in &others {
                                        li {
                                            a href=(switch_href(self.req, *other)) lang=(other.code()) hreflang=(other.code()) class="lang-switch" {
                                                (other.t("Français", "English"))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    main id="main" tabindex="-1" { (main) }
                }
            }
        }
    }
}

/// An HTML response.
pub fn html_response(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// A page that explains an error to a person (store down, ticket unknown, …).
pub fn error_page(
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    title: &str,
    text: &str,
) -> HttpResponse {
    let page = Page {
        lang,
        title: title.to_owned(),
        class: "page-error",
        nav: Nav::Public,
        scripts: &[],
        styles: &[],
        req,
    };
    html_response(
        status,
        page.render(html! {
            section class="card center" {
                h1 { (title) }
                p class="lead" { (text) }
                p { a class="button" href=(req.path()) { (lang.t("Réessayer", "Try again")) } }
            }
        }),
    )
}

/// The store-unavailable page.
pub fn unavailable_page(req: &HttpRequest, lang: Lang) -> HttpResponse {
    error_page(
        req,
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        lang.t(
            "Service momentanément indisponible",
            "Service temporarily unavailable",
        ),
        lang.t(
            "Le système de tickets ne répond pas. Réessayez dans un instant.",
            "The ticket system does not answer. Try again in a moment.",
        ),
    )
}

/// A time as `HH:MM:SS` in the business time zone.
pub fn clock_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M:%S").to_string()
}

/// A wait in words: "< 1 min", "≈ 7 min", "≈ 1 h 05".
pub fn wait_words(lang: Lang, seconds: u64) -> String {
    let minutes = seconds.div_ceil(60);
    match minutes {
        0 => lang.t("aucune attente", "no wait").to_owned(),
        1 => lang.t("moins d'une minute", "under a minute").to_owned(),
        m if m < 60 => format!("≈ {m} min"),
        m => format!("≈ {} h {:02}", m / 60, m % 60),
    }
}

/// A duration in seconds as `m:ss` (or `h:mm:ss`).
pub fn duration_text(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A ticket status in words.
pub fn status_words(lang: Lang, s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Waiting => lang.t("en attente", "waiting"),
        TicketStatus::InProgress => lang.t("appelé", "called"),
        TicketStatus::Completed => lang.t("terminé", "done"),
        TicketStatus::NoShow => lang.t("absent", "no-show"),
        TicketStatus::Cancelled => lang.t(
            "annulé : vous avez quitté la file",
            "cancelled: you left the queue",
        ),
    }
}

/// An action in words, for logs.
pub fn action_words(lang: Lang, a: Action) -> &'static str {
    match a {
        Action::StartDay => lang.t("Ouverture", "Day opened"),
        Action::EndDay => lang.t("Fermeture", "Day closed"),
        Action::TakeTicket => lang.t("Ticket pris", "Ticket taken"),
        Action::CallNext => lang.t("Appel", "Called"),
        Action::FinishCurrent => lang.t("Terminé", "Finished"),
        Action::Recall => lang.t("Rappel", "Recalled"),
        Action::NoShow => lang.t("Absent", "No-show"),
        Action::ResetDay => lang.t("Remise à zéro", "Day reset"),
        Action::CallTicket => lang.t("Appel hors tour", "Called out of turn"),
        Action::Transfer => lang.t("Transfert", "Transferred"),
        Action::Requeue => lang.t("Remis en file", "Back in the queue"),
        Action::LeaveQueue => lang.t("Parti de la file", "Left the queue"),
    }
}

/// A configured name in the page's language.
pub fn name_in(lang: Lang, names: &Names) -> &str {
    names.get(lang.code())
}

/// A service as people read it: its configured name, or its code made readable
/// (`carte-grise` → `Carte grise`) for a service no longer in the configuration.
pub fn service_name(lang: Lang, office: &OfficeConfig, code: &Service) -> String {
    match office.service(code) {
        Some(s) => name_in(lang, &s.name).to_owned(),
        None => readable_code(code.as_str()),
    }
}

/// A priority class as people read it (its code made readable when no longer configured).
pub fn priority_name(lang: Lang, office: &OfficeConfig, code: &PriorityCode) -> String {
    match office.priority(code) {
        Some(p) => name_in(lang, &p.name).to_owned(),
        None => readable_code(code.as_str()),
    }
}

/// `carte-grise` → `Carte grise`.
fn readable_code(code: &str) -> String {
    let text = code.replace(['-', '_'], " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// A desk as people read it: its configured name ("Guichet 3"), or "Guichet" and its id.
pub fn desk_name(lang: Lang, office: &OfficeConfig, desk: &DeskId) -> String {
    match office.desk(desk) {
        Some(d) => name_in(lang, &d.name).to_owned(),
        None => format!("{} {desk}", lang.t("Guichet", "Desk")),
    }
}

/// The configured desks' names in the page's language, as JSON for scripts
/// (`{"3": "Guichet 3"}`); desks not in it are "Guichet" and their id
/// (`data-desk-word`).
pub fn desk_names_json(lang: Lang, office: &OfficeConfig) -> String {
    let map: serde_json::Map<String, serde_json::Value> = office
        .desks
        .iter()
        .map(|d| (d.id.to_string(), name_in(lang, &d.name).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// JSON for `data-` attributes that scripts read (labels in the page's language).
pub fn data_json(v: &serde_json::Value) -> String {
    v.to_string()
}

/// Marks up already-escaped SVG (the QR code).
pub fn svg(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_words(Lang::Fr, 0), "aucune attente");
        assert_eq!(wait_words(Lang::En, 30), "under a minute");
        assert_eq!(wait_words(Lang::Fr, 400), "≈ 7 min");
        assert_eq!(wait_words(Lang::Fr, 3900), "≈ 1 h 05");
        assert_eq!(duration_text(65.4), "1:05");
        assert_eq!(duration_text(3725.0), "1:02:05");
    }

    #[test]
    fn names_come_from_the_office_or_read_naturally() {
        let office = OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }
            [[desk]]
            id = "3"
            name = { fr = "Guichet trois", en = "Desk three" }
            services = ["colis"]
            "#,
        )
        .unwrap();
        let colis = Service::parse("colis").unwrap();
        assert_eq!(service_name(Lang::En, &office, &colis), "Parcels");
        let gone = Service::parse("carte-grise").unwrap();
        assert_eq!(service_name(Lang::Fr, &office, &gone), "Carte grise");
        let three = DeskId::parse("3").unwrap();
        assert_eq!(desk_name(Lang::Fr, &office, &three), "Guichet trois");
        let other = DeskId::parse("L5").unwrap();
        assert_eq!(desk_name(Lang::En, &office, &other), "Desk L5");
        assert_eq!(desk_names_json(Lang::En, &office), r#"{"3":"Desk three"}"#);
    }
}
