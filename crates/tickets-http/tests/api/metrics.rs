//! `GET /metrics`: Prometheus text, staff only, counting requests and tickets.

use tickets_core::MemoryBackend;
use tickets_http::Config;
use tickets_http::metrics::Instrumented;

use crate::helpers::{spawn_app, spawn_app_with};

/// The value of a sample line `name{labels} value` whose name and labels contain `needles`.
fn sample(text: &str, needles: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| needles.iter().all(|n| l.contains(n)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[actix_web::test]
async fn metrics_are_for_staff_only() {
    let app = spawn_app().await;
    let res = app.get_path("/metrics").await;
    res.json_error(401, "unauthorized");
    let res = app.get_staff("/metrics").await;
    res.assert_status(200);
    assert!(
        res.content_type().starts_with("text/plain"),
        "{}",
        res.content_type()
    );
}

#[actix_web::test]
async fn requests_tickets_and_store_operations_are_counted() {
    let config = Config::for_tests("metrics-password");
    let app = spawn_app_with(Instrumented(MemoryBackend::new()), "memory", &config).await;
    let before = app.get_staff("/metrics").await.text();
    let taken_before = sample(&before, &["tickets_taken_total"]).unwrap_or(0.0);
    app.post_start_day().await.assert_status(200);
    for _ in 0..3 {
        app.post_take().await.assert_status(201);
    }
    app.post_call_next(Some("M")).await.assert_status(200);
    app.post_finish_current(Some("M")).await.assert_status(200);
    app.get_status().await.assert_status(200);
    let text = app.get_staff("/metrics").await.text();
    // Other tests in this process count too: compare with the figure before.
    let taken = sample(&text, &["tickets_taken_total"]).expect("tickets_taken_total");
    assert!(taken >= taken_before + 3.0, "{taken} vs {taken_before}");
    assert!(sample(&text, &["tickets_called_total"]).unwrap_or(0.0) >= 1.0);
    assert!(sample(&text, &["tickets_served_total"]).unwrap_or(0.0) >= 1.0);
    assert!(
        sample(
            &text,
            &[
                "http_requests_total",
                "route=\"/api/tickets/take\"",
                "status=\"201\""
            ]
        )
        .unwrap_or(0.0)
            >= 3.0,
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "a latency histogram"
    );
    assert!(
        sample(
            &text,
            &["store_operation_duration_seconds_count", "op=\"take\""]
        )
        .unwrap_or(0.0)
            >= 3.0
    );
    assert!(text.contains("ticket_wait_seconds_bucket"));
    assert!(text.contains("ticket_service_seconds_bucket"));
}

#[actix_web::test]
async fn unusual_methods_and_unknown_paths_share_one_label_each() {
    use actix_web::http::Method;

    let config = Config::for_tests("metrics-password");
    let app = spawn_app_with(Instrumented(MemoryBackend::new()), "memory", &config).await;
    // Methods a client makes up, each of which would be a new series if it were a label.
    for name in ["BREWCOFFEE", "XMETHOD9", "PROPFINDX"] {
        let method = Method::from_bytes(name.as_bytes()).expect("a valid method token");
        let res = app.send(app.request(method, "/api/tickets/status")).await;
        assert!(
            res.status.is_client_error(),
            "{name}: {} {}",
            res.status,
            res.text()
        );
    }
    // Paths a client makes up.
    for path in ["/random-a1b2c3", "/api/no-such-thing-d4e5", "/zz/yy/xx-f6"] {
        app.get_path(path).await.assert_status(404);
    }
    let text = app.get_staff("/metrics").await.text();
    for made_up in [
        "BREWCOFFEE",
        "XMETHOD9",
        "PROPFINDX",
        "random-a1b2c3",
        "no-such-thing-d4e5",
        "xx-f6",
    ] {
        assert!(
            !text.contains(made_up),
            "{made_up} became a metrics label:\n{text}"
        );
    }
    assert!(
        sample(
            &text,
            &[
                "http_requests_total",
                "method=\"other\"",
                "route=\"/api/tickets/status\""
            ]
        )
        .unwrap_or(0.0)
            >= 3.0,
        "{text}"
    );
    assert!(
        sample(
            &text,
            &[
                "http_requests_total",
                "method=\"GET\"",
                "route=\"unmatched\"",
                "status=\"404\""
            ]
        )
        .unwrap_or(0.0)
            >= 3.0,
        "{text}"
    );
}
