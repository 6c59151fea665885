//! The editor's markup: the error summary, the form (a fieldset per list, a card per row,
//! an empty row to add one, "remove" on each), the warning about waiting tickets with its
//! confirmation, and the kiosk preview beside it.

use std::collections::HashMap;

use maud::{Markup, html};
use tickets_core::{OfficeConfig, Service};

use super::PATH;
use super::form::{DeskRow, Draft, FieldError, LANGUAGE_CHOICES, PriorityRow, ServiceRow};
use super::{notices, preview};
use crate::lang::Lang;
use crate::office_change::Impact;

/// Everything the page shows.
#[derive(Clone)]
pub(super) struct Screen<'a> {
    pub(super) l: Lang,
    /// The form, as built from the office or as typed.
    pub(super) draft: &'a Draft,
    /// Whether the caller may change the settings.
    pub(super) admin: bool,
    /// The configuration in force (its settings are shown read-only to managers).
    pub(super) stored: &'a OfficeConfig,
    /// Today's waiting tickets per service.
    pub(super) waiting: &'a HashMap<Service, u64>,
    pub(super) errors: &'a [FieldError],
    /// A sentence at the top: (`true` for good news, text).
    pub(super) notice: Option<(bool, String)>,
    /// What the change does to services with waiting tickets (none blocking).
    pub(super) impacts: &'a [Impact],
    /// The fingerprint a confirmation of `impacts` must carry.
    pub(super) fingerprint: &'a str,
    /// Whether saving waits for that confirmation (focus goes to the warning).
    pub(super) ask_confirm: bool,
    /// The office the kiosk preview shows (`None`: the form has errors).
    pub(super) preview: Option<&'a OfficeConfig>,
    /// Whether the preview shows the edited office (else the one in force).
    pub(super) edited: bool,
    /// Whether the focus goes to the preview (after "Aperçu").
    pub(super) focus_preview: bool,
}

/// What an input holds, for its width.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A code, a letter, an id.
    Text,
    /// A name (wider on phones).
    Name,
    /// A whole number.
    Number,
}

/// The `id` of an input named `key`.
pub(super) fn id_of(key: &str) -> String {
    key.replace('.', "-")
}

impl Screen<'_> {
    fn error(&self, key: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.key == key)
    }

    fn error_line(&self, key: &str) -> Markup {
        html! {
            @if let Some(e) = self.error(key) {
                p class="field-error" id=(format!("{}-error", id_of(key))) { (e.message(self.l)) }
            }
        }
    }

    /// A labelled text input.
    fn input(&self, key: &str, label: &str, value: &str, max: usize, kind: Kind) -> Markup {
        let id = id_of(key);
        let bad = self.error(key).is_some();
        let class = match kind {
            Kind::Text => "field",
            Kind::Name => "field field-name",
            Kind::Number => "field field-short",
        };
        html! {
            div class=(class) {
                label for=(id) { (label) }
                input type="text" id=(id) name=(key) value=(value) maxlength=(max)
                    autocomplete="off" spellcheck="false"
                    inputmode=[(kind == Kind::Number).then_some("numeric")]
                    aria-invalid=[bad.then_some("true")]
                    aria-describedby=[bad.then(|| format!("{id}-error"))];
                (self.error_line(key))
            }
        }
    }

    /// A checkbox with its label after it.
    fn check(&self, key: &str, label: &str, checked: bool, class: &str) -> Markup {
        let id = id_of(key);
        let bad = self.error(key).is_some();
        html! {
            div class=(format!("check-box {class}")) {
                div class="check" {
                    input type="checkbox" id=(id) name=(key) checked[checked]
                        aria-invalid=[bad.then_some("true")]
                        aria-describedby=[bad.then(|| format!("{id}-error"))];
                    label for=(id) { (label) }
                }
                (self.error_line(key))
            }
        }
    }

    /// A row's name in the page's language as typed (the French one when that is empty).
    pub(super) fn named<'n>(&self, fr: &'n str, en: &'n str) -> &'n str {
        let typed = self.l.t(fr, en).trim();
        if typed.is_empty() { fr.trim() } else { typed }
    }
}

