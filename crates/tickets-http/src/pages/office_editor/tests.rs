//! Unit tests of the form: reading the posted fields, building the office, placing the
//! core's errors.

use tickets_core::{Language, OfficeConfig, ValidationError};

use super::form::{Draft, MAX_ROWS, NotTheForm};
use crate::lang::Lang;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn office() -> OfficeConfig {
    OfficeConfig::from_toml(
        r#"
        [[service]]
        code = "courrier"
        prefix = "A"
        name = { fr = "Courrier", en = "Letters" }
        max_wait_minutes = 30
        priority = true
        [[service]]
        code = "colis"
        prefix = "B"
        name = { fr = "Colis", en = "Parcels" }
        daily_limit = 200
        [[priority]]
        code = "prioritaire"
        name = { fr = "Prioritaire", en = "Priority" }
        weight = 1
        [[desk]]
        id = "1"
        name = { fr = "Guichet 1", en = "Desk 1" }
        services = ["colis", "courrier"]
        priority_ratio = 2
        [settings]
        name = "Poste de Paris 15"
        languages = ["en", "fr"]
        "#,
    )
    .unwrap()
}

/// The fields a browser posts for `draft` (checkboxes only when ticked).
fn posted(d: &Draft) -> Vec<(String, String)> {
    let mut out = vec![("version".to_owned(), d.version.to_string())];
    let mut push = |k: String, v: &str| out.push((k, v.to_owned()));
    for (i, r) in d.services.iter().enumerate() {
        for (f, v) in [
            ("was", &r.was),
            ("code", &r.code),
            ("prefix", &r.prefix),
            ("name_fr", &r.name_fr),
            ("name_en", &r.name_en),
            ("target_wait", &r.target_wait),
            ("max_wait", &r.max_wait),
            ("daily_limit", &r.daily_limit),
        ] {
            push(format!("services.{i}.{f}"), v);
        }
        for (f, on) in [
            ("priority", r.priority),
            ("open", r.open),
            ("remove", r.remove),
        ] {
            if on {
                push(format!("services.{i}.{f}"), "on");
            }
        }
    }
    for (i, r) in d.priorities.iter().enumerate() {
        for (f, v) in [
            ("code", &r.code),
            ("name_fr", &r.name_fr),
            ("name_en", &r.name_en),
            ("weight", &r.weight),
        ] {
            push(format!("priorities.{i}.{f}"), v);
        }
    }
    for (i, r) in d.desks.iter().enumerate() {
        for (f, v) in [
            ("id", &r.id),
            ("name_fr", &r.name_fr),
            ("name_en", &r.name_en),
            ("ratio", &r.ratio),
        ] {
            push(format!("desks.{i}.{f}"), v);
        }
        for s in &r.services {
            push(format!("desks.{i}.services"), &s.to_string());
        }
    }
    push("settings.name".into(), &d.settings.name);
    push("settings.languages".into(), &d.settings.languages);
    out
}

#[test]
fn an_office_goes_through_the_form_unchanged() {
    let office = office();
    let draft = Draft::of(&office);
    assert_eq!(draft.services.len(), 3, "an empty row to add one");
    assert_eq!(draft.desks[0].services, [1, 0], "the desk's order");
    assert_eq!(draft.settings.languages, "en,fr");
    let read = Draft::parse(&posted(&draft)).unwrap();
    assert_eq!(read.services, draft.services);
    assert_eq!(read.desks, draft.desks);
    let built = read.build(None).unwrap();
    assert_eq!(built.office, office);
    assert_eq!(built.service_rows, [0, 1]);
}

