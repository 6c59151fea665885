//! One POST of a delivery: the JSON body, signed, to the addresses its URL was checked to
//! resolve to.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tickets_core::webhooks::{Delivery, Webhook};

use super::address::check_url;

/// The header that carries the signature: `t=<unix time>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>" under the hook's secret>`.
pub const SIGNATURE_HEADER: &str = "X-Tickets-Signature";

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The value of [`SIGNATURE_HEADER`] for `body` sent at `t` (Unix seconds) under `secret`.
///
/// ```
/// use tickets_http::webhooks::signature;
/// assert_eq!(
///     signature("whsec_test", 1796025600, r#"{"event":"call_next"}"#),
///     "t=1796025600,v1=d0ec597f709b9f29de72ca8cf26fb0f55bd85c94f04f29d2f3620d24cc3cab6f"
/// );
/// ```
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs `delivery` to `hook`; `Err` says why it failed (for the delivery's last error).
pub(super) async fn post(
    hook: &Webhook,
    delivery: &Delivery,
    allow_private: bool,
) -> Result<(), String> {
    let (url, addrs) = check_url(&hook.url, allow_private)
        .await
        .map_err(|e| e.en)?;
    let mut client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tickets-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some(host) = url.host_str() {
        // Connect to the addresses checked, not to what a second lookup might say.
        client = client.resolve_to_addrs(host, &addrs);
    }
    let client = client.build().map_err(|e| format!("no HTTP client: {e}"))?;
    let t = chrono::Utc::now().timestamp();
    let answer = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Tickets-Event", &delivery.event)
        .header("X-Tickets-Delivery", &delivery.id)
        .header(SIGNATURE_HEADER, signature(&hook.secret, t, &delivery.body))
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

/// A failed send in a few words (`timed out`, `connection refused`, …).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text.chars().take(300).collect()
}
