//! [`OfficeSettings`]: what the office says of itself on its pages: its name, the kiosk's
//! welcome text and the languages it offers.
//!
//! Part of the office configuration ([`OfficeConfig::settings`](crate::OfficeConfig),
//! `[settings]` in TOML, `"settings"` in JSON), checked by [`OfficeConfig::validate`]
//! with the rest of it. The default changes nothing: no name, no welcome text, French
//! and English (French first).
//!
//! ```
//! use tickets_core::{Language, OfficeConfig};
//!
//! let office = OfficeConfig::from_toml(r#"
//! [settings]
//! name = "Poste de Paris 15"
//! welcome = { fr = "Bienvenue à la Poste", en = "Welcome to the post office" }
//! languages = ["en", "fr"]
//!
//! [[service]]
//! code = "poste"
//! name = { fr = "Poste", en = "Post office" }
//! "#).unwrap();
//! assert_eq!(office.settings.name.as_deref(), Some("Poste de Paris 15"));
//! assert_eq!(office.settings.default_language(), Language::En);
//!
//! // Without a `[settings]` table: no name, both languages, French first.
//! let plain = OfficeConfig::from_toml("[[service]]\ncode = \"poste\"\nname = { fr = \"Poste\", en = \"Post\" }").unwrap();
//! assert_eq!(plain.settings.offered(), [Language::Fr, Language::En]);
//! assert_eq!(plain.settings.name, None);
//!
//! // A language twice is refused, naming the entry.
//! let e = OfficeConfig::from_toml(r#"
//! [settings]
//! languages = ["fr", "fr"]
//! [[service]]
//! code = "poste"
//! name = { fr = "Poste", en = "Post office" }
//! "#).unwrap_err();
//! assert_eq!(e.field, "settings.languages[1]");
//! ```
//!
//! [`OfficeConfig::validate`]: crate::OfficeConfig::validate

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Names;
use crate::error::ValidationError;

/// A language the pages are written in.
///
/// In JSON and TOML, its code: `"fr"` or `"en"`; any other code is refused when the
/// document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// French (`fr`).
    Fr,
    /// English (`en`).
    En,
}

impl Language {
    /// Every language the pages are written in, French first.
    pub const ALL: [Language; 2] = [Language::Fr, Language::En];

    /// The code (`fr`, `en`), as in JSON, TOML and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    /// The language of a code: exactly `fr` or `en`.
    ///
    /// ```
    /// use tickets_core::Language;
    /// assert_eq!(Language::from_code("en"), Some(Language::En));
    /// assert_eq!(Language::from_code("de"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What the office says of itself on its pages (`[settings]` in TOML).
///
/// Every field is optional in JSON and TOML; without them (as by default) the office has no
/// name and no welcome text, and its pages are in French and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfficeSettings {
    /// The office's name ("Poste de Paris 15"), shown in the header of every page, in the
    /// browser's title, on tickets and on the display board: 1 to 80 characters, not
    /// blank, without control characters. Unset: the pages say "Tickets".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::office_name_schema))]
    pub name: Option<String>,
    /// The kiosk's welcome text, above the service buttons, in each language: 1 to 200
    /// characters, not blank, without control characters (so on one line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::welcome_schema))]
    pub welcome: Option<Names>,
    /// The languages offered, each once; the first is the pages' language when the
    /// browser asks for none of them. Empty: both, French first (as the default).
    #[serde(default = "both_languages")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::languages_schema))]
    pub languages: Vec<Language>,
    /// People may take a ticket with their phone at the office's door: the kiosk shows a
    /// QR code of its own page, and `/api/tickets/door` a poster to print with it. Such
    /// takes obey the take limits of any address. Off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub phone_take: bool,
}

fn both_languages() -> Vec<Language> {
    Language::ALL.to_vec()
}

impl Default for OfficeSettings {
    /// No name, no welcome text, French and English (French first).
    fn default() -> Self {
        OfficeSettings {
            name: None,
            welcome: None,
            languages: both_languages(),
            phone_take: false,
        }
    }
}

/// `Ok` for a text of 1 to `max` characters, not blank, without control characters.
fn check_text(path: String, s: &str, max: usize, what: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(ValidationError::at(
            path,
            format!("{what} is 1 to {max} characters, not blank, without control characters"),
        ));
    }
    Ok(())
}