/// The page's main content.
pub(super) fn render(s: &Screen<'_>) -> Markup {
    let l = s.l;
    html! {
        div class="editor-head" {
            h1 { (l.t("Configuration du bureau", "Office configuration")) }
            p class="lead-text" {
                (l.t("Services, classes de priorité, guichets et réglages du bureau. Un enregistrement s'applique à tous les serveurs en une seconde.",
                     "Services, priority classes, desks and the office's settings. A save applies to every server within a second."))
                " "
                span class="version" { (l.t("Version en vigueur : ", "Version in force: ")) strong { (s.stored.version) } }
            }
        }
        @if let Some((ok, text)) = &s.notice {
            p class=(if *ok { "notice notice-ok" } else { "notice notice-warn" })
                role=(if *ok { "status" } else { "alert" })
                tabindex=[(!*ok).then_some("-1")] autofocus[!*ok && s.errors.is_empty()] { (text) }
        }
        @if !s.errors.is_empty() {
            (notices::summary(s))
        }
        div class="editor-layout" {
            form method="post" action=(PATH) class="editor" novalidate aria-label=(l.t("Configuration du bureau", "Office configuration")) {
                input type="hidden" name="version" value=(s.draft.version);
                (services(s))
                (priorities(s))
                (desks(s))
                (settings(s))
                @if !s.impacts.is_empty() {
                    (notices::warning(s))
                }
                div class="form-actions" {
                    button type="submit" name="op" value="preview" class="button button-secondary" {
                        (l.t("Aperçu", "Preview"))
                    }
                    button type="submit" name="op" value="save" class="button button-primary" {
                        (l.t("Enregistrer", "Save"))
                    }
                    p class="hint" {
                        (l.t("« Aperçu » montre la borne avec vos changements, sans rien enregistrer.",
                             "\"Preview\" shows the kiosk with your changes, saving nothing."))
                    }
                }
            }
            (preview::panel(l, s.preview, s.waiting, s.edited, s.focus_preview, s.stored.version))
        }
    }
}

fn waiting_badge(l: Lang, n: u64) -> Markup {
    html! {
        @if n > 0 {
            " "
            span class="badge badge-waiting" {
                (match (l, n) {
                    (Lang::Fr, 1) => "1 ticket en attente".to_owned(),
                    (Lang::Fr, n) => format!("{n} tickets en attente"),
                    (Lang::En, 1) => "1 ticket waiting".to_owned(),
                    (Lang::En, n) => format!("{n} tickets waiting"),
                })
            }
        }
    }
}

fn services(s: &Screen<'_>) -> Markup {
    let l = s.l;
    html! {
        fieldset class="card editor-section" id="services" aria-describedby="services-intro" {
            legend { h2 { (l.t("Services", "Services")) } }
            p class="hint" id="services-intro" {
                (l.t("Dans l'ordre de la borne. La lettre précède le numéro (B007) ; les attentes sont en minutes et les champs numériques peuvent rester vides. Un service fermé ne donne plus de tickets, ceux qui attendent restent appelables.",
                     "In the kiosk's order. The letter goes before the number (B007); waits are in minutes and number fields may stay empty. A closed service gives no more tickets; those waiting stay callable."))
            }
            (s.error_line("services"))
            @for (i, r) in s.draft.services.iter().enumerate() {
                (service_row(s, i, r))
            }
        }
    }
}

