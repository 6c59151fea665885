//! The route table: every path, its methods and handlers, in matching order.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, HttpResponse, Responder, web};
use tickets_core::{MemoryBackend, QueueBackend, Role};

use crate::api::error::ApiError;
use crate::api::{
    accounts, audit, day, desk, health, leave, office, push, reports, tickets, tokens, webhooks,
};
use crate::assets;
use crate::auth::{Access, require};
use crate::pages;

/// One method of a route, its handler, and who may call it.
pub struct MethodRoute {
    method: Method,
    route: actix_web::Route,
    access: Access,
}

/// `method` with `handler`, open to anyone.
fn on<F, Args>(method: Method, handler: F) -> MethodRoute
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    MethodRoute {
        route: web::route().method(method.clone()).to(handler),
        method,
        access: Access::Public,
    }
}

impl MethodRoute {
    /// For accounts with at least `role`, answering JSON errors to others.
    fn api(mut self, role: Role) -> Self {
        self.access = Access::Api(role);
        self
    }

    /// A page for accounts with at least `role`: others go to the sign-in page, or see
    /// why they may not.
    fn page(mut self, role: Role) -> Self {
        self.access = Access::Page(role);
        self
    }
}

/// Every route of the application, in matching order: the hot paths first, the few
/// patterns with parameters last (matching a pattern runs a regex, a literal path does
/// not); no two routes overlap. [`routes`] registers exactly these, and the OpenAPI
/// document is checked against them.
fn route_table<B: QueueBackend>() -> Vec<(&'static str, Vec<MethodRoute>)> {
    const GET: Method = Method::GET;
    const POST: Method = Method::POST;
    const AGENT: Role = Role::Agent;
    const MANAGER: Role = Role::Manager;
    vec![
        ("/api/tickets/take", vec![on(POST, tickets::take::<B>)]),
        ("/api/tickets/status", vec![on(GET, tickets::status::<B>)]),
        ("/api/tickets/leave", vec![on(POST, leave::leave::<B>)]),
        ("/api/push/key", vec![on(GET, push::key::<B>)]),
        (
            "/api/push/subscriptions",
            vec![
                on(POST, push::subscribe::<B>),
                on(Method::DELETE, push::unsubscribe::<B>),
            ],
        ),
        (
            "/api/tickets/call",
            vec![on(POST, desk::call::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/transfer",
            vec![on(POST, desk::transfer::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/requeue",
            vec![on(POST, desk::requeue::<B>).api(MANAGER)],
        ),
        (
            "/api/config",
            vec![
                on(GET, office::get_config::<B>).api(AGENT),
                on(Method::PUT, office::put_config::<B>).api(MANAGER),
            ],
        ),
        (
            "/api/tickets/call-next",
            vec![on(POST, desk::call_next::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/finish-current",
            vec![on(POST, desk::finish_current::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/snapshot",
            vec![on(GET, tickets::snapshot::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/events",
            vec![on(GET, crate::live::events::<B>)],
        ),
        (
            "/api/tickets/recall",
            vec![on(POST, desk::recall::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/no-show",
            vec![on(POST, desk::no_show::<B>).api(AGENT)],
        ),
        (
            "/api/tickets/start-day",
            vec![on(POST, day::start_day::<B>).api(MANAGER)],
        ),
        (
            "/api/tickets/end-day",
            vec![on(POST, day::end_day::<B>).api(MANAGER)],
        ),
        (
            "/api/tickets/reset-day",
            vec![on(POST, day::reset_day::<B>).api(MANAGER)],
        ),
        ("/healthz", vec![on(GET, health::healthz)]),
        ("/readyz", vec![on(GET, health::readyz::<B>)]),
        (
            "/metrics",
            vec![on(GET, crate::metrics::render).api(MANAGER)],
        ),
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
                on(GET, pages::staff::page::<B>).page(AGENT),
                on(POST, pages::staff::act::<B>).page(AGENT),
            ],
        ),
        (
            "/api/dashboard",
            vec![on(GET, pages::dashboard::page::<B>).page(MANAGER)],
        ),
        (
            "/api/login",
            vec![
                on(GET, pages::login::page::<B>),
                on(POST, pages::login::sign_in::<B>),
            ],
        ),
        ("/api/logout", vec![on(POST, pages::login::sign_out::<B>)]),
        (
            "/api/kiosk/enroll",
            vec![
                on(GET, pages::enroll::link::<B>),
                on(POST, pages::enroll::by_staff::<B>).page(AGENT),
            ],
        ),
        (
            "/api/accounts",
            vec![
                on(GET, accounts::list).api(Role::Admin),
                on(POST, accounts::create::<B>).api(Role::Admin),
            ],
        ),
        (
            "/api/tokens",
            vec![
                on(GET, tokens::list).api(Role::Admin),
                on(POST, tokens::create).api(Role::Admin),
            ],
        ),
        (
            "/api/reports",
            vec![on(GET, reports::report::<B>).api(MANAGER)],
        ),
        (
            "/api/reports/tickets.csv",
            vec![on(GET, reports::tickets_csv::<B>).api(MANAGER)],
        ),
        ("/api/audit", vec![on(GET, audit::list::<B>).api(MANAGER)]),
        (
            "/api/audit.csv",
            vec![on(GET, audit::csv::<B>).api(MANAGER)],
        ),
        (
            "/api/admin/accounts",
            vec![
                on(GET, pages::admin::accounts::page::<B>).page(Role::Admin),
                on(POST, pages::admin::accounts::act::<B>).page(Role::Admin),
            ],
        ),
        (
            "/api/admin/tokens",
            vec![
                on(GET, pages::admin::tokens::page::<B>).page(Role::Admin),
                on(POST, pages::admin::tokens::act::<B>).page(Role::Admin),
            ],
        ),
        (
            "/api/admin/webhooks",
            vec![
                on(GET, pages::admin::webhooks::page::<B>).page(Role::Admin),
                on(POST, pages::admin::webhooks::act::<B>).page(Role::Admin),
            ],
        ),
        (
            "/api/admin/audit",
            vec![on(GET, pages::admin::audit::page::<B>).page(MANAGER)],
        ),
        (
            pages::reports::PATH,
            vec![on(GET, pages::reports::page::<B>).page(MANAGER)],
        ),
        (
            pages::office_editor::PATH,
            vec![
                on(GET, pages::office_editor::page::<B>).page(MANAGER),
                on(POST, pages::office_editor::save::<B>).page(MANAGER),
            ],
        ),
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
            "/api/tickets/follow/{day}/{n}/leave",
            vec![on(POST, pages::follow::leave::<B>)],
        ),
        ("/api/tickets/door", vec![on(GET, pages::door::page::<B>)]),
        (
            "/api/accounts/{username}",
            vec![on(POST, accounts::update::<B>).api(Role::Admin)],
        ),
        (
            "/api/accounts/{username}/password",
            vec![on(POST, accounts::password).api(Role::Admin)],
        ),
        (
            "/api/accounts/{username}/revoke-sessions",
            vec![on(POST, accounts::revoke_sessions).api(Role::Admin)],
        ),
        (
            "/api/tokens/{id}",
            vec![on(Method::DELETE, tokens::revoke).api(Role::Admin)],
        ),
        (
            "/api/webhooks",
            vec![
                on(GET, webhooks::list).api(Role::Admin),
                on(POST, webhooks::create::<B>).api(Role::Admin),
            ],
        ),
        (
            "/api/webhooks/deliveries",
            vec![on(GET, webhooks::deliveries).api(Role::Admin)],
        ),
        (
            "/api/webhooks/deliveries/{id}/resend",
            vec![on(POST, webhooks::resend).api(Role::Admin)],
        ),
        (
            "/api/webhooks/{id}",
            vec![on(Method::DELETE, webhooks::delete).api(Role::Admin)],
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

/// Every method of every route with who may call it, in the route table's order.
pub fn route_access() -> Vec<(&'static str, Method, Access)> {
    route_table::<MemoryBackend>()
        .into_iter()
        .flat_map(|(path, methods)| methods.into_iter().map(move |m| (path, m.method, m.access)))
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
            let access = m.access;
            resource = resource.route(match access {
                // The hot public paths pay for no check.
                Access::Public => m.route,
                _ => m
                    .route
                    .wrap(from_fn(move |req, next| require::<B>(access, req, next))),
            });
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

pub(crate) async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
