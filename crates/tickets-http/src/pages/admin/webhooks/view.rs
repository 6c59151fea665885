//! The markup of the webhooks page: the secret shown once, the hooks, the form to add one
//! and the deliveries kept.

use chrono_tz::Tz;
use maud::{Markup, html};
use tickets_core::Action;
use tickets_core::webhooks::{ALL_EVENTS, Delivery, Webhook};

use super::super::{Field, error_for, error_id, field_error, local_time};
use super::{MAX_SECRET, PATH, WebhooksForm, every_event};
use crate::api::account_ops::FieldError;
use crate::lang::Lang;
use crate::webhooks::SIGNATURE_HEADER;

/// What an event is, in words.
fn event_text(l: Lang, action: Action) -> &'static str {
    match action {
        Action::StartDay => l.t("Journée ouverte", "Day opened"),
        Action::EndDay => l.t("Journée fermée", "Day closed"),
        Action::TakeTicket => l.t("Ticket pris", "Ticket taken"),
        Action::CallNext => l.t("Ticket suivant appelé", "Next ticket called"),
        Action::FinishCurrent => l.t("Ticket terminé au guichet", "Ticket finished at a desk"),
        Action::Recall => l.t("Ticket rappelé", "Ticket called again"),
        Action::NoShow => l.t("Client absent", "No-show"),
        Action::ResetDay => l.t("Journée remise à zéro", "Day reset"),
        Action::CallTicket => l.t(
            "Ticket donné appelé (hors tour)",
            "Given ticket called (out of turn)",
        ),
        Action::Transfer => l.t(
            "Ticket transféré à un autre service",
            "Ticket moved to another service",
        ),
        Action::Requeue => l.t("Absent remis dans la file", "No-show put back in the queue"),
        Action::LeaveQueue => l.t("Client parti de la file", "Customer left the queue"),
    }
}

/// The secret of a hook just added, to copy now, and how receivers check it.
pub(super) fn secret(l: Lang, hook: &Webhook) -> Markup {
    html! {
        section class="card secret" aria-labelledby="secret-title" {
            h2 id="secret-title" { (l.t("Copiez ce secret maintenant", "Copy this secret now")) }
            p {
                (l.t("Secret de signature du webhook vers", "Signing secret of the webhook to"))
                " " code class="hook-url" { (hook.url) } (l.t(" :", ":"))
            }
            label for="secret-value" class="visually-hidden" { (l.t("Le secret", "The secret")) }
            input type="text" id="secret-value" class="secret-value" readonly value=(hook.secret)
                autofocus autocomplete="off" spellcheck="false" aria-describedby="secret-hint" data-secret
                data-copy-label=(l.t("Copier le secret", "Copy the secret"))
                data-copied-label=(l.t("Copié.", "Copied."))
                data-copy-failed-label=(l.t("Copie impossible : utilisez Ctrl+C.", "Cannot copy: use Ctrl+C."));
            p class="hint" id="secret-hint" {
                (l.t("Copiez-le (le champ a le focus : Ctrl+A puis Ctrl+C, ou ⌘A puis ⌘C sur Mac) et donnez-le au programme qui reçoit les événements. Il ne sera plus jamais affiché, ni ici ni par l'API. S'il est perdu, retirez ce webhook et ajoutez-en un autre.",
                     "Copy it (the field has the focus: Ctrl+A then Ctrl+C, or ⌘A then ⌘C on a Mac) and give it to the program that receives the events. It will never be shown again, here or by the API. If it is lost, remove this webhook and add another."))
            }
            h3 { (l.t("Vérifier la signature", "Checking the signature")) }
            p { (l.t("Chaque livraison est un POST JSON vers cette adresse, avec ces en-têtes :", "Each delivery is a JSON POST to this URL, with these headers:")) }
            ul class="signature-headers" {
                li {
                    code { (SIGNATURE_HEADER) ": t=<" (l.t("horodatage", "timestamp")) ">,v1=<signature>" } " — "
                    (l.t("la signature est le HMAC-SHA256, en hexadécimal, de « <t>.<corps> » (l'horodatage, un point, le corps reçu tel quel) avec ce secret ;",
                         "the signature is the HMAC-SHA256, in hexadecimal, of \"<t>.<body>\" (the timestamp, a dot, the body as received) under this secret;"))
                }
                li {
                    code { "X-Tickets-Event" } " — "
                    (l.t("l'événement (", "the event ("))
                    code { "call_next" } (l.t(", …) ;", ", …);"))
                }
                li {
                    code { "X-Tickets-Delivery" } " — "
                    (l.t("l'identifiant de la livraison, le même à chaque nouvel essai : ignorez un identifiant déjà traité.",
                         "the delivery's id, the same on every new try: ignore an id already handled."))
                }
            }
            p {
                (l.t("Le destinataire recalcule la signature avec ce secret, la compare à celle reçue et refuse la requête si elles diffèrent ou si l'horodatage est trop ancien.",
                     "The receiver computes the signature again with this secret, compares it with the one received, and refuses the request when they differ or when the timestamp is too old."))
            }
            p {
                (l.t("Le contenu des événements et un exemple de vérification : ", "What the events hold and an example of the check: "))
                code { "docs/webhooks.md" }
                (l.t(", dans la documentation du serveur ; la référence de l'API : ", ", in the server's documentation; the API reference: "))
                a href="/api/docs/#/webhooks" { "/api/docs" } "."
            }
        }
    }
}

