//! The audit log (managers): `GET /api/audit` (JSON) and `GET /api/audit.csv`, newest
//! first, filtered by account, desk, action and business day.
//!
//! A day is a business day of the office's calendar: from the rollover hour (midnight by
//! default) in the business time zone to the next day's; the CSV writes times in that
//! zone, with their offset.

use std::borrow::Cow;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use tickets_core::{
    AUDIT_READ_MAX, AccountStore, AuditEntry, AuditFilter, BusinessCalendar, BusinessDay, DeskId,
    QueueBackend, Role, Username,
};
use utoipa::{IntoParams, ToSchema};

use super::account_ops::FieldError;
use super::accounts::{AccountRole, TAG_ACCOUNTS};
use super::error::ApiError;
use super::{given_param, written_day};
use crate::auth::{Auth, Staff};
use crate::export::{csv_field, inert};
use crate::openapi::{ErrorBody, Unavailable};
use crate::state::AppState;

/// The entries `GET /api/audit` answers when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 100;

/// The header row of the CSV export.
pub const CSV_HEADER: &str = "at,account,role,desk,client,action,detail";

/// Which entries to read, as a query string gives them; an empty value is no filter.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Made by this account.
    #[param(example = "marie")]
    pub account: Option<String>,
    /// At this desk.
    #[param(example = "3")]
    pub desk: Option<String>,
    /// This action (`tickets.call-next`, `account.create`, `sign-in`, …).
    #[param(example = "account.update")]
    pub action: Option<String>,
    /// This business day, `YYYY-MM-DD`.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-05-04")]
    pub day: Option<String>,
    /// At most this many entries (1 to 1000; 100 by default, 1000 for the CSV).
    #[param(pattern = r"^([0-9]{1,4})?$")]
    pub limit: Option<String>,
}

