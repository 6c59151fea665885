//! Building the application under test and talking to it.
//!
//! `spawn_app()` gives a [`TestApp`] on a fresh in-memory queue, already signed in as
//! staff; `spawn_app_with` does the same on any backend (Redis, the mockall mock).
//! Requests go through `actix_web::test::init_service`, so every middleware runs exactly
//! as in the server.

use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::cookie::Cookie;
use actix_web::dev::Service;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use serde_json::Value;
use tickets_core::testing::{RedisCluster, RedisServer, unique_prefix};
use tickets_core::{
    AnyBackend, MemoryBackend, MockQueueBackend, QueueBackend, RedisBackend, SystemClock,
    TicketQueue,
};
use tickets_http::auth::{AllowedHosts, Auth, SESSION_COOKIE};
use tickets_http::{AppState, Config, StoreKind, app, backend_from, queue_config};

/// The staff password of every test application.
pub(crate) const PASSWORD: &str = "mot-de-passe-du-guichet";

/// The `Host` every request carries (one of the default allowed hosts).
pub(crate) const HOST: &str = "localhost";

/// The largest body the API accepts (16 KiB).
pub(crate) const BODY_LIMIT: usize = 16 * 1024;

/// An answer, read whole.
#[derive(Debug)]
pub(crate) struct TestResponse {
    /// The status code.
    pub(crate) status: StatusCode,
    /// The headers.
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) body: Bytes,
}

impl TestResponse {
    /// The body as JSON; panics (showing the body) when it is not.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "expected a JSON body ({e}), got {} {:?}: {}",
                self.status,
                self.header("content-type"),
                self.text()
            )
        })
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type`, or "".
    pub(crate) fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// The `Location`; panics when there is none.
    pub(crate) fn location(&self) -> &str {
        self.header("location")
            .unwrap_or_else(|| panic!("no Location header on {} {}", self.status, self.text()))
    }

    /// The cookie `name` this answer sets, if any.
    pub(crate) fn set_cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| Cookie::parse(v.to_owned()).ok())
            .find(|c| c.name() == name)
    }

    /// The raw `Set-Cookie` line for `name`.
    pub(crate) fn set_cookie_line(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub(crate) fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts an HTML answer with `status`, and returns its text.
    #[track_caller]
    pub(crate) fn html(&self, status: u16) -> String {
        self.assert_status(status);
        assert!(
            self.content_type().starts_with("text/html"),
            "expected HTML, got {:?}",
            self.content_type()
        );
        self.text()
    }

    /// Asserts a JSON error answer: `status`, `application/json`, a string `error` equal to
    /// `code` and a non-empty string `message`; returns the body.
    #[track_caller]
    pub(crate) fn json_error(&self, status: u16, code: &str) -> Value {
        self.assert_status(status);
        assert!(
            self.content_type().starts_with("application/json"),
            "an error must be JSON, got {:?}: {}",
            self.content_type(),
            self.text()
        );
        let body = self.json();
        assert_eq!(body["error"].as_str(), Some(code), "error code in {body}");
        let message = body["message"].as_str().unwrap_or_else(|| {
            panic!("the error has no string message: {body}");
        });
        assert!(!message.is_empty(), "empty message in {body}");
        assert!(
            !self.text().contains('<'),
            "HTML in an error: {}",
            self.text()
        );
        body
    }
}

type Tweak = Box<dyn FnOnce(&mut HeaderMap)>;
type Call = Rc<dyn Fn(TestRequest, Tweak) -> Pin<Box<dyn Future<Output = TestResponse>>>>;

/// The application under test, with a staff session.
#[derive(Clone)]
pub(crate) struct TestApp {
    call: Call,
    session: Cookie<'static>,
    /// The store's name (`memory`, `redis`, `mock`).
    pub(crate) store: &'static str,
}

/// A fresh application on the in-memory store, signed in as staff.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(MemoryBackend::new(), "memory", &Config::for_tests(PASSWORD)).await
}

/// A fresh application on the in-memory store with `config`.
pub(crate) async fn spawn_app_with_config(config: &Config) -> TestApp {
    spawn_app_with(MemoryBackend::new(), "memory", config).await
}

/// A fresh application on the mock backend (its accounts in a memory store of their own).
/// The mock holds the built-in office in force, as every real store holds its office in
/// memory (pages and the language of answers read it; it is no store call).
pub(crate) async fn spawn_mock_app(mut mock: MockQueueBackend) -> TestApp {
    mock.expect_office()
        .returning(|| std::sync::Arc::new(tickets_core::OfficeConfig::default()));
    spawn_app_with(mock, "mock", &Config::for_tests(PASSWORD)).await
}

/// A Redis backend on `server`, under a prefix no other test uses.
pub(crate) async fn redis_backend(server: &RedisServer) -> AnyBackend {
    let backend = RedisBackend::builder(server.url())
        .prefix(unique_prefix())
        .build()
        .await
        .expect("the test redis-server answers");
    AnyBackend::Redis(backend)
}

/// A fresh application on its own `redis-server` (keep the server alive with the app).
pub(crate) async fn spawn_redis_app() -> (RedisServer, TestApp) {
    let server = RedisServer::start();
    let backend = redis_backend(&server).await;
    let app = spawn_app_with(backend, "redis", &Config::for_tests(PASSWORD)).await;
    (server, app)
}

/// A fresh application on its own local Redis Cluster (keep the cluster alive with the
/// app). The backend is built as the server builds it, from `REDIS_URL` given as the comma
/// list of the cluster's nodes (`redis://127.0.0.1:<p1>,redis://127.0.0.1:<p2>,…`).
pub(crate) async fn spawn_cluster_app() -> (RedisCluster, TestApp) {
    let cluster = RedisCluster::start();
    let mut config = Config::for_tests(PASSWORD);
    config.store = StoreKind::Redis;
    config.redis_url = Some(cluster.node_list());
    config.key_prefix = unique_prefix();
    let backend = backend_from(&config)
        .await
        .expect("the test cluster answers");
    match &backend {
        AnyBackend::Redis(redis) => assert!(redis.is_cluster(), "a comma list is a cluster"),
        _ => panic!("REDIS_URL set with TICKETS_STORE=redis gives the Redis backend"),
    }
    let app = spawn_app_with(backend, "redis", &config).await;
    (cluster, app)
}

