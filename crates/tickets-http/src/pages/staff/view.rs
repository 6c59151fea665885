//! What the console shows: the day as read for one desk ([`View`]) and its markup.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use maud::{Markup, html};
use tickets_core::{Action, DeskId, OfficeConfig, Role, Service, Snapshot, Ticket, TicketNumber};

use super::super::{clock_time, desk_name, duration_text, name_in, priority_name, service_name};
use crate::auth::Caller;
use crate::lang::Lang;

/// What the console shows of the day, read once per page.
pub(super) struct View<'a> {
    pub(super) office: &'a OfficeConfig,
    pub(super) snap: &'a Snapshot,
    pub(super) desk: &'a DeskId,
    /// The ticket this desk will call next.
    pub(super) next: Option<TicketNumber>,
    /// The waiting tickets by number.
    pub(super) tickets: BTreeMap<TicketNumber, &'a Ticket>,
    /// The services this desk serves (every service when the desk is not configured).
    pub(super) services: Vec<Service>,
    /// The latest no-show tickets of the day, still no-shows, newest first.
    pub(super) no_shows: Vec<Ticket>,
    pub(super) tz: chrono_tz::Tz,
    /// Who is signed in.
    pub(super) caller: &'a Caller,
}

impl View<'_> {
    /// The label of ticket `n` when the view knows it, else its number.
    fn label(&self, n: TicketNumber) -> String {
        self.tickets
            .get(&n)
            .map(|t| t.label.clone())
            .unwrap_or_else(|| n.to_string())
    }

    /// This desk's waiting tickets, service by service in the desk's order, each service's
    /// in calling order (priority classes first).
    fn waiting(&self) -> Vec<(TicketNumber, Option<&Ticket>)> {
        self.services
            .iter()
            .filter_map(|code| self.snap.services.iter().find(|f| &f.code == code))
            .flat_map(|f| f.queue.iter().map(|n| (*n, self.tickets.get(n).copied())))
            .collect()
    }

    fn current(&self) -> Option<&Ticket> {
        self.snap
            .desks
            .iter()
            .find(|d| &d.desk == self.desk)
            .and_then(|d| d.current.as_ref())
    }
}

/// The tickets whose latest logged action is a no-show (newest first), at most `limit`.
pub(super) fn no_show_numbers(snap: &Snapshot, limit: usize) -> Vec<TicketNumber> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in &snap.logs {
        let Some(n) = e.ticket else { continue };
        if seen.insert(n) && e.action == Action::NoShow {
            out.push(n);
            if out.len() == limit {
                break;
            }
        }
    }
    out
}

