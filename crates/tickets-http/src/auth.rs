//! Staff sign-in and the request guards: allowed hosts, same-origin unsafe requests.
//!
//! Sessions are stateless signed cookies (`v1.<expiry>.<HMAC-SHA256>`), keyed by a hash
//! of the staff password: every server with the same password accepts them, and changing
//! the password signs everyone out. Secrets are compared in constant time (HMAC
//! verification).

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::api::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tickets_staff";
/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;

/// Staff credentials and the session signing key.
#[derive(Clone)]
pub struct Auth {
    key: [u8; 32],
    password_mac: Vec<u8>,
    token_mac: Option<Vec<u8>>,
    generated_password: Option<String>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("bearer", &self.token_mac.is_some())
            .finish_non_exhaustive()
    }
}

/// A password easy to read aloud and type: 16 characters without look-alikes.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Auth {
    /// Credentials from the configured password (generated when `None`) and optional
    /// bearer token.
    pub fn new(password: Option<String>, token: Option<String>) -> Self {
        let (password, generated_password) = match password.filter(|p| !p.is_empty()) {
            Some(p) => (p, None),
            None => {
                let p = generate_password();
                (p.clone(), Some(p))
            }
        };
        let key: [u8; 32] = Sha256::new()
            .chain_update(b"tickets-session-key-v1:")
            .chain_update(password.as_bytes())
            .finalize()
            .into();
        let mut auth = Auth {
            key,
            password_mac: Vec::new(),
            token_mac: None,
            generated_password,
        };
        auth.password_mac = auth.mac(b"password:", password.as_bytes());
        auth.token_mac = token
            .filter(|t| !t.is_empty())
            .map(|t| auth.mac(b"token:", t.as_bytes()));
        auth
    }

    /// The password generated at startup, to print, when none was configured.
    pub fn generated_password(&self) -> Option<&str> {
        self.generated_password.as_deref()
    }

    fn mac(&self, domain: &[u8], data: &[u8]) -> Vec<u8> {
        self.hmac(domain, data).finalize().into_bytes().to_vec()
    }

    fn hmac(&self, domain: &[u8], data: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length; this cannot fail.
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        m.update(domain);
        m.update(data);
        m
    }

    /// A secret for `domain` derived from the session key: the same on every server that
    /// shares the staff password, different for each domain.
    pub fn derived_secret(&self, domain: &str) -> Vec<u8> {
        self.mac(b"derived-secret:", domain.as_bytes())
    }

    /// Whether `candidate` is the staff password (constant time).
    pub fn check_password(&self, candidate: &str) -> bool {
        self.hmac(b"password:", candidate.as_bytes())
            .verify_slice(&self.password_mac)
            .is_ok()
    }

    fn check_token(&self, candidate: &str) -> bool {
        self.token_mac.as_ref().is_some_and(|mac| {
            self.hmac(b"token:", candidate.as_bytes())
                .verify_slice(mac)
                .is_ok()
        })
    }

    /// A fresh session cookie, valid [`SESSION_HOURS`].
    pub fn session_cookie(&self, secure: bool) -> Cookie<'static> {
        let expiry = chrono::Utc::now().timestamp() + SESSION_HOURS * 3600;
        let sig = hex::encode(self.mac(b"session:", expiry.to_string().as_bytes()));
        Cookie::build(SESSION_COOKIE, format!("v1.{expiry}.{sig}"))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .max_age(CookieDuration::hours(SESSION_HOURS))
            .finish()
    }

    /// A cookie that removes the session.
    pub fn logout_cookie(secure: bool) -> Cookie<'static> {
        let mut c = Cookie::build(SESSION_COOKIE, "")
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish();
        c.make_removal();
        c
    }

    fn check_session(&self, value: &str) -> bool {
        let mut parts = value.splitn(3, '.');
        let (Some("v1"), Some(expiry), Some(sig)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let Ok(sig) = hex::decode(sig) else {
            return false;
        };
        let fresh = expiry
            .parse::<i64>()
            .is_ok_and(|e| e > chrono::Utc::now().timestamp());
        let valid = self
            .hmac(b"session:", expiry.as_bytes())
            .verify_slice(&sig)
            .is_ok();
        fresh && valid
    }

    /// Whether `req` carries staff credentials: a valid session cookie, or the bearer
    /// token when one is configured.
    pub fn is_staff(&self, req: &HttpRequest) -> bool {
        if req
            .cookie(SESSION_COOKIE)
            .is_some_and(|c| self.check_session(c.value()))
        {
            return true;
        }
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|t| self.check_token(t.trim()))
    }
}

/// Whether the request came over TLS (directly or as reported by a reverse proxy).
pub fn is_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

fn auth_of(req: &HttpRequest) -> Option<&Auth> {
    req.app_data::<web::Data<Auth>>().map(|d| d.get_ref())
}

