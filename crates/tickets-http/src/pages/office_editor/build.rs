//! The form's draft turned into an [`OfficeConfig`] ([`Draft::build`]): blank and removed
//! rows left out, the typing mistakes found by reading it (a name missing, a number that is
//! not one) all reported at once, and the form row behind each entry kept, so that an error
//! of the core's validation (`service[1].prefix`) lands next to the input it is about, in
//! words of the page's language ([`Built::locate`]).

use tickets_core::{
    DeskConfig, DeskId, Names, OfficeConfig, OfficeSettings, PriorityClass, PriorityCode, Service,
    ServiceConfig, ValidationError,
};

use super::form::{Draft, FieldError};

impl Draft {
    /// The office the form describes, with `settings` in place of the typed ones when
    /// given (a manager may not change them); or every error the form's own reading found
    /// (a required name, a number that is not one).
    pub(super) fn build(
        &self,
        settings: Option<&OfficeSettings>,
    ) -> Result<Built, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut built = Built {
            office: OfficeConfig {
                version: self.version,
                services: Vec::new(),
                priorities: Vec::new(),
                desks: Vec::new(),
                settings: OfficeSettings::default(),
            },
            service_rows: Vec::new(),
            priority_rows: Vec::new(),
            desk_rows: Vec::new(),
        };
        for (i, r) in self.services.iter().enumerate() {
            if !r.kept() {
                continue;
            }
            let key = |f: &str| format!("services.{i}.{f}");
            let code = Service::parse(r.code.trim()).map_err(|_| code_error(key("code")));
            let name = names(&key("name_fr"), &r.name_fr, &key("name_en"), &r.name_en);
            let target = minutes(key("target_wait"), &r.target_wait);
            let max = minutes(key("max_wait"), &r.max_wait);
            let limit = number::<u64>(&r.daily_limit).map_err(|_| {
                FieldError::new(
                    key("daily_limit"),
                    "Un nombre entier de tickets (ex. 300), ou rien pour aucune limite.",
                    "A whole number of tickets (e.g. 300), or nothing for no limit.",
                )
            });
            match (code, name, target, max, limit) {
                (Ok(code), Ok(name), Ok(target), Ok(max), Ok(limit)) => {
                    built.office.services.push(ServiceConfig {
                        code,
                        prefix: r.prefix.trim().to_ascii_uppercase(),
                        name,
                        target_wait_minutes: target,
                        max_wait_minutes: max,
                        priority: r.priority,
                        daily_limit: limit,
                        open: r.open,
                    });
                    built.service_rows.push(i);
                }
                (code, name, target, max, limit) => {
                    errors.extend(code.err());
                    errors.extend(name.err().into_iter().flatten());
                    errors.extend(target.err());
                    errors.extend(max.err());
                    errors.extend(limit.err());
                }
            }
        }
        for (i, r) in self.priorities.iter().enumerate() {
            if !r.kept() {
                continue;
            }
            let key = |f: &str| format!("priorities.{i}.{f}");
            let code = PriorityCode::parse(r.code.trim()).map_err(|_| code_error(key("code")));
            let name = names(&key("name_fr"), &r.name_fr, &key("name_en"), &r.name_en);
            let weight = match number::<u32>(&r.weight) {
                Ok(Some(w)) => Ok(w),
                _ => Err(FieldError::new(
                    key("weight"),
                    "Un nombre entier de 1 à 1000 : la classe de poids le plus fort passe en premier.",
                    "A whole number from 1 to 1000: the class with the highest weight goes first.",
                )),
            };
            match (code, name, weight) {
                (Ok(code), Ok(name), Ok(weight)) => {
                    built
                        .office
                        .priorities
                        .push(PriorityClass { code, name, weight });
                    built.priority_rows.push(i);
                }
                (code, name, weight) => {
                    errors.extend(code.err());
                    errors.extend(name.err().into_iter().flatten());
                    errors.extend(weight.err());
                }
            }
        }
        for (i, r) in self.desks.iter().enumerate() {
            if !r.kept() {
                continue;
            }
            let key = |f: &str| format!("desks.{i}.{f}");
            let id = DeskId::parse(r.id.trim()).map_err(|_| {
                FieldError::new(
                    key("id"),
                    "Un identifiant de 1 à 16 caractères parmi lettres, chiffres, « - » et « _ » (ex. 3).",
                    "An id of 1 to 16 characters among letters, digits, '-' and '_' (e.g. 3).",
                )
            });
            let name = names(&key("name_fr"), &r.name_fr, &key("name_en"), &r.name_en);
            let ratio = number::<u32>(&r.ratio).map_err(|_| {
                FieldError::new(
                    key("ratio"),
                    "Un nombre entier (ex. 2), ou rien.",
                    "A whole number (e.g. 2), or nothing.",
                )
            });
            // Ticks on removed or blank services go with them.
            let services = r
                .services
                .iter()
                .filter_map(|&s| self.services.get(s).filter(|s| s.kept()))
                .filter_map(|s| Service::parse(s.code.trim()).ok())
                .collect();
            match (id, name, ratio) {
                (Ok(id), Ok(name), Ok(priority_ratio)) => {
                    built.office.desks.push(DeskConfig {
                        id,
                        name,
                        services,
                        priority_ratio,
                    });
                    built.desk_rows.push(i);
                }
                (id, name, ratio) => {
                    errors.extend(id.err());
                    errors.extend(name.err().into_iter().flatten());
                    errors.extend(ratio.err());
                }
            }
        }
        match settings {
            Some(s) => built.office.settings = s.clone(),
            None => match self.settings.build() {
                Ok(s) => built.office.settings = s,
                Err(e) => errors.push(e),
            },
        }
        if errors.is_empty() {
            Ok(built)
        } else {
            Err(errors)
        }
    }
}