/// The console's main content for the desk of `v`, with the last action's `message`
/// (`(ok, text)`) and whether the desk is one of the office's.
pub(super) fn console(
    l: Lang,
    v: &View<'_>,
    message: Option<&(bool, String)>,
    known_desk: bool,
) -> Markup {
    html! {
        p class="signed-in" data-signed-in=(v.caller.username) {
            (l.t("Connecté : ", "Signed in: "))
            strong { (v.caller.display_name) }
            " (" (role_name(l, v.caller.role)) ")"
            " · " (desk_name(l, v.office, v.desk))
        }
        div class="staff-grid" {
            section class="card desk-card" aria-labelledby="desk-title" {
                div class="desk-head" {
                    h1 id="desk-title" data-desk-name { (desk_name(l, v.office, v.desk)) }
                    form method="get" action="/api/tickets/staff" class="desk-form" {
                        label for="desk-input" { (l.t("Changer de guichet", "Change desk")) }
                        div class="row" {
                            input id="desk-input" name="desk" value=(v.desk) required
                                pattern="[A-Za-z0-9_\\-]{1,16}" maxlength="16" list="known-desks"
                                autocomplete="off" aria-describedby="desk-help";
                            button type="submit" class="button button-secondary" { (l.t("Valider", "Apply")) }
                        }
                        small id="desk-help" {
                            @if v.office.desks.is_empty() {
                                (l.t("Ex. : 1, 2, A, guichet-3", "E.g. 1, 2, A, guichet-3"))
                            } @else {
                                (l.t("Guichets : ", "Desks: "))
                                @for (i, d) in v.office.desks.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (d.id)
                                }
                            }
                        }
                        datalist id="known-desks" {
                            @for d in &v.office.desks { option value=(d.id) { (name_in(l, &d.name)) } }
                            @for d in v.snap.desks.iter().filter(|d| v.office.desk(&d.desk).is_none()) { option value=(d.desk) {} }
                        }
                    }
                }
                @if !known_desk {
                    p class="notice notice-warn" {
                        (l.t("Ce guichet n'est pas dans la configuration du bureau : choisissez-en un de la liste.", "This desk is not in the office's configuration: choose one from the list."))
                    }
                }
                div class="outcome" role="status" aria-live="polite" data-outcome {
                    @if let Some((ok, text)) = message {
                        p class=(if *ok { "notice notice-ok" } else { "notice notice-warn" }) { (text) }
                    }
                }
                // What the last sound signal was about (staff.js; the choices are below).
                p class="notice notice-warn chime-alert" data-chime-alert role="status" aria-live="polite" hidden {}
                (desk_state(l, v))
                div class="actions" role="group" aria-label=(l.t("Actions du guichet", "Desk actions")) {
                    (action_button(v.desk, "call_next", "button button-primary button-huge", l.t("Appeler le suivant", "Call next"), "N"))
                    (action_button(v.desk, "finish", "button", l.t("Terminer", "Finish"), "F"))
                    (action_button(v.desk, "recall", "button button-secondary", l.t("Rappeler", "Recall"), "R"))
                    (action_button(v.desk, "no_show", "button button-secondary", l.t("Absent", "No-show"), "A"))
                }
                (chime_settings(l))
                p class="hint" { (l.t("Raccourcis clavier : ", "Keyboard shortcuts: ")) kbd { "N" } " " (l.t("appeler", "call")) ", " kbd { "F" } " " (l.t("terminer", "finish")) ", " kbd { "R" } " " (l.t("rappeler", "recall")) ", " kbd { "A" } " " (l.t("absent", "no-show")) ", " kbd { "T" } " " (l.t("transférer", "transfer")) }
            }
            section class="card queue-card" aria-labelledby="queue-title" {
                h2 id="queue-title" { (l.t("File d'attente de ce guichet", "This desk's queue")) }
                (queue_block(l, v))
                (transfer_block(l, v))
            }
            section class="card absent-card" aria-labelledby="absent-title" {
                h2 id="absent-title" { (l.t("Absents", "No-shows")) }
                (no_show_block(l, v))
            }
            @if v.caller.may(Role::Manager) {
            section class="card day-card" aria-labelledby="day-title" {
                h2 id="day-title" { (l.t("Journée", "Day")) }
                div class="row wrap" {
                    (action_button(v.desk, "open_day", "button", l.t("Ouvrir la journée", "Open the day"), ""))
                    (action_button(v.desk, "close_day", "button button-secondary", l.t("Fermer la journée", "Close the day"), ""))
                }
                form method="post" action="/api/tickets/staff" class="reset-form" data-action="reset_day" {
                    input type="hidden" name="action" value="reset_day";
                    input type="hidden" name="desk" value=(v.desk);
                    div class="check" {
                        input type="checkbox" id="confirm-reset" name="confirm" value="yes" required;
                        label for="confirm-reset" { (l.t("Je confirme : effacer tous les tickets du jour (l'historique les garde pour les rapports).", "I confirm: erase every ticket of the day (the history keeps them for reports).")) }
                    }
                    button type="submit" class="button button-danger" { (l.t("Remettre la journée à zéro", "Reset the day")) }
                }
            }
            }
        }
    }
}

/// A role in words.
pub(crate) fn role_name(l: Lang, role: Role) -> &'static str {
    match role {
        Role::Agent => l.t("agent", "agent"),
        Role::Manager => l.t("responsable", "manager"),
        Role::Admin => l.t("administrateur", "administrator"),
    }
}

