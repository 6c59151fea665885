//! The kiosk preview: the office's name, the welcome text, the service buttons and the
//! priority choice as the kiosk shows them on an open day, drawn by the kiosk's own markup
//! (`pages::kiosk`) and styles, small, and inert (its buttons are disabled: a preview
//! takes no ticket).

use std::collections::HashMap;

use maud::{Markup, html};
use tickets_core::{OfficeConfig, Service, ServiceStatus};

use crate::lang::Lang;
use crate::pages::kiosk;

/// The statuses the kiosk would show for `office`, with today's waiting counts.
fn statuses(office: &OfficeConfig, waiting: &HashMap<Service, u64>) -> Vec<ServiceStatus> {
    office
        .services
        .iter()
        .map(|s| ServiceStatus {
            code: s.code.clone(),
            label: s.name.fr.clone(),
            name: s.name.clone(),
            prefix: s.prefix.clone(),
            open: s.open,
            priority: s.priority,
            waiting: waiting.get(&s.code).copied().unwrap_or(0),
            next_label: None,
            estimated_wait_seconds: None,
        })
        .collect()
}

/// The kiosk's content for `office`, as `pages::kiosk::page` lays it out on an open day.
fn screen(l: Lang, office: &OfficeConfig, waiting: &HashMap<Service, u64>) -> Markup {
    let services = statuses(office, waiting);
    let single = services.len() == 1;
    let accepting = services.iter().any(|s| s.open);
    let total: u64 = services.iter().map(|s| s.waiting).sum();
    html! {
        section class=(if single { "kiosk" } else { "kiosk kiosk-services" }) {
            (kiosk::title(l, office.settings.welcome_in(l.into())))
            @if !accepting {
                p class="closed-sign" { (l.t("Service fermé, revenez demain", "Service closed, come back tomorrow")) }
            } @else if single {
                @let s = &services[0];
                div class="take-form" {
                    button type="submit" class="take-button" {
                        img class="take-icon" src=(crate::assets::url("img/ticket.svg")) alt="" width="64" height="40";
                        span { (l.t("Prendre un ticket", "Take a ticket")) }
                    }
                    (kiosk::priority_buttons(l, office, s))
                }
                p class="kiosk-waiting" {
                    @match total {
                        0 => (l.t("Personne n'attend : vous serez servi rapidement.", "Nobody is waiting: you will be served soon.")),
                        1 => (l.t("1 personne attend.", "1 person is waiting.")),
                        n => (l.t("{n} personnes attendent.", "{n} people are waiting.").replace("{n}", &n.to_string())),
                    }
                }
            } @else {
                p class="kiosk-lead" { (l.t("Touchez votre service pour prendre un ticket.", "Touch your service to take a ticket.")) }
                ul class="services" {
                    @for s in &services {
                        (kiosk::service_item(l, office, s))
                    }
                }
            }
        }
    }
}

/// The preview panel beside the form: `office` (the edited one when `edited`, else the one
/// in force, `version`), or why there is none; `focus` puts the focus on it.
pub(super) fn panel(
    l: Lang,
    office: Option<&OfficeConfig>,
    waiting: &HashMap<Service, u64>,
    edited: bool,
    focus: bool,
    version: u64,
) -> Markup {
    html! {
        aside class="preview-panel" aria-labelledby="preview-title" {
            h2 id="preview-title" tabindex="-1" autofocus[focus] { (l.t("Aperçu de la borne", "Kiosk preview")) }
            p class="hint" {
                @if office.is_none() {
                    (l.t("Le formulaire a des erreurs.", "The form has errors."))
                } @else if edited {
                    strong { (l.t("Avec vos changements, non enregistrés.", "With your changes, not saved.")) }
                } @else {
                    (match l {
                        Lang::Fr => format!("La configuration en vigueur (version {version}). « Aperçu » montre ici vos changements."),
                        Lang::En => format!("The configuration in force (version {version}). \"Preview\" shows your changes here."),
                    })
                }
            }
            @match office {
                Some(office) => {
                    div class="kiosk-frame" {
                        div class="kiosk-frame-bar" {
                            span class="brand-mark" aria-hidden="true" { "№" }
                            " "
                            (office.settings.name.as_deref().unwrap_or(l.t("Tickets", "Tickets")))
                        }
                        // Disabled: the preview's buttons take no ticket.
                        fieldset class="kiosk-frame-screen" disabled {
                            legend class="visually-hidden" { (l.t("La borne, telle qu'elle s'affichera", "The kiosk, as it will look")) }
                            (screen(l, office, waiting))
                        }
                    }
                }
                None => p class="notice notice-warn" { (l.t("Corrigez les erreurs pour voir l'aperçu.", "Fix the errors to see the preview.")) },
            }
        }
    }
}