/// The account store beside `backend`: the same store for the memory and Redis backends,
/// a fresh memory store for the mock.
pub(crate) fn accounts_of<B: 'static>(backend: &B) -> AnyBackend {
    let any: &dyn std::any::Any = backend;
    if let Some(b) = any.downcast_ref::<AnyBackend>() {
        return b.clone();
    }
    if let Some(b) = any.downcast_ref::<MemoryBackend>() {
        return AnyBackend::Memory(b.clone());
    }
    AnyBackend::Memory(MemoryBackend::new())
}

/// The application state, credentials and hosts as `Application::build_with` makes them.
pub(crate) fn parts<B: QueueBackend>(
    backend: B,
    store: &'static str,
    config: &Config,
) -> (
    web::Data<AppState<B>>,
    web::Data<Auth>,
    web::Data<AllowedHosts>,
) {
    let auth = tickets_http::server::auth_of(config, accounts_of(&backend));
    let push = tickets_http::push::Push::start(
        TicketQueue::with_clock(accounts_of(&backend), SystemClock, queue_config(config)),
        config.push_settings(),
    )
    .expect("push notifications start");
    let mut state = AppState::configured(
        TicketQueue::with_clock(backend, SystemClock, queue_config(config)),
        store,
        config,
        tickets_http::server::clients_of(config, &auth),
    );
    state.push = Some(push);
    let state = web::Data::new(state);
    let auth = web::Data::new(auth);
    let hosts = web::Data::new(AllowedHosts::new(&config.allowed_hosts));
    (state, auth, hosts)
}