#[test]
fn rows_are_added_removed_and_renumbered() {
    let mut body = posted(&Draft::of(&office()));
    // A new service in the empty row (index 2), typed with spaces and a small letter,
    // ticked on the desk; the first service removed; rows numbered with gaps.
    body = body
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "services.2.code" => (k.replace(".2.", ".7."), " banque ".to_owned()),
            "services.2.prefix" => (k.replace(".2.", ".7."), "c".to_owned()),
            "services.2.name_fr" => (k.replace(".2.", ".7."), "Banque".to_owned()),
            "services.2.name_en" => (k.replace(".2.", ".7."), "Banking".to_owned()),
            _ => (k.replace("services.2.", "services.7."), v),
        })
        .collect();
    body.extend(pairs(&[
        ("services.0.remove", "on"),
        ("desks.0.services", "7"),
        ("desks.0.services", "99"),
    ]));
    let draft = Draft::parse(&body).unwrap();
    assert_eq!(draft.desks[0].services, [1, 0, 2]);
    let built = draft.build(None).unwrap();
    let codes: Vec<_> = built
        .office
        .services
        .iter()
        .map(|s| s.code.as_str())
        .collect();
    assert_eq!(codes, ["colis", "banque"]);
    assert_eq!(built.office.services[1].prefix, "C");
    // The removed service's tick went with it.
    let served: Vec<_> = built.office.desks[0]
        .services
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(served, ["colis", "banque"]);
    assert_eq!(built.service_rows, [1, 2]);
    built.office.validate().unwrap();
}

#[test]
fn typing_mistakes_are_all_reported_with_their_input() {
    let mut body = posted(&Draft::of(&office()));
    for (k, v) in body.iter_mut() {
        match k.as_str() {
            "services.0.max_wait" => *v = "trente".into(),
            "services.1.name_en" => *v = "  ".into(),
            "priorities.0.weight" => *v = String::new(),
            "desks.0.id" => *v = "guichet 1".into(),
            _ => {}
        }
    }
    let errors = Draft::parse(&body).unwrap().build(None).unwrap_err();
    let keys: Vec<_> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "services.0.max_wait",
            "services.1.name_en",
            "priorities.0.weight",
            "desks.0.id"
        ]
    );
    assert!(errors[0].message(Lang::Fr).contains("minutes"));
}

#[test]
fn errors_of_the_core_land_on_their_row() {
    let mut body = posted(&Draft::of(&office()));
    body.retain(|(k, _)| !k.starts_with("services.0."));
    // The first row gone: config entry 0 is form row 1.
    for (k, v) in body.iter_mut() {
        if k == "services.1.prefix" {
            *v = "B1".into();
        }
    }
    let built = Draft::parse(&body).unwrap().build(None).unwrap();
    let e = built.office.validate().unwrap_err();
    assert_eq!(e.field, "service[0].prefix");
    let located = built.locate(&e);
    assert_eq!(located.key, "services.0.prefix", "renumbered from 0");
    assert!(located.fr.contains("majuscules"), "{located:?}");
    let v = ValidationError::new("settings.welcome.en", "a welcome text is …");
    assert_eq!(built.locate(&v).key, "settings.welcome_en");
    let v = ValidationError::at("desk[0].services[1]", "x");
    assert_eq!(built.locate(&v).key, "desks.0.services");
    let v = ValidationError::new("services", "an office has at least one service");
    assert_eq!(
        built.locate(&v).message(Lang::Fr),
        "Un bureau a au moins un service."
    );
}

#[test]
fn settings_are_kept_when_given() {
    let office = office();
    let mut body = posted(&Draft::of(&office));
    for (k, v) in body.iter_mut() {
        if k == "settings.name" {
            *v = "Autre nom".into();
        }
    }
    let draft = Draft::parse(&body).unwrap();
    let kept = draft.build(Some(&office.settings)).unwrap();
    assert_eq!(kept.office.settings, office.settings);
    let typed = draft.build(None).unwrap();
    assert_eq!(typed.office.settings.name.as_deref(), Some("Autre nom"));
    assert_eq!(
        typed.office.settings.languages,
        [Language::En, Language::Fr]
    );
}

#[test]
fn a_body_without_version_or_with_too_many_rows_is_not_the_form() {
    assert!(Draft::parse(&pairs(&[("services.0.code", "x")])).is_err());
    assert!(Draft::parse(&pairs(&[("version", "x")])).is_err());
    let many: Vec<_> = (0..=MAX_ROWS)
        .map(|i| (format!("services.{i}.code"), String::new()))
        .chain([("version".to_owned(), "1".to_owned())])
        .collect();
    assert_eq!(
        Draft::parse(&many).unwrap_err(),
        NotTheForm("too many rows")
    );
    // A huge row number takes no room.
    let one = pairs(&[
        ("version", "0"),
        ("services.18446744073709551615.code", "a"),
    ]);
    assert_eq!(Draft::parse(&one).unwrap().services.len(), 1);
}
