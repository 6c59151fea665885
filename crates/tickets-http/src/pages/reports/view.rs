//! The markup of the reports page: the filters, the headline figures, the charts' data
//! and the heat map (the tables are in `tables.rs`).

use maud::{Markup, PreEscaped, html};
use serde_json::json;
use tickets_core::{BusinessDay, Figures, OfficeConfig, Report};

use super::format::{count, day_axis, duration, percent, period, weekday};
use super::{PATH, common_target, params_of, quick_ranges};
use crate::api::account_ops::FieldError;
use crate::api::reports::ReportParams;
use crate::lang::Lang;
use crate::pages::{SERVICE_COLOURS, desk_name, name_in, service_name};

/// The shades of the heat map (`heat-1` … `heat-5` in `reports.css`; `heat-0`: none).
const HEAT_LEVELS: u64 = 5;

/// The hours the heat map always shows (an office's usual day), widened to any hour
/// with tickets.
const USUAL_HOURS: (u8, u8) = (8, 18);

/// What the page shows.
pub(super) struct View<'a> {
    pub(super) l: Lang,
    pub(super) office: &'a OfficeConfig,
    /// The parameters as given (what the form shows back when one is at fault).
    pub(super) params: &'a ReportParams,
    /// Today, in the office's calendar.
    pub(super) today: BusinessDay,
    pub(super) report: Option<&'a Report>,
    pub(super) error: Option<&'a FieldError>,
}

