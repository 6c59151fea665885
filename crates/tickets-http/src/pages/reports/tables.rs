//! The tables of the reports page: per service, priority class, desk and day. They hold
//! the charts' figures, so that the page reads without JavaScript and on paper.

use maud::{Markup, html};
use tickets_core::{Figures, Report};

use super::format::{count, day_short, duration, percent};
use super::view::View;
use crate::lang::Lang;
use crate::pages::SERVICE_COLOURS;
use crate::pages::{desk_name, name_in, priority_name};

impl View<'_> {
    pub(super) fn services_table(&self, r: &Report) -> Markup {
        let l = self.l;
        let several = r.services.len() > 1;
        html! {
            section class="card wide" aria-labelledby="services-title" {
                h2 id="services-title" { (l.t("Par service", "Per service")) }
                div class="table-scroll" role="region" aria-labelledby="services-title" tabindex="0" {
                    table class="report-table report-services" {
                        caption class="visually-hidden" { (l.t("Durées en minutes:secondes", "Durations in minutes:seconds")) }
                        thead { tr {
                            th scope="col" { (l.t("Service", "Service")) }
                            (count_heads(l))
                            th scope="col" class="num" { (l.t("Attente médiane", "Median wait")) }
                            th scope="col" class="num" { (l.t("Attente P90", "P90 wait")) }
                            th scope="col" class="num" { (l.t("Service moyen", "Avg. service")) }
                            th scope="col" class="num" { (l.t("Dans l'objectif", "Within target")) }
                        } }
                        tbody {
                            @for (i, s) in r.services.iter().enumerate() {
                                tr {
                                    th scope="row" {
                                        span class=(format!("swatch swatch-{}", i % SERVICE_COLOURS.len())) aria-hidden="true" {}
                                        (name_in(l, &s.name))
                                    }
                                    (count_cells(l, &s.figures))
                                    td class="num" { (duration(s.figures.median_wait_seconds)) }
                                    td class="num" { (duration(s.figures.p90_wait_seconds)) }
                                    td class="num" { (duration(s.figures.avg_service_seconds)) }
                                    td class="num" {
                                        @match (s.figures.within_target_share, s.target_wait_minutes) {
                                            (Some(share), Some(m)) => { (percent(l, share)) " " span class="muted" { "(≤ " (m) " min)" } },
                                            (None, Some(m)) => { "— " span class="muted" { "(≤ " (m) " min)" } },
                                            _ => span class="muted" { (l.t("sans objectif", "no target")) },
                                        }
                                    }
                                }
                            }
                        }
                        @if several {
                            tfoot { tr {
                                th scope="row" { (l.t("Total", "Total")) }
                                (count_cells(l, &r.total))
                                td class="num" { (duration(r.total.median_wait_seconds)) }
                                td class="num" { (duration(r.total.p90_wait_seconds)) }
                                td class="num" { (duration(r.total.avg_service_seconds)) }
                                td class="num" { (r.total.within_target_share.map_or_else(|| "—".to_owned(), |s| percent(l, s))) }
                            } }
                        }
                    }
                }
            }
        }
    }

    pub(super) fn priorities_table(&self, r: &Report) -> Markup {
        let l = self.l;
        html! {
            section class="card" aria-labelledby="priorities-title" {
                h2 id="priorities-title" { (l.t("Par priorité", "Per priority class")) }
                div class="table-scroll" role="region" aria-labelledby="priorities-title" tabindex="0" {
                    table class="report-table" {
                        caption class="visually-hidden" { (l.t("Durées en minutes:secondes", "Durations in minutes:seconds")) }
                        thead { tr {
                            th scope="col" { (l.t("Classe", "Class")) }
                            th scope="col" class="num" { (l.t("Pris", "Taken")) }
                            th scope="col" class="num" { (l.t("Servis", "Served")) }
                            th scope="col" class="num" { (l.t("Attente médiane", "Median wait")) }
                            th scope="col" class="num" { (l.t("Attente P90", "P90 wait")) }
                        } }
                        tbody {
                            @for p in &r.priorities {
                                tr {
                                    th scope="row" {
                                        @match &p.code {
                                            Some(code) => (priority_name(l, self.office, code)),
                                            None => (l.t("Sans priorité", "No priority")),
                                        }
                                    }
                                    td class="num" { (count(l, p.figures.taken)) }
                                    td class="num" { (count(l, p.figures.served)) }
                                    td class="num" { (duration(p.figures.median_wait_seconds)) }
                                    td class="num" { (duration(p.figures.p90_wait_seconds)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    pub(super) fn desks_table(&self, r: &Report) -> Markup {
        let l = self.l;
        html! {
            section class="card" aria-labelledby="desks-title" {
                h2 id="desks-title" { (l.t("Par guichet", "Per desk")) }
                @if r.desks.is_empty() {
                    p class="muted" { (l.t("Aucun guichet n'a appelé de ticket sur cette période.", "No desk called a ticket in this range.")) }
                } @else {
                    div class="table-scroll" role="region" aria-labelledby="desks-title" tabindex="0" {
                        table class="report-table" {
                            caption class="visually-hidden" { (l.t("Les tickets appelés à chaque guichet ; durées en minutes:secondes", "The tickets called to each desk; durations in minutes:seconds")) }
                            thead { tr {
                                th scope="col" { (l.t("Guichet", "Desk")) }
                                th scope="col" class="num" { (l.t("Appelés", "Called")) }
                                th scope="col" class="num" { (l.t("Servis", "Served")) }
                                th scope="col" class="num" { (l.t("Absents", "No-shows")) }
                                th scope="col" class="num" { (l.t("Service moyen", "Avg. service")) }
                                th scope="col" class="num" { (l.t("Service P90", "P90 service")) }
                            } }
                            tbody {
                                @for d in &r.desks {
                                    tr {
                                        th scope="row" { (desk_name(l, self.office, &d.desk)) }
                                        td class="num" { (count(l, d.figures.called)) }
                                        td class="num" { (count(l, d.figures.served)) }
                                        td class="num" { (count(l, d.figures.no_show)) }
                                        td class="num" { (duration(d.figures.avg_service_seconds)) }
                                        td class="num" { (duration(d.figures.p90_service_seconds)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    pub(super) fn days_table(&self, r: &Report) -> Markup {
        let l = self.l;
        let several = r.services.len() > 1;
        html! {
            section class="card wide report-days" aria-labelledby="days-title" {
                h2 id="days-title" tabindex="-1" { (l.t("Par jour", "Per day")) }
                div class="table-scroll" role="region" aria-labelledby="days-title" tabindex="0" {
                    table class="report-table" {
                        caption class="visually-hidden" { (l.t("Durées en minutes:secondes", "Durations in minutes:seconds")) }
                        thead { tr {
                            th scope="col" { (l.t("Jour", "Day")) }
                            th scope="col" class="num" { (l.t("Pris", "Taken")) }
                            @if several {
                                @for s in &r.services {
                                    th scope="col" class="num by-service" { (name_in(l, &s.name)) }
                                }
                            }
                            th scope="col" class="num" { (l.t("Servis", "Served")) }
                            th scope="col" class="num" { (l.t("Absents", "No-shows")) }
                            th scope="col" class="num" { (l.t("Non servis", "Unserved")) }
                            th scope="col" class="num" { (l.t("Partis", "Left")) }
                            th scope="col" class="num" { (l.t("Attente médiane", "Median wait")) }
                            th scope="col" class="num" { (l.t("Attente P90", "P90 wait")) }
                            th scope="col" class="num" { (l.t("Dans l'objectif", "Within target")) }
                        } }
                        tbody {
                            @for d in &r.days {
                                tr class=[(d.figures.taken == 0).then_some("is-empty")] {
                                    th scope="row" { time datetime=(d.day.to_string()) { (day_short(l, d.day)) } }
                                    td class="num" { (count(l, d.figures.taken)) }
                                    @if several {
                                        @for s in &r.services {
                                            td class="num by-service" { (count(l, d.taken_by_service.get(&s.code).copied().unwrap_or(0))) }
                                        }
                                    }
                                    td class="num" { (count(l, d.figures.served)) }
                                    td class="num" { (count(l, d.figures.no_show)) }
                                    td class="num" { (count(l, d.figures.unserved)) }
                                    td class="num" { (count(l, d.figures.cancelled)) }
                                    td class="num" { (duration(d.figures.median_wait_seconds)) }
                                    td class="num" { (duration(d.figures.p90_wait_seconds)) }
                                    td class="num" { (d.figures.within_target_share.map_or_else(|| "—".to_owned(), |s| percent(l, s))) }
                                }
                            }
                        }
                        @if r.days.len() > 1 {
                            tfoot { tr {
                                th scope="row" { (l.t("Total", "Total")) }
                                td class="num" { (count(l, r.total.taken)) }
                                @if several {
                                    @for s in &r.services {
                                        td class="num by-service" { (count(l, s.figures.taken)) }
                                    }
                                }
                                td class="num" { (count(l, r.total.served)) }
                                td class="num" { (count(l, r.total.no_show)) }
                                td class="num" { (count(l, r.total.unserved)) }
                                td class="num" { (count(l, r.total.cancelled)) }
                                td class="num" { (duration(r.total.median_wait_seconds)) }
                                td class="num" { (duration(r.total.p90_wait_seconds)) }
                                td class="num" { (r.total.within_target_share.map_or_else(|| "—".to_owned(), |s| percent(l, s))) }
                            } }
                        }
                    }
                }
                @let empty = r.days.iter().filter(|d| d.figures.taken == 0).count();
                @if empty > 0 {
                    p class="print-note muted" {
                        (l.t("Jours sans ticket non imprimés : ", "Days without tickets not printed: ")) (empty) "."
                    }
                }
            }
        }
    }
}

/// The counts' column heads: taken, served, no-shows, unserved, left.
fn count_heads(l: Lang) -> Markup {
    html! {
        th scope="col" class="num" { (l.t("Pris", "Taken")) }
        th scope="col" class="num" { (l.t("Servis", "Served")) }
        th scope="col" class="num" { (l.t("Absents", "No-shows")) }
        th scope="col" class="num" { (l.t("Non servis", "Unserved")) }
        th scope="col" class="num" { (l.t("Partis", "Left")) }
    }
}

/// The counts of `f`, under [`count_heads`].
fn count_cells(l: Lang, f: &Figures) -> Markup {
    html! {
        td class="num" { (count(l, f.taken)) }
        td class="num" { (count(l, f.served)) }
        td class="num" { (count(l, f.no_show)) }
        td class="num" { (count(l, f.unserved)) }
        td class="num" { (count(l, f.cancelled)) }
    }
}
