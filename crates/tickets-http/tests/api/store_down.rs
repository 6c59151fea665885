//! Failure paths through the mockall mock of `QueueBackend`: a store that does not answer
//! gives 503, a store that answers nonsense gives an opaque 500; nothing panics and
//! nothing internal leaks.

use std::io;

use tickets_core::{Error, MockQueueBackend};

use crate::helpers::{assert_security_headers, spawn_mock_app};

fn down() -> Error {
    Error::Unavailable(Box::new(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "connection refused to 10.1.2.3:6379",
    )))
}

/// A mock whose every store operation fails with `err()`.
fn failing(err: fn() -> Error) -> MockQueueBackend {
    let mut mock = MockQueueBackend::new();
    mock.expect_status()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_take()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_call_next()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_finish()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_recall()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_no_show()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_open_day()
        .returning(move |_| Box::pin(async move { Err(err()) }));
    mock.expect_close_day()
        .returning(move |_| Box::pin(async move { Err(err()) }));
    mock.expect_reset_day()
        .returning(move |_| Box::pin(async move { Err(err()) }));
    mock.expect_snapshot()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_ticket()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_ping()
        .returning(move || Box::pin(async move { Err(err()) }));
    mock.expect_call()
        .returning(move |_, _, _| Box::pin(async move { Err(err()) }));
    mock.expect_transfer()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_requeue()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_reload_office()
        .returning(move || Box::pin(async move { Err(err()) }));
    mock.expect_put_office()
        .returning(move |_, _, _| Box::pin(async move { Err(err()) }));
    mock.expect_close_history()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock.expect_history()
        .returning(move |_, _| Box::pin(async move { Err(err()) }));
    mock
}

#[actix_web::test]
async fn an_unavailable_store_gives_503_json_on_every_endpoint() {
    let app = spawn_mock_app(failing(down)).await;
    let cases = [
        app.get_status().await,
        app.post_take().await,
        app.post_call_next(None).await,
        app.post_finish_current(Some("A")).await,
        app.post_recall(None).await,
        app.post_no_show(None).await,
        app.post_start_day().await,
        app.post_end_day().await,
        app.post_reset_day().await,
        app.get_snapshot().await,
        app.get_ticket("1").await,
        app.post_call("A", 1).await,
        app.post_transfer(&serde_json::json!({"ticket": 1, "service": "colis"}))
            .await,
        app.post_requeue(1).await,
        app.get_config().await,
        app.put_config(&crate::services::office().to_string(), Some("\"1\""))
            .await,
        app.post_take_for("colis", Some("prioritaire")).await,
        app.get_staff("/api/reports").await,
        app.get_staff("/api/reports/tickets.csv").await,
    ];
    for res in cases {
        let err = res.json_error(503, "store_unavailable");
        assert_security_headers(&res);
        let text = res.text();
        assert!(
            !text.contains("10.1.2.3"),
            "the cause stays in the logs: {text}"
        );
        assert!(
            err["message"]
                .as_str()
                .unwrap_or_default()
                .contains("indisponible")
        );
    }
    let en = app
        .send(
            app.get("/api/tickets/status")
                .insert_header(("Accept-Language", "en")),
        )
        .await
        .json_error(503, "store_unavailable");
    assert_eq!(
        en["message"],
        "The ticket store is unavailable right now. Try again in a moment."
    );
}

#[actix_web::test]
async fn readiness_is_503_when_the_store_does_not_answer() {
    let app = spawn_mock_app(failing(down)).await;
    let res = app.get_readyz().await;
    let err = res.json_error(503, "store_unavailable");
    assert_eq!(err["store"], "mock");
    assert!(!res.text().contains("10.1.2.3"));
    // Liveness does not depend on the store.
    let live = app.get_healthz().await;
    live.assert_status(200);
    assert_eq!(live.json()["status"], "ok");
}

#[actix_web::test]
async fn readiness_is_200_when_the_store_answers() {
    let mut mock = MockQueueBackend::new();
    mock.expect_ping()
        .times(1)
        .returning(|| Box::pin(async { Ok(()) }));
    let app = spawn_mock_app(mock).await;
    let res = app.get_readyz().await;
    res.assert_status(200);
    assert_eq!(
        res.json(),
        serde_json::json!({"status": "ready", "store": "mock"})
    );
}

fn corrupt() -> Error {
    Error::corrupt("tickets:{2026-11-24}:queue", "SECRET-DETAIL not a list")
}

fn backend_failure() -> Error {
    Error::Backend(Box::new(io::Error::other(
        "ERR SECRET-DETAIL unknown command in lua script",
    )))
}

