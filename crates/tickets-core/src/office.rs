//! [`OfficeConfig`]: the services, priority classes and desks of an office, and its
//! [settings](OfficeSettings) (name, welcome text, languages).
//!
//! One versioned document, kept in the store without expiry and cached by every backend.
//! It is validated as a whole before it is stored ([`OfficeConfig::validate`]); the
//! operations read what they need of it (a service's prefix and limits, a desk's services
//! and priority ratio) and, on Redis, hand it to the scripts as arguments.
//!
//! With no configuration stored, the office is [`OfficeConfig::default`]: the original
//! single service `poste` with plain numbers, any valid desk id serving it, no name and
//! both languages.
//!
//! ```
//! use tickets_core::OfficeConfig;
//!
//! let office = OfficeConfig::from_toml(r#"
//! [[service]]
//! code = "courrier"
//! prefix = "A"
//! name = { fr = "Courrier", en = "Letters" }
//! max_wait_minutes = 30
//! priority = true
//!
//! [[service]]
//! code = "colis"
//! prefix = "B"
//! name = { fr = "Colis", en = "Parcels" }
//!
//! [[priority]]
//! code = "prioritaire"
//! name = { fr = "Prioritaire", en = "Priority" }
//! weight = 1
//!
//! [[desk]]
//! id = "1"
//! name = { fr = "Guichet 1", en = "Desk 1" }
//! services = ["courrier", "colis"]
//! priority_ratio = 2
//! "#).unwrap();
//! assert_eq!(office.services.len(), 2);
//! assert_eq!(office.label(office.service_named("colis").unwrap(), 7), "B007");
//! assert!(OfficeConfig::from_toml("[[service]]\ncode = \"A B\"").is_err());
//! ```

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::backend::TakeRequest;
use crate::error::{Error, ValidationError};
use crate::model::{DeskId, PriorityCode, Service};

mod settings;
pub use settings::{Language, OfficeSettings};

/// A name in each language of the pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// In French.
    pub fr: String,
    /// In English.
    pub en: String,
}

impl Names {
    /// The same name in both languages.
    pub fn both(s: &str) -> Self {
        Names {
            fr: s.to_owned(),
            en: s.to_owned(),
        }
    }

    /// The name in `lang` (`"en"` gives English, anything else French).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.fr }
    }
}

/// One service of the office ("letters", "parcels", …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// `[a-z0-9_-]{1,32}`: the tickets' `service_type`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Service,
    /// 0 to 3 capital letters before the number on the ticket (`B007`); empty keeps plain
    /// numbers.
    #[serde(default)]
    pub prefix: String,
    /// Its name, as the kiosk and the screens show it.
    pub name: Names,
    /// The service level shown in figures: share of tickets called within this wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_wait_minutes: Option<u32>,
    /// Past this wait a ticket is called before any other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_minutes: Option<u32>,
    /// Whether the kiosk offers the priority classes for this service.
    #[serde(default)]
    pub priority: bool,
    /// No more tickets once this many were taken today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_limit: Option<u64>,
    /// Whether new tickets can be taken (a closed service's waiting tickets stay callable).
    #[serde(default = "yes")]
    pub open: bool,
}

fn yes() -> bool {
    true
}

impl ServiceConfig {
    /// `max_wait_minutes` in microseconds, 0 when unset.
    pub fn max_wait_us(&self) -> i64 {
        self.max_wait_minutes
            .map_or(0, |m| i64::from(m) * 60_000_000)
    }

    /// `target_wait_minutes` in microseconds, 0 when unset.
    pub fn target_wait_us(&self) -> i64 {
        self.target_wait_minutes
            .map_or(0, |m| i64::from(m) * 60_000_000)
    }
}

/// A priority class: people called before the others (reduced mobility, pregnancy, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PriorityClass {
    /// `[a-z0-9_-]{1,32}`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: PriorityCode,
    /// Its name.
    pub name: Names,
    /// 1 or more; higher is called first; people without priority have 0.
    pub weight: u32,
}

/// A desk and the services it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    /// Its id, as in `{"desk": "3"}`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: DeskId,
    /// Its name on the display board ("Guichet 3").
    pub name: Names,
    /// The services it serves, in order of preference (ties go to the first).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub services: Vec<Service>,
    /// After this many priority calls in a row, a waiting normal ticket goes first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_ratio: Option<u32>,
}

