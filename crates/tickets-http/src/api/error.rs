//! The one error type of the HTTP layer: every error leaves as
//! `{"error": "<code>", "message": "<text>"}` with its status code.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};
use tickets_core::{Error as CoreError, ErrorKind, OfficeConfig, Service, TicketStatus};

use crate::lang::Lang;

/// An error answer: a status, a stable code, a message in French and English, and extra
/// JSON fields (e.g. the original `closed: true`).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The status code.
    pub status: StatusCode,
    /// A stable machine-readable code.
    pub code: &'static str,
    fr: String,
    en: String,
    extra: Map<String, Value>,
    allow: Option<Box<str>>,
    retry_after: Option<u32>,
}

impl ApiError {
    /// An error with messages in both languages.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        fr: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            fr: fr.into(),
            en: en.into(),
            extra: Map::new(),
            allow: None,
            retry_after: None,
        }
    }

    /// Adds a field to the JSON body.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// Asks the client to wait `seconds` before trying again (`Retry-After`, and
    /// `retry_after_seconds` in the body).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        let seconds = u32::try_from(seconds).unwrap_or(u32::MAX);
        self.retry_after = Some(seconds);
        self.with("retry_after_seconds", seconds)
    }

    /// The `Retry-After` of this answer, in seconds.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        self.retry_after
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        lang.t(&self.fr, &self.en)
    }

    /// The JSON body in `lang`.
    pub fn body(&self, lang: Lang) -> Value {
        let mut body = Map::new();
        body.insert("error".into(), json!(self.code));
        body.insert("message".into(), json!(self.message(lang)));
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }

    /// 400: the body is not JSON.
    pub fn malformed_json(detail: impl fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("Le corps de la requête n'est pas du JSON valide : {detail}"),
            format!("The request body is not valid JSON: {detail}"),
        )
    }

    /// 400: the body is not UTF-8.
    pub fn invalid_utf8() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_utf8",
            "Le corps de la requête n'est pas de l'UTF-8 valide.",
            "The request body is not valid UTF-8.",
        )
    }

    /// 422: a field breaks its rule.
    pub fn invalid_field(field: &str, fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", fr, en).with("field", field)
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("Le corps de la requête dépasse la limite de {limit} octets."),
            format!("The request body is larger than the limit of {limit} bytes."),
        )
        .with("limit_bytes", limit)
    }

    /// 401.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Réservé au personnel : connectez-vous sur /api/login ou envoyez un jeton Bearer.",
            "Staff only: sign in at /api/login or send a Bearer token.",
        )
    }

    /// 403: the account's role is not enough; `required` is the role needed (`manager`),
    /// `fr` and `en` the role's holders in words.
    pub fn forbidden(required: &str, fr: &str, en: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("Réservé aux {fr} : votre compte n'a pas ce rôle."),
            format!("For {en} only: your account does not have that role."),
        )
        .with("required_role", required)
    }

    /// 403: an unsafe request from another origin.
    pub fn cross_origin() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "Requête refusée : elle vient d'un autre site.",
            "Request refused: it comes from another site.",
        )
    }

    /// 400: the Host header is not allowed.
    pub fn bad_host(host: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_host",
            format!("L'hôte {host:?} n'est pas autorisé (TICKETS_ALLOWED_HOSTS)."),
            format!("Host {host:?} is not allowed (TICKETS_ALLOWED_HOSTS)."),
        )
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Cette adresse n'existe pas.",
            "There is nothing at this address.",
        )
    }

    /// 405 with the `Allow` header.
    pub fn method_not_allowed(allow: impl Into<String>) -> Self {
        let allow = allow.into();
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("Méthode non autorisée ici ; utilisez {allow}."),
            format!("Method not allowed here; use {allow}."),
        )
        .with("allow", allow.as_str());
        e.allow = Some(allow.into_boxed_str());
        e
    }

    /// 503.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "Le stockage des tickets est momentanément indisponible. Réessayez dans un instant.",
            "The ticket store is unavailable right now. Try again in a moment.",
        )
    }

    /// 500, opaque.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Erreur interne du serveur.",
            "Internal server error.",
        )
    }

    /// 409: no new tickets today (keeps the original `closed` and message).
    pub fn day_closed() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "day_closed",
            "Service fermé, revenez demain",
            "Service closed, come back tomorrow",
        )
        .with("closed", true)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.en)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            res.insert_header((header::ALLOW, allow));
        }
        if let Some(seconds) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        res.json(self.body(Lang::Fr))
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError::refusal(e, None)
    }
}

/// A service as people read it: its name in each language, or its code when the office
/// no longer has it.
fn service_names(code: &Service, office: Option<&OfficeConfig>) -> (String, String) {
    match office.and_then(|o| o.service(code)) {
        Some(s) => (s.name.fr.clone(), s.name.en.clone()),
        None => (code.to_string(), code.to_string()),
    }
}

/// A ticket status in words.
fn status_words(status: TicketStatus) -> (&'static str, &'static str) {
    match status {
        TicketStatus::Waiting => ("en attente", "waiting"),
        TicketStatus::InProgress => ("appelé à un guichet", "called to a desk"),
        TicketStatus::Completed => ("terminé", "completed"),
        TicketStatus::NoShow => ("absent", "a no-show"),
        TicketStatus::Cancelled => (
            "annulé (son porteur a quitté la file)",
            "cancelled (its holder left the queue)",
        ),
    }
}

