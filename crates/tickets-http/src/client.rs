//! Who the client is: its address (through trusted proxies only) and whether its browser is
//! an enrolled kiosk.
//!
//! `X-Forwarded-For` is read only when the connection comes from one of
//! `TICKETS_TRUSTED_PROXIES`; then the address is the rightmost one in the header that is not
//! itself a trusted proxy (the leftmost entries are whatever the client wrote). A kiosk is
//! enrolled by a cookie holding a MAC of `TICKETS_KIOSK_TOKEN`, so every server that shares
//! the token recognises it and changing the token withdraws every kiosk at once.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use hmac::digest::CtOutput;
use hmac::{Hmac, Mac};
pub use ipnet::IpNet;
use sha2::Sha256;

/// The name of the kiosk cookie.
pub const KIOSK_COOKIE: &str = "tickets_kiosk";
/// How long a kiosk stays enrolled: about ten years (it is withdrawn by changing the token).
pub const KIOSK_COOKIE_DAYS: i64 = 3650;

/// An address (`10.0.0.1`, as a /32) or a network (`10.0.0.0/8`).
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("\"{s}\" is not an IP address or a CIDR network (10.0.0.0/8)"))
}

/// The trusted proxies, and the kiosk secrets: what identifying a client needs.
#[derive(Clone)]
pub struct Clients {
    proxies: Vec<IpNet>,
    /// `TICKETS_KIOSK_TOKEN`, when set: the link's secret and the cookie's key.
    kiosk_token: Option<Vec<u8>>,
    /// An enrolled kiosk's cookie (a MAC under the token, or the server secret without
    /// one), made once: every take checks it.
    kiosk_cookie: CtOutput<Hmac<Sha256>>,
}

impl Default for Clients {
    /// No trusted proxy, no token, an empty server secret.
    fn default() -> Self {
        Self::new(Vec::new(), None, &[])
    }
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients")
            .field("proxies", &self.proxies)
            .field("kiosk_token", &self.kiosk_token.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl Clients {
    /// From `TICKETS_TRUSTED_PROXIES` and `TICKETS_KIOSK_TOKEN`; `fallback` keys the kiosk
    /// cookie when no token is set (a secret every server sharing the store derives alike).
    pub fn new(proxies: Vec<IpNet>, kiosk_token: Option<&str>, fallback: &[u8]) -> Self {
        let kiosk_token = kiosk_token
            .filter(|t| !t.is_empty())
            .map(|t| t.as_bytes().to_vec());
        let mut cookie = mac(kiosk_token.as_deref().unwrap_or(fallback));
        cookie.update(b"tickets kiosk v1");
        Self {
            proxies,
            kiosk_token,
            kiosk_cookie: cookie.finalize(),
        }
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.proxies.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer, or what trusted proxies say in `X-Forwarded-For`.
    pub fn address(&self, req: &HttpRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| canonical(a.ip()));
        if !self.trusted(peer) {
            if peer.is_loopback() && req.headers().contains_key("x-forwarded-for") {
                warn_untrusted_proxy(peer);
            }
            return peer;
        }
        let mut address = peer;
        // Every X-Forwarded-For header, in order, as one list; each entry decoded on its
        // own, so that bytes a client wrote on the left cannot hide what the proxies
        // appended on the right.
        let hops: Vec<&[u8]> = req
            .headers()
            .get_all("x-forwarded-for")
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = std::str::from_utf8(hop)
                .ok()
                .and_then(|h| parse_hop(h.trim()))
            else {
                // Garbage from the client side: stop at the last address we could trust.
                break;
            };
            address = ip;
            if !self.trusted(ip) {
                break;
            }
        }
        address
    }

    /// Whether kiosks can be enrolled with a link (a token is configured).
    pub fn kiosk_link_enabled(&self) -> bool {
        self.kiosk_token.is_some()
    }

    /// Whether `token` is the kiosk token (compared in constant time).
    pub fn is_kiosk_token(&self, token: &str) -> bool {
        let Some(key) = &self.kiosk_token else {
            return false;
        };
        let digest = |v: &[u8]| {
            let mut m = mac(b"tickets kiosk token");
            m.update(v);
            m
        };
        let expected = digest(key).finalize().into_bytes();
        digest(token.as_bytes()).verify(&expected).is_ok()
    }

    /// The cookie that enrolls a kiosk.
    pub fn kiosk_cookie(&self, secure: bool) -> Cookie<'static> {
        let value = hex::encode(self.kiosk_cookie.clone().into_bytes());
        Cookie::build(KIOSK_COOKIE, value)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(KIOSK_COOKIE_DAYS))
            .finish()
    }

    /// Whether the request comes from an enrolled kiosk.
    pub fn is_kiosk(&self, req: &HttpRequest) -> bool {
        let Some(cookie) = req.cookie(KIOSK_COOKIE) else {
            return false;
        };
        let mut given = [0u8; 32];
        if hex::decode_to_slice(cookie.value(), &mut given).is_err() {
            return false;
        }
        // Compared in constant time.
        CtOutput::new(given.into()) == self.kiosk_cookie
    }
}