/// The office: services, priority classes, desks and settings, with the version of the
/// document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfficeConfig {
    /// Grows by one with each change; 0 for the built-in office (nothing stored).
    #[serde(default)]
    pub version: u64,
    /// The services, in the order the kiosk shows them (`[[service]]` in TOML).
    #[serde(alias = "service")]
    pub services: Vec<ServiceConfig>,
    /// The priority classes (`[[priority]]` in TOML).
    #[serde(default, alias = "priority")]
    pub priorities: Vec<PriorityClass>,
    /// The desks (`[[desk]]` in TOML); empty: any valid desk id serves every service.
    #[serde(default, alias = "desk")]
    pub desks: Vec<DeskConfig>,
    /// The office's name, the kiosk's welcome text and the languages offered (`[settings]`
    /// in TOML).
    // Left out of the stored JSON when it is the default, so that a document without
    // settings stays readable by servers of an earlier version.
    #[serde(default, skip_serializing_if = "OfficeSettings::is_default")]
    pub settings: OfficeSettings,
}

impl Default for OfficeConfig {
    /// The original office: one service `poste`, plain numbers, any desk.
    fn default() -> Self {
        OfficeConfig {
            version: 0,
            services: vec![ServiceConfig {
                code: Service::default(),
                prefix: String::new(),
                name: Names {
                    fr: "Poste".into(),
                    en: "Post office".into(),
                },
                target_wait_minutes: None,
                max_wait_minutes: None,
                priority: false,
                daily_limit: None,
                open: true,
            }],
            priorities: Vec::new(),
            desks: Vec::new(),
            settings: OfficeSettings::default(),
        }
    }
}

/// What the calling rule needs to know of one desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskPlan<'a> {
    /// The services it serves, in order of preference.
    pub services: Vec<&'a ServiceConfig>,
    /// Priority calls in a row after which a normal ticket goes first (0: no limit).
    pub priority_ratio: u32,
}

fn field(path: String) -> std::borrow::Cow<'static, str> {
    path.into()
}

fn check_names(path: &str, n: &Names) -> Result<(), ValidationError> {
    for (lang, s) in [("fr", &n.fr), ("en", &n.en)] {
        let len = s.chars().count();
        if s.trim().is_empty() || len > 64 || s.chars().any(char::is_control) {
            return Err(ValidationError::at(
                field(format!("{path}.name.{lang}")),
                "a name is 1 to 64 characters, without control characters",
            ));
        }
    }
    Ok(())
}

fn check_code(path: String, s: &str) -> Result<(), ValidationError> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ValidationError::at(
            field(path),
            "a code is 1 to 32 characters among lower-case letters, digits, '-' and '_'",
        ))
    }
}

impl OfficeConfig {
    /// The most services, priority classes or desks a configuration may hold.
    pub const MAX_ITEMS: usize = 64;

