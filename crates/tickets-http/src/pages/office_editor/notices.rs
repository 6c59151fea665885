//! What the page says around the form: the summary of the errors at the top (each a link
//! to its input, in words: "Service « Colis » — Lettre") and the warning about waiting
//! tickets with the box that confirms it.

use maud::{Markup, html};

use super::view::{Screen, id_of};
use crate::lang::Lang;
use crate::office_change::{Impact, ImpactKind};

/// The list of errors at the top, each a link to its input; it takes the focus.
pub(super) fn summary(s: &Screen<'_>) -> Markup {
    let l = s.l;
    let n = s.errors.len();
    html! {
        div class="error-summary" id="errors" tabindex="-1" autofocus role="alert" aria-labelledby="errors-title" {
            h2 id="errors-title" {
                @if n == 1 {
                    (l.t("Une erreur à corriger : rien n'est enregistré.", "One error to fix: nothing was saved."))
                } @else {
                    (match l { Lang::Fr => format!("{n} erreurs à corriger : rien n'est enregistré."), Lang::En => format!("{n} errors to fix: nothing was saved.") })
                }
            }
            ul {
                @for e in s.errors {
                    li { a href=(format!("#{}", id_of(&e.key))) { strong { (describe(s, &e.key)) } " : " (e.message(l)) } }
                }
            }
        }
    }
}

/// Where an input is, in words: "Service « Colis » — Lettre".
fn describe(s: &Screen<'_>, key: &str) -> String {
    let l = s.l;
    let mut parts = key.split('.');
    let (list, row, field) = (parts.next(), parts.next(), parts.next());
    let row: Option<usize> = row.and_then(|r| r.parse().ok());
    let d = s.draft;
    let (what, name) = match (list, row) {
        (Some("services"), Some(i)) => (
            l.t("Service", "Service"),
            d.services
                .get(i)
                .map(|r| s.named(&r.name_fr, &r.name_en).to_owned()),
        ),
        (Some("priorities"), Some(i)) => (
            l.t("Priorité", "Priority"),
            d.priorities
                .get(i)
                .map(|r| s.named(&r.name_fr, &r.name_en).to_owned()),
        ),
        (Some("desks"), Some(i)) => (
            l.t("Guichet", "Desk"),
            d.desks
                .get(i)
                .map(|r| s.named(&r.name_fr, &r.name_en).to_owned()),
        ),
        (Some("services"), None) => return l.t("Services", "Services").to_owned(),
        (Some("priorities"), None) => return l.t("Priorités", "Priorities").to_owned(),
        (Some("desks"), None) => return l.t("Guichets", "Desks").to_owned(),
        _ => (l.t("Réglages", "Settings"), None),
    };
    let field = match field.or(row.is_none().then_some(key.split('.').nth(1)).flatten()) {
        Some("code") => l.t("Code", "Code"),
        Some("prefix") => l.t("Lettre", "Letter"),
        Some("name_fr") => l.t("Nom en français", "French name"),
        Some("name_en") => l.t("Nom en anglais", "English name"),
        Some("target_wait") => l.t("Attente visée", "Target wait"),
        Some("max_wait") => l.t("Attente maximale", "Maximum wait"),
        Some("daily_limit") => l.t("Tickets par jour", "Tickets a day"),
        Some("weight") => l.t("Poids", "Weight"),
        Some("id") => l.t("Identifiant", "Id"),
        Some("ratio") => l.t("Ratio de priorité", "Priority ratio"),
        Some("services") => l.t("Services servis", "Services served"),
        Some("remove") => l.t("Supprimer", "Remove"),
        Some("name") => l.t("Nom du bureau", "Office name"),
        Some("welcome_fr") => l.t("Accueil en français", "French welcome"),
        Some("welcome_en") => l.t("Accueil en anglais", "English welcome"),
        Some("languages") => l.t("Langues", "Languages"),
        _ => "",
    };
    match name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{what} « {n} » — {field}"),
        None => match row {
            Some(i) => format!("{what} {} — {field}", i + 1),
            None => format!("{what} — {field}"),
        },
    }
}

/// One affected service in words.
fn impact_words(l: Lang, i: &Impact) -> String {
    let name = i.name.get(l.code());
    let n = i.waiting;
    let tickets = match (l, n) {
        (Lang::Fr, 1) => "1 ticket en attente".to_owned(),
        (Lang::Fr, n) => format!("{n} tickets en attente"),
        (Lang::En, 1) => "1 ticket waiting".to_owned(),
        (Lang::En, n) => format!("{n} tickets waiting"),
    };
    let what = match (&i.kind, l) {
        (ImpactKind::Closed, Lang::Fr) => {
            "fermé : plus aucun nouveau ticket ; ceux qui attendent restent appelables.".to_owned()
        }
        (ImpactKind::Closed, Lang::En) => {
            "closed: no new tickets; those waiting stay callable.".to_owned()
        }
        (ImpactKind::Relettered { from, to }, Lang::Fr) => format!(
            "lettre changée de « {} » en « {} » : les tickets déjà pris gardent leur étiquette, les nouveaux auront la nouvelle lettre.",
            if from.is_empty() { "aucune" } else { from },
            if to.is_empty() { "aucune" } else { to }
        ),
        (ImpactKind::Relettered { from, to }, Lang::En) => format!(
            "letter changed from \"{}\" to \"{}\": tickets already taken keep their label, new ones get the new letter.",
            if from.is_empty() { "none" } else { from },
            if to.is_empty() { "none" } else { to }
        ),
        (ImpactKind::Unserved, Lang::Fr) => {
            "plus aucun guichet ne le sert : ses tickets ne pourront plus être appelés.".to_owned()
        }
        (ImpactKind::Unserved, Lang::En) => {
            "no desk serves it any more: its tickets can no longer be called.".to_owned()
        }
        (ImpactKind::Removed, Lang::Fr) => "supprimé.".to_owned(),
        (ImpactKind::Removed, Lang::En) => "removed.".to_owned(),
    };
    format!("{name} ({tickets}) — {what}")
}

/// The warning about services with waiting tickets, and the box that confirms it.
pub(super) fn warning(s: &Screen<'_>) -> Markup {
    let l = s.l;
    html! {
        section class="impacts" id="impacts" tabindex="-1" autofocus[s.ask_confirm && s.errors.is_empty()]
            role=[s.ask_confirm.then_some("alert")] aria-labelledby="impacts-title" {
            h2 id="impacts-title" {
                (l.t("Attention : ce changement touche des tickets en attente", "Warning: this change affects waiting tickets"))
            }
            ul {
                @for i in s.impacts {
                    li { (impact_words(l, i)) }
                }
            }
            @if s.ask_confirm {
                p { strong { (l.t("Rien n'est enregistré.", "Nothing was saved.")) } " "
                    (l.t("Cochez la case ci-dessous puis enregistrez de nouveau pour appliquer ce changement.",
                         "Tick the box below and save again to apply this change.")) }
            }
            div class="check check-confirm" {
                input type="checkbox" id="confirm" name="confirm" value=(s.fingerprint)
                    checked[!s.ask_confirm && s.draft.confirm == s.fingerprint];
                label for="confirm" { (l.t("J'ai compris : enregistrer quand même", "I understand: save anyway")) }
            }
        }
    }
}