/// Proof that the request is from staff; answers 401 JSON otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Staff;

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match auth_of(req) {
            Some(a) if a.is_staff(req) => Ok(Staff),
            _ => Err(ApiError::unauthorized()),
        })
    }
}

/// Proof that the request is from staff; redirects to the sign-in page otherwise.
#[derive(Debug, Clone, Copy)]
pub struct StaffPage;

/// The redirection to the sign-in page.
#[derive(Debug)]
pub struct SignInFirst(String);

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sign in first, then go to {}", self.0)
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }
    fn error_response(&self) -> HttpResponse {
        let next = url_encode(&self.0);
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/api/login?next={next}")))
            .finish()
    }
}

impl FromRequest for StaffPage {
    type Error = SignInFirst;
    type Future = Ready<Result<Self, SignInFirst>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match auth_of(req) {
            Some(a) if a.is_staff(req) => Ok(StaffPage),
            _ => {
                let uri = req.uri();
                let target = uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or(uri.path());
                Err(SignInFirst(target.to_owned()))
            }
        })
    }
}

/// Percent-encodes a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A safe place to go after signing in: a local path under `/api/`, else the console.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/api/") && !n.contains("//") && !n.contains('\\') => n.into(),
        _ => "/api/tickets/staff".into(),
    }
}

/// The accepted `Host` names.
#[derive(Debug, Clone)]
pub struct AllowedHosts(Vec<String>);

impl AllowedHosts {
    /// From the configured list (`*` for any, `.example.org` for a domain and its
    /// subdomains).
    pub fn new(list: &[String]) -> Self {
        Self(
            list.iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        )
    }

    /// Whether `host` (without port) is accepted.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.0.iter().any(|allowed| {
            allowed == "*"
                || *allowed == host
                || allowed
                    .strip_prefix('.')
                    .is_some_and(|d| host == d || host.ends_with(&format!(".{d}")))
        })
    }
}

/// The host name of a `Host` value, without the port (`[::1]:8000` → `[::1]`).
pub fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |i| &host[..=i]);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(name, _)| name)
}

fn request_host(headers: &HeaderMap, req: &ServiceRequest) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// The probes, which answer whatever the `Host` (load balancers ask by address).
pub fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