    /// Reads a TOML document (`[[service]]`, `[[priority]]`, `[[desk]]`, `[settings]`) and
    /// validates it.
    pub fn from_toml(text: &str) -> Result<Self, ValidationError> {
        let cfg: OfficeConfig = toml::from_str(text).map_err(|e| {
            ValidationError::new("config", format!("not a valid office configuration: {e}"))
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the whole document: codes, prefixes and desk ids unique and well formed,
    /// names present, every desk's services known, weights and ratios at least 1, and the
    /// [settings](OfficeSettings::validate). The error names the field
    /// (`service[1].prefix`, `settings.name`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.services.is_empty() {
            return Err(ValidationError::new(
                "services",
                "an office has at least one service",
            ));
        }
        for (what, n) in [
            ("services", self.services.len()),
            ("priorities", self.priorities.len()),
            ("desks", self.desks.len()),
        ] {
            if n > Self::MAX_ITEMS {
                return Err(ValidationError::new(
                    what,
                    format!("at most {} entries", Self::MAX_ITEMS),
                ));
            }
        }
        let mut codes = HashSet::new();
        let mut prefixes = HashSet::new();
        for (i, s) in self.services.iter().enumerate() {
            let path = format!("service[{i}]");
            check_code(format!("{path}.code"), s.code.as_str())?;
            if !codes.insert(s.code.as_str()) {
                return Err(ValidationError::at(
                    field(format!("{path}.code")),
                    format!("two services have the code {:?}", s.code.as_str()),
                ));
            }
            if s.prefix.len() > 3 || !s.prefix.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ValidationError::at(
                    field(format!("{path}.prefix")),
                    "a prefix is 0 to 3 capital letters (A to Z)",
                ));
            }
            if !prefixes.insert(s.prefix.as_str()) {
                return Err(ValidationError::at(
                    field(format!("{path}.prefix")),
                    format!(
                        "two services have the prefix {:?}: their tickets would look alike",
                        s.prefix
                    ),
                ));
            }
            check_names(&path, &s.name)?;
            for (name, v) in [
                ("target_wait_minutes", s.target_wait_minutes),
                ("max_wait_minutes", s.max_wait_minutes),
            ] {
                if v.is_some_and(|m| m == 0 || m > 24 * 60) {
                    return Err(ValidationError::at(
                        field(format!("{path}.{name}")),
                        "a wait is 1 to 1440 minutes",
                    ));
                }
            }
            if s.daily_limit.is_some_and(|l| l == 0 || l > 999_999) {
                return Err(ValidationError::at(
                    field(format!("{path}.daily_limit")),
                    "a daily limit is 1 to 999999 tickets",
                ));
            }
        }
        let mut classes = HashSet::new();
        for (i, p) in self.priorities.iter().enumerate() {
            let path = format!("priority[{i}]");
            check_code(format!("{path}.code"), p.code.as_str())?;
            if !classes.insert(p.code.as_str()) {
                return Err(ValidationError::at(
                    field(format!("{path}.code")),
                    format!("two priority classes have the code {:?}", p.code.as_str()),
                ));
            }
            check_names(&path, &p.name)?;
            if p.weight == 0 || p.weight > 1000 {
                return Err(ValidationError::at(
                    field(format!("{path}.weight")),
                    "a weight is 1 to 1000 (people without priority have 0)",
                ));
            }
        }
        let mut desks = HashSet::new();
        for (i, d) in self.desks.iter().enumerate() {
            let path = format!("desk[{i}]");
            if !desks.insert(d.id.as_str()) {
                return Err(ValidationError::at(
                    field(format!("{path}.id")),
                    format!("two desks have the id {:?}", d.id.as_str()),
                ));
            }
            check_names(&path, &d.name)?;
            if d.services.is_empty() {
                return Err(ValidationError::at(
                    field(format!("{path}.services")),
                    "a desk serves at least one service",
                ));
            }
            let mut seen = HashSet::new();
            for (j, s) in d.services.iter().enumerate() {
                if !codes.contains(s.as_str()) || !seen.insert(s.as_str()) {
                    return Err(ValidationError::at(
                        field(format!("{path}.services[{j}]")),
                        format!(
                            "{:?} is not a service of the office, or is listed twice",
                            s.as_str()
                        ),
                    ));
                }
            }
            if d.priority_ratio.is_some_and(|r| r == 0 || r > 1000) {
                return Err(ValidationError::at(
                    field(format!("{path}.priority_ratio")),
                    "a priority ratio is 1 to 1000",
                ));
            }
        }
        self.settings.validate()
    }

    /// The service a take asks for, once checked: known, open, and offering the
    /// priority class asked (if any).
    pub fn check_take(&self, req: &TakeRequest) -> Result<&ServiceConfig, Error> {
        let service = self
            .service(&req.service)
            .ok_or_else(|| Error::UnknownService(req.service.clone()))?;
        if let Some(p) = &req.priority {
            if self.priority(p).is_none() {
                return Err(Error::UnknownPriority(p.clone()));
            }
            if !service.priority {
                return Err(Error::PriorityNotOffered(service.code.clone()));
            }
        }
        if !service.open {
            return Err(Error::ServiceClosed(service.code.clone()));
        }
        Ok(service)
    }

    /// The service with this code.
    pub fn service(&self, code: &Service) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| &s.code == code)
    }

    /// The service with this code, given as text.
    pub fn service_named(&self, code: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.code.as_str() == code)
    }

    /// The priority class with this code.
    pub fn priority(&self, code: &PriorityCode) -> Option<&PriorityClass> {
        self.priorities.iter().find(|p| &p.code == code)
    }

    /// The weight of a ticket's class: 0 without priority, or for a class no longer
    /// configured.
    pub fn weight_of(&self, code: Option<&PriorityCode>) -> u32 {
        code.and_then(|c| self.priority(c)).map_or(0, |p| p.weight)
    }

    /// The desk with this id, when desks are configured.
    pub fn desk(&self, id: &DeskId) -> Option<&DeskConfig> {
        self.desks.iter().find(|d| &d.id == id)
    }

    /// What `desk` serves: its configured services and ratio; with no desks configured,
    /// every service with no ratio. `None` for a desk not in a configured list.
    pub fn plan(&self, desk: &DeskId) -> Option<DeskPlan<'_>> {
        if self.desks.is_empty() {
            return Some(DeskPlan {
                services: self.services.iter().collect(),
                priority_ratio: 0,
            });
        }
        let d = self.desk(desk)?;
        Some(DeskPlan {
            services: d
                .services
                .iter()
                .filter_map(|code| self.service(code))
                .collect(),
            priority_ratio: d.priority_ratio.unwrap_or(0),
        })
    }

    /// The desks that serve `service` (every desk when none are configured: `None`).
    pub fn desks_serving(&self, service: &Service) -> Option<usize> {
        if self.desks.is_empty() {
            return None;
        }
        Some(
            self.desks
                .iter()
                .filter(|d| d.services.contains(service))
                .count(),
        )
    }

    /// The label people see: the prefix and the number on at least three digits, or
    /// the bare number when the prefix is empty.
    pub fn label(&self, service: &ServiceConfig, number: u64) -> String {
        label(&service.prefix, number)
    }
}