fn action_button(desk: &DeskId, action: &str, class: &str, label: &str, key: &str) -> Markup {
    html! {
        form method="post" action="/api/tickets/staff" class="inline" data-action=(action) {
            input type="hidden" name="action" value=(action);
            input type="hidden" name="desk" value=(desk);
            button type="submit" class=(class) data-key=[(!key.is_empty()).then_some(key.to_ascii_lowercase())]
                aria-keyshortcuts=[(!key.is_empty()).then_some(key)] {
                (label)
                @if !key.is_empty() { " " kbd aria-hidden="true" { (key) } }
            }
        }
    }
}

/// A small form for one ticket (call it, put it back): the button names the ticket.
fn ticket_button(desk: &DeskId, action: &str, n: TicketNumber, text: &str, label: &str) -> Markup {
    html! {
        form method="post" action="/api/tickets/staff" class="inline" data-action=(action) {
            input type="hidden" name="action" value=(action);
            input type="hidden" name="desk" value=(desk);
            input type="hidden" name="ticket" value=(n);
            button type="submit" class="button button-secondary button-small" id=(format!("{action}-{n}")) {
                (text) span class="visually-hidden" { " " (label) }
            }
        }
    }
}

/// A ticket's service and priority class, in words.
fn ticket_kind(l: Lang, office: &OfficeConfig, t: &Ticket) -> Markup {
    html! {
        (service_name(l, office, &t.service))
        @if let Some(p) = &t.priority {
            " " span class="tag tag-priority" { (priority_name(l, office, p)) }
        }
    }
}

/// The console's sound signals, which staff.js gives (and each browser remembers): when a
/// queue of this desk gets its first customer, and when a waiting ticket passes its
/// service's target wait. Outside the live regions, so that updates keep the choices.
fn chime_settings(l: Lang) -> Markup {
    html! {
        div class="chimes js-only" hidden data-chimes
            data-t-arrival=(l.t("Un client attend : {label}.", "A customer is waiting: {label}."))
            data-t-late=(l.t("{label} attend au-delà de l'objectif de son service.", "{label} has waited past its service's target."))
        {
            fieldset class="chime-settings" {
                legend { (l.t("Signaux sonores", "Sound signals")) }
                label {
                    input type="checkbox" id="chime-arrival" data-chime="arrival" checked;
                    " " (l.t("quand un client arrive dans une file vide", "when a customer arrives in an empty queue"))
                }
                label {
                    input type="checkbox" id="chime-late" data-chime="late" checked;
                    " " (l.t("quand une attente dépasse l'objectif du service", "when a wait passes its service's target"))
                }
            }
        }
    }
}

/// The live part of the console: this desk's ticket and the day's figures.
fn desk_state(l: Lang, v: &View<'_>) -> Markup {
    let mine = v.snap.desks.iter().find(|d| &d.desk == v.desk);
    let current = v.current();
    let f = &v.snap.figures;
    html! {
        div data-live="staff-state" class="desk-state" {
            div class="current" {
                p class="label" { (l.t("Ticket en cours", "Current ticket")) }
                @if let Some(t) = current {
                    p class=(if t.label.len() > 3 { "big-number long" } else { "big-number" }) data-current=(t.number) { (t.label) }
                    p class="current-service" { (ticket_kind(l, v.office, t)) }
                    p class="muted" {
                        (l.t("appelé à ", "called at ")) (t.called_at.map(|c| clock_time(c, v.tz)).unwrap_or_default())
                        @if t.recalls > 0 { " · " (t.recalls) " " (l.t("rappel(s)", "recall(s)")) }
                    }
                } @else {
                    p class="big-number none" { "—" }
                    p class="muted" { (l.t("Aucun ticket à ce guichet.", "No ticket at this desk.")) }
                }
            }
            dl class="figures" {
                div { dt { (l.t("Journée", "Day")) } dd {
                    @if v.snap.open { span class="badge badge-open" { (l.t("ouverte", "open")) } }
                    @else { span class="badge badge-closed" { (l.t("fermée", "closed")) } }
                } }
                div { dt { (l.t("En attente (tous)", "Waiting (all)")) } dd data-queue-length { (v.snap.queue_length) } }
                div { dt { (l.t("Prochain ici", "Next here")) } dd data-next { (v.next.map(|n| v.label(n)).unwrap_or_else(|| "—".into())) } }
                div { dt { (l.t("Servis (ce guichet)", "Served (this desk)")) } dd { (mine.map(|d| d.served).unwrap_or(0)) } }
                div { dt { (l.t("Servis (tous)", "Served (all)")) } dd { (f.served) } }
                div { dt { (l.t("Attente moyenne", "Average wait")) } dd { (f.avg_wait_seconds.map(duration_text).unwrap_or_else(|| "—".into())) } }
            }
        }
    }
}