fn service_row(s: &Screen<'_>, i: usize, r: &ServiceRow) -> Markup {
    let l = s.l;
    let key = |f: &str| format!("services.{i}.{f}");
    let new = r.was.is_empty();
    let waiting = Service::parse(r.was.as_str())
        .ok()
        .and_then(|c| s.waiting.get(&c).copied())
        .unwrap_or(0);
    let name = s.named(&r.name_fr, &r.name_en);
    html! {
        fieldset class=(if new { "row-card row-new" } else { "row-card" }) id=(format!("services-{i}")) {
            legend {
                @if new {
                    span class="row-title" { (l.t("Nouveau service", "New service")) }
                    " " span class="hint" { (l.t("(remplissez pour l'ajouter)", "(fill in to add it)")) }
                } @else {
                    span class="row-title" {
                        @if !r.prefix.trim().is_empty() { span class="service-prefix small" aria-hidden="true" { (r.prefix.trim()) } " " }
                        (if name.is_empty() { r.code.as_str() } else { name })
                    }
                    (waiting_badge(l, waiting))
                }
            }
            @if !new { input type="hidden" name=(key("was")) value=(r.was); }
            div class="row-grid" {
                (s.input(&key("code"), l.t("Code", "Code"), &r.code, 32, Kind::Text))
                (s.input(&key("prefix"), l.t("Lettre", "Letter"), &r.prefix, 3, Kind::Text))
                (s.input(&key("name_fr"), l.t("Nom en français", "French name"), &r.name_fr, 64, Kind::Name))
                (s.input(&key("name_en"), l.t("Nom en anglais", "English name"), &r.name_en, 64, Kind::Name))
                (s.input(&key("target_wait"), l.t("Attente visée (min)", "Target wait (min)"), &r.target_wait, 4, Kind::Number))
                (s.input(&key("max_wait"), l.t("Attente max. (min)", "Max. wait (min)"), &r.max_wait, 4, Kind::Number))
                (s.input(&key("daily_limit"), l.t("Tickets par jour", "Tickets a day"), &r.daily_limit, 6, Kind::Number))
            }
            div class="row-foot" {
                div class="row-checks" {
                    (s.check(&key("open"), l.t("Ouvert aux nouveaux tickets", "Open to new tickets"), r.open, ""))
                    (s.check(&key("priority"), l.t("Priorité proposée", "Priority offered"), r.priority, ""))
                }
                @if !new {
                    (s.check(&key("remove"), l.t("Supprimer ce service", "Remove this service"), r.remove, "check-remove"))
                }
            }
        }
    }
}

fn priorities(s: &Screen<'_>) -> Markup {
    let l = s.l;
    html! {
        fieldset class="card editor-section" id="priorities" aria-describedby="priorities-intro" {
            legend { h2 { (l.t("Classes de priorité", "Priority classes")) } }
            p class="hint" id="priorities-intro" {
                (l.t("Appelées avant les autres (mobilité réduite, grossesse…) ; le poids le plus fort passe en premier. La borne les propose pour les services où « Priorité proposée » est coché.",
                     "Called before the others (reduced mobility, pregnancy…); the highest weight goes first. The kiosk offers them for the services where \"Priority offered\" is ticked."))
            }
            (s.error_line("priorities"))
            @for (i, r) in s.draft.priorities.iter().enumerate() {
                (priority_row(s, i, r))
            }
        }
    }
}

fn priority_row(s: &Screen<'_>, i: usize, r: &PriorityRow) -> Markup {
    let l = s.l;
    let key = |f: &str| format!("priorities.{i}.{f}");
    let new = r.code.is_empty() && r.name_fr.is_empty() && r.name_en.is_empty();
    let name = s.named(&r.name_fr, &r.name_en);
    html! {
        fieldset class=(if new { "row-card row-new" } else { "row-card" }) id=(format!("priorities-{i}")) {
            legend {
                @if new {
                    span class="row-title" { (l.t("Nouvelle classe", "New class")) }
                    " " span class="hint" { (l.t("(remplissez pour l'ajouter)", "(fill in to add it)")) }
                } @else {
                    span class="row-title" { (if name.is_empty() { r.code.as_str() } else { name }) }
                }
            }
            div class="row-grid row-grid-names" {
                (s.input(&key("code"), l.t("Code", "Code"), &r.code, 32, Kind::Text))
                (s.input(&key("name_fr"), l.t("Nom en français", "French name"), &r.name_fr, 64, Kind::Name))
                (s.input(&key("name_en"), l.t("Nom en anglais", "English name"), &r.name_en, 64, Kind::Name))
                (s.input(&key("weight"), l.t("Poids", "Weight"), &r.weight, 4, Kind::Number))
            }
            @if !new {
                div class="row-foot" {
                    (s.check(&key("remove"), l.t("Supprimer cette classe", "Remove this class"), r.remove, "check-remove"))
                }
            }
        }
    }
}