/// `A` + 7 → `A007`; `""` + 7 → `7`.
///
/// ```
/// assert_eq!(tickets_core::label("B", 1042), "B1042");
/// assert_eq!(tickets_core::label("", 7), "7");
/// ```
pub fn label(prefix: &str, number: u64) -> String {
    if prefix.is_empty() {
        number.to_string()
    } else {
        format!("{prefix}{number:03}")
    }
}

impl fmt::Display for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OfficeConfig {
        OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "courrier"
            prefix = "A"
            name = { fr = "Courrier", en = "Letters" }
            target_wait_minutes = 10
            max_wait_minutes = 30
            priority = true
            daily_limit = 300

            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }

            [[priority]]
            code = "prioritaire"
            name = { fr = "Prioritaire", en = "Priority" }
            weight = 1

            [[desk]]
            id = "1"
            name = { fr = "Guichet 1", en = "Desk 1" }
            services = ["courrier", "colis"]
            priority_ratio = 2
            "#,
        )
        .unwrap()
    }

    #[test]
    fn the_documented_file_reads_whole() {
        let c = sample();
        assert_eq!(c.services[0].max_wait_us(), 30 * 60_000_000);
        assert_eq!(c.services[0].daily_limit, Some(300));
        assert!(c.services[0].open && c.services[1].open);
        assert_eq!(c.priorities[0].weight, 1);
        let plan = c.plan(&DeskId::parse("1").unwrap()).unwrap();
        assert_eq!(plan.priority_ratio, 2);
        assert_eq!(plan.services[1].code.as_str(), "colis");
        assert!(c.plan(&DeskId::parse("9").unwrap()).is_none());
        // JSON round trip with the plural names.
        let json = serde_json::to_value(&c).unwrap();
        assert!(json["services"].is_array());
        let back: OfficeConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn errors_name_the_field() {
        let mut c = sample();
        c.services[1].prefix = "A".into();
        assert_eq!(c.validate().unwrap_err().field, "service[1].prefix");
        let mut c = sample();
        c.services[0].prefix = "ab".into();
        assert_eq!(c.validate().unwrap_err().field, "service[0].prefix");
        let mut c = sample();
        c.desks[0].services.push(Service::parse("banque").unwrap());
        assert_eq!(c.validate().unwrap_err().field, "desk[0].services[2]");
        let mut c = sample();
        c.priorities[0].weight = 0;
        assert_eq!(c.validate().unwrap_err().field, "priority[0].weight");
        let mut c = sample();
        c.services[0].name.en = " ".into();
        assert_eq!(c.validate().unwrap_err().field, "service[0].name.en");
        let e = OfficeConfig::from_toml(
            "[[service]]\ncode = \"x\"\nname = { fr = \"X\", en = \"X\" }\ncolour = 1",
        )
        .unwrap_err();
        assert!(e.reason.contains("colour"), "{e}");
    }

    #[test]
    fn labels_pad_to_three_digits() {
        assert_eq!(label("A", 7), "A007");
        assert_eq!(label("AB", 1042), "AB1042");
        assert_eq!(label("", 42), "42");
    }

    #[test]
    fn the_default_office_is_the_original_one() {
        let c = OfficeConfig::default();
        c.validate().unwrap();
        assert_eq!(c.services[0].code.as_str(), "poste");
        assert_eq!(c.label(&c.services[0], 5), "5");
        assert!(c.plan(&DeskId::parse("any-desk").unwrap()).is_some());
    }
}
