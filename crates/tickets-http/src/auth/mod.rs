//! Who is calling, and what they may do.
//!
//! - `mod.rs`: [`Auth`], the server's credentials: the account store, the idle lifetime of
//!   sessions, the optional `TICKETS_API_TOKEN`, and the secrets derived for kiosk cookies;
//!   the session cookie; safe redirections;
//! - `caller.rs`: the [`Caller`] a request comes from (an account through its session or
//!   one of its API tokens) and the extractors handlers ask for it with;
//! - `access.rs`: [`Access`], the role each route requires, checked by a middleware that
//!   also records every staff action in the audit log;
//! - `audit_writer.rs`: [`AuditWriter`], which writes those audit lines just after the
//!   answer, in batches, and lets this server's audit reads wait for them;
//! - `sign_in.rs`: signing in (throttled per address and per account) and the first
//!   administrator;
//! - `hosts.rs`: the allowed `Host` names and the same-origin rule for unsafe requests.
//!
//! Sessions live in the store: the cookie holds only a random 128-bit id, so signing out,
//! disabling an account or changing its password ends its sessions on every server at once.

mod access;
mod audit_writer;
mod caller;
mod hosts;
mod sign_in;

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use tickets_core::{AnyBackend, SESSION_LIFETIME_SECONDS, SessionId};

pub use access::{Access, AuditNote, note_audit, require};
pub use audit_writer::AuditWriter;
pub use caller::{
    Caller, Identity, MaybeStaff, SignInFirst, Staff, StaffPage, Via, caller, identity,
};
pub use hosts::{AllowedHosts, guard_requests, host_name, is_probe};
pub use sign_in::{SignInError, SignInRequest};

type HmacSha256 = Hmac<Sha256>;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tickets_staff";
/// How long a sign-in lasts at most.
pub const SESSION_HOURS: i64 = SESSION_LIFETIME_SECONDS / 3600;
/// The name an account is shown under when the caller uses `TICKETS_API_TOKEN`.
pub const CONFIG_TOKEN_ACCOUNT: &str = "api-token";

/// The server's credentials: where accounts and sessions live, and the secrets of this
/// deployment; and the writer of the staff actions' audit lines.
pub struct Auth {
    accounts: AnyBackend,
    audit: AuditWriter,
    idle: chrono::Duration,
    key: [u8; 32],
    token_mac: Option<Vec<u8>>,
    bootstrap_password: String,
    generated: bool,
    admin_created: AtomicBool,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("store", &self.accounts.name())
            .field("idle", &self.idle)
            .field("config_token", &self.token_mac.is_some())
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
    /// Credentials on the account store `accounts`: `password` is the first administrator's
    /// (generated when `None`; see [`Self::bootstrap`]), `token` the optional
    /// `TICKETS_API_TOKEN` (an administrator's), `idle` how long an unused session lives.
    pub fn new(
        accounts: AnyBackend,
        password: Option<String>,
        token: Option<String>,
        idle: chrono::Duration,
    ) -> Self {
        let (password, generated) = match password.filter(|p| !p.is_empty()) {
            Some(p) => (p, false),
            None => (generate_password(), true),
        };
        let key: [u8; 32] = Sha256::new()
            .chain_update(b"tickets-session-key-v1:")
            .chain_update(password.as_bytes())
            .finalize()
            .into();
        let mut auth = Auth {
            audit: AuditWriter::new(accounts.clone()),
            accounts,
            idle,
            key,
            token_mac: None,
            bootstrap_password: password,
            generated,
            admin_created: AtomicBool::new(false),
        };
        auth.token_mac = token
            .filter(|t| !t.is_empty())
            .map(|t| auth.mac(b"token:", t.as_bytes()));
        auth
    }

    /// The account store.
    pub fn accounts(&self) -> &AnyBackend {
        &self.accounts
    }

    /// The writer of the staff actions' audit lines; read the audit log after its
    /// [`AuditWriter::flush`].
    pub fn audit_writer(&self) -> &AuditWriter {
        &self.audit
    }

    /// How long an unused session lives.
    pub fn idle(&self) -> chrono::Duration {
        self.idle
    }

    /// The password generated at startup, to print, when none was configured and it became
    /// the first administrator's ([`Self::bootstrap`]).
    pub fn generated_password(&self) -> Option<&str> {
        (self.generated && self.admin_created.load(Ordering::Relaxed))
            .then_some(self.bootstrap_password.as_str())
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

    /// A secret for `domain` derived from the configured staff password: the same on every
    /// server configured alike, different for each domain.
    pub fn derived_secret(&self, domain: &str) -> Vec<u8> {
        self.mac(b"derived-secret:", domain.as_bytes())
    }

    /// Whether `candidate` is `TICKETS_API_TOKEN` (constant time).
    fn is_config_token(&self, candidate: &str) -> bool {
        self.token_mac.as_ref().is_some_and(|mac| {
            self.hmac(b"token:", candidate.as_bytes())
                .verify_slice(mac)
                .is_ok()
        })
    }

    /// Whether `req` comes from a signed-in account (looked up in the store only when the
    /// request carries credentials).
    pub async fn is_staff(&self, req: &HttpRequest) -> bool {
        caller(req).await.is_some()
    }

    /// The cookie of a new session.
    pub fn session_cookie(id: &SessionId, secure: bool) -> Cookie<'static> {
        Cookie::build(SESSION_COOKIE, id.as_str().to_owned())
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
}

/// Whether the request came over TLS (directly or as reported by a reverse proxy).
pub fn is_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
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

#[cfg(test)]
mod tests {
    use super::*;
    use tickets_core::MemoryBackend;

    fn auth(password: Option<&str>, token: Option<&str>) -> Auth {
        Auth::new(
            AnyBackend::Memory(MemoryBackend::new()),
            password.map(str::to_owned),
            token.map(str::to_owned),
            chrono::Duration::minutes(30),
        )
    }

    #[test]
    fn the_config_token_is_checked_in_constant_time() {
        let a = auth(Some("a long staff password"), Some("tok"));
        assert!(a.is_config_token("tok"));
        assert!(!a.is_config_token("tok "));
        assert!(!a.is_config_token(""));
        assert!(!auth(Some("a long staff password"), None).is_config_token(""));
    }

    #[test]
    fn session_cookies_hold_the_id_only() {
        let id = SessionId::generate().expect("random bytes");
        let cookie = Auth::session_cookie(&id, false);
        assert_eq!(cookie.value(), id.as_str());
        assert!(cookie.http_only().unwrap_or(false));
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        assert!(Auth::session_cookie(&id, true).secure().unwrap_or(false));
        assert_eq!(cookie.max_age(), Some(CookieDuration::hours(12)));
    }

    #[test]
    fn derived_secrets_follow_the_password() {
        let a = auth(Some("a long staff password"), None);
        let b = auth(Some("a long staff password"), None);
        let c = auth(Some("another staff password"), None);
        assert_eq!(a.derived_secret("kiosk"), b.derived_secret("kiosk"));
        assert_ne!(a.derived_secret("kiosk"), c.derived_secret("kiosk"));
        assert_ne!(a.derived_secret("kiosk"), a.derived_secret("other"));
    }

    #[test]
    fn a_generated_password_is_shown_only_once_it_made_the_admin() {
        let a = auth(None, None);
        assert_eq!(a.generated_password(), None);
        a.admin_created.store(true, Ordering::Relaxed);
        assert_eq!(a.generated_password().map(str::len), Some(16));
        let b = auth(Some("a long staff password"), None);
        b.admin_created.store(true, Ordering::Relaxed);
        assert_eq!(b.generated_password(), None);
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
