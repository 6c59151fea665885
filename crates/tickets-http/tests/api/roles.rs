//! Who may call what: the table of `docs/http-api.md` ("Who may call what") lists exactly
//! the routes of the route table with their roles, and every route answers each role, and
//! a caller without credentials, as that table says (200-ish / 401 or the sign-in page /
//! 403). Account API tokens act with their account's role until revoked.

use std::collections::BTreeMap;
use std::path::Path;

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::test::{init_service, read_body};
use chrono::Utc;
use serde_json::{Value, json};
use tickets_core::{
    AccountStore, AnyBackend, MemoryBackend, NewAccount, PasswordHash, Role, Username,
};
use tickets_http::Config;
use tickets_http::auth::{Access, SESSION_COOKIE};
use tickets_http::routes::route_access;

use crate::helpers::{PASSWORD, TestApp, accounts_of, parts, spawn_app_with};
use crate::openapi::openapi_path;

/// The password of every account these tests create.
const ACCOUNT_PASSWORD: &str = "un mot de passe assez long";
/// `TICKETS_API_TOKEN` of the application under test.
const API_TOKEN: &str = "jeton-de-la-configuration-roles";
/// `TICKETS_KIOSK_TOKEN` of the application under test.
const KIOSK_TOKEN: &str = "jeton-des-bornes-0123456789abcdef";
/// The account that the account routes (`/api/accounts/{username}`…) act on: none of the
/// callers, so that changing it signs no caller out.
const TARGET: &str = "role-target";
/// Where a page that needs a role sends a caller without credentials.
const SIGN_IN: &str = "/api/login?next=";
/// The routes that, beyond their role, need an agent's account to allow calls out of turn
/// (`call_out_of_order`; managers and administrators always may).
const OUT_OF_TURN: [(&str, &str); 1] = [("POST", "/api/tickets/call")];

/// One row of the documentation's table.
#[derive(Debug)]
struct Row {
    line: usize,
    text: String,
    method: String,
    path: String,
    who: String,
}

/// The rows of the one table of the section "Who may call what" of `docs/http-api.md`.
fn documented_rows() -> Vec<Row> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/http-api.md");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "## Who may call what")
        .expect("docs/http-api.md has a section \"## Who may call what\"");
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| start + 1 + i);
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').trim().to_owned())
            .collect()
    };
    let headers: Vec<usize> = (start..end)
        .filter(|&i| cells(lines[i]) == ["Method", "Path", "Who"])
        .collect();
    assert_eq!(
        headers.len(),
        1,
        "the section \"Who may call what\" has exactly one table `| Method | Path | Who |`"
    );
    let header = headers[0];
    assert!(
        lines[header + 1].trim().starts_with("|-") || lines[header + 1].trim().starts_with("| -"),
        "line {}: the table's separator row",
        header + 2
    );
    lines[header + 2..end]
        .iter()
        .enumerate()
        .take_while(|(_, l)| l.trim().starts_with('|'))
        .map(|(i, l)| {
            let line = header + 3 + i;
            let c = cells(l);
            assert_eq!(
                c.len(),
                3,
                "docs/http-api.md line {line}: three cells in `{l}`"
            );
            Row {
                line,
                text: l.trim().to_owned(),
                method: c[0].clone(),
                path: c[1].clone(),
                who: c[2].clone(),
            }
        })
        .collect()
}

