//! The request guards: allowed `Host` names, and unsafe requests only from this site.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::web;

use crate::api::error::ApiError;

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
        let conf = include_str!("../../../../deploy/nginx.conf");
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
}
