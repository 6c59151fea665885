//! The editor's form, read: the posted fields (`services.0.code`, `desks.1.services`,
//! `settings.name`, …) become a [`Draft`] that keeps every row exactly as typed, so that
//! the page can show it again whatever happens; `build.rs` turns it into an office.
//!
//! Blank rows (the empty row at the end of each list, or a row cleared) are left out, and
//! so are rows marked "remove"; a desk's ticks on a removed service are dropped with it.

use std::collections::BTreeMap;

use tickets_core::{Language, Names, OfficeConfig, OfficeSettings};

use crate::lang::Lang;

/// The most rows a list of the form may post (the core accepts 64 entries; the rest is
/// room for blank and removed rows).
pub(super) const MAX_ROWS: usize = 128;

/// What the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Show the kiosk of the edited office; nothing is saved.
    Preview,
    /// Save the edited office.
    Save,
}

/// A service as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ServiceRow {
    /// Its code in the version the form was built from (empty for a new row).
    pub(super) was: String,
    pub(super) code: String,
    pub(super) prefix: String,
    pub(super) name_fr: String,
    pub(super) name_en: String,
    pub(super) target_wait: String,
    pub(super) max_wait: String,
    pub(super) daily_limit: String,
    pub(super) priority: bool,
    pub(super) open: bool,
    pub(super) remove: bool,
}

/// A priority class as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PriorityRow {
    pub(super) code: String,
    pub(super) name_fr: String,
    pub(super) name_en: String,
    pub(super) weight: String,
    pub(super) remove: bool,
}

/// A desk as typed; `services` are rows of the service list, in the desk's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct DeskRow {
    pub(super) id: String,
    pub(super) name_fr: String,
    pub(super) name_en: String,
    pub(super) services: Vec<usize>,
    pub(super) ratio: String,
    pub(super) remove: bool,
}

/// The office's settings as typed; `languages` is one of [`LANGUAGE_CHOICES`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SettingsDraft {
    pub(super) name: String,
    pub(super) welcome_fr: String,
    pub(super) welcome_en: String,
    pub(super) languages: String,
    /// Taking a ticket with a phone at the door (a checkbox: present when on).
    pub(super) phone_take: bool,
}

/// The choices of languages offered, the first being the default.
pub(super) const LANGUAGE_CHOICES: [&str; 4] = ["fr,en", "en,fr", "fr", "en"];

/// The whole form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Draft {
    /// The version of the configuration the form was built from.
    pub(super) version: u64,
    pub(super) op: Op,
    /// The fingerprint of the warnings the person confirmed, if any.
    pub(super) confirm: String,
    pub(super) services: Vec<ServiceRow>,
    pub(super) priorities: Vec<PriorityRow>,
    pub(super) desks: Vec<DeskRow>,
    pub(super) settings: SettingsDraft,
}

/// A message next to an input: `key` is the input's name (`services.1.prefix`), or a
/// list's (`services`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldError {
    pub(super) key: String,
    pub(super) fr: String,
    pub(super) en: String,
}