#[test]
fn the_documented_table_is_the_route_table() {
    let code: BTreeMap<(String, String), &str> = route_access()
        .into_iter()
        .map(|(pattern, method, access)| {
            (
                (method.as_str().to_owned(), openapi_path(pattern)),
                access.label(),
            )
        })
        .collect();
    let rows = documented_rows();
    let mut problems = Vec::new();
    let mut seen = BTreeMap::new();
    for row in &rows {
        let at = format!("docs/http-api.md line {}: `{}`", row.line, row.text);
        if !["public", "agent", "manager", "admin"].contains(&row.who.as_str()) {
            problems.push(format!(
                "{at}: Who is public, agent, manager or admin, not {:?}",
                row.who
            ));
        }
        let key = (row.method.clone(), row.path.clone());
        if let Some(first) = seen.insert(key.clone(), row.line) {
            problems.push(format!("{at}: the same route as line {first}"));
        }
        match code.get(&key) {
            None => problems.push(format!(
                "{at}: no such route in routes::route_access() (method and path as registered, \
                 `{{name}}` for a parameter)"
            )),
            Some(label) if *label != row.who => problems.push(format!(
                "{at}: says {}, but the route table requires {label}",
                row.who
            )),
            Some(_) => {}
        }
    }
    for ((method, path), label) in &code {
        if !seen.contains_key(&(method.clone(), path.clone())) {
            problems.push(format!(
                "docs/http-api.md has no row for a route of the route table: `| {method} | \
                 {path} | {label} |`"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the table \"Who may call what\" of docs/http-api.md and the route table differ:\n{}",
        problems.join("\n")
    );
    assert_eq!(rows.len(), code.len());
}

/// How a caller proves who it is.
#[derive(Clone)]
enum Credentials {
    None,
    Session(Cookie<'static>),
    Bearer(String),
}

/// Someone calling every route.
#[derive(Clone)]
struct Caller {
    /// For messages: `agent (session)`, `no credentials`, …
    name: String,
    /// Its account and role, if any.
    account: Option<(Username, Role)>,
    /// Whether it may call a given ticket out of turn.
    out_of_turn: bool,
    credentials: Credentials,
}

impl Caller {
    fn role(&self) -> Option<Role> {
        self.account.as_ref().map(|a| a.1)
    }
}

/// Creates an enabled account in `store`, allowed to call out of turn or not.
async fn create_account(
    store: &AnyBackend,
    name: &str,
    role: Role,
    call_out_of_order: bool,
) -> Username {
    let username = Username::parse(name).expect("a valid username");
    let password_hash = PasswordHash::new(ACCOUNT_PASSWORD).expect("a valid password");
    store
        .create_account(
            NewAccount {
                username: username.clone(),
                display_name: format!("Compte {name}"),
                role,
                password_hash,
                default_desk: None,
                call_out_of_order,
            },
            Utc::now(),
        )
        .await
        .expect("the account is created");
    username
}

/// What a caller should get from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The route's own answer, whatever it is, but no refusal of the access check.
    Allowed,
    /// 401 (API), or 303 to the sign-in page (pages).
    SignIn,
    /// 403: the role is too low.
    Forbidden,
    /// 403: the role is enough, but the account may not call out of turn.
    NotOutOfTurn,
}

fn expectation(route: (&Method, &str), access: Access, caller: &Caller) -> Expect {
    match (access.role(), caller.role()) {
        (None, _) => Expect::Allowed,
        (Some(_), None) => Expect::SignIn,
        (Some(required), Some(role)) if role.allows(required) => {
            let gated = OUT_OF_TURN.contains(&(route.0.as_str(), route.1));
            if gated && !caller.out_of_turn {
                Expect::NotOutOfTurn
            } else {
                Expect::Allowed
            }
        }
        (Some(_), Some(_)) => Expect::Forbidden,
    }
}

/// An answer, whichever way it was read.
struct Answer {
    status: u16,
    location: Option<String>,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// `pattern` with plausible values for its parameters.
fn concrete(pattern: &str, today: &str, token_id: &str) -> String {
    let path = openapi_path(pattern);
    let mut out = String::new();
    let mut rest = path.as_str();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let value = match &rest[open + 1..close] {
            "n" => "1",
            "day" => today,
            "file" => "swagger-initializer.js",
            "path" => "js/common.js",
            "username" => TARGET,
            "id" => token_id,
            _ => "1",
        };
        out.push_str(value);
        rest = rest.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The body a route gets: a JSON text, or a form.
enum Body {
    None,
    Json(String),
    Form(Vec<(&'static str, String)>),
}

/// A body that makes sense for `method path`, so that the route does its work when the
/// caller may call it.
fn body_for(method: &Method, path: &str, config: &Value, serial: usize) -> Body {
    let desk = || Body::Json(json!({"desk": "1"}).to_string());
    let json = |v: Value| Body::Json(v.to_string());
    if *method == Method::GET || *method == Method::HEAD {
        return Body::None;
    }
    match path {
        "/api/tickets/call-next"
        | "/api/tickets/finish-current"
        | "/api/tickets/recall"
        | "/api/tickets/no-show" => desk(),
        "/api/tickets/call" => json(json!({"desk": "1", "ticket": 1})),
        "/api/tickets/transfer" => json(json!({"ticket": 1, "service": "poste"})),
        "/api/tickets/requeue" => json(json!({"ticket": 1})),
        "/api/config" => json(config.clone()),
        "/api/tickets/staff" => {
            Body::Form(vec![("action", "call_next".into()), ("desk", "1".into())])
        }
        "/api/tickets/public" => Body::Form(vec![("service_type", "poste".into())]),
        "/api/login" => Body::Form(vec![
            ("username", Username::ADMIN.into()),
            ("password", PASSWORD.into()),
        ]),
        "/api/accounts" => json(json!({
            "username": format!("made-{serial}"),
            "display_name": "Made by the roles test",
            "role": "agent",
            "password": ACCOUNT_PASSWORD,
        })),
        "/api/tokens" => json(json!({"username": TARGET, "label": format!("token {serial}")})),
        "/api/admin/accounts" => Body::Form(vec![
            ("action", "update".into()),
            ("username", TARGET.into()),
            ("display_name", format!("Cible {serial}")),
            ("role", "agent".into()),
        ]),
        "/api/admin/tokens" => Body::Form(vec![
            ("action", "create".into()),
            ("username", TARGET.into()),
            ("label", format!("token {serial}")),
        ]),
        p if p == format!("/api/accounts/{TARGET}") => {
            json(json!({"display_name": format!("Cible {serial}")}))
        }
        p if p == format!("/api/accounts/{TARGET}/password") => {
            json(json!({"password": ACCOUNT_PASSWORD}))
        }
        _ => Body::Json(String::new()),
    }
}

/// Reads the answer of the raw service without waiting for the end of an event stream.
async fn answer_of(res: ServiceResponse<impl MessageBody>) -> Answer {
    let status = res.status().as_u16();
    let header = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header(header::LOCATION);
    let content_type = header(header::CONTENT_TYPE).unwrap_or_default();
    let body = if content_type.starts_with("text/event-stream") {
        String::new()
    } else {
        String::from_utf8_lossy(&read_body(res).await).into_owned()
    };
    Answer {
        status,
        location,
        content_type,
        body,
    }
}

/// Checks `answer` against what `caller` should get from `row`; the problem, if any.
fn judge(
    row: &str,
    route: (&Method, &str),
    caller: &Caller,
    access: Access,
    answer: &Answer,
) -> Option<String> {
    let expect = expectation(route, access, caller);
    let to_sign_in = answer.status == 303
        && answer
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with(SIGN_IN));
    let ok = match (expect, access) {
        (Expect::Allowed, _) => {
            ![401, 403].contains(&answer.status) && !to_sign_in && answer.status < 500
        }
        (Expect::SignIn, Access::Page(_)) => to_sign_in,
        (Expect::SignIn, _) => answer.status == 401 && answer.json()["error"] == "unauthorized",
        (Expect::Forbidden, Access::Page(_)) => {
            answer.status == 403 && answer.content_type.starts_with("text/html")
        }
        (Expect::Forbidden, _) => {
            let body = answer.json();
            answer.status == 403
                && body["error"] == "forbidden"
                && body["required_role"] == access.label()
        }
        (Expect::NotOutOfTurn, _) => {
            let body = answer.json();
            answer.status == 403
                && body["error"] == "forbidden"
                && body["required"] == "call_out_of_order"
        }
    };
    (!ok).then(|| {
        let body: String = answer
            .body
            .chars()
            .take(200)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "{row} as {}: expected {}, got {} {}{} {body}",
            caller.name,
            match (expect, access) {
                (Expect::Allowed, _) => "no refusal (neither 401, 403, 5xx nor the sign-in page)",
                (Expect::SignIn, Access::Page(_)) => "303 to /api/login?next=…",
                (Expect::SignIn, _) => "401 unauthorized",
                (Expect::Forbidden, Access::Page(_)) => "a 403 page",
                (Expect::Forbidden, _) => "403 forbidden with required_role",
                (Expect::NotOutOfTurn, _) => "403 forbidden, required call_out_of_order",
            },
            answer.status,
            answer.content_type,
            answer
                .location
                .as_deref()
                .map(|l| format!(" to {l}"))
                .unwrap_or_default(),
        )
    })
}

#[actix_web::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let backend = MemoryBackend::new();
    let mut config = Config::for_tests(PASSWORD);
    config.api_token = Some(API_TOKEN.into());
    config.kiosk_token = Some(KIOSK_TOKEN.into());
    let app = spawn_app_with(backend.clone(), "memory", &config).await;
    let store = accounts_of(&backend);

    // Event streams never end: they are read through a service of their own, on the same
    // store, that does not wait for the end of the body.
    let (state, auth, hosts) = parts(backend.clone(), "memory", &config);
    let streams = init_service(tickets_http::app(state, auth, hosts)).await;

    let agent = create_account(&store, "role-agent", Role::Agent, false).await;
    let any_agent = create_account(&store, "role-agent-any", Role::Agent, true).await;
    let manager = create_account(&store, "role-manager", Role::Manager, false).await;
    let admin = create_account(&store, "role-admin", Role::Admin, false).await;
    let target = create_account(&store, TARGET, Role::Agent, false).await;
    let target_token = store
        .create_token(&target, "to revoke", Utc::now())
        .await
        .expect("the store answers")
        .expect("the account exists");

    let mut callers = vec![Caller {
        name: "no credentials".into(),
        account: None,
        out_of_turn: false,
        credentials: Credentials::None,
    }];
    for (username, role, out_of_turn) in [
        (&agent, Role::Agent, false),
        (&any_agent, Role::Agent, true),
        (&manager, Role::Manager, true),
        (&admin, Role::Admin, true),
    ] {
        let cookie = app.login_as(username.as_str(), ACCOUNT_PASSWORD).await;
        callers.push(Caller {
            name: format!("{role} (session of {username})"),
            account: Some((username.clone(), role)),
            out_of_turn,
            credentials: Credentials::Session(cookie),
        });
    }
    callers.push(Caller {
        name: "admin (TICKETS_API_TOKEN)".into(),
        account: Some((Username::admin(), Role::Admin)),
        out_of_turn: true,
        credentials: Credentials::Bearer(API_TOKEN.into()),
    });

    // A day with a ticket, so that the desk actions have something to do.
    app.open_day().await;
    app.take().await;
    let today = app.today().await;
    let office = app.get_config().await;
    office.assert_status(200);
    let office = office.json();

    let routes = route_access();
    assert!(routes.len() >= 30, "{} routes", routes.len());
    let mut problems = Vec::new();
    let mut serial = 0;
    for (pattern, method, access) in routes {
        let row = format!(
            "| {method} | {} | {} |",
            openapi_path(pattern),
            access.label()
        );
        let mut uri = concrete(pattern, &today, target_token.info.id.as_str());
        if pattern == "/api/kiosk/enroll" && method == Method::GET {
            uri.push_str(&format!("?token={KIOSK_TOKEN}"));
        }
        for caller in &callers {
            serial += 1;
            let mut req = app.request(method.clone(), &uri);
            req = match body_for(&method, &uri, &office, serial) {
                Body::None => req,
                Body::Json(text) => req
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .set_payload(text),
                Body::Form(form) => req.set_form(form),
            };
            req = match &caller.credentials {
                Credentials::None => req,
                // Signing out ends the session it is sent with: sign out a session of its own.
                Credentials::Session(_) if pattern == "/api/logout" => {
                    let (username, _) = caller.account.as_ref().expect("an account");
                    let session = store
                        .create_session(username, None, Utc::now())
                        .await
                        .expect("the store answers")
                        .expect("the account is enabled");
                    req.cookie(Cookie::new(SESSION_COOKIE, session.id.as_str().to_owned()))
                }
                Credentials::Session(cookie) => req.cookie(cookie.clone()),
                Credentials::Bearer(token) => {
                    req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
                }
            };
            let answer = if pattern == "/api/tickets/events" {
                let res = streams.call(req.to_request()).await;
                answer_of(res.unwrap_or_else(|e| panic!("{row}: {e}"))).await
            } else {
                let res = app.send(req).await;
                Answer {
                    status: res.status.as_u16(),
                    location: res.header("location").map(str::to_owned),
                    content_type: res.content_type().to_owned(),
                    body: res.text(),
                }
            };
            if let Some(problem) = judge(&row, (&method, pattern), caller, access, &answer) {
                problems.push(problem);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} answers differ from the table \"Who may call what\":\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The first `GET` API route that requires exactly `role`.
fn api_get_route(role: Role) -> &'static str {
    route_access()
        .into_iter()
        .find(|(_, method, access)| *method == Method::GET && *access == Access::Api(role))
        .map(|(path, _, _)| path)
        .unwrap_or_else(|| panic!("the route table has a GET API route for {role}s"))
}

#[actix_web::test]
async fn an_account_token_acts_with_its_accounts_role_until_revoked() {
    let backend = MemoryBackend::new();
    let app: TestApp =
        spawn_app_with(backend.clone(), "memory", &Config::for_tests(PASSWORD)).await;
    let store = accounts_of(&backend);
    let agent = create_account(&store, "token-agent", Role::Agent, false).await;
    let new = store
        .create_token(&agent, "desk script", Utc::now())
        .await
        .expect("the store answers")
        .expect("the account exists");
    let bearer = (
        header::AUTHORIZATION,
        format!("Bearer {}", new.token.as_str()),
    );
    let agent_route = api_get_route(Role::Agent);
    let manager_route = api_get_route(Role::Manager);

    // An agent's route: accepted.
    app.send(app.get(agent_route).insert_header(bearer.clone()))
        .await
        .assert_status(200);
    // A manager's route: refused, with the role it needs, whatever the method.
    let body = app
        .send(app.get(manager_route).insert_header(bearer.clone()))
        .await
        .json_error(403, "forbidden");
    assert_eq!(body["required_role"], "manager", "{body}");
    app.send(
        app.post_json("/api/tickets/start-day", "")
            .insert_header(bearer.clone()),
    )
    .await
    .json_error(403, "forbidden");
    // … and a refused action did nothing.
    let status = app.get_status().await.json();
    assert_eq!(status["open"], false, "{status}");

    // Revoked: no longer anyone.
    assert!(
        store
            .revoke_token(&new.info.id)
            .await
            .expect("the store answers")
    );
    app.send(app.get(agent_route).insert_header(bearer.clone()))
        .await
        .json_error(401, "unauthorized");
    // A request with a bearer token is judged by that token alone, even beside a valid
    // session cookie.
    app.send(app.as_staff(app.get(agent_route)).insert_header(bearer))
        .await
        .json_error(401, "unauthorized");
    app.send(app.as_staff(app.get(manager_route)))
        .await
        .assert_status(200);
}