/// A fresh application on `backend` with `config`, signed in as the first administrator
/// when a password is configured (accounts live beside the queue; on the mock, in a
/// memory store of their own).
pub(crate) async fn spawn_app_with<B: QueueBackend>(
    backend: B,
    store: &'static str,
    config: &Config,
) -> TestApp {
    let (state, auth, hosts) = parts(backend, store, config);
    // A store that refuses writes (a replica asked for and missing) has no administrator
    // to sign in as: the application then starts signed out.
    let admin = match config.staff_password {
        Some(_) => match auth.bootstrap().await {
            Ok(_) => true,
            Err(e) => {
                eprintln!("no first administrator: {e}");
                false
            }
        },
        None => false,
    };
    let service = Rc::new(test::init_service(app(state, auth, hosts)).await);
    let call: Call = Rc::new(move |req: TestRequest, tweak: Tweak| {
        let service = Rc::clone(&service);
        Box::pin(async move {
            let mut req = req.to_request();
            tweak(req.headers_mut());
            let method = req.method().clone();
            let path = req.path().to_owned();
            match service.call(req).await {
                Ok(res) => {
                    let status = res.status();
                    let headers = res.headers().clone();
                    let body = test::read_body(res).await;
                    let res = TestResponse {
                        status,
                        headers,
                        body,
                    };
                    assert_documented(&method, &path, &res);
                    res
                }
                // The server would answer this without the middleware (no JSON shaping,
                // no security headers): a defect in itself.
                Err(e) => panic!("the application returned an error instead of a response: {e}"),
            }
        })
    });
    let mut app = TestApp {
        call,
        session: Cookie::new(SESSION_COOKIE, ""),
        store,
    };
    if let (Some(password), true) = (config.staff_password.as_deref(), admin) {
        app.session = app.login_with(password).await;
    }
    app
}

impl TestApp {
    /// A request to `uri` with the allowed `Host`.
    pub(crate) fn request(&self, method: Method, uri: &str) -> TestRequest {
        TestRequest::default()
            .method(method)
            .uri(uri)
            .insert_header((header::HOST, HOST))
    }

    /// A GET to `uri`.
    pub(crate) fn get(&self, uri: &str) -> TestRequest {
        self.request(Method::GET, uri)
    }

    /// A POST to `uri`.
    pub(crate) fn post(&self, uri: &str) -> TestRequest {
        self.request(Method::POST, uri)
    }