impl AuditQuery {
    /// The query string that gives these filters (empty ones left out), for links.
    pub fn to_query(&self) -> String {
        let fields = [
            ("account", &self.account),
            ("desk", &self.desk),
            ("action", &self.action),
            ("day", &self.day),
            ("limit", &self.limit),
        ];
        fields
            .iter()
            .filter_map(|(k, v)| {
                let v = v.as_deref()?.trim();
                (!v.is_empty()).then(|| format!("{k}={}", crate::auth::url_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A query, checked: the filter, how many entries, the day asked.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// The filter for the store.
    pub filter: AuditFilter,
    /// How many entries at most.
    pub limit: usize,
    /// The day asked, if any.
    pub day: Option<BusinessDay>,
}

/// A free-text filter (account, desk, action): a blank value is no filter.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Checks `q` (an empty value is no filter, and so is a blank account, desk or action);
/// a day becomes its span in `calendar`. The day and the limit are taken as written, as
/// their patterns say: `YYYY-MM-DD`, and 1 to 4 digits.
pub fn check(
    q: &AuditQuery,
    calendar: &BusinessCalendar,
    default_limit: usize,
) -> Result<AuditRequest, FieldError> {
    let mut filter = AuditFilter::default();
    if let Some(a) = given(&q.account) {
        filter.account = Some(Username::parse(a).map_err(|_| {
            FieldError::new(
                "account",
                "Un nom de compte fait 1 à 32 caractères parmi minuscules, chiffres, « . », « _ » et « - ».",
                "A username is 1 to 32 characters among lowercase letters, digits, '.', '_' and '-'.",
            )
        })?);
    }
    if let Some(d) = given(&q.desk) {
        filter.desk = Some(DeskId::parse(d).map_err(|_| {
            FieldError::new(
                "desk",
                "Un guichet s'écrit avec 1 à 16 caractères parmi lettres, chiffres, « - » et « _ ».",
                "A desk is 1 to 16 characters among letters, digits, '-' and '_'.",
            )
        })?);
    }
    if let Some(a) = given(&q.action) {
        let ok = a.len() <= 48
            && a.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !ok {
            return Err(FieldError::new(
                "action",
                "Une action s'écrit avec 1 à 48 caractères parmi minuscules, chiffres, « . », « _ » et « - » (ex. « account.update »).",
                "An action is 1 to 48 characters among lowercase letters, digits, '.', '_' and '-' (e.g. \"account.update\").",
            ));
        }
        filter.action = Some(a.to_owned());
    }
    let day = match given_param(&q.day) {
        None => None,
        Some(d) => Some(written_day(d).ok_or_else(|| {
            FieldError::new(
                "day",
                "Un jour s'écrit AAAA-MM-JJ (ex. 2026-05-04).",
                "A day is written YYYY-MM-DD (e.g. 2026-05-04).",
            )
        })?),
    };
    if let Some(day) = day {
        filter.from = Some(calendar.start_of(day));
        filter.until = Some(calendar.end_of(day));
    }
    let limit = match given_param(&q.limit) {
        None => default_limit,
        Some(l) => Some(l)
            .filter(|l| l.len() <= 4 && l.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|n| (1..=AUDIT_READ_MAX).contains(n))
            .ok_or_else(|| {
                FieldError::new(
                    "limit",
                    format!("« limit » est un nombre de 1 à {AUDIT_READ_MAX}."),
                    format!("\"limit\" is a number from 1 to {AUDIT_READ_MAX}."),
                )
            })?,
    };
    Ok(AuditRequest { filter, limit, day })
}

/// One line of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLine {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The account that acted; `null` for the server itself or an anonymous attempt.
    #[schema(value_type = Option<String>, required = true)]
    pub account: Option<Username>,
    /// Its role then.
    #[schema(value_type = Option<AccountRole>, required = true)]
    pub role: Option<Role>,
    /// The desk it acted at.
    #[schema(required = true)]
    pub desk: Option<DeskId>,
    /// The client's address.
    #[schema(value_type = Option<String>, required = true)]
    pub client: Option<std::net::IpAddr>,
    /// What was done (`tickets.call-next`, `account.create`, …).
    pub action: String,
    /// The particulars.
    pub detail: String,
}

impl From<AuditEntry> for AuditLine {
    fn from(e: AuditEntry) -> Self {
        Self {
            at: e.at,
            account: e.account,
            role: e.role,
            desk: e.desk,
            client: e.client,
            action: e.action,
            detail: e.detail,
        }
    }
}

/// The entries matching a query.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    /// Newest first.
    pub entries: Vec<AuditLine>,
}

/// Reads the entries `q` asks for.
pub async fn read<B: QueueBackend>(
    state: &AppState<B>,
    auth: &Auth,
    q: &AuditQuery,
    default_limit: usize,
) -> Result<(AuditRequest, Vec<AuditEntry>), ApiError> {
    let asked = check(q, &state.queue.config().calendar, default_limit)?;
    // The lines of the actions this server answered before are written first.
    auth.audit_writer().flush().await;
    let entries = auth
        .accounts()
        .audit(&asked.filter, asked.limit, Utc::now())
        .await?;
    Ok((asked, entries))
}

/// The audit log (managers).
///
/// `GET /api/audit?account=&desk=&action=&day=YYYY-MM-DD&limit=`: newest first, kept 90
/// days; at most `limit` entries (100 by default, 1000 at most).
#[utoipa::path(
    get,
    operation_id = "audit_log",
    path = "/api/audit",
    tag = TAG_ACCOUNTS,
    params(AuditQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The entries.", body = AuditList),
        (status = 403, description = "Not a manager or an administrator (`forbidden`).", body = ErrorBody),
        (status = 422, description = "A filter breaks its rule (`invalid_field`, `field` names it).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn list<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    _staff: Staff,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let (_, entries) = read(&state, &auth, &q, DEFAULT_LIMIT).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(AuditList {
            entries: entries.into_iter().map(AuditLine::from).collect(),
        }))
}

/// The entries as CSV: [`CSV_HEADER`], then a line per entry (times in `tz`, RFC 3339
/// with their offset), CRLF line ends.
pub fn to_csv(entries: &[AuditEntry], tz: Tz) -> String {
    let mut out = String::with_capacity(64 * (entries.len() + 1));
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    for e in entries {
        let at =
            e.at.with_timezone(&tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        let account = e
            .account
            .as_ref()
            .map(Username::to_string)
            .unwrap_or_default();
        let role = e.role.map(Role::as_str).unwrap_or_default();
        let desk = e.desk.as_ref().map(DeskId::to_string).unwrap_or_default();
        let client = e.client.map(|c| c.to_string()).unwrap_or_default();
        let detail = inert(&e.detail);
        let fields = [
            at.as_str(),
            account.as_str(),
            role,
            desk.as_str(),
            client.as_str(),
            e.action.as_str(),
            &detail,
        ];
        let line: Vec<Cow<'_, str>> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The audit log as CSV (managers), for a spreadsheet.
///
/// `GET /api/audit.csv?…`: the same filters as `GET /api/audit` (1000 entries by
/// default), newest first; columns `at,account,role,desk,client,action,detail`, times in
/// the business time zone.
#[utoipa::path(
    get,
    operation_id = "audit_csv",
    path = "/api/audit.csv",
    tag = TAG_ACCOUNTS,
    params(AuditQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The entries as CSV (RFC 4180, UTF-8, CRLF), as an attachment.",
         content_type = "text/csv", body = String,
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"audit-2026-05-04.csv\"`"))),
        (status = 403, description = "Not a manager or an administrator (`forbidden`).", body = ErrorBody),
        (status = 422, description = "A filter breaks its rule (`invalid_field`, `field` names it).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn csv<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    _staff: Staff,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let (asked, entries) = read(&state, &auth, &q, AUDIT_READ_MAX).await?;
    let calendar = &state.queue.config().calendar;
    let day = asked
        .day
        .unwrap_or_else(|| calendar.day_of(Utc::now()))
        .to_string();
    let name = match &asked.filter.account {
        Some(a) => format!("audit-{day}-{a}.csv"),
        None => format!("audit-{day}.csv"),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(to_csv(&entries, calendar.time_zone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_its_business_day_span() {
        let cal = BusinessCalendar::new(chrono_tz::Europe::Paris, 0).unwrap();
        let q = AuditQuery {
            day: Some("2026-05-04".into()),
            account: Some(" ".into()),
            ..AuditQuery::default()
        };
        let asked = check(&q, &cal, 10).unwrap();
        assert_eq!(asked.filter.account, None);
        assert_eq!(
            asked.filter.from.unwrap().to_rfc3339(),
            "2026-05-03T22:00:00+00:00"
        );
        assert_eq!(
            asked.filter.until.unwrap().to_rfc3339(),
            "2026-05-04T22:00:00+00:00"
        );
        assert_eq!(asked.limit, 10);
        let bad = |q: AuditQuery| check(&q, &cal, 10).unwrap_err().field;
        assert_eq!(
            bad(AuditQuery {
                day: Some("04/05/2026".into()),
                ..AuditQuery::default()
            }),
            "day"
        );
        // The day and the limit as their patterns say: no spaces, no sign.
        for day in [
            " 2026-05-04",
            "2026-05-04 ",
            "2026-05-04\u{b}",
            " ",
            "2026-5-4",
        ] {
            let q = AuditQuery {
                day: Some(day.into()),
                ..AuditQuery::default()
            };
            assert_eq!(bad(q), "day", "{day:?}");
        }
        for limit in ["0", "+5", " 5", "5 ", "01000", "1001", " "] {
            let q = AuditQuery {
                limit: Some(limit.into()),
                ..AuditQuery::default()
            };
            assert_eq!(bad(q), "limit", "{limit:?}");
        }
        let written = |limit: &str, day: &str| AuditQuery {
            limit: Some(limit.into()),
            day: Some(day.into()),
            ..AuditQuery::default()
        };
        assert_eq!(
            check(&written("0005", "2026-05-04"), &cal, 10)
                .unwrap()
                .limit,
            5
        );
        assert_eq!(check(&written("", ""), &cal, 10).unwrap().limit, 10);
        assert_eq!(check(&written("", ""), &cal, 10).unwrap().day, None);
        assert_eq!(
            bad(AuditQuery {
                action: Some("Bad".into()),
                ..AuditQuery::default()
            }),
            "action"
        );
        assert_eq!(
            bad(AuditQuery {
                account: Some("A B".into()),
                ..AuditQuery::default()
            }),
            "account"
        );
    }
}
