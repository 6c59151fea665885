//! The dashboard and the board: logs, desks, figures, labels and charts.

use super::*;

#[actix_web::test]
async fn the_dashboard_lists_logs_desks_and_figures() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    app.take().await;
    app.post_call_next(Some("guichet-7"))
        .await
        .assert_status(200);
    let res = app.get_staff("/api/dashboard").await;
    let html = assert_clean_page(&res, 200);
    assert!(html.contains("Tableau de bord"));
    assert!(
        html.contains(r#"<th scope="row" data-desk="guichet-7">Guichet guichet-7</th>"#),
        "the desk is listed: {html}"
    );
    for words in ["Ouverture", "Ticket pris", "Appel"] {
        assert!(html.contains(words), "log line {words:?}");
    }
    assert!(html.contains("data-chart="), "the chart's data");
    assert!(html.contains("uPlot"), "the vendored chart library");
    let en = app
        .send(
            app.as_staff(app.get("/api/dashboard"))
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await;
    let html = assert_clean_page(&en, 200);
    assert!(html.contains("Dashboard") && html.contains("Ticket taken"));
}

#[actix_web::test]
async fn the_board_shows_labels_and_desk_names() {
    let app = spawn_office(office(|_| {})).await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    kiosk_take(&app, &[("service_type", "courrier")]).await;
    app.post_console(&[("action", "call_next"), ("desk", "2")])
        .await
        .assert_status(303);
    app.post_console(&[("action", "call_ticket"), ("desk", "4"), ("ticket", "2")])
        .await
        .assert_status(303);
    app.post_console(&[("action", "finish"), ("desk", "2")])
        .await
        .assert_status(303);
    let html = assert_clean_page(&app.get_path("/api/tickets/display").await, 200);
    assert!(
        html.contains(r#"<p class="now-number wide" data-now-number>A001</p>"#),
        "{html}"
    );
    assert!(html.contains(r#"<strong data-now-desk>Guichet 4</strong>"#));
    // The finished ticket keeps its label in the list.
    assert!(html.contains(r#"data-n="1" data-label="B001""#), "{html}");
    assert!(html.contains(r#"data-say="Ticket {n}, {d}""#));
    assert!(
        html.contains(r#"&quot;4&quot;:&quot;Guichet 4&quot;"#)
            || html.contains(r#""4":"Guichet 4""#)
    );
    let en = app
        .send(
            app.get("/api/tickets/display")
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await;
    let html = assert_clean_page(&en, 200);
    assert!(
        html.contains(r#"<strong data-now-desk>Desk 4</strong>"#),
        "{html}"
    );
    assert!(html.contains("Parcels"));
}

#[actix_web::test]
async fn the_dashboard_shows_each_services_figures_and_chart_data() {
    let app = spawn_office(office(|_| {})).await;
    kiosk_take(
        &app,
        &[("service_type", "courrier"), ("priority", "prioritaire")],
    )
    .await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    kiosk_take(&app, &[("service_type", "colis")]).await;
    app.post_console(&[("action", "call_next"), ("desk", "3")])
        .await
        .assert_status(303);
    app.post_console(&[("action", "finish"), ("desk", "3")])
        .await
        .assert_status(303);
    let html = assert_clean_page(&app.get_staff("/api/dashboard").await, 200);
    for code in ["courrier", "colis", "banque"] {
        assert!(
            html.contains(&format!(r#"<tr data-service="{code}">"#)),
            "{code}: {html}"
        );
    }
    assert!(
        html.contains("1 prioritaire (mobilité réduite, grossesse)"),
        "{html}"
    );
    assert!(html.contains("(≤ 15 min)"), "the target of parcels");
    assert!(
        html.contains("100 %"),
        "the parcel called within its target"
    );
    assert!(html.contains("data-service-chart="));
    assert!(
        html.contains(r#"&quot;code&quot;:&quot;colis&quot;"#)
            || html.contains(r#""code":"colis""#)
    );
    assert!(
        html.contains("<th scope=\"row\">A001</th>"),
        "the queue by label: {html}"
    );
    assert!(html.contains("<th scope=\"row\">B002</th>"));
}