fn desks(s: &Screen<'_>) -> Markup {
    let l = s.l;
    html! {
        fieldset class="card editor-section" id="desks" aria-describedby="desks-intro" {
            legend { h2 { (l.t("Guichets", "Desks")) } }
            p class="hint" id="desks-intro" {
                (l.t("Chaque guichet appelle les services cochés, dans l'ordre de la liste. Après « ratio » appels prioritaires de suite, un ticket normal passe. Sans aucun guichet, tout guichet sert tous les services.",
                     "Each desk calls the services ticked, in the list's order. After \"ratio\" priority calls in a row, a normal ticket goes. With no desk at all, any desk serves every service."))
            }
            (s.error_line("desks"))
            @for (i, r) in s.draft.desks.iter().enumerate() {
                (desk_row(s, i, r))
            }
        }
    }
}

fn desk_row(s: &Screen<'_>, i: usize, r: &DeskRow) -> Markup {
    let l = s.l;
    let key = |f: &str| format!("desks.{i}.{f}");
    let new = r.id.is_empty() && r.name_fr.is_empty() && r.name_en.is_empty();
    let name = s.named(&r.name_fr, &r.name_en);
    // The desk's services in its order, then the others in the office's order.
    let rows = &s.draft.services;
    let offered: Vec<usize> = r
        .services
        .iter()
        .copied()
        .chain((0..rows.len()).filter(|j| !r.services.contains(j)))
        .filter(|&j| rows.get(j).is_some_and(|row| !row.code.trim().is_empty()))
        .collect();
    let services_key = key("services");
    let bad = s.error(&services_key).is_some();
    html! {
        fieldset class=(if new { "row-card row-new" } else { "row-card" }) id=(format!("desks-{i}")) {
            legend {
                @if new {
                    span class="row-title" { (l.t("Nouveau guichet", "New desk")) }
                    " " span class="hint" { (l.t("(remplissez pour l'ajouter)", "(fill in to add it)")) }
                } @else {
                    span class="row-title" { (if name.is_empty() { r.id.as_str() } else { name }) }
                }
            }
            div class="row-grid row-grid-names" {
                (s.input(&key("id"), l.t("Identifiant", "Id"), &r.id, 16, Kind::Text))
                (s.input(&key("name_fr"), l.t("Nom en français", "French name"), &r.name_fr, 64, Kind::Name))
                (s.input(&key("name_en"), l.t("Nom en anglais", "English name"), &r.name_en, 64, Kind::Name))
                (s.input(&key("ratio"), l.t("Ratio de priorité", "Priority ratio"), &r.ratio, 4, Kind::Number))
            }
            fieldset class=(if bad { "served is-invalid" } else { "served" }) id=(id_of(&services_key)) tabindex="-1"
                aria-describedby=[bad.then(|| format!("{}-error", id_of(&services_key)))] {
                legend { (l.t("Services servis, par ordre de préférence", "Services served, by preference")) }
                @if offered.is_empty() {
                    p class="hint" { (l.t("Ajoutez d'abord un service.", "Add a service first.")) }
                }
                div class="served-list" {
                    @for j in offered {
                        @let row = &rows[j];
                        @let id = format!("desks-{i}-services-{j}");
                        div class="check" {
                            input type="checkbox" id=(id) name=(services_key) value=(j) checked[r.services.contains(&j)];
                            label for=(id) {
                                @let n = s.named(&row.name_fr, &row.name_en);
                                (if n.is_empty() { row.code.trim() } else { n })
                                @if !row.prefix.trim().is_empty() { " (" (row.prefix.trim()) ")" }
                            }
                        }
                    }
                }
                (s.error_line(&services_key))
            }
            @if !new {
                div class="row-foot" {
                    (s.check(&key("remove"), l.t("Supprimer ce guichet", "Remove this desk"), r.remove, "check-remove"))
                }
            }
        }
    }
}