impl FieldError {
    pub(super) fn new(key: String, fr: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            key,
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// The message in `l`.
    pub(super) fn message(&self, l: Lang) -> &str {
        l.t(&self.fr, &self.en)
    }
}

/// The posted body is not this page's form (no version, or too many rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NotTheForm(pub(super) &'static str);

fn blank(fields: &[&str]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

impl ServiceRow {
    fn is_blank(&self) -> bool {
        blank(&[
            &self.code,
            &self.prefix,
            &self.name_fr,
            &self.name_en,
            &self.target_wait,
            &self.max_wait,
            &self.daily_limit,
        ])
    }

    /// Whether the row becomes a service of the office.
    pub(super) fn kept(&self) -> bool {
        !self.remove && !self.is_blank()
    }

    /// A new, empty row (open by default).
    pub(super) fn empty() -> Self {
        ServiceRow {
            open: true,
            ..ServiceRow::default()
        }
    }
}

impl PriorityRow {
    fn is_blank(&self) -> bool {
        blank(&[&self.code, &self.name_fr, &self.name_en, &self.weight])
    }

    pub(super) fn kept(&self) -> bool {
        !self.remove && !self.is_blank()
    }
}

impl DeskRow {
    fn is_blank(&self) -> bool {
        blank(&[&self.id, &self.name_fr, &self.name_en, &self.ratio]) && self.services.is_empty()
    }

    pub(super) fn kept(&self) -> bool {
        !self.remove && !self.is_blank()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl SettingsDraft {
    /// The settings as the form shows them.
    pub(super) fn of(s: &OfficeSettings) -> Self {
        let languages = s
            .offered()
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(",");
        SettingsDraft {
            name: s.name.clone().unwrap_or_default(),
            welcome_fr: s.welcome.as_ref().map(|w| w.fr.clone()).unwrap_or_default(),
            welcome_en: s.welcome.as_ref().map(|w| w.en.clone()).unwrap_or_default(),
            languages,
            phone_take: s.phone_take,
        }
    }

    pub(super) fn build(&self) -> Result<OfficeSettings, FieldError> {
        let languages = match self.languages.as_str() {
            "" | "fr,en" => vec![Language::Fr, Language::En],
            "en,fr" => vec![Language::En, Language::Fr],
            "fr" => vec![Language::Fr],
            "en" => vec![Language::En],
            _ => {
                return Err(FieldError::new(
                    "settings.languages".into(),
                    "Choisissez une des propositions.",
                    "Choose one of the options.",
                ));
            }
        };
        let name = self.name.trim();
        let (fr, en) = (self.welcome_fr.trim(), self.welcome_en.trim());
        Ok(OfficeSettings {
            name: (!name.is_empty()).then(|| name.to_owned()),
            welcome: (!fr.is_empty() || !en.is_empty()).then(|| Names {
                fr: fr.to_owned(),
                en: en.to_owned(),
            }),
            languages,
            phone_take: self.phone_take,
        })
    }
}

impl Draft {
    /// The form of `office`, with an empty row at the end of each list.
    pub(super) fn of(office: &OfficeConfig) -> Self {
        let services = office
            .services
            .iter()
            .map(|s| ServiceRow {
                was: s.code.to_string(),
                code: s.code.to_string(),
                prefix: s.prefix.clone(),
                name_fr: s.name.fr.clone(),
                name_en: s.name.en.clone(),
                target_wait: opt(s.target_wait_minutes),
                max_wait: opt(s.max_wait_minutes),
                daily_limit: opt(s.daily_limit),
                priority: s.priority,
                open: s.open,
                remove: false,
            })
            .collect();
        let priorities = office
            .priorities
            .iter()
            .map(|p| PriorityRow {
                code: p.code.to_string(),
                name_fr: p.name.fr.clone(),
                name_en: p.name.en.clone(),
                weight: p.weight.to_string(),
                remove: false,
            })
            .collect();
        let desks = office
            .desks
            .iter()
            .map(|d| DeskRow {
                id: d.id.to_string(),
                name_fr: d.name.fr.clone(),
                name_en: d.name.en.clone(),
                services: d
                    .services
                    .iter()
                    .filter_map(|code| office.services.iter().position(|s| &s.code == code))
                    .collect(),
                ratio: opt(d.priority_ratio),
                remove: false,
            })
            .collect();
        let mut draft = Draft {
            version: office.version,
            op: Op::Preview,
            confirm: String::new(),
            services,
            priorities,
            desks,
            settings: SettingsDraft::of(&office.settings),
        };
        draft.add_empty_rows();
        draft
    }

    /// Makes sure each list ends with an empty row, to add one.
    pub(super) fn add_empty_rows(&mut self) {
        if self.services.last().is_none_or(|r| !r.is_blank()) {
            self.services.push(ServiceRow::empty());
        }
        if self.priorities.last().is_none_or(|r| !r.is_blank()) {
            self.priorities.push(PriorityRow::default());
        }
        if self.desks.last().is_none_or(|r| !r.is_blank()) {
            self.desks.push(DeskRow::default());
        }
    }

    /// Reads the posted fields. Unknown fields are ignored; rows come in the order of
    /// their numbers.
    pub(super) fn parse(pairs: &[(String, String)]) -> Result<Self, NotTheForm> {
        let mut version = None;
        let mut op = Op::Preview;
        let mut confirm = String::new();
        let mut services: BTreeMap<usize, ServiceRow> = BTreeMap::new();
        let mut priorities: BTreeMap<usize, PriorityRow> = BTreeMap::new();
        let mut desks: BTreeMap<usize, DeskRow> = BTreeMap::new();
        let mut desk_ticks: Vec<(usize, usize)> = Vec::new();
        let mut settings = SettingsDraft::default();
        let too_many = NotTheForm("too many rows");
        for (key, value) in pairs {
            let v = value.clone();
            let mut parts = key.splitn(3, '.');
            let (list, index, field) = (parts.next(), parts.next(), parts.next());
            let row = index.and_then(|i| i.parse::<usize>().ok());
            match (list, row, field) {
                (Some("version"), None, None) => {
                    version = Some(value.trim().parse().map_err(|_| NotTheForm("version"))?)
                }
                (Some("op"), None, None) => {
                    op = if value == "save" {
                        Op::Save
                    } else {
                        Op::Preview
                    }
                }
                (Some("confirm"), None, None) => confirm = v,
                (Some("settings"), _, None) => match index {
                    Some("name") => settings.name = v,
                    Some("welcome_fr") => settings.welcome_fr = v,
                    Some("welcome_en") => settings.welcome_en = v,
                    Some("languages") => settings.languages = v,
                    Some("phone_take") => settings.phone_take = !v.is_empty(),
                    _ => {}
                },
                (Some("services"), Some(i), Some(f)) => {
                    if !services.contains_key(&i) && services.len() >= MAX_ROWS {
                        return Err(too_many);
                    }
                    let r = services.entry(i).or_default();
                    match f {
                        "was" => r.was = v,
                        "code" => r.code = v,
                        "prefix" => r.prefix = v,
                        "name_fr" => r.name_fr = v,
                        "name_en" => r.name_en = v,
                        "target_wait" => r.target_wait = v,
                        "max_wait" => r.max_wait = v,
                        "daily_limit" => r.daily_limit = v,
                        "priority" => r.priority = true,
                        "open" => r.open = true,
                        "remove" => r.remove = true,
                        _ => {}
                    }
                }
                (Some("priorities"), Some(i), Some(f)) => {
                    if !priorities.contains_key(&i) && priorities.len() >= MAX_ROWS {
                        return Err(too_many);
                    }
                    let r = priorities.entry(i).or_default();
                    match f {
                        "code" => r.code = v,
                        "name_fr" => r.name_fr = v,
                        "name_en" => r.name_en = v,
                        "weight" => r.weight = v,
                        "remove" => r.remove = true,
                        _ => {}
                    }
                }
                (Some("desks"), Some(i), Some(f)) => {
                    if !desks.contains_key(&i) && desks.len() >= MAX_ROWS {
                        return Err(too_many);
                    }
                    let r = desks.entry(i).or_default();
                    match f {
                        "id" => r.id = v,
                        "name_fr" => r.name_fr = v,
                        "name_en" => r.name_en = v,
                        "ratio" => r.ratio = v,
                        "remove" => r.remove = true,
                        "services" => {
                            if let Ok(s) = value.trim().parse::<usize>()
                                && desk_ticks.len() < MAX_ROWS * MAX_ROWS
                            {
                                desk_ticks.push((i, s));
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        let version = version.ok_or(NotTheForm("version"))?;
        // Rows are renumbered from 0; a desk's ticks follow their service's row.
        let service_at: BTreeMap<usize, usize> = services
            .keys()
            .enumerate()
            .map(|(pos, &i)| (i, pos))
            .collect();
        let desk_at: BTreeMap<usize, usize> =
            desks.keys().enumerate().map(|(pos, &i)| (i, pos)).collect();
        let mut desks: Vec<DeskRow> = desks.into_values().collect();
        for (d, s) in desk_ticks {
            if let (Some(&d), Some(&s)) = (desk_at.get(&d), service_at.get(&s))
                && !desks[d].services.contains(&s)
            {
                desks[d].services.push(s);
            }
        }
        Ok(Draft {
            version,
            op,
            confirm,
            services: services.into_values().collect(),
            priorities: priorities.into_values().collect(),
            desks,
            settings,
        })
    }
}