    /// A POST to `uri` with a JSON body (given as text, so that it may be broken).
    pub(crate) fn post_json(&self, uri: &str, body: &str) -> TestRequest {
        self.post(uri)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body.to_owned())
    }

    /// `req` with the staff session cookie.
    pub(crate) fn as_staff(&self, req: TestRequest) -> TestRequest {
        req.cookie(self.session.clone())
    }

    /// The staff session cookie.
    pub(crate) fn session(&self) -> Cookie<'static> {
        self.session.clone()
    }

    /// Sends `req` and reads the whole answer.
    pub(crate) async fn send(&self, req: TestRequest) -> TestResponse {
        (self.call)(req, Box::new(|_| {})).await
    }

    /// Sends `req` after changing its headers (e.g. removing `Content-Length`).
    pub(crate) async fn send_with(
        &self,
        req: TestRequest,
        tweak: impl FnOnce(&mut HeaderMap) + 'static,
    ) -> TestResponse {
        (self.call)(req, Box::new(tweak)).await
    }

    /// `GET uri`.
    pub(crate) async fn get_path(&self, uri: &str) -> TestResponse {
        self.send(self.get(uri)).await
    }

    /// `GET uri` as staff.
    pub(crate) async fn get_staff(&self, uri: &str) -> TestResponse {
        self.send(self.as_staff(self.get(uri))).await
    }

    /// `POST uri` with a JSON body, as staff.
    pub(crate) async fn post_staff(&self, uri: &str, body: &str) -> TestResponse {
        self.send(self.as_staff(self.post_json(uri, body))).await
    }

    // --- the endpoints -------------------------------------------------------------------

    /// `GET /api/tickets/status`
    pub(crate) async fn get_status(&self) -> TestResponse {
        self.get_path("/api/tickets/status").await
    }

    /// `GET /api/tickets/snapshot` (staff)
    pub(crate) async fn get_snapshot(&self) -> TestResponse {
        self.get_staff("/api/tickets/snapshot").await
    }

    /// `POST /api/tickets/take` without a body.
    pub(crate) async fn post_take(&self) -> TestResponse {
        self.send(self.post("/api/tickets/take")).await
    }

    /// `POST /api/tickets/take` with a JSON body.
    pub(crate) async fn post_take_json(&self, body: &str) -> TestResponse {
        self.send(self.post_json("/api/tickets/take", body)).await
    }

    /// `POST /api/tickets/take` with an `Idempotency-Key`.
    pub(crate) async fn post_take_with_key(&self, key: &str) -> TestResponse {
        self.send(
            self.post("/api/tickets/take")
                .insert_header(("Idempotency-Key", key)),
        )
        .await
    }

    /// `POST /api/tickets/start-day` (staff)
    pub(crate) async fn post_start_day(&self) -> TestResponse {
        self.post_staff("/api/tickets/start-day", "").await
    }

    /// `POST /api/tickets/end-day` (staff)
    pub(crate) async fn post_end_day(&self) -> TestResponse {
        self.post_staff("/api/tickets/end-day", "").await
    }

    /// `POST /api/tickets/reset-day` (staff)
    pub(crate) async fn post_reset_day(&self) -> TestResponse {
        self.post_staff("/api/tickets/reset-day", "").await
    }

    /// `POST /api/tickets/call-next` (staff), for `desk` or the default desk.
    pub(crate) async fn post_call_next(&self, desk: Option<&str>) -> TestResponse {
        self.post_staff("/api/tickets/call-next", &desk_body(desk))
            .await
    }

    /// `POST /api/tickets/finish-current` (staff)
    pub(crate) async fn post_finish_current(&self, desk: Option<&str>) -> TestResponse {
        self.post_staff("/api/tickets/finish-current", &desk_body(desk))
            .await
    }

    /// `POST /api/tickets/recall` (staff)
    pub(crate) async fn post_recall(&self, desk: Option<&str>) -> TestResponse {
        self.post_staff("/api/tickets/recall", &desk_body(desk))
            .await
    }

    /// `POST /api/tickets/no-show` (staff)
    pub(crate) async fn post_no_show(&self, desk: Option<&str>) -> TestResponse {
        self.post_staff("/api/tickets/no-show", &desk_body(desk))
            .await
    }

    /// `GET /api/tickets/ticket/{n}`
    pub(crate) async fn get_ticket(&self, n: &str) -> TestResponse {
        self.get_path(&format!("/api/tickets/ticket/{n}")).await
    }

    /// `GET /healthz`
    pub(crate) async fn get_healthz(&self) -> TestResponse {
        self.get_path("/healthz").await
    }

    /// `GET /readyz`
    pub(crate) async fn get_readyz(&self) -> TestResponse {
        self.get_path("/readyz").await
    }

    /// This application acting with `session` (another application's, on the same store).
    pub(crate) fn with_session(mut self, session: Cookie<'static>) -> Self {
        self.session = session;
        self
    }

    /// `POST /api/login` as `username` with `password`; the session cookie.
    pub(crate) async fn login_as(&self, username: &str, password: &str) -> Cookie<'static> {
        let res = self
            .send(
                self.post("/api/login")
                    .set_form([("username", username), ("password", password)]),
            )
            .await;
        res.assert_status(303);
        res.set_cookie(SESSION_COOKIE)
            .expect("sign-in sets the session cookie")
            .into_owned()
    }

    /// `POST /api/login` with `password` and an optional `next`.
    pub(crate) async fn post_login(&self, password: &str, next: Option<&str>) -> TestResponse {
        let mut form = vec![("password", password)];
        if let Some(next) = next {
            form.push(("next", next));
        }
        self.send(self.post("/api/login").set_form(form)).await
    }

    /// Signs in with the test password; returns the session cookie.
    pub(crate) async fn login(&self) -> Cookie<'static> {
        self.login_with(PASSWORD).await
    }

    async fn login_with(&self, password: &str) -> Cookie<'static> {
        let res = self.post_login(password, None).await;
        res.assert_status(303);
        res.set_cookie(SESSION_COOKIE)
            .expect("sign-in sets the session cookie")
            .into_owned()
    }

    /// `POST /api/tickets/staff` (the console's form) as staff.
    pub(crate) async fn post_console(&self, form: &[(&str, &str)]) -> TestResponse {
        self.send(self.as_staff(self.post("/api/tickets/staff").set_form(form)))
            .await
    }

    /// `POST /api/tickets/public` (the kiosk's form).
    pub(crate) async fn post_kiosk(&self, form: &[(&str, &str)]) -> TestResponse {
        self.send(self.post("/api/tickets/public").set_form(form))
            .await
    }

    /// `GET /api/config` (staff)
    pub(crate) async fn get_config(&self) -> TestResponse {
        self.get_staff("/api/config").await
    }

    /// `PUT /api/config` (staff) with `body`, and `If-Match: if_match` when given.
    pub(crate) async fn put_config(&self, body: &str, if_match: Option<&str>) -> TestResponse {
        let mut req = self
            .as_staff(self.request(Method::PUT, "/api/config"))
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body.to_owned());
        if let Some(v) = if_match {
            req = req.insert_header((header::IF_MATCH, v));
        }
        self.send(req).await
    }

    /// `POST /api/tickets/take` for `service`, with `priority` when given.
    pub(crate) async fn post_take_for(
        &self,
        service: &str,
        priority: Option<&str>,
    ) -> TestResponse {
        let body = serde_json::json!({ "service_type": service, "priority": priority });
        self.post_take_json(&body.to_string()).await
    }

    /// `POST /api/tickets/call` (staff): `ticket` to `desk`.
    pub(crate) async fn post_call(&self, desk: &str, ticket: u64) -> TestResponse {
        let body = serde_json::json!({ "desk": desk, "ticket": ticket });
        self.post_staff("/api/tickets/call", &body.to_string())
            .await
    }

    /// `POST /api/tickets/transfer` (staff) with `body`.
    pub(crate) async fn post_transfer(&self, body: &Value) -> TestResponse {
        self.post_staff("/api/tickets/transfer", &body.to_string())
            .await
    }

    /// `POST /api/tickets/requeue` (staff): `ticket`.
    pub(crate) async fn post_requeue(&self, ticket: u64) -> TestResponse {
        let body = serde_json::json!({ "ticket": ticket });
        self.post_staff("/api/tickets/requeue", &body.to_string())
            .await
    }

    // --- shortcuts for arranging a state ------------------------------------------------

    /// Opens the day (asserting 200).
    pub(crate) async fn open_day(&self) {
        self.post_start_day().await.assert_status(200);
    }

    /// Takes a ticket (asserting 201) and returns its number.
    pub(crate) async fn take(&self) -> u64 {
        let res = self.post_take().await;
        res.assert_status(201);
        res.json()["ticket"]["ticket_number"]
            .as_u64()
            .expect("a ticket number")
    }

    /// Stores `office` (asserting 200) and returns its version.
    pub(crate) async fn configure(&self, office: &Value) -> u64 {
        let res = self.put_config(&office.to_string(), None).await;
        res.assert_status(200);
        res.json()["version"].as_u64().expect("a version")
    }

    /// Takes a ticket for `service` (asserting 201) and returns its number and label.
    pub(crate) async fn take_for(&self, service: &str, priority: Option<&str>) -> (u64, String) {
        let res = self.post_take_for(service, priority).await;
        res.assert_status(201);
        let t = &res.json()["ticket"];
        (
            t["ticket_number"].as_u64().expect("a ticket number"),
            t["label"].as_str().expect("a label").to_owned(),
        )
    }

    /// Today's business day, as the status says.
    pub(crate) async fn today(&self) -> String {
        let res = self.get_status().await;
        res.assert_status(200);
        res.json()["day"].as_str().expect("a day").to_owned()
    }
}

