//! `/api/admin/reports` (managers): the figures of a range of days, from the history.
//!
//! A plain GET form picks the days (with quick choices: today, yesterday, the last 7 days,
//! this month, last month), a service and a desk, with the same parameters as
//! `GET /api/reports` and its CSV, which the page links with the same query. The page
//! shows the headline figures, tables per service, priority class, desk and day, and a
//! weekday × hour heat map, all rendered here and readable without JavaScript;
//! `web-assets/js/reports.js` adds two charts (tickets per day by service; median and
//! 90th percentile wait per day with the target) from the data the page carries. It prints
//! on A4 (`css/reports.css`).

mod format;
mod tables;
mod view;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Duration, Utc};
use tickets_core::{BusinessDay, OfficeConfig, QueueBackend, Report, ReportQuery};

use crate::api::reports::ReportParams;
use crate::auth::StaffPage;
use crate::pages::{
    Nav, Page, StaffPage as Current, html_response, office_and_lang, unavailable_page,
};
use crate::state::AppState;

/// The page's path.
pub const PATH: &str = "/api/admin/reports";

/// The page's stylesheets, beside `app.css`: the admin console's (fields, filters,
/// tables), the charts' and the page's own.
const STYLES: &[&str] = &[
    "css/admin.css",
    "vendor/uplot/uPlot.min.css",
    "css/reports.css",
];

/// The page's scripts: the charts, and the shared helpers (the print button).
const SCRIPTS: &[&str] = &[
    "vendor/uplot/uPlot.iife.min.js",
    "js/common.js",
    "js/reports.js",
];

/// The reports (managers).
///
/// `GET /api/admin/reports?from=YYYY-MM-DD&to=YYYY-MM-DD[&service=][&desk=]`, the
/// parameters of `GET /api/reports` (default: the last 7 days up to today).
#[utoipa::path(
    get,
    operation_id = "admin_reports_page",
    path = "/api/admin/reports",
    tag = crate::openapi::TAG_PAGES,
    params(ReportParams),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The reports page.", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to the sign-in page."),
        (status = 403, description = "Not a manager or an administrator: a page that says so.", content_type = "text/html", body = String),
        (status = 422, description = "A parameter breaks its rule: the page with the error next to its field (HTML); a query that cannot be read at all, e.g. a parameter given twice (JSON).", content(
            (String = "text/html"),
            (crate::openapi::ErrorBody = "application/json"),
        )),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    _staff: StaffPage,
    params: web::Query<ReportParams>,
) -> HttpResponse {
    let (office, l) = office_and_lang(&req, &state);
    let today = state.queue.config().calendar.day_of(Utc::now());
    let (report, error) = match params.check(today) {
        Ok(query) => match state.queue.report(&query).await {
            Ok(report) => (Some(report), None),
            Err(_) => return unavailable_page(&req, l),
        },
        Err(e) => (None, Some(e)),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = Page {
        lang: l,
        title: l.t("Rapports", "Reports").to_owned(),
        class: "page-admin page-reports",
        nav: Nav::Staff(Current::Reports),
        scripts: SCRIPTS,
        styles: STYLES,
        req: &req,
    };
    let view = view::View {
        l,
        office: &office,
        params: &params,
        today,
        report: report.as_ref(),
        error: error.as_ref(),
    };
    html_response(status, page.render(view.render()))
}

/// A quick choice of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QuickRange {
    fr: &'static str,
    en: &'static str,
    from: BusinessDay,
    to: BusinessDay,
}

