//! Reports (managers): `GET /api/reports` (the figures of a range of days, JSON) and
//! `GET /api/reports/tickets.csv` (one row per ticket, streamed day by day).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use futures_util::StreamExt;
use serde::Deserialize;
use tickets_core::{
    BusinessDay, DeskId, MAX_REPORT_DAYS, QueueBackend, Report, ReportQuery, Service,
};
use utoipa::IntoParams;

use super::account_ops::FieldError;
use super::error::ApiError;
use super::{given_param, written_day};
use crate::auth::Staff;
use crate::export;
use crate::openapi::{ErrorBody, Unavailable};
use crate::state::AppState;

/// The OpenAPI tag of reports.
pub const TAG_REPORTS: &str = "reports";

/// What a report covers, as a query string gives it; an empty value is no filter.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The first day, `YYYY-MM-DD` (default: six days before `to`, a week in all).
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-11-01")]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (default: today).
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "2026-11-30")]
    pub to: Option<String>,
    /// Only this service's tickets (its code).
    #[param(pattern = r"^([A-Za-z0-9_-]{1,32})?$", example = "colis")]
    pub service: Option<String>,
    /// Only the tickets called to this desk.
    #[param(pattern = r"^([A-Za-z0-9_-]{1,16})?$", example = "3")]
    pub desk: Option<String>,
}

fn day_field(field: &str, v: &str) -> Result<BusinessDay, FieldError> {
    written_day(v).ok_or_else(|| {
        FieldError::new(
            field,
            format!("« {field} » est un jour écrit AAAA-MM-JJ (ex. 2026-11-30)."),
            format!("\"{field}\" is a day written YYYY-MM-DD (e.g. 2026-11-30)."),
        )
    })
}