/// This desk's services with their waiting counts, and its waiting tickets, each with a
/// button to call it now.
fn queue_block(l: Lang, v: &View<'_>) -> Markup {
    let now = Utc::now();
    // With one service, its name on every row says nothing.
    let several = v.office.services.len() > 1;
    let waiting = v.waiting();
    let total: u64 = v
        .services
        .iter()
        .filter_map(|code| v.snap.services.iter().find(|f| &f.code == code))
        .map(|f| f.waiting)
        .sum();
    html! {
        div data-live="staff-queue" {
            ul class="desk-services" aria-label=(l.t("Services de ce guichet", "This desk's services")) {
                @for code in &v.services {
                    @let conf = v.office.service(code);
                    @let figures = v.snap.services.iter().find(|f| &f.code == code);
                    li {
                        @if let Some(prefix) = conf.map(|c| c.prefix.as_str()).filter(|p| !p.is_empty()) {
                            span class="service-prefix small" aria-hidden="true" { (prefix) }
                        }
                        span class="desk-service-name" { (service_name(l, v.office, code)) }
                        " "
                        strong data-service-waiting=(code) { (figures.map(|f| f.waiting).unwrap_or(0)) }
                        " " (l.t("en attente", "waiting"))
                        @let priority: u64 = figures.map_or(0, |f| f.waiting_by_priority.values().sum());
                        @if priority > 0 {
                            " " span class="tag tag-priority" {
                                (l.t("dont {n} avec priorité", "{n} with priority").replace("{n}", &priority.to_string()))
                            }
                        }
                        @if conf.is_some_and(|c| !c.open) {
                            " · " span class="badge badge-closed" { (l.t("fermé aux nouveaux tickets", "closed to new tickets")) }
                        }
                    }
                }
            }
            @if waiting.is_empty() {
                p class="muted" { (l.t("Personne n'attend pour ce guichet.", "Nobody is waiting for this desk.")) }
            } @else {
                table class="waiting-table" {
                    caption class="visually-hidden" { (l.t("Tickets en attente pour ce guichet, dans l'ordre d'appel de chaque service", "Tickets waiting for this desk, in each service's calling order")) }
                    thead { tr {
                        th scope="col" { (l.t("Ticket", "Ticket")) }
                        th scope="col" class="num" { (l.t("Attend depuis", "Waiting for")) }
                        th scope="col" { span class="visually-hidden" { (l.t("Action", "Action")) } }
                    } }
                    tbody {
                        @for (n, t) in &waiting {
                            @let label = t.map(|t| t.label.clone()).unwrap_or_else(|| n.to_string());
                            // The service's target wait, to mark (and chime for) a ticket past it.
                            @let target_ms = t.and_then(|t| v.office.service(&t.service)).map_or(0, |s| s.target_wait_us() / 1000);
                            @let taken_ms = t.map_or(0, |t| t.taken_at.timestamp_millis());
                            @let late = target_ms > 0 && t.is_some() && now.timestamp_millis() - taken_ms > target_ms;
                            @let row_class = match (v.next == Some(*n), late) {
                                (true, true) => Some("is-next is-late"),
                                (true, false) => Some("is-next"),
                                (false, true) => Some("is-late"),
                                (false, false) => None,
                            };
                            tr class=[row_class]
                                data-ticket=(n) data-label=(label) data-taken-ms=(taken_ms) data-target-ms=(target_ms) {
                                th scope="row" {
                                    span class="waiting-label" { (label) }
                                    @if v.next == Some(*n) { " " span class="tag tag-next" { (l.t("prochain", "next")) } }
                                    @if target_ms > 0 {
                                        " " span class="tag tag-late" data-late hidden[!late] { (l.t("au-delà de l'objectif", "past the target")) }
                                    }
                                    @if let Some(t) = t {
                                        @if several || t.priority.is_some() {
                                            span class="waiting-kind" {
                                                @if several { (service_name(l, v.office, &t.service)) }
                                                @if let Some(p) = &t.priority {
                                                    " " span class="tag tag-priority" { (priority_name(l, v.office, p)) }
                                                }
                                            }
                                        }
                                    }
                                }
                                td class="num" { @if let Some(t) = t { (duration_text((now - t.taken_at).num_milliseconds() as f64 / 1000.0)) } }
                                td class="row-action" {
                                    @if v.caller.call_out_of_order {
                                        (ticket_button(v.desk, "call_ticket", *n, l.t("Appeler", "Call"), &label))
                                    }
                                }
                            }
                        }
                    }
                }
                @if (waiting.len() as u64) < total {
                    p class="muted" { (l.t("… et d'autres.", "… and more.")) }
                }
            }
        }
    }
}

