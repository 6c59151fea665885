//! The reports page `/api/admin/reports` (managers): who may see it, its languages, its
//! filters and their errors, the CSV link with the same filters, and the figures of a few
//! tickets.

use actix_web::cookie::Cookie;
use serde_json::json;

use crate::helpers::{TestApp, TestResponse, spawn_app};

/// The password of the accounts these tests create.
const PASSWORD: &str = "une phrase de passe assez longue";

/// Creates `username` with `role` as the administrator, and signs it in.
async fn signed_in_as(app: &TestApp, username: &str, role: &str) -> Cookie<'static> {
    let body = json!({
        "username": username,
        "display_name": format!("{username} Martin"),
        "role": role,
        "password": PASSWORD,
    });
    app.post_staff("/api/accounts", &body.to_string())
        .await
        .assert_status(201);
    app.login_as(username, PASSWORD).await
}

/// `GET uri` with `cookie`.
async fn get_as(app: &TestApp, cookie: &Cookie<'static>, uri: &str) -> TestResponse {
    app.send(app.get(uri).cookie(cookie.clone())).await
}

/// The text of the headline figure labelled `label` (`<dt>label</dt><dd>…`), up to its
/// first tag.
fn figure<'p>(page: &'p str, label: &str) -> &'p str {
    let start = format!("<dt>{label}</dt><dd>");
    let at = page
        .find(&start)
        .unwrap_or_else(|| panic!("no figure {label:?} in {page}"))
        + start.len();
    let rest = &page[at..];
    rest[..rest.find('<').unwrap_or(rest.len())].trim_end()
}

#[actix_web::test]
async fn the_reports_page_is_for_managers_and_sends_others_to_sign_in() {
    let app = spawn_app().await;
    let res = app.get_path("/api/admin/reports?from=2026-11-01").await;
    res.assert_status(303);
    assert!(
        res.location()
            .starts_with("/api/login?next=%2Fapi%2Fadmin%2Freports")
            || res
                .location()
                .starts_with("/api/login?next=/api/admin/reports"),
        "{}",
        res.location()
    );

    let agent = signed_in_as(&app, "agent-r", "agent").await;
    let page = get_as(&app, &agent, "/api/admin/reports").await.html(403);
    assert!(page.contains("Accès réservé"), "{page}");
    let console = get_as(&app, &agent, "/api/tickets/staff").await.html(200);
    assert!(
        !console.contains("/api/admin/reports"),
        "an agent sees the link"
    );

    let manager = signed_in_as(&app, "chef-r", "manager").await;
    let page = get_as(&app, &manager, "/api/admin/reports").await.html(200);
    assert!(page.contains("<h1>Rapports</h1>"), "{page}");
    let dashboard = get_as(&app, &manager, "/api/dashboard").await.html(200);
    assert!(
        dashboard.contains("href=\"/api/admin/reports\""),
        "no link in the nav"
    );
    assert!(
        page.contains("href=\"/api/admin/reports\" aria-current=\"page\""),
        "the nav marks the page"
    );
}

#[actix_web::test]
async fn the_page_speaks_french_by_default_and_english_on_request() {
    let app = spawn_app().await;
    let fr = app.get_staff("/api/admin/reports").await.html(200);
    assert!(fr.contains("<html lang=\"fr\""), "{fr}");
    for text in [
        "<h1>Rapports</h1>",
        "Télécharger CSV",
        "7 derniers jours",
        "Le mois dernier",
        "Tickets pris",
        "Attente médiane",
        "Dans l'objectif",
        "Imprimer",
        "<label for=\"filter-from\">Du</label>",
    ] {
        assert!(fr.contains(text), "{text:?} missing in {fr}");
    }
    let en = app.get_staff("/api/admin/reports?lang=en").await.html(200);
    assert!(en.contains("<html lang=\"en\""));
    for text in [
        "<h1>Reports</h1>",
        "Download CSV",
        "Last 7 days",
        "Last month",
        "Tickets taken",
        "Median wait",
        "Within target",
        "Print",
        "<label for=\"filter-from\">From</label>",
    ] {
        assert!(en.contains(text), "{text:?} missing in {en}");
    }
    assert!(!en.contains("Rapports"), "French left in the English page");
}

#[actix_web::test]
async fn a_bad_filter_is_said_next_to_its_field_with_a_422() {
    let app = spawn_app().await;
    let page = app
        .get_staff("/api/admin/reports?from=hier")
        .await
        .html(422);
    assert!(
        page.contains("<p class=\"field-error\" id=\"filter-from-error\">")
            && page.contains("AAAA-MM-JJ"),
        "{page}"
    );
    assert!(
        page.contains("aria-describedby=\"filter-from-error\""),
        "{page}"
    );
    assert!(!page.contains("tickets.csv"), "a CSV link for a bad query");

    let page = app
        .get_staff("/api/admin/reports?from=2026-11-30&to=2026-11-01&lang=en")
        .await
        .html(422);
    assert!(
        page.contains("id=\"filter-from-error\"") && page.contains("comes after the last one"),
        "{page}"
    );
    // The form shows back what was given.
    assert!(page.contains("value=\"2026-11-30\""), "{page}");
}

