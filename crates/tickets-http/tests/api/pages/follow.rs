//! A ticket's own page, and the page of a ticket that does not exist.

use super::*;

#[actix_web::test]
async fn the_follow_page_shows_the_number_the_position_and_a_qr_code_at_the_kiosk() {
    let app = spawn_app().await;
    app.open_day().await;
    for _ in 0..3 {
        app.take().await;
    }
    let day = app.today().await;
    let kiosk = app
        .get_path(&format!("/api/tickets/follow/{day}/3?kiosk=1"))
        .await;
    let html = assert_clean_page(&kiosk, 200);
    assert!(html.contains(r#"<p class="ticket-number""#));
    assert!(html.contains(">3</p>"), "the number is shown");
    assert!(html.contains("2 personnes avant vous."), "{html}");
    assert!(html.contains("Attente estimée"));
    assert!(html.contains("<svg"), "a QR code");
    assert!(html.contains(&format!("http://localhost/api/tickets/follow/{day}/3")));
    assert_eq!(kiosk.header("cache-control"), Some("no-store"));

    let phone = app.get_path(&format!("/api/tickets/follow/{day}/1")).await;
    let html = assert_clean_page(&phone, 200);
    assert!(html.contains("Vous êtes le prochain."));
    assert!(!html.contains("<svg"), "no QR code on the phone");

    app.post_call_next(Some("B")).await.assert_status(200);
    let called = app
        .send(
            app.get(&format!("/api/tickets/follow/{day}/1"))
                .insert_header((header::ACCEPT_LANGUAGE, "en")),
        )
        .await;
    let html = assert_clean_page(&called, 200);
    assert!(html.contains("It's your turn! Please go to desk"), "{html}");
    assert!(html.contains("<strong>B</strong>"));
}

#[actix_web::test]
async fn an_unknown_ticket_has_a_404_page() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    let day = app.today().await;
    for path in [
        format!("/api/tickets/follow/{day}/2"),
        format!("/api/tickets/follow/{day}/0"),
        format!("/api/tickets/follow/{day}/abc"),
        "/api/tickets/follow/2001-01-01/1".to_owned(),
        "/api/tickets/follow/not-a-day/1".to_owned(),
    ] {
        let res = app.get_path(&path).await;
        let html = assert_clean_page(&res, 404);
        assert!(html.contains("Ticket introuvable"), "{path}: {html}");
    }
}
