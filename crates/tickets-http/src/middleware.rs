//! The middleware every response passes through: security headers, the shaping of
//! error answers into JSON (and the log line of a server's failure), and the request span.

use actix_web::Error;
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next};

use crate::api::error::ApiError;
use crate::lang::Lang;

/// The security headers of every response.
pub(crate) fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        .add((
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        // HTTPS only, for a year, once a browser has reached the server over HTTPS. Sent on
        // every answer, whatever the scheme: browsers ignore it over plain HTTP (RFC 6797,
        // 8.1), so a server on a local network without TLS is not affected, and behind a
        // proxy that ends TLS the server cannot always tell that the request was HTTPS.
        // No `includeSubDomains`: other hosts of the domain are not ours to decide.
        .add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
}

/// Makes every error answer JSON `{"error", "message"}` in the request's language, whatever
/// produced it (a handler, an extractor, the router or the framework).
pub(crate) async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Errors of handlers and extractors arrive here as responses; inner middleware
    // answers with responses too, so an `Err` here is the framework's own and passes.
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return Ok(res);
    }
    // (The language only for an error: reading it costs every request 1–2 % of its time.)
    let lang = Lang::of(res.request());
    if status.is_server_error() {
        log_server_error(&res);
    }
    let api_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .cloned();
    // JSON already, or a page that renders its own error for people.
    let own_body = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(b"application/json") || v.starts_with(b"text/html")
    });
    let error = match api_error {
        Some(_) if lang == Lang::Fr => return Ok(res),
        Some(e) => e,
        None if own_body => return Ok(res),
        None => generic_error(status, &res),
    };
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(v) = old.headers().get(&name) {
            new.insert_header((name, v.clone()));
        }
    }
    let new = new.json(error.body(lang));
    Ok(ServiceResponse::new(req, new))
}

/// Logs an answer of the server's failing (5xx) with its request's method, route and path
/// (the request span that would carry them is made only at the debug level: see
/// [`RequestSpans`]): a warning for 503 (the store unavailable, the server stopping), an
/// error otherwise.
fn log_server_error(res: &ServiceResponse<BoxBody>) {
    let req = res.request();
    let route = req.match_pattern();
    let route = route.as_deref().unwrap_or("unmatched");
    let (method, target) = (req.method().as_str(), req.path());
    let status = res.status().as_u16();
    let detail = res.response().error().map(|e| e.to_string());
    // (A level of `tracing` is a constant of its call site: one call site each.)
    macro_rules! failed {
        ($level:expr, $message:literal) => {
            tracing::event!(
                $level,
                http.method = method,
                http.route = route,
                http.target = target,
                http.status_code = status,
                ?detail,
                $message
            )
        };
    }
    if res.status() == StatusCode::SERVICE_UNAVAILABLE {
        failed!(tracing::Level::WARN, "request not served");
    } else {
        failed!(tracing::Level::ERROR, "server error");
    }
}

/// An [`ApiError`] for an error response that was not one.
fn generic_error(status: StatusCode, res: &ServiceResponse<BoxBody>) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(crate::api::BODY_LIMIT),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method_not_allowed",
            "Méthode non autorisée ici.",
            "Method not allowed here.",
        ),
        s if s.is_server_error() => ApiError::internal(),
        s => {
            let detail = res
                .response()
                .error()
                .map(|e| e.to_string())
                .unwrap_or_else(|| s.canonical_reason().unwrap_or("error").to_owned());
            ApiError::new(
                s,
                "bad_request",
                format!("Requête invalide : {detail}"),
                format!("Bad request: {detail}"),
            )
        }
    }
}

/// The request span of the logs: method, route pattern, path (never the query, which may
/// carry a secret such as the kiosk enrollment token), status and errors. The default of
/// tracing-actix-web logs the query, the `Host` and the client address as forwarded headers
/// tell them, all written by the client.
///
/// It is made at the debug level (`RUST_LOG=info,tickets_http::middleware=debug` shows it
/// around every line a request logs): at the default level it is not made at all. Made, its
/// fields are formatted at once, whether a line is ever logged in it or not: about 12,000
/// instructions a request, a quarter of a `GET /healthz` (docs/benchmarks.md, item 32). A
/// server's failure is logged with the request's route and path all the same
/// ([`json_errors`]).
pub(crate) struct RequestSpans;

impl tracing_actix_web::RootSpanBuilder for RequestSpans {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        // (The fields are read only when the span is made: the route's pattern is found
        // again for it, 1,600 instructions.)
        tracing::debug_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = request.match_pattern().as_deref().unwrap_or("unmatched"),
            http.target = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
