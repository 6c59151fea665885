//! The HTML pages: kiosk, ticket follow-up, staff console, dashboard, assets. They work by
//! plain forms, in French by default and English on request, with no inline script or
//! style (the CSP forbids them).

mod assets;
mod console;
mod dashboard;
mod follow;
mod kiosk;

use actix_web::http::header;
use tickets_core::{MemoryBackend, OfficeConfig};
use tickets_http::Config;

use crate::helpers::{
    PASSWORD, TestApp, TestResponse, assert_security_headers, spawn_app, spawn_app_with,
};

/// The office of the browser tests: three services (`courrier` A with priority, `colis` B,
/// `banque` C), one priority class, desks 1 to 4.
const OFFICE: &str = include_str!("../../../../../e2e/office.toml");

/// The test office, changed by `tweak`.
fn office(tweak: impl FnOnce(&mut OfficeConfig)) -> OfficeConfig {
    let mut office = OfficeConfig::from_toml(OFFICE).expect("e2e/office.toml is valid");
    tweak(&mut office);
    office
}

/// A fresh application for `office`, signed in as staff, its day open.
async fn spawn_office(office: OfficeConfig) -> TestApp {
    let backend = MemoryBackend::with_office(office).expect("a valid office");
    let app = spawn_app_with(backend, "memory", &Config::for_tests(PASSWORD)).await;
    app.open_day().await;
    app
}

/// Takes a ticket at the kiosk (`service_type`, `priority`); answers its page's path.
async fn kiosk_take(app: &TestApp, form: &[(&str, &str)]) -> String {
    let res = app.post_kiosk(form).await;
    res.assert_status(303);
    res.location().to_owned()
}

/// Asserts what every page must be: HTML, no inline script, no style attribute, and
/// every script loaded from our assets.
#[track_caller]
fn assert_clean_page(res: &TestResponse, status: u16) -> String {
    let html = res.html(status);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for (i, _) in html.match_indices("<script") {
        let tag_end = html[i..].find('>').map_or(html.len(), |e| i + e);
        let tag = &html[i..tag_end];
        assert!(
            tag.contains(" src=\"/assets/"),
            "inline or foreign script: {tag}"
        );
        assert!(
            html[tag_end..].starts_with("></script>"),
            "a script with content: {}",
            &html[i..(tag_end + 40).min(html.len())]
        );
    }
    assert!(!html.contains(" style="), "style attribute in the page");
    assert!(!html.contains("<style"), "style element in the page");
    assert!(!html.contains(" onclick="), "inline handler in the page");
    assert!(!html.contains("javascript:"), "javascript: URL in the page");
    assert_security_headers(res);
    html
}

/// The path of the first `<link rel="stylesheet" href=…>` for `asset`.
fn asset_href(html: &str, asset: &str) -> String {
    let needle = format!("href=\"/assets/{asset}");
    let start = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no link to {asset}"))
        + 6;
    let end = html[start..].find('"').expect("a closing quote") + start;
    html[start..end].replace("&amp;", "&")
}

/// The start tags `<name …>` of `html`.
fn start_tags<'h>(html: &'h str, name: &str) -> Vec<&'h str> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(i, _)| {
            html[i + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '>')
        })
        .map(|(i, _)| &html[i..=html[i..].find('>').map_or(html.len() - 1, |e| i + e)])
        .collect()
}

/// Whether the start tag `tag` has the attribute `name` (not merely a value or another
/// attribute containing the word).
fn has_attribute(tag: &str, name: &str) -> bool {
    let inner = tag.trim_start_matches('<').trim_end_matches('>');
    let mut quoted = false;
    let mut word = String::new();
    let mut names = Vec::new();
    for c in inner.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            ' ' | '=' => names.push(std::mem::take(&mut word)),
            c => word.push(c),
        }
    }
    names.push(word);
    names.iter().skip(1).any(|n| n == name)
}

async fn stylesheet(app: &TestApp) -> String {
    let html = app.get_path("/api/tickets/public").await.html(200);
    asset_href(&html, "css/app.css")
}