/// Refuses requests whose `Host` is not allowed (health probes excepted), and unsafe
/// requests whose `Origin` (or `Sec-Fetch-Site`) says they come from another site.
pub async fn guard_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let probe = is_probe(req.path());
    let host = request_host(req.headers(), &req);
    if !probe {
        let allowed = req
            .app_data::<web::Data<AllowedHosts>>()
            .is_some_and(|h| h.allows(host_name(&host)));
        if !allowed {
            // Keeps the error with the response so that `json_errors` can answer in the
            // request's language.
            let err = ApiError::bad_host(host_name(&host));
            return Ok(req.error_response(err));
        }
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !same_origin(req.headers(), &host) {
        return Ok(req.error_response(ApiError::cross_origin()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether an unsafe request may proceed: its `Origin`, when sent, names this host; with
/// no `Origin`, `Sec-Fetch-Site` must not say `cross-site`. Clients that send neither
/// (curl, server-to-server) are not browsers and carry no ambient cookies to abuse.
///
/// Host names are compared without case, and ports with the origin scheme's default port
/// (80 or 443) standing for an absent one: `https://x` matches `Host: x` and `Host: x:443`,
/// `https://x:8443` only `Host: x:8443`. A reverse proxy must pass `Host` with its port
/// (nginx's `$http_host`, as in deploy/nginx.conf; `$host` drops it).
fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let (authority, default_port) = match origin.split_once("://") {
            Some((scheme, a)) if scheme.eq_ignore_ascii_case("https") => (a, "443"),
            Some((scheme, a)) if scheme.eq_ignore_ascii_case("http") => (a, "80"),
            _ => return false,
        };
        let (origin_name, origin_port) = split_port(authority);
        let (host_name, host_port) = split_port(host);
        if !origin_name.eq_ignore_ascii_case(host_name) {
            return false;
        }
        return origin_port.unwrap_or(default_port) == host_port.unwrap_or(default_port);
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v != "cross-site")
}

/// `name[:port]` → (name, port); `[::1]:8000` → (`[::1]`, `8000`).
fn split_port(authority: &str) -> (&str, Option<&str>) {
    let name = host_name(authority);
    let port = authority[name.len()..]
        .strip_prefix(':')
        .filter(|p| !p.is_empty());
    (name, port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_password_and_token_are_checked() {
        let auth = Auth::new(Some("s3cret".into()), Some("tok".into()));
        assert!(auth.check_password("s3cret"));
        assert!(!auth.check_password("s3cre"));
        assert!(!auth.check_password(""));
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer tok"))
            .to_http_request();
        assert!(auth.is_staff(&req));
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer nope"))
            .to_http_request();
        assert!(!auth.is_staff(&req));
    }

    #[test]
    fn no_token_configured_means_bearer_is_off() {
        let auth = Auth::new(Some("pw".into()), None);
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer "))
            .to_http_request();
        assert!(!auth.is_staff(&req));
    }

    #[test]
    fn sessions_are_signed_and_tied_to_the_password() {
        let auth = Auth::new(Some("pw".into()), None);
        let cookie = auth.session_cookie(false);
        assert!(cookie.http_only().unwrap_or(false));
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        assert!(auth.check_session(cookie.value()));
        let other = Auth::new(Some("pw2".into()), None);
        assert!(!other.check_session(cookie.value()));
        let forged = cookie.value().replace("v1.", "v1.9");
        assert!(!auth.check_session(&forged));
        let expired_sig = hex::encode(auth.mac(b"session:", b"1000"));
        assert!(!auth.check_session(&format!("v1.1000.{expired_sig}")));
        assert!(auth.session_cookie(true).secure().unwrap_or(false));
    }

    #[test]
    fn a_password_is_generated_when_none_is_set() {
        let auth = Auth::new(None, None);
        let p = auth.generated_password().unwrap().to_owned();
        assert_eq!(p.len(), 16);
        assert!(auth.check_password(&p));
    }

    #[test]
    fn hosts_match_exactly_by_domain_or_wildcard() {
        let h = AllowedHosts::new(&["localhost".into(), "[::1]".into(), ".poste.example".into()]);
        assert!(h.allows("localhost") && h.allows("LOCALHOST"));
        assert!(h.allows("[::1]"));
        assert!(h.allows("poste.example") && h.allows("paris.poste.example"));
        assert!(!h.allows("evil.example") && !h.allows("notposte.example"));
        assert!(AllowedHosts::new(&["*".into()]).allows("anything"));
        assert_eq!(host_name("localhost:8000"), "localhost");
        assert_eq!(host_name("[::1]:8000"), "[::1]");
        assert_eq!(host_name("example.org"), "example.org");
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h, "localhost:8000"));
        h.insert(header::ORIGIN, "http://localhost:8000".parse().unwrap());
        assert!(same_origin(&h, "localhost:8000"));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h, "localhost:8000"));
        h.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(!same_origin(&h, "localhost:8000"));
        let mut h = HeaderMap::new();
        h.insert(
            header::HeaderName::from_static("sec-fetch-site"),
            "cross-site".parse().unwrap(),
        );
        assert!(!same_origin(&h, "localhost:8000"));
    }

    #[test]
    fn an_origin_with_a_port_matches_a_host_with_that_port() {
        let origin = |o: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ORIGIN, o.parse().unwrap());
            h
        };
        // A Host without its port is the default port: another port is another origin.
        assert!(!same_origin(
            &origin("https://poste.example:8443"),
            "poste.example"
        ));
        assert!(!same_origin(
            &origin("http://poste.example:8080"),
            "poste.example"
        ));
        assert!(same_origin(
            &origin("https://poste.example:443"),
            "poste.example"
        ));
        assert!(same_origin(
            &origin("https://POSTE.example:8443"),
            "poste.example:8443"
        ));
        assert!(same_origin(
            &origin("https://poste.example"),
            "poste.example:443"
        ));
        assert!(same_origin(&origin("http://[::1]:8000"), "[::1]:8000"));
        assert!(!same_origin(
            &origin("https://poste.example:8443"),
            "poste.example:9443"
        ));
        assert!(!same_origin(
            &origin("https://poste.example"),
            "poste.example:8443"
        ));
        assert!(!same_origin(
            &origin("https://poste.example.evil:8443"),
            "poste.example"
        ));
        assert!(!same_origin(
            &origin("ftp://poste.example"),
            "poste.example"
        ));
    }

    #[test]
    fn the_nginx_sample_passes_host_with_its_port_and_clears_forgeable_headers() {
        // With `Host $host`, a site on a non-default port lost the port that browsers put
        // in `Origin`, and every form post was refused as cross-origin.
        let conf = include_str!("../../../deploy/nginx.conf");
        let directive = |name: &str| {
            conf.lines()
                .map(str::trim)
                .find(|l| {
                    l.starts_with("proxy_set_header") && l.split_whitespace().nth(1) == Some(name)
                })
                .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
        };
        assert_eq!(directive("Host").as_deref(), Some("$http_host;"));
        assert_eq!(
            directive("X-Forwarded-For").as_deref(),
            Some("$remote_addr;")
        );
        assert_eq!(directive("X-Forwarded-Host").as_deref(), Some("\"\";"));
        assert_eq!(directive("Forwarded").as_deref(), Some("\"\";"));
    }

    #[test]
    fn next_is_kept_local() {
        assert_eq!(safe_next(Some("/api/dashboard")), "/api/dashboard");
        assert_eq!(safe_next(Some("//evil.example/api/")), "/api/tickets/staff");
        assert_eq!(
            safe_next(Some("https://evil.example")),
            "/api/tickets/staff"
        );
        assert_eq!(safe_next(None), "/api/tickets/staff");
    }
}