/// The languages offered, in words.
fn languages_words(l: Lang, choice: &str) -> &'static str {
    match choice {
        "en,fr" => l.t(
            "Anglais et français (anglais par défaut)",
            "English and French (English by default)",
        ),
        "fr" => l.t("Français seulement", "French only"),
        "en" => l.t("Anglais seulement", "English only"),
        _ => l.t(
            "Français et anglais (français par défaut)",
            "French and English (French by default)",
        ),
    }
}

fn settings(s: &Screen<'_>) -> Markup {
    let l = s.l;
    let t = &s.draft.settings;
    let lang_key = "settings.languages";
    let lang_bad = s.error(lang_key).is_some();
    html! {
        fieldset class="card editor-section" id="settings" aria-describedby="settings-intro" {
            legend { h2 { (l.t("Réglages du bureau", "Office settings")) } }
            @if s.admin {
                p class="hint" id="settings-intro" {
                    (l.t("Le nom s'affiche en haut des pages, sur les tickets et l'écran d'appel ; le texte d'accueil remplace « Bienvenue » sur la borne. Laissez vide pour ne rien afficher.",
                         "The name shows at the top of the pages, on tickets and on the display board; the welcome text replaces \"Bienvenue\" on the kiosk. Leave empty to show none."))
                }
                div class="settings-grid" {
                    (s.input("settings.name", l.t("Nom du bureau", "Office name"), &t.name, 80, Kind::Text))
                    (s.input("settings.welcome_fr", l.t("Texte d'accueil en français", "Welcome text in French"), &t.welcome_fr, 200, Kind::Text))
                    (s.input("settings.welcome_en", l.t("Texte d'accueil en anglais", "Welcome text in English"), &t.welcome_en, 200, Kind::Text))
                    fieldset class=(if lang_bad { "choices is-invalid" } else { "choices" }) id=(id_of(lang_key)) tabindex="-1"
                        aria-describedby=[lang_bad.then(|| format!("{}-error", id_of(lang_key)))] {
                        legend { (l.t("Langues proposées", "Languages offered")) }
                        @for (k, choice) in LANGUAGE_CHOICES.iter().enumerate() {
                            @let id = format!("settings-languages-{k}");
                            div class="check" {
                                input type="radio" id=(id) name=(lang_key) value=(choice)
                                    checked[t.languages == *choice || (k == 0 && !LANGUAGE_CHOICES.contains(&t.languages.as_str()))];
                                label for=(id) { (languages_words(l, choice)) }
                            }
                        }
                        (s.error_line(lang_key))
                    }
                    (s.check("settings.phone_take", l.t("Prise de ticket au téléphone : la borne montre un code QR de sa page, et /api/tickets/door une affiche à imprimer pour la porte (les limites par adresse s'appliquent)", "Taking a ticket by phone: the kiosk shows a QR code of its page, and /api/tickets/door a poster to print for the door (the per-address limits apply)"), t.phone_take, ""))
                }
            } @else {
                p class="hint" id="settings-intro" {
                    (l.t("Seul un administrateur peut changer ces réglages ; ils restent tels quels quand vous enregistrez.",
                         "Only an administrator can change these settings; they stay as they are when you save."))
                }
                @let stored = &s.stored.settings;
                dl class="settings-read" {
                    dt { (l.t("Nom du bureau", "Office name")) }
                    dd { (stored.name.as_deref().unwrap_or("—")) }
                    dt { (l.t("Texte d'accueil en français", "Welcome text in French")) }
                    dd { (stored.welcome.as_ref().map_or("—", |w| w.fr.as_str())) }
                    dt { (l.t("Texte d'accueil en anglais", "Welcome text in English")) }
                    dd { (stored.welcome.as_ref().map_or("—", |w| w.en.as_str())) }
                    dt { (l.t("Langues proposées", "Languages offered")) }
                    dd { (languages_words(l, &super::form::SettingsDraft::of(stored).languages)) }
                    dt { (l.t("Prise de ticket au téléphone", "Taking a ticket by phone")) }
                    dd { (if stored.phone_take { l.t("oui", "yes") } else { l.t("non", "no") }) }
                }
            }
        }
    }
}