#[actix_web::test]
async fn the_csv_link_and_the_quick_ranges_keep_the_filters() {
    let app = spawn_app().await;
    let today = app.today().await;
    let page = app
        .get_staff(&format!(
            "/api/admin/reports?from={today}&to={today}&service=poste&desk=2"
        ))
        .await
        .html(200);
    let csv = format!(
        "/api/reports/tickets.csv?from={today}&amp;to={today}&amp;service=poste&amp;desk=2"
    );
    assert!(page.contains(&format!("href=\"{csv}\"")), "{page}");
    // "Today" is the range shown, and keeps the service and the desk.
    assert!(
        page.contains(&format!(
            "href=\"/api/admin/reports?from={today}&amp;to={today}&amp;service=poste&amp;desk=2\" aria-current=\"true\""
        )),
        "{page}"
    );
    let res = app.get_staff(&csv.replace("&amp;", "&")).await;
    res.assert_status(200);
    assert!(res.content_type().starts_with("text/csv"));

    // Without parameters: the last 7 days, written out in the link.
    let page = app.get_staff("/api/admin/reports").await.html(200);
    assert!(
        page.contains("/api/reports/tickets.csv?from=")
            && page.contains(&format!("&amp;to={today}\"")),
        "{page}"
    );
}

#[actix_web::test]
async fn the_figures_of_a_few_tickets_appear() {
    let app = spawn_app().await;
    app.open_day().await;
    for _ in 0..5 {
        app.take().await;
    }
    app.post_call_next(Some("1")).await.assert_status(200);
    app.post_finish_current(Some("1")).await.assert_status(200);
    app.post_call_next(Some("2")).await.assert_status(200);
    app.post_no_show(Some("2")).await.assert_status(200);
    app.post_call_next(Some("1")).await.assert_status(200);
    app.post_finish_current(Some("1")).await.assert_status(200);
    app.post_call_next(Some("2")).await.assert_status(200);
    // 5 taken: 2 served at desk 1, 1 no-show at desk 2, 1 at desk 2, 1 waiting.

    let today = app.today().await;
    let page = app
        .get_staff(&format!("/api/admin/reports?from={today}&to={today}"))
        .await
        .html(200);
    assert_eq!(figure(&page, "Tickets pris"), "5");
    assert_eq!(figure(&page, "Servis"), "2");
    assert_eq!(figure(&page, "Absents"), "1");
    assert_eq!(figure(&page, "Non servis"), "0");
    assert_eq!(figure(&page, "En attente maintenant"), "1");
    assert!(page.contains("+ 1 au guichet"), "{page}");
    // Waits of a few milliseconds: 0:00, as minutes:seconds.
    assert_eq!(figure(&page, "Attente médiane"), "0:00");
    // The desks' table, the heat map (one hour of one weekday, the darkest) and the
    // charts' data.
    assert!(
        page.contains(
            "<th scope=\"row\">Guichet 1</th><td class=\"num\">2</td><td class=\"num\">2</td>"
        ),
        "{page}"
    );
    assert!(page.contains("<th scope=\"row\">Guichet 2</th><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">1</td>"), "{page}");
    assert!(
        page.contains("<td class=\"heat-5\"><span class=\"heat-count\">5</span>"),
        "{page}"
    );
    assert!(page.contains("<script type=\"application/json\" id=\"report-data\">"));
    let data_at = page.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
    let data_end = data_at + page[data_at..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[data_at..data_end]).unwrap();
    assert_eq!(data["services"][0]["values"], json!([5]));
    assert_eq!(data["days"].as_array().map(Vec::len), Some(1));

    // The desk filter: only the tickets called to desk 2.
    let page = app
        .get_staff(&format!(
            "/api/admin/reports?from={today}&to={today}&desk=2&lang=en"
        ))
        .await
        .html(200);
    assert_eq!(figure(&page, "Tickets taken"), "2");
    assert_eq!(figure(&page, "Served"), "0");
    assert_eq!(figure(&page, "No-shows"), "1");

    // A range without tickets says so.
    let page = app
        .get_staff("/api/admin/reports?from=2020-01-01&to=2020-01-31")
        .await
        .html(200);
    assert!(page.contains("Aucun ticket sur cette période"), "{page}");
    assert_eq!(figure(&page, "Tickets pris"), "0");
}