fn code_error(key: String) -> FieldError {
    FieldError::new(
        key,
        "Un code de 1 à 32 caractères parmi minuscules, chiffres, « - » et « _ » (ex. colis).",
        "A code of 1 to 32 characters among lower-case letters, digits, '-' and '_' (e.g. parcels).",
    )
}

/// Both names, each required.
fn names(key_fr: &str, fr: &str, key_en: &str, en: &str) -> Result<Names, Vec<FieldError>> {
    let missing = |key: &str| {
        FieldError::new(
            key.to_owned(),
            "Un nom est nécessaire dans chaque langue.",
            "A name is needed in each language.",
        )
    };
    let (fr, en) = (fr.trim(), en.trim());
    let errors: Vec<FieldError> = [(key_fr, fr), (key_en, en)]
        .into_iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(k, _)| missing(k))
        .collect();
    if errors.is_empty() {
        Ok(Names {
            fr: fr.to_owned(),
            en: en.to_owned(),
        })
    } else {
        Err(errors)
    }
}

/// An optional whole number: nothing typed is `None`.
fn number<T: std::str::FromStr>(s: &str) -> Result<Option<T>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| ())
}

fn minutes(key: String, s: &str) -> Result<Option<u32>, FieldError> {
    number(s).map_err(|_| {
        FieldError::new(
            key,
            "Un nombre entier de minutes (ex. 15), ou rien.",
            "A whole number of minutes (e.g. 15), or nothing.",
        )
    })
}

/// An office built from the form, and the form row of each of its entries.
#[derive(Debug, Clone)]
pub(super) struct Built {
    pub(super) office: OfficeConfig,
    pub(super) service_rows: Vec<usize>,
    pub(super) priority_rows: Vec<usize>,
    pub(super) desk_rows: Vec<usize>,
}

/// `service[1]` → (`service`, 1, rest after the dot).
fn indexed<'a>(path: &'a str, names: &[&'a str]) -> Option<(usize, &'a str)> {
    names.iter().find_map(|n| {
        let rest = path.strip_prefix(n)?.strip_prefix('[')?;
        let (i, rest) = rest.split_once(']')?;
        Some((i.parse().ok()?, rest.strip_prefix('.').unwrap_or(rest)))
    })
}