impl View<'_> {
    /// The page's `<main>`.
    pub(super) fn render(&self) -> Markup {
        let l = self.l;
        html! {
            div class="admin-head report-head" {
                h1 { (l.t("Rapports", "Reports")) }
                @if let Some(r) = self.report {
                    div class="report-actions" {
                        a class="button button-secondary" href=(csv_href(r)) download {
                            (l.t("Télécharger CSV", "Download CSV"))
                            span class="visually-hidden" { (l.t(" (un ticket par ligne, ces jours et ces filtres)", " (one ticket a line, these days and filters)")) }
                        }
                        button type="button" class="button button-secondary js-only" data-print hidden {
                            (l.t("Imprimer", "Print"))
                        }
                    }
                }
            }
            @if let Some(r) = self.report {
                (self.scope(r))
            } @else {
                p class="lead-text" {
                    (l.t("Les chiffres d'une période, calculés sur chaque ticket.",
                         "The figures of a range of days, computed over every ticket."))
                }
            }
            (self.controls())
            @if let Some(r) = self.report {
                (self.figures(r))
                @if r.total.taken == 0 {
                    p class="notice notice-warn" role="status" {
                        (l.t("Aucun ticket sur cette période avec ces filtres.",
                             "No ticket in this range with these filters."))
                    }
                } @else {
                    (self.charts(r))
                    (self.heat_map(r))
                    div class="report-grid" {
                        (self.services_table(r))
                        (self.desks_table(r))
                        @if r.priorities.iter().any(|p| p.code.is_some()) {
                            (self.priorities_table(r))
                        }
                        (self.days_table(r))
                    }
                }
            }
        }
    }

    /// What the report covers, in words: the days and the filters (and, on paper, the
    /// office).
    fn scope(&self, r: &Report) -> Markup {
        let l = self.l;
        let q = &r.query;
        html! {
            p class="report-scope" {
                @if let Some(name) = self.office.settings.name.as_deref() {
                    span class="print-only" { (name) " — " }
                }
                strong { (first_upper(&period(l, q.from, q.to))) }
                @if let Some(s) = &q.service {
                    " · " (l.t("Service : ", "Service: ")) (service_name(l, self.office, s))
                }
                @if let Some(d) = &q.desk {
                    " · " (desk_name(l, self.office, d))
                }
                @if q.to >= self.today && q.from <= self.today {
                    " · " span class="muted" { (l.t("aujourd'hui tel qu'il est en ce moment", "today as it stands now")) }
                }
            }
        }
    }

    /// The quick choices and the filter form.
    fn controls(&self) -> Markup {
        let l = self.l;
        let error = self.error;
        let p = self.params;
        // The days shown: the report's (defaults written out), else as given.
        let shown = |given: &Option<String>, day: Option<BusinessDay>| match (self.report, day) {
            (Some(_), Some(d)) => d.to_string(),
            _ => given.clone().unwrap_or_default(),
        };
        let from = shown(&p.from, self.report.map(|r| r.query.from));
        let to = shown(&p.to, self.report.map(|r| r.query.to));
        let chosen_service = p.service.as_deref().unwrap_or_default();
        let chosen_desk = p.desk.as_deref().unwrap_or_default();
        let bad = |field: &str| error.is_some_and(|e| e.field == field);
        let described = |field: &str| bad(field).then(|| format!("filter-{field}-error"));
        let unlisted_service = !chosen_service.is_empty()
            && !self
                .office
                .services
                .iter()
                .any(|s| s.code.as_str() == chosen_service);
        let unlisted_desk = !chosen_desk.is_empty()
            && !self
                .office
                .desks
                .iter()
                .any(|d| d.id.as_str() == chosen_desk);
        html! {
            div class="card report-controls" {
                nav class="quick-ranges" aria-labelledby="quick-title" {
                    h2 id="quick-title" class="quick-title" { (l.t("Période", "Range")) }
                    ul {
                        @for q in quick_ranges(self.today) {
                            @let current = self.report.is_some_and(|r| r.query.from == q.from && r.query.to == q.to);
                            @let link = ReportParams {
                                from: Some(q.from.to_string()),
                                to: Some(q.to.to_string()),
                                service: p.service.clone(),
                                desk: p.desk.clone(),
                            };
                            li {
                                a href=(format!("{PATH}?{}", link.to_query())) aria-current=[current.then_some("true")] {
                                    (l.t(q.fr, q.en))
                                }
                            }
                        }
                    }
                }
                form method="get" action=(PATH) class="filters report-filters" aria-labelledby="filters-title" {
                    h2 id="filters-title" class="visually-hidden" { (l.t("Filtres", "Filters")) }
                    div class="field" {
                        label for="filter-from" { (l.t("Du", "From")) }
                        input type="date" id="filter-from" name="from" value=(from) autofocus[bad("from")]
                            aria-invalid=[bad("from").then_some("true")] aria-describedby=[described("from")];
                        (field_error(l, "from", error))
                    }
                    div class="field" {
                        label for="filter-to" { (l.t("Au", "To")) }
                        input type="date" id="filter-to" name="to" value=(to) autofocus[bad("to")]
                            aria-invalid=[bad("to").then_some("true")] aria-describedby=[described("to")];
                        (field_error(l, "to", error))
                    }
                    div class="field" {
                        label for="filter-service" { (l.t("Service", "Service")) }
                        select id="filter-service" name="service" autofocus[bad("service")]
                            aria-invalid=[bad("service").then_some("true")] aria-describedby=[described("service")] {
                            option value="" { (l.t("Tous", "All")) }
                            @for s in &self.office.services {
                                option value=(s.code) selected[chosen_service == s.code.as_str()] { (name_in(l, &s.name)) }
                            }
                            @if unlisted_service {
                                option value=(chosen_service) selected { (chosen_service) }
                            }
                        }
                        (field_error(l, "service", error))
                    }
                    div class="field" {
                        label for="filter-desk" { (l.t("Guichet", "Desk")) }
                        @if self.office.desks.is_empty() {
                            input type="text" id="filter-desk" name="desk" value=(chosen_desk) maxlength="16"
                                autocomplete="off" spellcheck="false" placeholder=(l.t("tous", "all")) autofocus[bad("desk")]
                                aria-invalid=[bad("desk").then_some("true")] aria-describedby=[described("desk")];
                        } @else {
                            select id="filter-desk" name="desk" autofocus[bad("desk")]
                                aria-invalid=[bad("desk").then_some("true")] aria-describedby=[described("desk")] {
                                option value="" { (l.t("Tous", "All")) }
                                @for d in &self.office.desks {
                                    option value=(d.id) selected[chosen_desk == d.id.as_str()] { (desk_name(l, self.office, &d.id)) }
                                }
                                @if unlisted_desk {
                                    option value=(chosen_desk) selected { (chosen_desk) }
                                }
                            }
                        }
                        (field_error(l, "desk", error))
                    }
                    div class="filter-buttons" {
                        button type="submit" class="button button-primary" { (l.t("Afficher", "Show")) }
                    }
                }
            }
        }
    }

    /// The headline figures of the whole range.
    fn figures(&self, r: &Report) -> Markup {
        let l = self.l;
        let f = &r.total;
        html! {
            section aria-labelledby="figures-title" {
                h2 id="figures-title" class="visually-hidden" { (l.t("Chiffres clés", "Headline figures")) }
                dl class="cards report-figures" {
                    div class="figure" { dt { (l.t("Tickets pris", "Tickets taken")) } dd { (count(l, f.taken)) } }
                    div class="figure" { dt { (l.t("Servis", "Served")) } dd { (count(l, f.served)) } }
                    div class="figure" { dt { (l.t("Absents", "No-shows")) } dd { (count(l, f.no_show)) } }
                    div class="figure" { dt { (l.t("Non servis", "Unserved")) } dd { (count(l, f.unserved)) } }
                    @if f.cancelled > 0 {
                        div class="figure" { dt { (l.t("Partis avant leur tour", "Left before their turn")) } dd { (count(l, f.cancelled)) } }
                    }
                    @if f.waiting > 0 || f.in_progress > 0 {
                        div class="figure figure-now" {
                            dt { (l.t("En attente maintenant", "Waiting now")) }
                            dd {
                                (count(l, f.waiting))
                                @if f.in_progress > 0 {
                                    " " span class="figure-note" { "+ " (count(l, f.in_progress)) " " (l.t("au guichet", "at a desk")) }
                                }
                            }
                        }
                    }
                    div class="figure" {
                        dt { (l.t("Attente médiane", "Median wait")) }
                        dd { (duration(f.median_wait_seconds)) " " span class="figure-note" { (l.t("min:s", "min:s")) } }
                    }
                    div class="figure" {
                        dt { (l.t("Attente P90", "P90 wait")) }
                        dd { (duration(f.p90_wait_seconds)) " " span class="figure-note" { (l.t("90 % ont attendu moins", "90% waited less")) } }
                    }
                    div class="figure" {
                        dt { (l.t("Service moyen", "Average service")) }
                        dd { (duration(f.avg_service_seconds)) " " span class="figure-note" { (l.t("min:s", "min:s")) } }
                    }
                    div class="figure" {
                        dt { (l.t("Dans l'objectif", "Within target")) }
                        dd {
                            @match f.within_target_share {
                                Some(share) => {
                                    (percent(l, share))
                                    " " span class="figure-note" { (count(l, f.within_target)) " " (l.t("sur", "of")) " " (count(l, f.with_target)) }
                                },
                                None => {
                                    "— " span class="figure-note" { (l.t("aucun objectif", "no target")) }
                                },
                            }
                        }
                    }
                }
            }
        }
    }

    /// The two charts (drawn by `reports.js`, shown only once drawn) and their data.
    fn charts(&self, r: &Report) -> Markup {
        let l = self.l;
        let target = common_target(self.office, r);
        let has_targets = r.services.iter().any(|s| s.target_wait_minutes.is_some());
        html! {
            div class="report-charts" data-report-charts hidden {
                section class="card" aria-labelledby="taken-chart-title" {
                    h2 id="taken-chart-title" { (l.t("Tickets pris par jour et par service", "Tickets taken per day and service")) }
                    div class="report-chart" data-report-chart="taken" aria-hidden="true" {}
                    ul class="legend" {
                        @for (i, s) in r.services.iter().enumerate() {
                            li { span class=(format!("swatch swatch-{}", i % SERVICE_COLOURS.len())) {} (name_in(l, &s.name)) }
                        }
                    }
                    p class="muted chart-note" {
                        span class="no-print" {
                            (l.t("Les chiffres exacts sont dans le ", "The exact figures are in the "))
                            a href="#days-title" { (l.t("tableau par jour", "table per day")) }
                            "."
                        }
                    }
                }
                section class="card" aria-labelledby="waits-chart-title" {
                    h2 id="waits-chart-title" { (l.t("Attente par jour (min:s)", "Wait per day (min:s)")) }
                    div class="report-chart" data-report-chart="waits" aria-hidden="true" {}
                    ul class="legend" {
                        li { span class="swatch swatch-line line-median" {} (l.t("Médiane", "Median")) }
                        li { span class="swatch swatch-line line-p90" {} (l.t("90e centile (P90)", "90th percentile (P90)")) }
                        @if let Some(t) = target {
                            li { span class="swatch swatch-line line-target" {} (l.t("Objectif", "Target")) " (" (t) " min)" }
                        }
                    }
                    p class="muted chart-note" {
                        @if target.is_none() && has_targets {
                            (l.t("Les services n'ont pas le même objectif : choisissez-en un pour voir le sien. ",
                                 "The services have different targets: pick one to see its own. "))
                        }
                        span class="no-print" {
                            (l.t("Les chiffres exacts sont dans le ", "The exact figures are in the "))
                            a href="#days-title" { (l.t("tableau par jour", "table per day")) }
                            "."
                        }
                    }
                }
                script type="application/json" id="report-data" { (PreEscaped(self.chart_data(r, target))) }
            }
        }
    }

    /// The charts' data, labels in the page's language, as JSON safe inside `<script>`.
    fn chart_data(&self, r: &Report, target: Option<u32>) -> String {
        let l = self.l;
        let services: Vec<serde_json::Value> = r
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let values: Vec<u64> = r
                    .days
                    .iter()
                    .map(|d| d.taken_by_service.get(&s.code).copied().unwrap_or(0))
                    .collect();
                json!({
                    "label": name_in(l, &s.name),
                    "colour": SERVICE_COLOURS[i % SERVICE_COLOURS.len()],
                    "values": values,
                })
            })
            .collect();
        let minutes = |f: fn(&Figures) -> Option<f64>| -> Vec<Option<f64>> {
            r.days
                .iter()
                .map(|d| f(&d.figures).map(|s| s / 60.0))
                .collect()
        };
        let data = json!({
            "days": r.days.iter().map(|d| day_axis(l, d.day)).collect::<Vec<_>>(),
            "services": services,
            "median": minutes(|f| f.median_wait_seconds),
            "p90": minutes(|f| f.p90_wait_seconds),
            "target": target,
            "text": {
                "median": l.t("Médiane", "Median"),
                "p90": l.t("P90", "P90"),
                "target": l.t("Objectif", "Target"),
                "minutes": "min",
            },
        });
        // A `</script>` inside a name must not end the element.
        data.to_string().replace('<', "\\u003c")
    }

    /// Tickets taken per weekday and hour, shaded by count, with their average wait.
    fn heat_map(&self, r: &Report) -> Markup {
        let l = self.l;
        let max = r.hours.iter().map(|h| h.taken).max().unwrap_or(0);
        let first = r
            .hours
            .iter()
            .map(|h| h.hour)
            .min()
            .unwrap_or(USUAL_HOURS.0);
        let last = r
            .hours
            .iter()
            .map(|h| h.hour)
            .max()
            .unwrap_or(USUAL_HOURS.1);
        let hours = first.min(USUAL_HOURS.0)..=last.max(USUAL_HOURS.1);
        let cell = |day: u8, hour: u8| r.hours.iter().find(|h| h.weekday == day && h.hour == hour);
        let level = |n: u64| {
            if n == 0 || max == 0 {
                0
            } else {
                (n * HEAT_LEVELS).div_ceil(max).clamp(1, HEAT_LEVELS)
            }
        };
        html! {
            section class="card report-hours" aria-labelledby="hours-title" {
                h2 id="hours-title" { (l.t("Affluence par jour de la semaine et par heure", "Arrivals per weekday and hour")) }
                div class="heat-head" {
                    p class="muted chart-note" {
                        (l.t("Par case : les tickets pris dans l'heure et, dessous, leur attente moyenne (min:s). Heures de ",
                             "Per cell: the tickets taken in the hour and, below, their average wait (min:s). Hours in "))
                        (r.time_zone) "."
                    }
                    p class="heat-legend" aria-hidden="true" {
                        span { (l.t("Moins", "Fewer")) }
                        @for i in 1..=HEAT_LEVELS { span class=(format!("heat-swatch heat-{i}")) {} }
                        span { (l.t("Plus", "More")) " (" (l.t("max. ", "max. ")) (count(l, max)) ")" }
                    }
                }
                div class="table-scroll" role="region" aria-labelledby="hours-title" tabindex="0" {
                    table class="heatmap" {
                        thead {
                            tr {
                                td {}
                                @for h in hours.clone() {
                                    th scope="col" { (h) (l.t(" h", ":00")) }
                                }
                            }
                        }
                        tbody {
                            @for day in 1..=7u8 {
                                tr {
                                    th scope="row" { (first_upper(weekday(l, day))) }
                                    @for h in hours.clone() {
                                        @match cell(day, h) {
                                            Some(c) if c.taken > 0 => td class=(format!("heat-{}", level(c.taken))) {
                                                span class="heat-count" { (count(l, c.taken)) }
                                                @if let Some(w) = c.avg_wait_seconds {
                                                    span class="heat-wait" { (duration(Some(w))) }
                                                }
                                            },
                                            _ => td class="heat-0" { span class="visually-hidden" { "0" } },
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

/// The CSV of the same days and filters.
fn csv_href(r: &Report) -> String {
    format!(
        "/api/reports/tickets.csv?{}",
        params_of(&r.query).to_query()
    )
}

/// The error under a filter, if it is about `field`.
fn field_error(l: Lang, field: &str, error: Option<&FieldError>) -> Markup {
    html! {
        @if let Some(e) = error.filter(|e| e.field == field) {
            p class="field-error" id=(format!("filter-{field}-error")) { (e.message(l)) }
        }
    }
}

/// `text` with its first letter in capitals.
fn first_upper(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