/// The quick choices, counted from `today` in the office's calendar: today, yesterday, the
/// last 7 days (today included), this month (up to today), last month.
fn quick_ranges(today: BusinessDay) -> [QuickRange; 5] {
    let day = |d: chrono::NaiveDate| BusinessDay::new(d);
    let t = today.date();
    let yesterday = t - Duration::days(1);
    let month_start = t.with_day(1).unwrap_or(t);
    let last_month_end = month_start - Duration::days(1);
    let last_month_start = last_month_end.with_day(1).unwrap_or(last_month_end);
    [
        QuickRange {
            fr: "Aujourd'hui",
            en: "Today",
            from: today,
            to: today,
        },
        QuickRange {
            fr: "Hier",
            en: "Yesterday",
            from: day(yesterday),
            to: day(yesterday),
        },
        QuickRange {
            fr: "7 derniers jours",
            en: "Last 7 days",
            from: day(t - Duration::days(6)),
            to: today,
        },
        QuickRange {
            fr: "Ce mois-ci",
            en: "This month",
            from: day(month_start),
            to: today,
        },
        QuickRange {
            fr: "Le mois dernier",
            en: "Last month",
            from: day(last_month_start),
            to: day(last_month_end),
        },
    ]
}

/// The parameters that give `query` exactly (days written out), for links.
fn params_of(query: &ReportQuery) -> ReportParams {
    ReportParams {
        from: Some(query.from.to_string()),
        to: Some(query.to.to_string()),
        service: query.service.as_ref().map(ToString::to_string),
        desk: query.desk.as_ref().map(ToString::to_string),
    }
}

/// The target wait the waits chart draws, in minutes: the chosen service's, or the one
/// every service of the report shares (all those of the office when it has no ticket).
fn common_target(office: &OfficeConfig, report: &Report) -> Option<u32> {
    if let Some(s) = &report.query.service {
        return office.service(s).and_then(|c| c.target_wait_minutes);
    }
    let mut targets: Vec<Option<u32>> = if report.services.is_empty() {
        office
            .services
            .iter()
            .map(|s| s.target_wait_minutes)
            .collect()
    } else {
        report
            .services
            .iter()
            .map(|s| s.target_wait_minutes)
            .collect()
    };
    targets.dedup();
    match targets.as_slice() {
        [Some(t)] => Some(*t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> BusinessDay {
        s.parse().unwrap()
    }

    #[test]
    fn quick_ranges_count_from_today() {
        let r = quick_ranges(day("2026-03-01"));
        let days: Vec<(String, String)> = r
            .iter()
            .map(|q| (q.from.to_string(), q.to.to_string()))
            .collect();
        let expected = [
            ("2026-03-01", "2026-03-01"),
            ("2026-02-28", "2026-02-28"),
            ("2026-02-23", "2026-03-01"),
            ("2026-03-01", "2026-03-01"),
            ("2026-02-01", "2026-02-28"),
        ];
        for (got, want) in days.iter().zip(expected) {
            assert_eq!((got.0.as_str(), got.1.as_str()), want);
        }
        let january = quick_ranges(day("2026-01-15"));
        assert_eq!(january[3].from, day("2026-01-01"));
        assert_eq!(
            (january[4].from, january[4].to),
            (day("2025-12-01"), day("2025-12-31"))
        );
    }

    #[test]
    fn the_target_line_is_the_service_s_or_the_shared_one() {
        let office = OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "courrier"
            prefix = "A"
            name = { fr = "Courrier", en = "Letters" }
            target_wait_minutes = 10
            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }
            target_wait_minutes = 15
            "#,
        )
        .unwrap();
        let mut query = ReportQuery::new(day("2026-11-01"), day("2026-11-30")).unwrap();
        let empty = |query: &ReportQuery| {
            Report::builder(query, &office, tickets_core::chrono_tz::UTC).finish()
        };
        assert_eq!(common_target(&office, &empty(&query)), None);
        query.service = Some(tickets_core::Service::parse("colis").unwrap());
        assert_eq!(common_target(&office, &empty(&query)), Some(15));
        let same = OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "courrier"
            prefix = "A"
            name = { fr = "Courrier", en = "Letters" }
            target_wait_minutes = 10
            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }
            target_wait_minutes = 10
            "#,
        )
        .unwrap();
        query.service = None;
        let report = Report::builder(&query, &same, tickets_core::chrono_tz::UTC).finish();
        assert_eq!(common_target(&same, &report), Some(10));
    }
}
