//! One push message: encrypted to the browser's key (RFC 8291, `aes128gcm`), signed with
//! the office's VAPID key, POSTed to the browser's push service at the addresses its
//! endpoint was checked to resolve to.

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use tickets_core::push::PushSubscription;
use web_push_native::{Auth, WebPushBuilder, p256};

use super::vapid::Vapid;
use crate::webhooks::check_url;

/// How long a push service has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How a send ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Sent {
    /// The push service took it.
    Delivered,
    /// The push service says the subscription is gone (404, 410): forget it.
    Gone,
    /// It failed, for this reason.
    Failed(String),
}

/// The browser's key and secret of `sub`, checked; the reason when they are not usable.
pub(crate) fn browser_keys(sub: &PushSubscription) -> Result<(p256::PublicKey, Auth), String> {
    let decode = |s: &str| Base64UrlUnpadded::decode_vec(s.trim_end_matches('=')).ok();
    let public = decode(&sub.p256dh)
        .and_then(|b| p256::PublicKey::from_sec1_bytes(&b).ok())
        .ok_or("the browser's key (keys.p256dh) is not a P-256 public key")?;
    let auth = decode(&sub.auth)
        .filter(|b| b.len() == 16)
        .map(|b| Auth::clone_from_slice(&b))
        .ok_or("the browser's secret (keys.auth) is not 16 bytes of base64url")?;
    Ok((public, auth))
}

/// Whether `endpoint` may receive push messages from this server: an `https` URL (or
/// `http`, with private addresses allowed) of a host on public addresses (or any, with
/// them allowed).
pub(crate) async fn check_endpoint(
    endpoint: &str,
    allow_private: bool,
) -> Result<(url::Url, Vec<std::net::SocketAddr>), String> {
    let (url, addrs) = check_url(endpoint, allow_private).await.map_err(|e| e.en)?;
    if url.scheme() != "https" && !allow_private {
        return Err("a push service is reached over https".into());
    }
    Ok((url, addrs))
}

/// Sends `payload` to `sub`, kept by the push service `ttl` at most while the phone is
/// away; `Err` says why it could not be sent at all.
pub(super) async fn send(
    vapid: &Vapid,
    subject: &str,
    sub: &PushSubscription,
    payload: Vec<u8>,
    ttl: Duration,
    allow_private: bool,
) -> Result<Sent, String> {
    let (url, addrs) = check_endpoint(&sub.endpoint, allow_private).await?;
    let (public, auth) = browser_keys(sub)?;
    let endpoint: http::Uri = sub
        .endpoint
        .parse()
        .map_err(|e| format!("the endpoint is not a URI: {e}"))?;
    let request = WebPushBuilder::new(endpoint, public, auth)
        .with_valid_duration(ttl)
        .with_vapid(&vapid.pair, subject)
        .build(payload)
        .map_err(|e| format!("cannot encrypt or sign the message: {e}"))?;
    let mut client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tickets-push/", env!("CARGO_PKG_VERSION")));
    if let Some(host) = url.host_str() {
        // Connect to the addresses checked, not to what a second lookup might say.
        client = client.resolve_to_addrs(host, &addrs);
    }
    let client = client.build().map_err(|e| format!("no HTTP client: {e}"))?;
    let (parts, body) = request.into_parts();
    let answer = client
        .post(url)
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status().as_u16();
    Ok(match status {
        200..=299 => Sent::Delivered,
        404 | 410 => Sent::Gone,
        _ => Sent::Failed(format!("HTTP {status}")),
    })
}