impl OfficeSettings {
    /// The longest office name, in characters.
    pub const MAX_NAME_CHARS: usize = 80;
    /// The longest welcome text, in characters, in each language.
    pub const MAX_WELCOME_CHARS: usize = 200;

    /// The languages offered, in order: [`Self::languages`], or both (French first) when
    /// it is empty.
    pub fn offered(&self) -> &[Language] {
        if self.languages.is_empty() {
            &Language::ALL
        } else {
            &self.languages
        }
    }

    /// Whether `lang` is offered.
    pub fn offers(&self, lang: Language) -> bool {
        self.offered().contains(&lang)
    }

    /// The pages' language when the browser asks for none offered: the first offered.
    pub fn default_language(&self) -> Language {
        self.offered()[0]
    }

    /// The welcome text in `lang`, when one is set.
    pub fn welcome_in(&self, lang: Language) -> Option<&str> {
        self.welcome.as_ref().map(|w| w.get(lang.code()))
    }

    /// Whether these are the default settings (nothing set, both languages in the default
    /// order). The stored document leaves them out then, so that servers of an earlier
    /// version, which know no settings, keep reading it.
    pub fn is_default(&self) -> bool {
        *self == OfficeSettings::default()
    }

    /// Checks the settings; the error names the field (`settings.name`,
    /// `settings.welcome.fr`, `settings.languages[1]`). Called by
    /// [`OfficeConfig::validate`](crate::OfficeConfig::validate).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(name) = &self.name {
            check_text(
                "settings.name".into(),
                name,
                Self::MAX_NAME_CHARS,
                "the office's name",
            )?;
        }
        if let Some(welcome) = &self.welcome {
            for lang in Language::ALL {
                check_text(
                    format!("settings.welcome.{lang}"),
                    welcome.get(lang.code()),
                    Self::MAX_WELCOME_CHARS,
                    "a welcome text",
                )?;
            }
        }
        for (i, lang) in self.languages.iter().enumerate() {
            if self.languages[..i].contains(lang) {
                return Err(ValidationError::at(
                    format!("settings.languages[{i}]"),
                    format!("the language {:?} is listed twice", lang.code()),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OfficeConfig;

    const SERVICE: &str =
        "[[service]]\ncode = \"poste\"\nname = { fr = \"Poste\", en = \"Post office\" }\n";

    fn with(settings: OfficeSettings) -> OfficeConfig {
        OfficeConfig {
            settings,
            ..OfficeConfig::default()
        }
    }

    fn field_of(settings: OfficeSettings) -> String {
        with(settings).validate().unwrap_err().field.into_owned()
    }

    fn full() -> OfficeSettings {
        OfficeSettings {
            name: Some("Poste de Paris 15 — « Vaugirard »".into()),
            welcome: Some(Names {
                fr: "Bienvenue ! Prenez un ticket \"ici\".".into(),
                en: "Welcome! Take a ticket here.".into(),
            }),
            languages: vec![Language::En, Language::Fr],
            phone_take: true,
        }
    }

    #[test]
    fn the_default_changes_nothing() {
        let s = OfficeSettings::default();
        assert!(s.is_default());
        assert_eq!(s.offered(), [Language::Fr, Language::En]);
        assert_eq!(s.default_language(), Language::Fr);
        assert_eq!(s.welcome_in(Language::Fr), None);
        assert_eq!(OfficeConfig::default().settings, s);
        OfficeConfig::default().validate().unwrap();
        // An empty list offers both, French first.
        let empty = OfficeSettings {
            languages: vec![],
            ..OfficeSettings::default()
        };
        assert_eq!(empty.offered(), Language::ALL);
        assert!(!empty.is_default());
        with(empty).validate().unwrap();
    }

    #[test]
    fn names_and_welcome_texts_are_checked_with_their_field() {
        let bad_names = [
            String::new(),
            "   ".into(),
            "Poste\n15".into(),
            "Poste\u{7}".into(),
            "x".repeat(81),
        ];
        for name in bad_names {
            let s = OfficeSettings {
                name: Some(name.clone()),
                ..OfficeSettings::default()
            };
            assert_eq!(field_of(s), "settings.name", "{name:?}");
        }
        // 80 characters (not bytes) is the most.
        let s = OfficeSettings {
            name: Some("é".repeat(80)),
            ..OfficeSettings::default()
        };
        with(s).validate().unwrap();

        let welcome = |fr: &str, en: &str| OfficeSettings {
            welcome: Some(Names {
                fr: fr.into(),
                en: en.into(),
            }),
            ..OfficeSettings::default()
        };
        assert_eq!(field_of(welcome("", "Hello")), "settings.welcome.fr");
        assert_eq!(
            field_of(welcome("Bonjour", "Hello\r\nthere")),
            "settings.welcome.en"
        );
        assert_eq!(
            field_of(welcome("Bonjour", &"a".repeat(201))),
            "settings.welcome.en"
        );
        with(welcome(&"à".repeat(200), "Hello")).validate().unwrap();
        let e = with(welcome(" ", "Hello")).validate().unwrap_err();
        assert!(e.reason.contains("1 to 200"), "{e}");
    }

    #[test]
    fn languages_are_known_and_listed_once() {
        let s = OfficeSettings {
            languages: vec![Language::Fr, Language::En, Language::Fr],
            ..OfficeSettings::default()
        };
        assert_eq!(field_of(s), "settings.languages[2]");
        let s = OfficeSettings {
            languages: vec![Language::En],
            ..OfficeSettings::default()
        };
        assert_eq!(s.offered(), [Language::En]);
        assert!(!s.offers(Language::Fr));
        assert_eq!(s.default_language(), Language::En);
        with(s).validate().unwrap();
        // An unknown code is refused when the document is read.
        let e = OfficeConfig::from_toml(&format!(
            "[settings]\nlanguages = [\"fr\", \"de\"]\n{SERVICE}"
        ))
        .unwrap_err();
        assert!(e.reason.contains("de"), "{e}");
        let e = serde_json::from_value::<OfficeSettings>(serde_json::json!({"languages": ["EN"]}))
            .unwrap_err();
        assert!(e.to_string().contains("EN"), "{e}");
        assert_eq!(Language::from_code("fr"), Some(Language::Fr));
        assert_eq!(Language::En.to_string(), "en");
    }

    #[test]
    fn settings_survive_toml_and_json() {
        let office = OfficeConfig::from_toml(&format!(
            r#"
            [settings]
            name = "Poste de Paris 15 — « Vaugirard »"
            welcome = {{ fr = 'Bienvenue ! Prenez un ticket "ici".', en = "Welcome! Take a ticket here." }}
            languages = ["en", "fr"]
            phone_take = true

            {SERVICE}
            "#
        ))
        .unwrap();
        assert_eq!(office.settings, full());
        // JSON, as the stores and the API keep it.
        let json = serde_json::to_string(&office).unwrap();
        let back: OfficeConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, office);
        let value = serde_json::to_value(&office).unwrap();
        assert_eq!(
            value["settings"]["languages"],
            serde_json::json!(["en", "fr"])
        );
        assert_eq!(
            value["settings"]["welcome"]["en"],
            "Welcome! Take a ticket here."
        );
        // A document of an earlier version (no settings) reads with the default ones…
        let mut old = serde_json::to_value(OfficeConfig::default()).unwrap();
        old.as_object_mut().unwrap().remove("settings");
        let read: OfficeConfig = serde_json::from_value(old).unwrap();
        assert!(read.settings.is_default());
        // …and unknown fields in the settings are refused.
        let e = OfficeConfig::from_toml(&format!("[settings]\ncolour = \"blue\"\n{SERVICE}"))
            .unwrap_err();
        assert!(e.reason.contains("colour"), "{e}");
    }

    #[test]
    fn the_example_files_settings_read_once_uncommented() {
        let example = include_str!("../../../../deploy/office.example.toml");
        assert!(
            OfficeConfig::from_toml(example)
                .unwrap()
                .settings
                .is_default(),
            "commented out"
        );
        let uncommented: String = example
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if ["[settings]", "name =", "welcome =", "languages ="]
                        .iter()
                        .any(|k| rest.starts_with(k)) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let office = OfficeConfig::from_toml(&uncommented).unwrap();
        assert_eq!(office.settings.name.as_deref(), Some("Poste de Paris 15"));
        assert_eq!(
            office.settings.welcome_in(Language::En),
            Some("Welcome to the Paris 15 office")
        );
        assert_eq!(office.settings.offered(), Language::ALL);
    }

    #[test]
    fn default_settings_are_left_out_of_the_stored_document() {
        let json = serde_json::to_value(OfficeConfig::default()).unwrap();
        assert!(json.get("settings").is_none(), "{json}");
        let json = serde_json::to_value(with(full())).unwrap();
        assert!(json.get("settings").is_some());
    }
}
