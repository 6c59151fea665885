//! Absolute links the server prints (the ticket page's address and its QR code).
//!
//! They are built from `TICKETS_PUBLIC_URL` when it is set, else from the request's `Host`,
//! which the host guard has already checked against `TICKETS_ALLOWED_HOSTS`. Never from
//! `Forwarded` or `X-Forwarded-Host`: any client can write those, and a long one would
//! force a huge QR code.

use actix_web::HttpRequest;
use actix_web::http::header;
use tickets_core::TicketNumber;

/// The longest `Host` a link is built from (a DNS name is at most 253 characters).
const MAX_HOST: usize = 261;

/// The public address of the server: `http(s)://host[:port][/path]`, without a trailing
/// slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Checks `s`: http or https, a host, no query or fragment, at most 200 characters.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().trim_end_matches('/');
        let bad = |why: &str| format!("\"{s}\" is not a public URL: {why}");
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| bad("it must start with https:// or http://"))?;
        if s.len() > 200 {
            return Err(bad("it is longer than 200 characters"));
        }
        let host = rest.split('/').next().unwrap_or("");
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
        if !host_ok {
            return Err(bad("it needs a host name"));
        }
        if s.contains(['?', '#', ' ', '"', '<', '>']) {
            return Err(bad("no query, fragment, space or quote"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The absolute URL of `path` (which starts with `/`) for this request.
pub fn absolute_url(req: &HttpRequest, public: Option<&PublicUrl>, path: &str) -> String {
    if let Some(public) = public {
        return format!("{}{path}", public.as_str());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.len() <= MAX_HOST && valid_host(h))
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_owned());
    let scheme = if crate::auth::is_tls(req) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}{path}")
}

/// Letters, digits, `.-:[]` only (a name or address with an optional port).
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// The path of the page that follows a ticket.
pub fn follow_path(taken_day: &tickets_core::BusinessDay, n: TicketNumber) -> String {
    format!("/api/tickets/follow/{taken_day}/{n}")
}

/// The path of the page that follows a ticket, for its holder: with the key that lets
/// them act on it (`?k=`), when there is one.
pub fn holder_path(
    taken_day: &tickets_core::BusinessDay,
    n: TicketNumber,
    key: Option<&tickets_core::HolderKey>,
) -> String {
    match key {
        Some(k) => format!("/api/tickets/follow/{taken_day}/{n}?k={k}"),
        None => follow_path(taken_day, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_holder_path_is_the_follow_path_with_the_key() {
        let day: tickets_core::BusinessDay = "2026-12-02".parse().unwrap();
        let n = TicketNumber::new(42).unwrap();
        assert_eq!(follow_path(&day, n), "/api/tickets/follow/2026-12-02/42");
        assert_eq!(holder_path(&day, n, None), follow_path(&day, n));
        let queue = tickets_core::TicketQueue::new(tickets_core::MemoryBackend::new());
        let key = actix_web::rt::System::new().block_on(async {
            queue.open_day().await.unwrap();
            let taken = queue.take(Default::default()).await.unwrap();
            queue.holder_key(taken.day, &taken.ticket).await.unwrap()
        });
        assert_eq!(
            holder_path(&day, n, Some(&key)),
            format!("{}?k={}", follow_path(&day, n), key.as_str())
        );
    }

    #[test]
    fn links_come_from_the_public_url_or_the_host_never_from_forwarded_headers() {
        let req = TestRequest::default()
            .insert_header((header::HOST, "tickets.example.org:8443"))
            .insert_header(("x-forwarded-host", "evil.example".repeat(100)))
            .insert_header(("forwarded", "host=evil.example"))
            .to_http_request();
        assert_eq!(
            absolute_url(&req, None, "/a"),
            "http://tickets.example.org:8443/a"
        );
        let public = PublicUrl::parse("https://poste.example.org/").unwrap();
        assert_eq!(
            absolute_url(&req, Some(&public), "/a"),
            "https://poste.example.org/a"
        );
        let long = TestRequest::default()
            .insert_header((header::HOST, "a".repeat(2000)))
            .to_http_request();
        assert!(absolute_url(&long, None, "/a").len() < 100);
    }

    #[test]
    fn public_urls_are_checked() {
        assert!(PublicUrl::parse("https://x.example:8443/tickets").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https://x?a=1",
            "x.example",
            "https://a b",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(PublicUrl::parse(&format!("https://{}", "a".repeat(300))).is_err());
    }
}
