//! The application: state, routes, middleware, and the server that `main` and the tests
//! share.

use std::net::TcpListener;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, Error, FromRequest, Handler, HttpResponse, Responder, web};
use tickets_core::{
    AnyBackend, BusinessCalendar, MemoryBackend, OfficeConfig, QueueBackend, QueueConfig,
    RedisBackend, TicketQueue, host_time_zone,
};

use crate::api::error::ApiError;
use crate::api::{health, office, tickets};
use crate::assets;
use crate::auth::{AllowedHosts, Auth, guard_requests};
use crate::config::{Config, OfficeFileError, StoreKind};
use crate::lang::Lang;
use crate::pages;

/// What every handler shares: the queue, the name of its store, the live hub.
pub struct AppState<B> {
    /// The queue.
    pub queue: TicketQueue<B>,
    /// `memory` or `redis`.
    pub store: &'static str,
    /// The fan-out of live updates.
    pub live: crate::live::LiveHub,
}

impl<B: QueueBackend> AppState<B> {
    /// State around `queue`.
    pub fn new(queue: TicketQueue<B>, store: &'static str) -> Self {
        let live = crate::live::LiveHub::new(queue.config().default_service_seconds);
        Self { queue, store, live }
    }
}

/// Why the server could not start, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// `TICKETS_STORE=redis` without `REDIS_URL`.
    #[error("TICKETS_STORE=redis needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379)")]
    NoRedisUrl,
    /// Redis is configured but does not answer.
    #[error(
        "cannot use Redis at {url}: {source}. Start Redis there, fix REDIS_URL, \
         or run on the in-memory store with TICKETS_STORE=memory"
    )]
    Redis {
        /// The URL tried.
        url: String,
        /// Why it failed.
        #[source]
        source: tickets_core::Error,
    },
    /// `REDIS_URL` cannot be read.
    #[error("REDIS_URL {url} is not usable: {source}")]
    BadRedisUrl {
        /// The URL given (password hidden).
        url: String,
        /// What is wrong with it.
        #[source]
        source: tickets_core::Error,
    },
    /// The office configuration file cannot be read or is not valid.
    #[error(transparent)]
    OfficeFile(#[from] OfficeFileError),
    /// The office configuration file could not be stored.
    #[error("cannot store the office configuration {path} (TICKETS_CONFIG / --config): {source}")]
    Office {
        /// The file.
        path: String,
        /// Why the store refused it.
        #[source]
        source: tickets_core::Error,
    },
    /// The listen address cannot be bound.
    #[error("cannot listen on {bind}: {source}. Choose another TICKETS_BIND")]
    Bind {
        /// The address.
        bind: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Builds the backend the configuration selects; with Redis, fails at once when it does
/// not answer.
pub async fn backend_from(config: &Config) -> Result<AnyBackend, StartupError> {
    match config.effective_store() {
        StoreKind::Redis => {
            let url = config.redis_url.clone().ok_or(StartupError::NoRedisUrl)?;
            let backend = RedisBackend::builder(url.clone())
                .prefix(config.key_prefix.clone())
                .connection_timeout(config.redis_timeout())
                .response_timeout(config.redis_timeout())
                .build()
                .await
                .map_err(|source| match source.kind() {
                    tickets_core::ErrorKind::Invalid => StartupError::BadRedisUrl {
                        url: redact(&url),
                        source,
                    },
                    _ => StartupError::Redis {
                        url: redact(&url),
                        source,
                    },
                })?;
            Ok(AnyBackend::Redis(backend))
        }
        _ => Ok(AnyBackend::Memory(MemoryBackend::new())),
    }
}

/// A URL with its password hidden.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// What became of the office configuration file at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeApplied {
    /// The file was stored with this version.
    Stored(u64),
    /// The store already held this version; the file was not applied.
    Kept(u64),
}

/// Stores `office` (read from `path`) unless the store already holds a configuration;
/// always with `overwrite`. A configuration already stored is kept and said so in the log.
pub async fn apply_office<B: QueueBackend, C: tickets_core::Clock>(
    queue: &TicketQueue<B, C>,
    office: OfficeConfig,
    overwrite: bool,
    path: &str,
) -> Result<OfficeApplied, StartupError> {
    let expected = if overwrite { None } else { Some(0) };
    match queue.put_office(office, expected).await {
        Ok(stored) => {
            tracing::info!(
                file = path,
                version = stored.version,
                services = stored.services.len(),
                "office configuration stored from the file"
            );
            Ok(OfficeApplied::Stored(stored.version))
        }
        Err(tickets_core::Error::VersionConflict { current }) => {
            tracing::warn!(
                file = path,
                version = current,
                "the store already holds an office configuration: the file was not applied \
                 (TICKETS_CONFIG_OVERWRITE=1 / --config-overwrite replaces it)"
            );
            Ok(OfficeApplied::Kept(current))
        }
        Err(source) => Err(StartupError::Office {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The queue configuration from the server configuration.
pub fn queue_config(config: &Config) -> QueueConfig {
    let tz = config.timezone.unwrap_or_else(host_time_zone);
    QueueConfig {
        calendar: BusinessCalendar::new(tz, config.rollover_hour)
            .unwrap_or_else(|_| BusinessCalendar::default()),
        default_service_seconds: config.default_service_seconds.max(0.0),
    }
}

/// The security headers of every response.
fn security_headers() -> DefaultHeaders {
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
}

/// Makes every error answer JSON `{"error", "message"}` in the request's language, whatever
/// produced it (a handler, an extractor, the router or the framework).
async fn json_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Errors of handlers and extractors arrive here as responses; inner middleware
    // answers with responses too, so an `Err` here is the framework's own and passes.
    let lang = Lang::of(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return Ok(res);
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
        s if s.is_server_error() => {
            let detail = res.response().error().map(|e| e.to_string());
            tracing::error!(status = s.as_u16(), ?detail, "server error");
            ApiError::internal()
        }
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

/// One method of a route and its handler.
pub struct MethodRoute {
    method: Method,
    route: actix_web::Route,
}

/// `method` with `handler`.
fn on<F, Args>(method: Method, handler: F) -> MethodRoute
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    MethodRoute {
        route: web::route().method(method.clone()).to(handler),
        method,
    }
}

/// Every route of the application, in matching order: the hot paths first, the few
/// patterns with parameters last (matching a pattern runs a regex, a literal path does
/// not); no two routes overlap. [`routes`] registers exactly these, and the OpenAPI
/// document is checked against them.
fn route_table<B: QueueBackend>() -> Vec<(&'static str, Vec<MethodRoute>)> {
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    vec![
        ("/api/tickets/take", vec![on(POST, tickets::take::<B>)]),
        ("/api/tickets/status", vec![on(GET, tickets::status::<B>)]),
        ("/api/tickets/call", vec![on(POST, tickets::call::<B>)]),
        (
            "/api/tickets/transfer",
            vec![on(POST, tickets::transfer::<B>)],
        ),
        (
            "/api/tickets/requeue",
            vec![on(POST, tickets::requeue::<B>)],
        ),
        (
            "/api/config",
            vec![
                on(GET, office::get_config::<B>),
                on(Method::PUT, office::put_config::<B>),
            ],
        ),
        (
            "/api/tickets/call-next",
            vec![on(POST, tickets::call_next::<B>)],
        ),
        (
            "/api/tickets/finish-current",
            vec![on(POST, tickets::finish_current::<B>)],
        ),
        (
            "/api/tickets/snapshot",
            vec![on(GET, tickets::snapshot::<B>)],
        ),
        (
            "/api/tickets/events",
            vec![on(GET, crate::live::events::<B>)],
        ),
        ("/api/tickets/recall", vec![on(POST, tickets::recall::<B>)]),
        (
            "/api/tickets/no-show",
            vec![on(POST, tickets::no_show::<B>)],
        ),
        (
            "/api/tickets/start-day",
            vec![on(POST, tickets::start_day::<B>)],
        ),
        (
            "/api/tickets/end-day",
            vec![on(POST, tickets::end_day::<B>)],
        ),
        (
            "/api/tickets/reset-day",
            vec![on(POST, tickets::reset_day::<B>)],
        ),
        ("/healthz", vec![on(GET, health::healthz)]),
        ("/readyz", vec![on(GET, health::readyz::<B>)]),
        ("/metrics", vec![on(GET, crate::metrics::render)]),
        ("/", vec![on(GET, root)]),
        (
            "/api/tickets/public",
            vec![
                on(GET, pages::kiosk::page::<B>),
                on(POST, pages::kiosk::take::<B>),
            ],
        ),
        (
            "/api/tickets/display",
            vec![on(GET, pages::display::page::<B>)],
        ),
        (
            "/api/tickets/staff",
            vec![
                on(GET, pages::staff::page::<B>),
                on(POST, pages::staff::act::<B>),
            ],
        ),
        ("/api/dashboard", vec![on(GET, pages::dashboard::page::<B>)]),
        (
            "/api/login",
            vec![on(GET, pages::login::page), on(POST, pages::login::sign_in)],
        ),
        ("/api/logout", vec![on(POST, pages::login::sign_out)]),
        ("/api/openapi.json", vec![on(GET, crate::openapi::document)]),
        ("/api/docs", vec![on(GET, crate::openapi::docs_root)]),
        (
            "/api/tickets/ticket/{n}",
            vec![on(GET, tickets::ticket::<B>)],
        ),
        (
            "/api/tickets/follow/{day}/{n}",
            vec![on(GET, pages::follow::page::<B>)],
        ),
        (
            "/api/docs/{file:.*}",
            vec![on(GET, crate::openapi::docs_file)],
        ),
        ("/assets/{path:.*}", vec![on(GET, assets::serve)]),
    ]
}

/// Every route of the application with the methods it answers, e.g.
/// `("/api/tickets/take", ["POST"])`; patterns as registered (`/assets/{path:.*}`).
pub fn route_list() -> Vec<(&'static str, Vec<Method>)> {
    route_table::<MemoryBackend>()
        .into_iter()
        .map(|(path, methods)| (path, methods.into_iter().map(|m| m.method).collect()))
        .collect()
}

/// Registers every route of the application on `cfg`: each path answers its methods, and
/// 405 in JSON with `Allow` to any other.
pub fn routes<B: QueueBackend>(cfg: &mut web::ServiceConfig) {
    for (path, methods) in route_table::<B>() {
        let allow = methods
            .iter()
            .map(|m| m.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path);
        for m in methods {
            resource = resource.route(m.route);
        }
        cfg.service(resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(allow)) }
        })));
    }
}

