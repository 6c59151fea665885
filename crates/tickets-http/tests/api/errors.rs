//! Every error answer: a proper status code and a JSON body `{"error", "message"}`, never
//! HTML, never a 500 for a client's mistake; English with `Accept-Language: en`.

use actix_web::http::Method;
use actix_web::http::header;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{BODY_LIMIT, TestApp, assert_security_headers, spawn_app, spawn_server};

/// Every staff JSON endpoint, with its method.
const STAFF_ENDPOINTS: [(&str, &str); 8] = [
    ("GET", "/api/tickets/snapshot"),
    ("POST", "/api/tickets/start-day"),
    ("POST", "/api/tickets/end-day"),
    ("POST", "/api/tickets/reset-day"),
    ("POST", "/api/tickets/call-next"),
    ("POST", "/api/tickets/finish-current"),
    ("POST", "/api/tickets/recall"),
    ("POST", "/api/tickets/no-show"),
];

/// The endpoints that read a JSON body, as staff where needed.
const BODY_ENDPOINTS: [&str; 5] = [
    "/api/tickets/take",
    "/api/tickets/call-next",
    "/api/tickets/finish-current",
    "/api/tickets/recall",
    "/api/tickets/no-show",
];

async fn post_body(
    app: &TestApp,
    path: &str,
    body: impl Into<Vec<u8>>,
) -> crate::helpers::TestResponse {
    let req = app
        .post(path)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload(body.into());
    app.send(app.as_staff(req)).await
}

#[actix_web::test]
async fn malformed_json_is_a_400_on_every_endpoint_that_reads_a_body() {
    let app = spawn_app().await;
    app.open_day().await;
    for path in BODY_ENDPOINTS {
        for body in [
            "{",
            "{\"desk\": }",
            "not json",
            "{\"desk\": \"A\"} trailing",
        ] {
            let res = post_body(&app, path, body).await;
            res.json_error(400, "malformed_json");
        }
    }
    assert_eq!(
        app.get_status().await.json()["total_tickets"],
        0,
        "no ticket made from a bad body"
    );
}

#[actix_web::test]
async fn a_body_that_is_not_utf8_is_a_400_and_makes_no_ticket() {
    let app = spawn_app().await;
    app.open_day().await;
    for path in BODY_ENDPOINTS {
        let res = post_body(&app, path, vec![b'{', 0xff, 0xfe, b'}']).await;
        res.json_error(400, "invalid_utf8");
    }
    assert_eq!(app.get_status().await.json()["total_tickets"], 0);
}