#[actix_web::test]
async fn corrupt_data_gives_an_opaque_500() {
    for err in [corrupt as fn() -> Error, backend_failure] {
        let app = spawn_mock_app(failing(err)).await;
        for res in [
            app.get_status().await,
            app.post_take().await,
            app.post_call_next(None).await,
            app.get_snapshot().await,
            app.get_ticket("2").await,
            app.post_call("A", 2).await,
            app.post_requeue(2).await,
            app.get_config().await,
        ] {
            let body = res.json_error(500, "internal_error");
            assert_eq!(body["message"], "Erreur interne du serveur.");
            assert_eq!(
                body.as_object().map(|o| o.len()),
                Some(2),
                "nothing but error and message: {body}"
            );
            let text = res.text();
            for leak in ["SECRET", "tickets:", "lua", "queue"] {
                assert!(!text.contains(leak), "{leak:?} leaked: {text}");
            }
            assert_security_headers(&res);
        }
    }
}

#[actix_web::test]
async fn pages_explain_an_unavailable_store_in_html() {
    let app = spawn_mock_app(failing(down)).await;
    for res in [
        app.get_path("/api/tickets/public").await,
        app.get_staff("/api/tickets/staff").await,
        app.get_staff("/api/dashboard").await,
        app.post_kiosk(&[("idempotency_key", "k-1")]).await,
        app.get_path(&format!(
            "/api/tickets/follow/{}/1",
            chrono::Utc::now().date_naive()
        ))
        .await,
    ] {
        let html = res.html(503);
        assert!(
            html.contains("Service momentanément indisponible"),
            "{html}"
        );
        assert!(!html.contains("10.1.2.3"));
        assert_security_headers(&res);
    }
}

#[actix_web::test]
async fn a_console_action_on_an_unavailable_store_comes_back_with_the_outcome() {
    let app = spawn_mock_app(failing(down)).await;
    let res = app
        .post_console(&[("action", "call_next"), ("desk", "A")])
        .await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/tickets/staff?done=unavailable&desk=A");
}

#[actix_web::test]
async fn a_client_mistake_never_reaches_the_store() {
    // The mock expects no store call: any would panic.
    let app = spawn_mock_app(MockQueueBackend::new()).await;
    app.send(app.post_json("/api/tickets/take", "{"))
        .await
        .json_error(400, "malformed_json");
    app.post_call_next(Some("a b"))
        .await
        .json_error(422, "invalid_field");
    app.get_ticket("0").await.json_error(422, "invalid_field");
    app.post_staff("/api/tickets/call", r#"{"desk": "A"}"#)
        .await
        .json_error(422, "invalid_field");
    app.post_transfer(&serde_json::json!({"ticket": 1, "service": "colis", "position": "up"}))
        .await
        .json_error(422, "invalid_field");
    app.put_config(&crate::services::office().to_string(), Some("v1"))
        .await
        .json_error(422, "invalid_field");
    app.put_config("[", None)
        .await
        .json_error(400, "malformed_json");
    app.post_take_json(r#"{"priority": "a b"}"#)
        .await
        .json_error(422, "invalid_field");
    app.send(app.post("/api/tickets/start-day"))
        .await
        .json_error(401, "unauthorized");
}

/// What the logs got, as text, from a subscriber set on this thread (the app runs on it).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Logs with `filter` on this thread while `f`'s future runs; what they wrote.
    async fn logs<F: std::future::Future<Output = ()>>(filter: &str, f: F) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        f.await;
        drop(guard);
        let bytes = captured.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[actix_web::test]
async fn a_failure_is_logged_with_its_route_without_a_request_span() {
    let logs = Captured::logs("info", async {
        let app = spawn_mock_app(failing(down)).await;
        app.post_take().await.json_error(503, "store_unavailable");
        let app = spawn_mock_app(failing(corrupt)).await;
        app.get_ticket("2").await.json_error(500, "internal_error");
    })
    .await;
    let unavailable = logs
        .lines()
        .find(|l| l.contains("request not served"))
        .unwrap_or_else(|| panic!("no warning for the 503: {logs}"));
    assert!(unavailable.contains("WARN"), "{unavailable}");
    for part in ["POST", "/api/tickets/take", "503"] {
        assert!(unavailable.contains(part), "{part} missing: {unavailable}");
    }
    let failure = logs
        .lines()
        .find(|l| l.contains("server error"))
        .unwrap_or_else(|| panic!("no error for the 500: {logs}"));
    assert!(failure.contains("ERROR"), "{failure}");
    for part in [
        "GET",
        "/api/tickets/ticket/{n}",
        "/api/tickets/ticket/2",
        "500",
    ] {
        assert!(failure.contains(part), "{part} missing: {failure}");
    }
    // At the default level the request span is not made (item 32 of docs/benchmarks.md).
    assert!(!logs.contains("HTTP request"), "{logs}");
}

#[actix_web::test]
async fn the_request_span_comes_at_the_debug_level() {
    let logs = Captured::logs("info,tickets_http::middleware=debug", async {
        let app = spawn_mock_app(failing(down)).await;
        app.post_take().await.json_error(503, "store_unavailable");
    })
    .await;
    let line = logs
        .lines()
        .find(|l| l.contains("store unavailable"))
        .unwrap_or_else(|| panic!("no warning from the store: {logs}"));
    assert!(line.contains("HTTP request"), "no span around it: {line}");
    assert!(line.contains("/api/tickets/take"), "{line}");
}
