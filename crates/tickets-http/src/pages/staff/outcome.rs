//! The outcome of the last console action, in words: the console's actions come back with
//! `?done=<outcome>&n=…`, and the page says what happened once.

use crate::lang::Lang;

/// The outcome of the last action in words: `(ok, text)`. `{n}` is the ticket's label
/// (or the count a reset removed, `""` when unknown), `{to}` the service a ticket went to.
pub(super) fn outcome(l: Lang, done: &str, n: &str, to: &str) -> Option<(bool, String)> {
    let fill = |s: &str| s.replace("{n}", n).replace("{to}", to);
    let ok = |fr: &str, en: &str| Some((true, fill(l.t(fr, en))));
    let warn = |fr: &str, en: &str| Some((false, fill(l.t(fr, en))));
    match done {
        "called" => ok("Ticket {n} appelé.", "Ticket {n} called."),
        "forbidden" => warn(
            "Votre compte ne permet pas cette action : demandez à un responsable.",
            "Your account does not allow this action: ask a manager.",
        ),
        "none_waiting" => warn("Aucun ticket en attente.", "No ticket waiting."),
        "finished" => ok("Ticket {n} terminé.", "Ticket {n} finished."),
        "none_current" => warn(
            "Aucun ticket en cours à ce guichet.",
            "No current ticket at this desk.",
        ),
        "recalled" => ok("Ticket {n} rappelé.", "Ticket {n} called again."),
        "no_show" => ok("Ticket {n} marqué absent.", "Ticket {n} marked as no-show."),
        "transferred" => ok(
            "Ticket {n} transféré vers « {to} ».",
            "Ticket {n} transferred to {to}.",
        ),
        "requeued" => ok(
            "Ticket {n} remis dans la file.",
            "Ticket {n} is back in the queue.",
        ),
        "not_waiting" => warn(
            "Le ticket {n} n'est plus en attente ; rien n'a été fait.",
            "Ticket {n} is no longer waiting; nothing was done.",
        ),
        "not_no_show" => warn(
            "Le ticket {n} n'est pas marqué absent ; rien n'a été fait.",
            "Ticket {n} is not marked as no-show; nothing was done.",
        ),
        "no_ticket" => warn(
            "Ce ticket n'existe pas aujourd'hui ; rien n'a été fait.",
            "This ticket does not exist today; nothing was done.",
        ),
        "bad_ticket" => warn(
            "Choisissez un ticket dans la liste.",
            "Choose a ticket from the list.",
        ),
        "unknown_service" => warn(
            "Choisissez un service de la liste ; rien n'a été fait.",
            "Choose a service from the list; nothing was done.",
        ),
        "unknown_desk" => warn(
            "Ce guichet n'est pas dans la configuration du bureau ; rien n'a été fait.",
            "This desk is not in the office's configuration; nothing was done.",
        ),
        "opened" => ok(
            "Journée ouverte : les clients peuvent prendre un ticket.",
            "Day opened: customers can take tickets.",
        ),
        "already_open" => warn(
            "La journée était déjà ouverte.",
            "The day was already open.",
        ),
        "closed" => ok(
            "Journée fermée : plus de nouveaux tickets ; la file reste appelable.",
            "Day closed: no new tickets; the queue can still be called.",
        ),
        "already_closed" => warn(
            "La journée était déjà fermée.",
            "The day was already closed.",
        ),
        "reset" if n.is_empty() => ok("Journée remise à zéro.", "Day reset."),
        "reset" => ok(
            "Journée remise à zéro : {n} ticket(s) effacé(s).",
            "Day reset: {n} ticket(s) removed.",
        ),
        "reset_unconfirmed" => warn(
            "Cochez la confirmation pour remettre la journée à zéro.",
            "Tick the confirmation to reset the day.",
        ),
        "bad_desk" => warn(
            "Guichet invalide : 1 à 16 caractères parmi lettres, chiffres, « - » et « _ ».",
            "Invalid desk: 1 to 16 characters among letters, digits, '-' and '_'.",
        ),
        "unavailable" => warn(
            "Le stockage ne répond pas ; rien n'a été fait. Réessayez.",
            "The store does not answer; nothing was done. Try again.",
        ),
        "unknown" => warn("Action inconnue.", "Unknown action."),
        _ => None,
    }
}

/// Outcomes whose `n` is a ticket (shown by its label).
pub(super) const TICKET_OUTCOMES: [&str; 8] = [
    "called",
    "finished",
    "recalled",
    "no_show",
    "transferred",
    "requeued",
    "not_waiting",
    "not_no_show",
];