#[actix_web::test]
async fn invalid_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    app.open_day().await;
    let cases: [(&str, &str, &str); 9] = [
        ("/api/tickets/call-next", r#"{"desk": "guichet 3"}"#, "desk"),
        (
            "/api/tickets/call-next",
            r#"{"desk": "abcdefghijklmnopq"}"#,
            "desk",
        ),
        ("/api/tickets/call-next", r#"{"desk": ""}"#, "desk"),
        ("/api/tickets/finish-current", r#"{"desk": 3}"#, "desk"),
        ("/api/tickets/recall", r#"{"desk": ["A"]}"#, "desk"),
        (
            "/api/tickets/take",
            r#"{"service_type": "<script>"}"#,
            "service_type",
        ),
        (
            "/api/tickets/take",
            r#"{"service_type": ""}"#,
            "service_type",
        ),
        (
            "/api/tickets/take",
            r#"{"service_type": 7}"#,
            "service_type",
        ),
        ("/api/tickets/take", "[1, 2]", "body"),
    ];
    for (path, body, field) in cases {
        let res = post_body(&app, path, body).await;
        let err = res.json_error(422, "invalid_field");
        assert_eq!(err["field"], field, "{path} {body}: {err}");
    }
    post_body(&app, "/api/tickets/call-next", "[]")
        .await
        .json_error(422, "invalid_field");
    // A desk of exactly 16 characters is fine.
    post_body(
        &app,
        "/api/tickets/call-next",
        r#"{"desk": "abcdefghijklmnop"}"#,
    )
    .await
    .assert_status(200);
    assert_eq!(app.get_status().await.json()["total_tickets"], 0);
}

#[actix_web::test]
async fn a_bad_idempotency_key_is_a_422() {
    let app = spawn_app().await;
    app.open_day().await;
    for key in ["has space", &"k".repeat(129)] {
        let res = app.post_take_with_key(key).await;
        let err = res.json_error(422, "invalid_field");
        assert_eq!(err["field"], "Idempotency-Key");
    }
    let non_ascii = app.post("/api/tickets/take").insert_header((
        "Idempotency-Key",
        header::HeaderValue::from_bytes("clé".as_bytes()).expect("a header value"),
    ));
    app.send(non_ascii).await.json_error(422, "invalid_field");
    app.post_take_with_key(&"k".repeat(128))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn a_ticket_number_that_is_not_a_positive_integer_is_a_422() {
    let app = spawn_app().await;
    for n in ["abc", "0", "-1", "1.5", "99999999999999999999999"] {
        let err = app.get_ticket(n).await.json_error(422, "invalid_field");
        assert_eq!(err["field"], "ticket_number", "{n}");
    }
    app.get_ticket("7")
        .await
        .json_error(404, "ticket_not_found");
}

#[actix_web::test]
async fn bad_query_parameters_are_422() {
    let app = spawn_app().await;
    app.get_path("/api/tickets/status?desk=a%20b")
        .await
        .json_error(422, "invalid_field");
    app.get_staff("/api/tickets/snapshot?waiting=many")
        .await
        .json_error(422, "invalid_field");
}

#[actix_web::test]
async fn every_staff_endpoint_answers_401_json_without_credentials() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    for (method, path) in STAFF_ENDPOINTS {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        let res = app.send(app.request(method, path)).await;
        res.json_error(401, "unauthorized");
        assert_security_headers(&res);
    }
    // Nothing was done.
    let st = app.get_status().await.json();
    assert_eq!(
        (st["open"].clone(), st["queue_length"].clone()),
        (json!(true), json!(1))
    );
}

#[actix_web::test]
async fn take_and_status_are_public() {
    let app = spawn_app().await;
    app.open_day().await;
    app.post_take().await.assert_status(201);
    app.get_status().await.assert_status(200);
    app.get_ticket("1").await.assert_status(200);
}

#[actix_web::test]
async fn cross_origin_unsafe_requests_are_refused_with_403() {
    let app = spawn_app().await;
    app.open_day().await;
    let evil = |req: actix_web::test::TestRequest| {
        req.insert_header((header::ORIGIN, "http://evil.example"))
    };
    app.send(evil(app.post("/api/tickets/take")))
        .await
        .json_error(403, "cross_origin");
    // Even with a valid staff cookie (the browser would send it along).
    for path in [
        "/api/tickets/end-day",
        "/api/tickets/call-next",
        "/api/tickets/reset-day",
    ] {
        app.send(app.as_staff(evil(app.post(path))))
            .await
            .json_error(403, "cross_origin");
    }
    // A form post from another site, without Origin but with Sec-Fetch-Site.
    let res = app
        .send(
            app.as_staff(app.post("/api/tickets/end-day"))
                .insert_header(("Sec-Fetch-Site", "cross-site")),
        )
        .await;
    res.json_error(403, "cross_origin");
    // An opaque origin is another origin.
    app.send(
        app.post("/api/tickets/take")
            .insert_header((header::ORIGIN, "null")),
    )
    .await
    .json_error(403, "cross_origin");
    // Sign-in and the kiosk form are protected too.
    app.send(evil(
        app.post("/api/login")
            .set_form([("password", crate::helpers::PASSWORD)]),
    ))
    .await
    .json_error(403, "cross_origin");
    app.send(evil(
        app.post("/api/tickets/public")
            .set_form([("idempotency_key", "x")]),
    ))
    .await
    .json_error(403, "cross_origin");

    let st = app.get_status().await.json();
    assert_eq!(st["open"], true, "the day was not ended");
    assert_eq!(st["total_tickets"], 0, "no ticket was taken");

    // The same requests from this origin pass.
    app.send(
        app.post("/api/tickets/take")
            .insert_header((header::ORIGIN, "http://localhost")),
    )
    .await
    .assert_status(201);
    app.send(
        app.as_staff(app.post("/api/tickets/call-next"))
            .insert_header((header::ORIGIN, "http://localhost"))
            .insert_header(("Sec-Fetch-Site", "same-origin")),
    )
    .await
    .assert_status(200);
    // Reading is not refused: GET from another site changes nothing.
    app.send(
        app.get("/api/tickets/status")
            .insert_header((header::ORIGIN, "http://evil.example")),
    )
    .await
    .assert_status(200);
}

#[actix_web::test]
async fn a_host_that_is_not_allowed_is_a_400() {
    let app = spawn_app().await;
    for host in ["evil.example", "localhost.evil.example", ""] {
        let req = actix_web::test::TestRequest::get()
            .uri("/api/tickets/status")
            .insert_header((header::HOST, host));
        let res = app.send(req).await;
        res.json_error(400, "bad_host");
        assert_security_headers(&res);
    }
    // With a port, and the other allowed names.
    for host in [
        "localhost:8000",
        "127.0.0.1:8000",
        "[::1]:8000",
        "LOCALHOST",
    ] {
        let req = actix_web::test::TestRequest::get()
            .uri("/api/tickets/status")
            .insert_header((header::HOST, host));
        app.send(req).await.assert_status(200);
    }
    // Health probes answer whatever the Host (load balancers probe by IP).
    let probe = actix_web::test::TestRequest::get()
        .uri("/healthz")
        .insert_header((header::HOST, "10.0.0.7:8000"));
    app.send(probe).await.assert_status(200);
}

#[actix_web::test]
async fn an_unknown_path_is_a_404_in_json() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/tickets/nope",
        "/api/tickets/status/extra",
        "/assets/css/none.css",
    ] {
        let res = app.get_path(path).await;
        res.json_error(404, "not_found");
        assert_security_headers(&res);
    }
    app.send(app.post("/api/nope"))
        .await
        .json_error(404, "not_found");
}

#[actix_web::test]
async fn a_wrong_method_is_a_405_with_allow() {
    let app = spawn_app().await;
    let cases: [(Method, &str, &str); 10] = [
        (Method::GET, "/api/tickets/take", "POST"),
        (Method::POST, "/api/tickets/status", "GET"),
        (Method::POST, "/api/tickets/snapshot", "GET"),
        (Method::DELETE, "/api/tickets/call-next", "POST"),
        (Method::PUT, "/api/tickets/call-next", "POST"),
        (Method::PATCH, "/api/tickets/finish-current", "POST"),
        (Method::HEAD, "/api/tickets/take", "POST"),
        (Method::OPTIONS, "/api/tickets/take", "POST"),
        (Method::OPTIONS, "/api/tickets/status", "GET"),
        (Method::DELETE, "/api/tickets/public", "GET, POST"),
    ];
    for (method, path, allow) in cases {
        let res = app.send(app.request(method.clone(), path)).await;
        res.assert_status(405);
        assert_eq!(res.header("allow"), Some(allow), "{method} {path}");
        if method != Method::HEAD {
            res.json_error(405, "method_not_allowed");
        }
    }
    // A wrong method changes nothing, even as staff.
    app.send(app.as_staff(app.request(Method::PUT, "/api/tickets/start-day")))
        .await
        .assert_status(405);
    assert_eq!(app.get_status().await.json()["open"], false);
}

fn oversized() -> Vec<u8> {
    let mut body = br#"{"service_type": ""#.to_vec();
    body.resize(BODY_LIMIT + 1024, b'a');
    body.extend_from_slice(br#""}"#);
    body
}

#[actix_web::test]
async fn a_body_over_16_kib_is_a_413_with_content_length() {
    let app = spawn_app().await;
    app.open_day().await;
    for path in BODY_ENDPOINTS {
        let res = post_body(&app, path, oversized()).await;
        let err = res.json_error(413, "payload_too_large");
        assert_eq!(err["limit_bytes"], BODY_LIMIT);
    }
    // Just under the limit is read (and judged on its content).
    let mut fits = br#"{"desk": "A", "pad": ""#.to_vec();
    fits.resize(BODY_LIMIT - 2, b'a');
    fits.extend_from_slice(br#""}"#);
    assert_eq!(fits.len(), BODY_LIMIT);
    post_body(&app, "/api/tickets/call-next", fits)
        .await
        .assert_status(200);
    assert_eq!(app.get_status().await.json()["total_tickets"], 0);
}

#[actix_web::test]
async fn a_body_over_16_kib_is_a_413_without_content_length() {
    let app = spawn_app().await;
    app.open_day().await;
    for path in ["/api/tickets/take", "/api/tickets/call-next"] {
        let req = app.as_staff(
            app.post(path)
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(oversized()),
        );
        let res = app
            .send_with(req, |h| {
                h.remove(header::CONTENT_LENGTH);
            })
            .await;
        res.json_error(413, "payload_too_large");
    }
    // A lying Content-Length does not let more through.
    let req = app.post("/api/tickets/take").set_payload(oversized());
    let res = app
        .send_with(req, |h| {
            h.insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from_static("10"),
            );
        })
        .await;
    assert!(
        matches!(res.status.as_u16(), 400 | 413),
        "a body longer than announced is refused: {} {}",
        res.status,
        res.text()
    );
    assert_eq!(app.get_status().await.json()["total_tickets"], 0);
}

#[actix_web::test]
async fn the_kiosk_form_over_16_kib_is_a_413() {
    let app = spawn_app().await;
    app.open_day().await;
    let pad = "a".repeat(BODY_LIMIT + 10);
    let res = app
        .post_kiosk(&[("idempotency_key", "k"), ("pad", &pad)])
        .await;
    res.json_error(413, "payload_too_large");
    assert_eq!(app.get_status().await.json()["total_tickets"], 0);
}

#[actix_web::test]
async fn a_chunked_body_over_16_kib_is_a_413_on_a_real_socket() {
    let (port, handle) = spawn_server(&tickets_http::Config::for_tests("mot-de-passe-de-test"));
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the server accepts");
    let head = "POST /api/tickets/take HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
                Connection: close\r\n\r\n";
    let mut request = head.as_bytes().to_vec();
    let body = oversized();
    for chunk in body.chunks(4096) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything: a failed write is fine.
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    handle.stop(true).await;
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "expected a 413, got: {answer}"
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
    assert!(answer.contains("\"payload_too_large\""), "{answer}");
}

#[actix_web::test]
async fn a_small_chunked_body_is_read_on_a_real_socket() {
    let (port, handle) = spawn_server(&tickets_http::Config::for_tests("mot-de-passe-de-test"));
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the server accepts");
    let request = "POST /api/tickets/take HTTP/1.1\r\nHost: localhost\r\n\
                   Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
                   Connection: close\r\n\r\n1\r\n{\r\n0\r\n\r\n";
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("an answer");
    handle.stop(true).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"malformed_json\""), "{answer}");
}

#[actix_web::test]
async fn take_on_a_closed_day_is_a_409_with_the_original_fields() {
    let app = spawn_app().await;
    let err = app.post_take().await.json_error(409, "day_closed");
    assert_eq!(err["closed"], true);
    assert_eq!(err["message"], "Service fermé, revenez demain");
}

#[actix_web::test]
async fn error_messages_are_in_english_when_asked() {
    let app = spawn_app().await;
    let en = |req: actix_web::test::TestRequest| req.insert_header(("Accept-Language", "en"));
    let cases = [
        (
            app.send(en(app.post("/api/tickets/take"))).await,
            409,
            "day_closed",
            "Service closed, come back tomorrow",
        ),
        (
            app.send(en(app.get("/nope"))).await,
            404,
            "not_found",
            "There is nothing at this address.",
        ),
        (
            app.send(en(app.get("/api/tickets/take"))).await,
            405,
            "method_not_allowed",
            "Method not allowed here; use POST.",
        ),
        (
            app.send(en(app.post("/api/tickets/start-day"))).await,
            401,
            "unauthorized",
            "Staff only: sign in at /api/login or send a Bearer token.",
        ),
        (
            app.send(en(app
                .post("/api/tickets/take")
                .insert_header((header::ORIGIN, "http://evil.example"))))
                .await,
            403,
            "cross_origin",
            "Request refused: it comes from another site.",
        ),
        (
            app.send(en(actix_web::test::TestRequest::get()
                .uri("/api/tickets/status")
                .insert_header((header::HOST, "evil.example"))))
                .await,
            400,
            "bad_host",
            "Host \"evil.example\" is not allowed (TICKETS_ALLOWED_HOSTS).",
        ),
    ];
    for (res, status, code, message) in cases {
        let err = res.json_error(status, code);
        assert_eq!(err["message"], message, "{code}");
    }
    let too_big = app
        .send(en(app.post("/api/tickets/take").set_payload(oversized())))
        .await
        .json_error(413, "payload_too_large");
    assert!(
        too_big["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("The request body is larger")
    );
    let bad = app
        .send(en(app.post_json("/api/tickets/take", "{")))
        .await
        .json_error(400, "malformed_json");
    assert!(
        bad["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("The request body is not valid JSON")
    );
    let field = app
        .send(en(
            app.post_json("/api/tickets/take", r#"{"service_type": "a b"}"#)
        ))
        .await
        .json_error(422, "invalid_field");
    assert!(
        field["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("A service is")
    );
    // ?lang=en works too, and French stays the default.
    let res = app
        .get_path("/nope?lang=en")
        .await
        .json_error(404, "not_found");
    assert_eq!(res["message"], "There is nothing at this address.");
    let res = app.get_path("/nope").await.json_error(404, "not_found");
    assert_eq!(res["message"], "Cette adresse n'existe pas.");
}

#[actix_web::test]
async fn an_empty_ticket_segment_does_not_reach_the_handler() {
    let app = spawn_app().await;
    app.get_path("/api/tickets/ticket/")
        .await
        .json_error(404, "not_found");
}
