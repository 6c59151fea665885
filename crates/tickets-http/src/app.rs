//! The application factory: state, routes, guards and middleware put together.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, Error, web};
use tickets_core::QueueBackend;

use crate::api::error::ApiError;
use crate::auth::{AllowedHosts, Auth, guard_requests};
use crate::middleware::{RequestSpans, json_errors, security_headers};
use crate::routes::{not_found, routes};
use crate::state::{AppState, OfficeSource};

/// The application for `state`: routes, guards, error shaping, security headers, request
/// logs.
pub fn app<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    hosts: web::Data<AllowedHosts>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let query_config = web::QueryConfig::default().error_handler(|err, _| {
        ApiError::invalid_field(
            "query",
            format!("Paramètres d'URL invalides : {err}"),
            format!("Invalid URL parameters: {err}"),
        )
        .into()
    });
    let form_config = web::FormConfig::default()
        .limit(crate::api::BODY_LIMIT)
        .error_handler(|err, _| match err {
            actix_web::error::UrlencodedError::Overflow { .. } => {
                ApiError::too_large(crate::api::BODY_LIMIT).into()
            }
            other => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_form",
                format!("Formulaire invalide : {other}"),
                format!("Invalid form: {other}"),
            )
            .into(),
        });
    App::new()
        .app_data(web::Data::new(OfficeSource::of(state.clone())))
        .app_data(state)
        .app_data(auth)
        .app_data(hosts)
        .app_data(query_config)
        .app_data(form_config)
        .configure(routes::<B>)
        .default_service(web::to(not_found))
        .wrap(from_fn(crate::lang::remember_lang))
        .wrap(from_fn(guard_requests))
        .wrap(from_fn(json_errors))
        .wrap(from_fn(crate::metrics::record_requests))
        .wrap(security_headers())
        .wrap(tracing_actix_web::TracingLogger::<RequestSpans>::new())
}