impl ApiError {
    /// The answer to an error of the core, with the office's names in its messages when
    /// `office` is given (`« Colis »` rather than `colis`): what a customer reads at the
    /// kiosk. Every refusal keeps the core's stable code ([`CoreError::code`]).
    pub fn refusal(e: CoreError, office: Option<&OfficeConfig>) -> Self {
        let code = e.code();
        let conflict = |fr: String, en: String| ApiError::new(StatusCode::CONFLICT, code, fr, en);
        let invalid =
            |fr: String, en: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, fr, en);
        match &e {
            CoreError::DayClosed => ApiError::day_closed(),
            CoreError::TicketNotFound(n) => ApiError::new(
                StatusCode::NOT_FOUND,
                "ticket_not_found",
                format!("Le ticket {n} n'existe pas aujourd'hui."),
                format!("Ticket {n} does not exist today."),
            ),
            CoreError::WrongHolderKey(n) => ApiError::new(
                StatusCode::FORBIDDEN,
                code,
                format!("Ce lien ne permet pas d'agir sur le ticket {n} : seul le lien donné avec le ticket (code QR) le permet."),
                format!("This link does not allow acting on ticket {n}: only the link given with the ticket (QR code) does."),
            )
            .with("ticket", n.get()),
            CoreError::Invalid(v) => ApiError::invalid_field(&v.field, v.to_string(), v.to_string()),
            CoreError::UnknownService(s) => invalid(
                format!("Ce bureau n'a pas de service « {s} ». Choisissez un autre service ou adressez-vous à l'accueil."),
                format!("This office has no service \"{s}\". Choose another service or ask at the reception."),
            )
            .with("field", "service_type")
            .with("service", s.as_str()),
            CoreError::UnknownPriority(p) => invalid(
                format!("Ce bureau n'a pas de priorité « {p} ». Prenez un ticket sans priorité ou adressez-vous à l'accueil."),
                format!("This office has no priority \"{p}\". Take a ticket without priority or ask at the reception."),
            )
            .with("field", "priority")
            .with("priority", p.as_str()),
            CoreError::PriorityNotOffered(s) => {
                let (fr, en) = service_names(s, office);
                invalid(
                    format!("Le service « {fr} » ne propose pas de passage prioritaire : prenez un ticket sans priorité ou adressez-vous à l'accueil."),
                    format!("The {en} service has no priority tickets: take a ticket without priority or ask at the reception."),
                )
                .with("field", "priority")
                .with("service", s.as_str())
            }
            CoreError::UnknownDesk(d) => invalid(
                format!("Le guichet « {d} » ne fait pas partie de ce bureau."),
                format!("Desk \"{d}\" is not one of this office's desks."),
            )
            .with("field", "desk")
            .with("desk", d.as_str()),
            CoreError::ServiceClosed(s) => {
                let (fr, en) = service_names(s, office);
                conflict(
                    format!("Le service « {fr} » ne délivre plus de tickets pour le moment. Adressez-vous à l'accueil."),
                    format!("The {en} service is not giving tickets right now. Please ask at the reception."),
                )
                .with("service", s.as_str())
            }
            CoreError::DailyLimitReached(s) => {
                let (fr, en) = service_names(s, office);
                conflict(
                    format!("Tous les tickets du jour pour « {fr} » ont été distribués. Revenez demain."),
                    format!("All of today's tickets for {en} have been given out. Please come back tomorrow."),
                )
                .with("service", s.as_str())
            }
            CoreError::TakeLimitReached {
                retry_after_seconds,
                ..
            } => {
                let minutes = retry_after_seconds.div_ceil(60);
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    code,
                    format!("Trop de tickets ont été pris depuis cet appareil. Réessayez dans {minutes} min, ou prenez votre ticket à la borne."),
                    format!("Too many tickets were taken from this device. Try again in {minutes} min, or take your ticket at the kiosk."),
                )
                .retry_after(*retry_after_seconds)
            }
            CoreError::QueueFull { max } => conflict(
                format!("La file est complète ({max} personnes attendent) : aucun nouveau ticket pour le moment. Adressez-vous à l'accueil."),
                format!("The queue is full ({max} people are waiting): no new tickets for now. Please ask at the reception."),
            )
            .with("max_waiting", *max),
            CoreError::WrongStatus { number, status } => {
                let (fr, en) = status_words(*status);
                conflict(
                    format!("Le ticket {number} est {fr} : cette action ne s'y applique pas."),
                    format!("Ticket {number} is {en}: this action does not apply to it."),
                )
                .with("ticket", number.get())
                .with("status", status.as_str())
            }
            CoreError::VersionConflict { current } => conflict(
                format!("La configuration a changé entre-temps (version {current}) : relisez-la, puis renvoyez vos changements avec If-Match: \"{current}\"."),
                format!("The configuration changed in the meantime (version {current}): read it again, then send your changes with If-Match: \"{current}\"."),
            )
            .with("version", *current),
            CoreError::ServiceInUse { service, waiting } => {
                let (fr, en) = service_names(service, office);
                conflict(
                    format!("Le service « {fr} » a encore {waiting} ticket(s) en attente : il ne peut pas être retiré. Fermez-le plutôt (open = false) : ses tickets restent appelables."),
                    format!("The {en} service still has {waiting} waiting ticket(s): it cannot be removed. Close it instead (open = false): its tickets stay callable."),
                )
                .with("service", service.as_str())
                .with("waiting", *waiting)
            }
            _ => match e.kind() {
                ErrorKind::Unavailable => {
                    tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "store unavailable");
                    ApiError::unavailable()
                }
                _ => {
                    tracing::error!(error = %e, source = ?std::error::Error::source(&e), "store failure");
                    ApiError::internal()
                }
            },
        }
    }
}

impl From<tickets_core::ValidationError> for ApiError {
    fn from(v: tickets_core::ValidationError) -> Self {
        ApiError::invalid_field(&v.field, v.to_string(), v.to_string())
    }
}