impl Built {
    /// The input an error of the core is about, with its message in both languages:
    /// `service[1].prefix` → `services.<row>.prefix`.
    pub(super) fn locate(&self, e: &ValidationError) -> FieldError {
        let path = e.field.as_ref();
        let row_key = |list: &str, rows: &[usize], i: usize, field: &str| {
            let field = match field {
                "name.fr" => "name_fr",
                "name.en" => "name_en",
                "target_wait_minutes" => "target_wait",
                "max_wait_minutes" => "max_wait",
                "priority_ratio" => "ratio",
                f if f.starts_with("services") => "services",
                f => f,
            };
            match rows.get(i) {
                Some(row) => format!("{list}.{row}.{field}"),
                None => list.to_owned(),
            }
        };
        let (key, field) = if let Some((i, f)) = indexed(path, &["services", "service"]) {
            (row_key("services", &self.service_rows, i, f), f)
        } else if let Some((i, f)) = indexed(path, &["priorities", "priority"]) {
            (row_key("priorities", &self.priority_rows, i, f), f)
        } else if let Some((i, f)) = indexed(path, &["desks", "desk"]) {
            (row_key("desks", &self.desk_rows, i, f), f)
        } else if let Some(f) = path.strip_prefix("settings.") {
            let key = match f {
                "welcome.fr" => "settings.welcome_fr",
                "welcome.en" => "settings.welcome_en",
                f if f.starts_with("languages") => "settings.languages",
                _ => "settings.name",
            };
            (key.to_owned(), path)
        } else {
            (path.to_owned(), path)
        };
        let (fr, en) = words(&key, field, &e.reason);
        FieldError::new(key, fr, en)
    }
}

/// The core's rule for `field` in words, French and English (the core's own sentence in
/// English when the rule is not one of these).
fn words(key: &str, field: &str, reason: &str) -> (String, String) {
    let twice = reason.starts_with("two ");
    let list = key.split('.').next().unwrap_or_default();
    let (fr, en) = match (list, field) {
        (_, "code") if twice => (
            "Ce code est déjà celui d'une autre ligne : chaque code est unique.",
            "Another row has this code already: each code is unique.",
        ),
        (_, "code") => (
            "Un code de 1 à 32 caractères parmi minuscules, chiffres, « - » et « _ » (ex. colis).",
            "A code of 1 to 32 characters among lower-case letters, digits, '-' and '_' (e.g. parcels).",
        ),
        (_, "prefix") if twice => (
            "Un autre service a déjà cette lettre : leurs tickets se ressembleraient (une seule lettre vide aussi).",
            "Another service has this letter already: their tickets would look alike (only one may have none).",
        ),
        (_, "prefix") => (
            "La lettre des tickets : 0 à 3 lettres majuscules de A à Z (ex. B pour B007).",
            "The tickets' letter: 0 to 3 capital letters from A to Z (e.g. B for B007).",
        ),
        (_, "name.fr" | "name.en") => (
            "Un nom de 1 à 64 caractères, sur une ligne.",
            "A name of 1 to 64 characters, on one line.",
        ),
        (_, "target_wait_minutes" | "max_wait_minutes") => (
            "Une attente de 1 à 1440 minutes, ou rien.",
            "A wait of 1 to 1440 minutes, or nothing.",
        ),
        (_, "daily_limit") => (
            "Une limite de 1 à 999 999 tickets par jour, ou rien.",
            "A limit of 1 to 999,999 tickets a day, or nothing.",
        ),
        (_, "weight") => (
            "Un poids de 1 à 1000 (sans priorité, c'est 0).",
            "A weight of 1 to 1000 (no priority is 0).",
        ),
        (_, "id") => (
            "Un autre guichet a déjà cet identifiant.",
            "Another desk has this id already.",
        ),
        ("desks", "services") => (
            "Cochez au moins un service pour ce guichet.",
            "Tick at least one service for this desk.",
        ),
        ("desks", f) if f.starts_with("services[") => (
            "Un service coché n'existe pas ou est coché deux fois.",
            "A ticked service does not exist or is ticked twice.",
        ),
        (_, "priority_ratio") => (
            "Un nombre de 1 à 1000, ou rien.",
            "A number from 1 to 1000, or nothing.",
        ),
        (_, "settings.name") => (
            "Le nom du bureau : 1 à 80 caractères sur une ligne, ou rien.",
            "The office's name: 1 to 80 characters on one line, or nothing.",
        ),
        (_, "settings.welcome.fr" | "settings.welcome.en") => (
            "Le texte d'accueil : 1 à 200 caractères sur une ligne, dans chaque langue (ou rien dans les deux).",
            "The welcome text: 1 to 200 characters on one line, in each language (or nothing in both).",
        ),
        (_, f) if f.starts_with("settings.languages") => {
            ("Chaque langue une seule fois.", "Each language once.")
        }
        ("services", _) if reason.contains("at least") => (
            "Un bureau a au moins un service.",
            "An office has at least one service.",
        ),
        (_, _) if reason.starts_with("at most") => (
            "64 lignes au plus dans cette liste.",
            "At most 64 rows in this list.",
        ),
        _ => return (reason.to_owned(), reason.to_owned()),
    };
    (fr.to_owned(), en.to_owned())
}