/// Says once that a local proxy's `X-Forwarded-For` is ignored: behind it every client
/// would share the proxy's take and stream limits.
fn warn_untrusted_proxy(peer: IpAddr) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            %peer,
            "X-Forwarded-For from {peer} is ignored: every client behind this proxy counts as \
             {peer} for the take and stream limits; list the proxy in TICKETS_TRUSTED_PROXIES"
        );
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length")
}

/// An IPv4-mapped IPv6 address as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, xff: &[&str]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        for v in xff {
            r = r.append_header(("x-forwarded-for", *v));
        }
        r.to_http_request()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let none = Clients::new(vec![], None, b"server");
        assert_eq!(
            none.address(&req("192.0.2.1", &["198.51.100.9"])),
            "192.0.2.1".parse::<IpAddr>().unwrap(),
            "an untrusted peer's header is ignored"
        );
        let proxies = Clients::new(
            vec![
                parse_net("127.0.0.1").unwrap(),
                parse_net("10.0.0.0/8").unwrap(),
            ],
            None,
            b"server",
        );
        // The client wrote a fake first entry; nginx appended the real one; a second
        // trusted proxy appended nginx's.
        let r = req("127.0.0.1", &["6.6.6.6, 198.51.100.9", "10.1.2.3"]);
        assert_eq!(
            proxies.address(&r),
            "198.51.100.9".parse::<IpAddr>().unwrap()
        );
        let r = req("127.0.0.1", &["garbage"]);
        assert_eq!(proxies.address(&r), "127.0.0.1".parse::<IpAddr>().unwrap());
        // A byte that is not UTF-8 on the client's side hides nothing on the right.
        let r = TestRequest::default()
            .peer_addr("127.0.0.1:5000".parse().unwrap())
            .append_header((
                "x-forwarded-for",
                actix_web::http::header::HeaderValue::from_bytes(b"\xe9, 198.51.100.7").unwrap(),
            ))
            .to_http_request();
        assert_eq!(
            proxies.address(&r),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let r = req("127.0.0.1", &["[2001:db8::7]:443"]);
        assert_eq!(
            proxies.address(&r),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn nets_parse_as_addresses_or_cidrs() {
        assert_eq!(parse_net("10.0.0.1").unwrap().prefix_len(), 32);
        assert_eq!(parse_net("::1").unwrap().prefix_len(), 128);
        assert_eq!(parse_net("10.0.0.0/8").unwrap().prefix_len(), 8);
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("localhost").is_err());
    }

    #[test]
    fn a_kiosk_cookie_is_recognised_only_with_its_secret() {
        let clients = Clients::new(vec![], Some("kiosk-secret-1234"), b"server");
        assert!(clients.kiosk_link_enabled());
        assert!(clients.is_kiosk_token("kiosk-secret-1234"));
        assert!(!clients.is_kiosk_token("kiosk-secret-123"));
        assert!(!clients.is_kiosk_token(""));
        let cookie = clients.kiosk_cookie(true);
        assert!(cookie.http_only().unwrap_or(false));
        let with = TestRequest::default()
            .cookie(cookie.clone())
            .to_http_request();
        assert!(clients.is_kiosk(&with));
        let other = Clients::new(vec![], Some("another-token"), b"server");
        assert!(!other.is_kiosk(&with), "a changed token withdraws kiosks");
        let forged = TestRequest::default()
            .cookie(Cookie::new(KIOSK_COOKIE, "00ff"))
            .to_http_request();
        assert!(!clients.is_kiosk(&forged));
        // Without a token: no link, and the cookie is keyed by the server secret.
        let staff_enrolled = Clients::new(vec![], None, b"server");
        assert!(!staff_enrolled.kiosk_link_enabled());
        assert!(!staff_enrolled.is_kiosk_token("anything"));
        let with = TestRequest::default()
            .cookie(staff_enrolled.kiosk_cookie(false))
            .to_http_request();
        assert!(staff_enrolled.is_kiosk(&with));
        assert!(!Clients::new(vec![], None, b"other server").is_kiosk(&with));
    }
}