/// A hook's events, in words.
pub(super) fn events_list(l: Lang, events: &[String]) -> Markup {
    html! {
        @if events.iter().any(|e| e == ALL_EVENTS) {
            span class="badge badge-all" { (l.t("Tous les événements", "All events")) }
        } @else {
            ul class="event-list" {
                @for e in events {
                    li {
                        @match e.parse::<Action>() {
                            Ok(a) => { span class="visually-hidden" { (event_text(l, a)) ", " } code title=(event_text(l, a)) { (e) } },
                            Err(_) => code { (e) },
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn hooks_table(l: Lang, tz: Tz, hooks: &[Webhook]) -> Markup {
    html! {
        @if hooks.is_empty() {
            p class="muted" { (l.t("Aucun webhook pour l'instant.", "No webhook yet.")) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="hooks-title" tabindex="0" {
                table class="admin-table hooks-table" {
                    thead {
                        tr {
                            th scope="col" { (l.t("Adresse", "URL")) }
                            th scope="col" { (l.t("Événements", "Events")) }
                            th scope="col" { (l.t("Ajouté le", "Added")) }
                            th scope="col" { span class="visually-hidden" { (l.t("Actions", "Actions")) } }
                        }
                    }
                    tbody {
                        @for h in hooks {
                            tr {
                                th scope="row" {
                                    span class="account-name hook-url" { (h.url) }
                                    code class="account-user" { (h.id) }
                                }
                                td { (events_list(l, &h.events)) }
                                td class="when" { (local_time(h.created_at, tz)) }
                                td class="row-action" {
                                    form method="post" action=(PATH) {
                                        input type="hidden" name="action" value="delete";
                                        input type="hidden" name="id" value=(h.id);
                                        button type="submit" class="button button-danger button-small"
                                            aria-label=(match l { Lang::Fr => format!("Retirer le webhook vers {}", h.url), Lang::En => format!("Remove the webhook to {}", h.url) }) {
                                            (l.t("Retirer", "Remove"))
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

pub(super) fn create_form(
    l: Lang,
    allow_private: bool,
    error: Option<&FieldError>,
    typed: Option<&WebhooksForm>,
) -> Markup {
    let chosen = typed.map_or(&[][..], |t| t.events.as_slice());
    let bad_events = error_for(error, "events").is_some();
    let events_hint = "create-events-hint";
    let described = if bad_events {
        format!("{events_hint} {}", error_id("create", "events"))
    } else {
        events_hint.to_owned()
    };
    html! {
        section class="card" aria-labelledby="create-title" {
            h2 id="create-title" { (l.t("Nouveau webhook", "New webhook")) }
            form method="post" action=(PATH) class="stack admin-form" novalidate {
                input type="hidden" name="action" value="create";
                (Field { form: "create", name: "url", label: l.t("Adresse qui reçoit les événements", "URL that receives the events"),
                    value: typed.map_or("", |t| t.url.as_str()), kind: "url",
                    hint: Some(if allow_private {
                        l.t("http ou https, par ex. https://example.org/hooks/tickets. Ce serveur permet aussi les adresses privées et locales.",
                            "http or https, e.g. https://example.org/hooks/tickets. This server allows private and local addresses too.")
                    } else {
                        l.t("http ou https, par ex. https://example.org/hooks/tickets ; adresses publiques seulement.",
                            "http or https, e.g. https://example.org/hooks/tickets; public addresses only.")
                    }),
                    required: true, autocomplete: "url", max: 2048 }.render(l, error))
                fieldset class="field event-choice" aria-describedby=(described) {
                    legend { (l.t("Événements envoyés", "Events sent")) }
                    small class="hint" id=(events_hint) {
                        (l.t("« Tous » comprend aussi les événements qui s'ajouteront plus tard.",
                             "\"All\" also covers events added later."))
                    }
                    (field_error(l, "create", "events", error))
                    div class="event-checks" {
                        @for (i, name) in every_event().enumerate() {
                            @let id = format!("create-events-{i}");
                            div class=(if name == ALL_EVENTS { "check check-all" } else { "check" }) {
                                input type="checkbox" id=(id) name="events" value=(name)
                                    checked[chosen.iter().any(|c| c == name)]
                                    autofocus[bad_events && i == 0]
                                    aria-invalid=[bad_events.then_some("true")];
                                label for=(id) {
                                    @match name.parse::<Action>() {
                                        Ok(a) => { (event_text(l, a)) " " code { (name) } },
                                        Err(_) => { (l.t("Tous les événements", "All events")) " " code { (name) } },
                                    }
                                }
                            }
                        }
                    }
                }
                (Field { form: "create", name: "secret", label: l.t("Secret de signature (facultatif)", "Signing secret (optional)"),
                    value: "", kind: "text",
                    hint: Some(l.t("De 16 à 200 caractères. Laissez vide : un secret sûr est créé et affiché une fois.",
                                   "16 to 200 characters. Leave it empty: a strong secret is made and shown once.")),
                    required: false, autocomplete: "off", max: MAX_SECRET }.render(l, error))
                button type="submit" class="button button-primary" { (l.t("Ajouter le webhook", "Add the webhook")) }
            }
        }
    }
}

pub(super) fn deliveries_table(
    l: Lang,
    tz: Tz,
    deliveries: &[Delivery],
    hooks: &[Webhook],
) -> Markup {
    html! {
        @if deliveries.is_empty() {
            p class="muted" { (l.t("Aucune livraison en échec ni en attente.", "No delivery failed or waiting.")) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="deliveries-title" tabindex="0" {
                table class="admin-table deliveries-table" {
                    thead {
                        tr {
                            th scope="col" { (l.t("Livraison", "Delivery")) }
                            th scope="col" { (l.t("État", "State")) }
                            th scope="col" { (l.t("Webhook", "Webhook")) }
                            th scope="col" { (l.t("Depuis", "Since")) }
                            th scope="col" { (l.t("Essais", "Tries")) }
                            th scope="col" { (l.t("Dernière erreur", "Last error")) }
                            th scope="col" { span class="visually-hidden" { (l.t("Actions", "Actions")) } }
                        }
                    }
                    tbody {
                        @for d in deliveries {
                            @let hook = hooks.iter().find(|h| h.id == d.hook);
                            tr class=[d.failed.then_some("is-failed")] {
                                th scope="row" {
                                    span class="account-name" {
                                        @match d.event.parse::<Action>() {
                                            Ok(a) => (event_text(l, a)),
                                            Err(_) => (d.event),
                                        }
                                    }
                                    code class="account-user" { (d.id) }
                                }
                                td class="state" {
                                    @if d.failed {
                                        span class="badge badge-closed" { (l.t("Échec", "Failed")) }
                                    } @else {
                                        span class="badge badge-pending" { (l.t("En attente", "Waiting")) }
                                    }
                                }
                                td class="hook" {
                                    @match hook {
                                        Some(h) => span class="hook-url" { (h.url) },
                                        None => span class="muted" { (l.t("webhook retiré", "webhook removed")) },
                                    }
                                }
                                td class="when" { (local_time(d.created_at, tz)) }
                                td class="tries" data-label=(l.t("Essais :", "Tries:")) { (d.attempts) }
                                td class="error" {
                                    @match &d.last_error {
                                        Some(e) => code { (e) },
                                        None => span class="muted" { "—" },
                                    }
                                }
                                td class="row-action" {
                                    @if d.failed {
                                        form method="post" action=(PATH) {
                                            input type="hidden" name="action" value="resend";
                                            input type="hidden" name="id" value=(d.id);
                                            button type="submit" class="button button-small"
                                                aria-label=(match l { Lang::Fr => format!("Renvoyer la livraison {}", d.id), Lang::En => format!("Send the delivery {} again", d.id) }) {
                                                (l.t("Renvoyer", "Send again"))
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
}