/// A body naming `desk`, or an empty body.
pub(crate) fn desk_body(desk: Option<&str>) -> String {
    desk.map(|d| serde_json::json!({ "desk": d }).to_string())
        .unwrap_or_default()
}

/// Asserts that `json` has every key of `keys`.
#[track_caller]
pub(crate) fn assert_has_keys(json: &Value, keys: &[&str]) {
    let obj = json
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {json}"));
    for k in keys {
        assert!(obj.contains_key(*k), "missing field {k:?} in {json}");
    }
}

/// The security headers every answer carries.
#[track_caller]
pub(crate) fn assert_security_headers(res: &TestResponse) {
    let csp = res
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on {} {}", res.status, res.text()));
    assert!(!csp.contains("unsafe-inline"), "CSP allows inline: {csp}");
    assert!(!csp.contains("unsafe-eval"), "CSP allows eval: {csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    let framing = res.header("x-frame-options").is_some_and(|v| v == "DENY")
        || csp.contains("frame-ancestors 'none'");
    assert!(framing, "the page can be framed: {:?}", res.headers);
    assert!(
        res.header("referrer-policy").is_some(),
        "no Referrer-Policy on {}",
        res.status
    );
}

/// Starts the application on a real socket (one worker, no signal handling); returns its
/// port and a handle that stops it.
pub(crate) fn spawn_server(config: &Config) -> (u16, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let (state, auth, hosts) = parts(MemoryBackend::new(), "memory", config);
    let server =
        actix_web::HttpServer::new(move || app(state.clone(), auth.clone(), hosts.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listening")
            .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (port, handle)
}

/// Starts the application on `backend` on a real socket (one worker), with its first
/// administrator; returns its port and a handle that stops it.
pub(crate) async fn spawn_server_on<B: QueueBackend>(
    backend: B,
    config: &Config,
) -> (u16, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let (state, auth, hosts) = parts(backend, "test", config);
    auth.bootstrap().await.expect("the first administrator");
    let server =
        actix_web::HttpServer::new(move || app(state.clone(), auth.clone(), hosts.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listening")
            .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (port, handle)
}

/// The documented operation for `method path`, with its path template, if any.
fn documented_operation<'d>(doc: &'d Value, method: &Method, path: &str) -> Option<&'d Value> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = doc["paths"].as_object()?;
    let find = |rest_allowed: bool| {
        paths.iter().find_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            let param = |p: &str| p.starts_with('{') && p.ends_with('}');
            // A parameter at the end takes the rest of the path (`/assets/{path}`).
            let tail = rest_allowed
                && parts.last().is_some_and(|p| param(p))
                && segments.len() >= parts.len();
            let same_len = segments.len() == parts.len();
            let matches = (same_len || tail)
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| if param(p) { !s.is_empty() } else { p == s });
            matches.then_some(item)
        })
    };
    // A template of the path's length first (`/api/accounts/{username}/password` is not
    // `/api/accounts/{username}` with a tail).
    let item = find(false).or_else(|| find(true))?;
    item.get(method.as_str().to_lowercase())
}

