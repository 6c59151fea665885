//! The limits a take obeys: tickets per client in a window, and a cap on waiting tickets.
//!
//! They are checked by the store in the same atomic step as the take, so every server
//! sharing a store shares them. An idempotency key is kept [`IDEMPOTENCY_WINDOW_SECONDS`]
//! only: long enough for a retry, so that the keys kept stay bounded by the take rate.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// How long a take's idempotency key gives back its ticket: 10 minutes.
pub const IDEMPOTENCY_WINDOW_SECONDS: u64 = 600;

/// At most `count` tickets per `window_seconds`, e.g. `10/600`.
///
/// ```
/// use tickets_core::RateLimit;
/// let limit: RateLimit = "10/600".parse()?;
/// assert_eq!((limit.count, limit.window_seconds), (10, 600));
/// assert_eq!(limit.to_string(), "10/600");
/// assert_eq!(RateLimit::parse_or_off("0")?, None);
/// # Ok::<(), tickets_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Tickets allowed in a window (at least 1).
    pub count: u32,
    /// The window, in seconds (1 to 86,400).
    pub window_seconds: u32,
}

impl RateLimit {
    /// `count` per `window_seconds`.
    pub const fn new(count: u32, window_seconds: u32) -> Self {
        Self {
            count,
            window_seconds,
        }
    }

    /// `COUNT/SECONDS`, or `0` (or `off`) for no limit.
    pub fn parse_or_off(s: &str) -> Result<Option<Self>, ValidationError> {
        match s.trim() {
            "0" | "off" => Ok(None),
            other => other.parse().map(Some),
        }
    }
}

impl FromStr for RateLimit {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ValidationError::new(
                "take_limit",
                format!(
                    "\"{s}\" is not COUNT/SECONDS with a count from 1 and a window of 1 to \
                     86400 seconds"
                ),
            )
        };
        let (count, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let window: u32 = window.trim().parse().map_err(|_| bad())?;
        if count == 0 || !(1..=86_400).contains(&window) {
            return Err(bad());
        }
        Ok(Self::new(count, window))
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.window_seconds)
    }
}

/// Who takes a ticket, as far as the per-client limit is concerned: an IPv4 address, or
/// the /64 network of an IPv6 address (one host usually holds a whole /64).
///
/// ```
/// use tickets_core::ClientKey;
/// let v4 = ClientKey::of_ip("192.0.2.7".parse().unwrap());
/// assert_eq!(v4.as_str(), "192.0.2.7");
/// let v6 = ClientKey::of_ip("2001:db8:1:2:aaaa::1".parse().unwrap());
/// assert_eq!(v6, ClientKey::of_ip("2001:db8:1:2:bbbb::9".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientKey(String);

impl ClientKey {
    /// The key of a client address.
    pub fn of_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let s = v6.segments();
                    Self(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }

    /// Any other identity: 1 to 64 ASCII letters, digits and `.:/_-`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:/_-".contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "client",
                "use 1 to 64 letters, digits, '.', ':', '/', '_' or '-'",
            ))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The limits one take obeys; the default obeys none (a kiosk, staff, an embedder).
///
/// ```
/// use tickets_core::{ClientKey, RateLimit, TakeLimits, TakeRequest};
/// let req = TakeRequest {
///     limits: TakeLimits {
///         per_client: Some((ClientKey::of_ip([192, 0, 2, 7].into()), RateLimit::new(10, 600))),
///         max_waiting: 5000,
///     },
///     ..TakeRequest::default()
/// };
/// assert!(req.limits.per_client.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeLimits {
    /// The client and how many tickets it may take; `None`: no per-client limit.
    /// Refused past it with [`Error::TakeLimitReached`](crate::Error::TakeLimitReached).
    #[serde(default)]
    pub per_client: Option<(ClientKey, RateLimit)>,
    /// Refuse a new ticket while this many wait, with
    /// [`Error::QueueFull`](crate::Error::QueueFull); `0`: no cap.
    #[serde(default)]
    pub max_waiting: u32,
}

/// Whole seconds until a window ends `micros` from now, at least 1 (for `Retry-After`).
pub(crate) fn retry_seconds(micros: i64) -> u64 {
    (micros.max(1) as u64).div_ceil(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_a_whole_second() {
        assert_eq!(retry_seconds(-5), 1);
        assert_eq!(retry_seconds(1), 1);
        assert_eq!(retry_seconds(1_000_000), 1);
        assert_eq!(retry_seconds(1_000_001), 2);
    }

    #[test]
    fn limits_parse_and_refuse_nonsense() {
        assert_eq!(
            RateLimit::parse_or_off(" 3/60 ").unwrap(),
            Some(RateLimit::new(3, 60))
        );
        assert_eq!(RateLimit::parse_or_off("off").unwrap(), None);
        for bad in [
            "", "10", "0/60", "10/0", "10/86401", "a/b", "-1/60", "10/60/2",
        ] {
            let e = RateLimit::parse_or_off(bad).unwrap_err();
            assert_eq!(e.field, "take_limit", "{bad}");
        }
    }

    #[test]
    fn client_keys_group_ipv6_by_network_and_refuse_odd_text() {
        let mapped = ClientKey::of_ip("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(mapped.as_str(), "192.0.2.7");
        let v6 = ClientKey::of_ip("2001:db8::1".parse().unwrap());
        assert_eq!(v6.as_str(), "2001:db8:0:0::/64");
        assert!(ClientKey::parse("kiosk-3").is_ok());
        assert!(ClientKey::parse("").is_err());
        assert!(ClientKey::parse("a b").is_err());
        assert!(ClientKey::parse(&"x".repeat(65)).is_err());
    }
}