impl ReportParams {
    /// The query string that gives these parameters (empty ones left out), for links.
    pub fn to_query(&self) -> String {
        let fields = [
            ("from", &self.from),
            ("to", &self.to),
            ("service", &self.service),
            ("desk", &self.desk),
        ];
        fields
            .iter()
            .filter_map(|(k, v)| {
                given_param(v).map(|v| format!("{k}={}", crate::auth::url_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Checks the parameters against `today`: a missing `to` is today, a missing `from`
    /// six days before `to`.
    pub fn check(&self, today: BusinessDay) -> Result<ReportQuery, FieldError> {
        let to = given_param(&self.to)
            .map(|v| day_field("to", v))
            .transpose()?
            .unwrap_or(today);
        let from = given_param(&self.from)
            .map(|v| day_field("from", v))
            .transpose()?
            .unwrap_or_else(|| BusinessDay::new(to.date() - Duration::days(6)));
        let mut query = ReportQuery::new(from, to).map_err(|e| {
            if e.field == "from" {
                FieldError::new(
                    "from",
                    "Le premier jour (« from ») vient après le dernier (« to »).",
                    "The first day (\"from\") comes after the last one (\"to\").",
                )
            } else {
                FieldError::new(
                    "to",
                    format!("Un rapport couvre au plus {MAX_REPORT_DAYS} jours."),
                    format!("A report covers at most {MAX_REPORT_DAYS} days."),
                )
            }
        })?;
        if let Some(s) = given_param(&self.service) {
            query.service = Some(Service::parse(s).map_err(|_| {
                FieldError::new(
                    "service",
                    "Un service s'écrit avec 1 à 32 caractères parmi lettres, chiffres, « - » et « _ ».",
                    "A service is 1 to 32 characters among letters, digits, '-' and '_'.",
                )
            })?);
        }
        if let Some(d) = given_param(&self.desk) {
            query.desk = Some(DeskId::parse(d).map_err(|_| {
                FieldError::new(
                    "desk",
                    "Un guichet s'écrit avec 1 à 16 caractères parmi lettres, chiffres, « - » et « _ ».",
                    "A desk is 1 to 16 characters among letters, digits, '-' and '_'.",
                )
            })?);
        }
        Ok(query)
    }
}

/// The checked query of `params`, today being the office's business day now.
pub fn query_of<B: QueueBackend>(
    state: &AppState<B>,
    params: &ReportParams,
) -> Result<ReportQuery, ApiError> {
    let today = state.queue.config().calendar.day_of(Utc::now());
    Ok(params.check(today)?)
}

/// The figures of a range of days (managers).
///
/// `GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD[&service=][&desk=]`: per day and in
/// total, per service, priority class and desk: tickets taken, served, no-show, unserved
/// (and, for today, waiting and at a desk); waits (average, median, 90th percentile, longest)
/// and service times (average, 90th percentile), exact over the tickets; the share called
/// within the service's target; and tickets per weekday and hour with their average wait.
/// A range that includes today includes today as it stands.
#[utoipa::path(
    get,
    operation_id = "report",
    path = "/api/reports",
    tag = TAG_REPORTS,
    params(ReportParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The report.", body = Report),
        (status = 403, description = "Not a manager or an administrator (`forbidden`).", body = ErrorBody),
        (status = 422, description = "A parameter breaks its rule (`invalid_field`, `field` names it).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn report<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    _staff: Staff,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let query = query_of(&state, &params)?;
    let report = state.queue.report(&query).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(report))
}

/// Every ticket of a range of days as CSV (managers), for a spreadsheet.
///
/// `GET /api/reports/tickets.csv?from=…&to=…[&service=][&desk=]`: the same range and
/// filters as `GET /api/reports`; one row per ticket in the order they were taken, columns
/// `day,number,label,service,priority,desk,account,outcome,taken_at,called_at,finished_at,
/// wait_seconds,service_seconds,recalls,transfers`, times in the office's time zone
/// (RFC 3339 with their offset). Sent day by day as it is read.
#[utoipa::path(
    get,
    operation_id = "report_tickets_csv",
    path = "/api/reports/tickets.csv",
    tag = TAG_REPORTS,
    params(ReportParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The tickets as CSV (RFC 4180, UTF-8, CRLF, a header row), as an attachment.",
         content_type = "text/csv", body = String,
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"tickets-2026-11-01-2026-11-30.csv\"`"))),
        (status = 403, description = "Not a manager or an administrator (`forbidden`).", body = ErrorBody),
        (status = 422, description = "A parameter breaks its rule (`invalid_field`, `field` names it).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn tickets_csv<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    _staff: Staff,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let query = query_of(&state, &params)?;
    let name = format!("tickets-{}-{}.csv", query.from, query.to);
    let tz = state.queue.config().calendar.time_zone();
    // The first day is read before answering, so that a store that does not answer gets a
    // 503 rather than a cut file.
    let mut days = query.days();
    let first = days.next().unwrap_or(query.from);
    let mut head = export::csv_rows(&[], tz, true);
    let records: Vec<_> = state.queue.history(first).await?;
    let kept: Vec<_> = records.into_iter().filter(|r| query.keeps(r)).collect();
    head.push_str(&export::csv_rows(&kept, tz, false));
    let queue = state.queue.clone();
    let rest = futures_util::stream::iter(days).then(move |day| {
        let queue = queue.clone();
        let query = query.clone();
        async move {
            let records = queue.history(day).await?;
            let kept: Vec<_> = records.into_iter().filter(|r| query.keeps(r)).collect();
            Ok::<_, tickets_core::Error>(web::Bytes::from(export::csv_rows(&kept, tz, false)))
        }
    });
    let body = futures_util::stream::once(async move { Ok(web::Bytes::from(head)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> BusinessDay {
        s.parse().unwrap()
    }

    #[test]
    fn missing_days_make_the_last_week() {
        let q = ReportParams::default().check(day("2026-11-30")).unwrap();
        assert_eq!((q.from, q.to), (day("2026-11-24"), day("2026-11-30")));
        let q = ReportParams {
            to: Some("2026-03-01".into()),
            service: Some(String::new()),
            ..ReportParams::default()
        }
        .check(day("2026-11-30"))
        .unwrap();
        assert_eq!(
            (q.from, q.to, q.service),
            (day("2026-02-23"), day("2026-03-01"), None)
        );
    }

    #[test]
    fn bad_parameters_name_their_field() {
        let bad = |p: ReportParams| p.check(day("2026-11-30")).unwrap_err().field;
        let p = |from: &str, to: &str| ReportParams {
            from: Some(from.into()),
            to: Some(to.into()),
            ..ReportParams::default()
        };
        assert_eq!(bad(p("30/11/2026", "2026-11-30")), "from");
        assert_eq!(bad(p("2026-11-30", "2026-11-01")), "from");
        assert_eq!(bad(p("2020-01-01", "2026-11-30")), "to");
        assert_eq!(
            bad(ReportParams {
                desk: Some("a b".into()),
                ..ReportParams::default()
            }),
            "desk"
        );
        assert_eq!(
            bad(ReportParams {
                service: Some("Colis!".into()),
                ..ReportParams::default()
            }),
            "service"
        );
        // Whitespace around a value is not trimmed away: the value breaks its pattern.
        for desk in ["M\u{b}", " 3", "3\t", " "] {
            assert_eq!(
                bad(ReportParams {
                    desk: Some(desk.into()),
                    ..ReportParams::default()
                }),
                "desk",
                "{desk:?}"
            );
        }
        assert_eq!(bad(p(" 2026-11-01", "2026-11-30")), "from");
    }
}