/// The home page: to the kiosk.
#[utoipa::path(
    get,
    path = "/",
    tag = crate::openapi::TAG_PAGES,
    responses((status = 302, description = "To the kiosk, `/api/tickets/public`."))
)]
pub(crate) async fn root() -> impl Responder {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/api/tickets/public"))
        .finish()
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

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
        .wrap(tracing_actix_web::TracingLogger::default())
}

/// A running server, for `main` and the tests.
pub struct Application {
    port: u16,
    server: Server,
    store: &'static str,
    auth: Auth,
    state: web::Data<AppState<crate::metrics::Instrumented<AnyBackend>>>,
    office_applied: Option<OfficeApplied>,
}

impl Application {
    /// Reads the office configuration file, builds the store, stores the file in it (see
    /// [`apply_office`]), binds the listener and prepares the server (not yet running).
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let office = config.office()?;
        let backend = backend_from(config).await?;
        let applied = match (office, &config.office_file) {
            (Some(office), Some(path)) => {
                let queue = TicketQueue::with_clock(
                    backend.clone(),
                    tickets_core::SystemClock,
                    queue_config(config),
                );
                let path = path.display().to_string();
                Some(apply_office(&queue, office, config.office_overwrite, &path).await?)
            }
            _ => None,
        };
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
        let mut app = Self::build_with(config, backend, listener)?;
        app.office_applied = applied;
        Ok(app)
    }

    /// Prepares the server on a given backend and listener.
    pub fn build_with(
        config: &Config,
        backend: AnyBackend,
        listener: TcpListener,
    ) -> Result<Self, StartupError> {
        let bind_err = |source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        };
        let port = listener.local_addr().map_err(bind_err)?.port();
        let store = backend.name();
        let backend = crate::metrics::Instrumented(backend);
        let state = web::Data::new(AppState::new(
            TicketQueue::with_clock(backend, tickets_core::SystemClock, queue_config(config)),
            store,
        ));
        // Live updates and the queue metrics follow the event feed from the start.
        crate::live::ensure_started(&state);
        let auth = Auth::new(config.staff_password.clone(), config.api_token.clone());
        let auth_data = web::Data::new(auth.clone());
        let hosts = web::Data::new(AllowedHosts::new(&config.allowed_hosts));
        let app_state = state.clone();
        let server = actix_web::HttpServer::new(move || {
            app(app_state.clone(), auth_data.clone(), hosts.clone())
        })
        .listen(listener)
        .map_err(bind_err)?
        .shutdown_timeout(10)
        // Signals are handled in `run_until_stopped`, which ends the live streams first.
        .disable_signals()
        .run();
        Ok(Self {
            port,
            server,
            store,
            auth,
            state,
            office_applied: None,
        })
    }

    /// The office configuration in force.
    pub fn office(&self) -> std::sync::Arc<OfficeConfig> {
        self.state.queue.office()
    }

    /// What became of the office configuration file, when one was given.
    pub fn office_applied(&self) -> Option<OfficeApplied> {
        self.office_applied
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `memory` or `redis`.
    pub fn store(&self) -> &'static str {
        self.store
    }

    /// The staff password generated at startup, when none was configured.
    pub fn generated_password(&self) -> Option<&str> {
        self.auth.generated_password()
    }

    /// Serves until SIGTERM / Ctrl-C, then finishes the requests in flight.
    ///
    /// The live streams end at once (clients reconnect to another server); requests in
    /// flight get up to 10 s. A second signal stops at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let state = self.state;
        let stopper = actix_web::rt::spawn(async move {
            let mut signals = StopSignals::new();
            signals.next().await;
            tracing::info!("stopping: ending live streams, finishing requests in flight");
            // Stop accepting first (the command is sent now), then end the streams.
            let graceful = handle.stop(true);
            state.live.close_streams();
            tokio::select! {
                () = graceful => {}
                () = signals.next() => {
                    tracing::warn!("second signal: stopping without waiting for requests in flight");
                    handle.stop(false).await;
                }
            }
        });
        let served = self.server.await;
        stopper.abort();
        served
    }
}

/// SIGTERM and SIGINT (Ctrl-C), registered once so that a second one can be told apart.
struct StopSignals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let unix = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM/SIGINT; stop the server with SIGKILL");
                    None
                }
            };
            Self { unix }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// The next stop signal; never, when none could be registered.
    async fn next(&mut self) {
        #[cfg(unix)]
        match &mut self.unix {
            Some((term, int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_passwords_are_hidden() {
        assert_eq!(redact("redis://:pw@host:6379/0"), "redis://***@host:6379/0");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