/// Moves this desk's ticket, or one of its waiting tickets, to a service's queue.
fn transfer_block(l: Lang, v: &View<'_>) -> Markup {
    let current = v.current();
    let waiting = v.waiting();
    html! {
        div data-live="staff-transfer" class="transfer" {
            h3 id="transfer-title" { (l.t("Transférer un ticket", "Transfer a ticket")) }
            @if current.is_none() && waiting.is_empty() {
                p class="muted" { (l.t("Aucun ticket à transférer.", "No ticket to transfer.")) }
            } @else {
                form method="post" action="/api/tickets/staff" class="transfer-form" data-action="transfer" aria-labelledby="transfer-title" {
                    input type="hidden" name="action" value="transfer";
                    input type="hidden" name="desk" value=(v.desk);
                    div class="field" {
                        label for="transfer-ticket" { (l.t("Ticket", "Ticket")) }
                        select id="transfer-ticket" name="ticket" required data-focus-key="t" aria-keyshortcuts="T" {
                            @if let Some(t) = current {
                                option value=(t.number) { (t.label) " — " (l.t("en cours à ce guichet", "at this desk now")) }
                            }
                            @for (n, t) in &waiting {
                                option value=(n) {
                                    (t.map(|t| t.label.clone()).unwrap_or_else(|| n.to_string()))
                                    @if let Some(t) = t { " — " (service_name(l, v.office, &t.service)) }
                                }
                            }
                        }
                    }
                    div class="field" {
                        label for="transfer-service" { (l.t("Vers le service", "To the service")) }
                        select id="transfer-service" name="service" required {
                            @for s in &v.office.services {
                                option value=(s.code) { (name_in(l, &s.name)) }
                            }
                        }
                    }
                    div class="field" {
                        label for="transfer-position" { (l.t("Place dans sa file", "Place in its queue")) }
                        select id="transfer-position" name="position" {
                            option value="arrival" { (l.t("selon son heure d'arrivée", "by its arrival time")) }
                            option value="front" { (l.t("en tête de file", "at the front")) }
                            option value="end" { (l.t("en fin de file", "at the end")) }
                        }
                    }
                    button type="submit" class="button" id="transfer-submit" { (l.t("Transférer", "Transfer")) }
                }
            }
        }
    }
}

/// The day's latest no-shows, each with a button to put it back in its queue.
fn no_show_block(l: Lang, v: &View<'_>) -> Markup {
    html! {
        div data-live="staff-no-shows" {
            @if v.no_shows.is_empty() {
                p class="muted" { (l.t("Aucun absent à remettre en file.", "No no-show to put back.")) }
            } @else {
                ul class="no-shows" {
                    @for t in &v.no_shows {
                        li {
                            strong { (t.label) }
                            " " span class="muted" { (service_name(l, v.office, &t.service)) }
                            @if v.caller.may(Role::Manager) {
                                (ticket_button(v.desk, "requeue", t.number, l.t("Remettre en file", "Put back"), &t.label))
                            }
                        }
                    }
                }
            }
        }
    }
}