/// Checks an answer against the OpenAPI document, for every request of every test: a
/// documented operation answers only documented statuses (500, which tests provoke through
/// the mock, excepted), and a JSON body matches the documented schema.
fn assert_documented(method: &Method, path: &str, res: &TestResponse) {
    use std::sync::OnceLock;
    static DOC: OnceLock<Value> = OnceLock::new();
    let doc = DOC.get_or_init(tickets_http::openapi::document_value);
    let Some(op) = documented_operation(doc, method, path) else {
        return; // unknown path or method: 404 or 405, checked by their own tests
    };
    let status = res.status.as_u16();
    let Some(documented) = op["responses"].get(status.to_string()) else {
        assert_eq!(
            status,
            500,
            "{method} {path} answered {status}, which its documentation does not list: {}",
            res.text()
        );
        return;
    };
    let is_json = res.content_type().starts_with("application/json");
    let Some(schema) = documented["content"]["application/json"].get("schema") else {
        assert!(
            !is_json
                || documented["content"]
                    .as_object()
                    .is_none_or(|c| c.is_empty()),
            "{method} {path} {status} answered JSON where the document says {}",
            documented["content"]
        );
        return;
    };
    // An answer documented in several types (a page's 403: HTML, or JSON from the Origin
    // check) may be any of them.
    let media = res
        .content_type()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if !is_json && documented["content"].get(media).is_some() {
        return;
    }
    assert!(
        is_json,
        "{method} {path} {status}: expected JSON, got {}",
        res.content_type()
    );
    let mut schema = schema.clone();
    schema["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the schema of {method} {path} {status} is invalid: {e}"));
    let body = res.json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} breaks its schema:\n{}\nbody: {body}",
        errors.join("\n")
    );
}
