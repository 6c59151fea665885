//! The key of a ticket's holder: what lets the person who took a ticket act on it (leave
//! the queue), and nobody else.
//!
//! The key is derived, not stored: an HMAC-SHA256, under the office's secret `holder`
//! ([`QueueBackend::secret`](crate::QueueBackend::secret), made once and shared by every
//! server on the store), of the ticket's day, number and time of taking, cut to 128 bits
//! and written as 32 hexadecimal digits. It names one ticket: the same number given again
//! after a reset, or on another day, has another key. The take's answer carries it (in
//! the link printed in the QR code); a person who only knows the number cannot act.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::clock::BusinessDay;
use crate::model::{Ticket, micros};

/// The name of the office's secret the keys derive from.
pub(crate) const SECRET_NAME: &str = "holder";

/// How many bytes of the HMAC a key keeps.
const KEY_BYTES: usize = 16;

/// The key of a ticket's holder (32 hexadecimal digits).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tickets_core::Result<()> {
/// use tickets_core::{MemoryBackend, TicketQueue};
/// let queue = TicketQueue::new(MemoryBackend::new());
/// queue.open_day().await?;
/// let taken = queue.take(Default::default()).await?;
/// let key = queue.holder_key(taken.day, &taken.ticket).await?;
/// assert_eq!(key.as_str().len(), 32);
/// // With the key, and only with it, the holder leaves the queue.
/// assert!(queue.leave(taken.ticket.number, "0123456789abcdef0123456789abcdef").await.is_err());
/// let left = queue.leave(taken.ticket.number, key.as_str()).await?;
/// assert_eq!(left.status, tickets_core::TicketStatus::Cancelled);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderKey(String);

impl HolderKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HolderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The office's holder secret, ready to sign: the HMAC's key schedule (two SHA-256 blocks)
/// is done once, not for every key.
#[derive(Clone)]
pub(crate) struct HolderSecret(Hmac<Sha256>);

impl HolderSecret {
    pub(crate) fn new(secret: &[u8]) -> Self {
        // HMAC accepts keys of any length.
        Self(
            <Hmac<Sha256> as Mac>::new_from_slice(secret)
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length")),
        )
    }
}

impl fmt::Debug for HolderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderSecret(…)")
    }
}

/// The MAC of `holder|<day>|<number>|<taken at, µs>`, its parts given one by one (no
/// text made for it).
fn mac(secret: &HolderSecret, day: BusinessDay, ticket: &Ticket) -> Hmac<Sha256> {
    let mut m = secret.0.clone();
    m.update(b"holder|");
    match crate::model::date_text(day.date()) {
        Some(b) => m.update(&b),
        None => m.update(day.to_string().as_bytes()),
    }
    m.update(b"|");
    m.update(itoa::Buffer::new().format(ticket.number.get()).as_bytes());
    m.update(b"|");
    m.update(
        itoa::Buffer::new()
            .format(micros(ticket.taken_at))
            .as_bytes(),
    );
    m
}

/// The key of `ticket` of `day` under `secret`.
pub(crate) fn key_of(secret: &HolderSecret, day: BusinessDay, ticket: &Ticket) -> HolderKey {
    let full = mac(secret, day, ticket).finalize().into_bytes();
    let mut text = [0u8; KEY_BYTES * 2];
    hex::encode_to_slice(&full[..KEY_BYTES], &mut text)
        .unwrap_or_else(|_| unreachable!("two hex digits a byte"));
    HolderKey(crate::model::ascii(&text).to_owned())
}

/// Whether `candidate` is the key of `ticket` of `day` (in constant time).
pub(crate) fn is_key_of(
    secret: &HolderSecret,
    day: BusinessDay,
    ticket: &Ticket,
    candidate: &str,
) -> bool {
    match hex::decode(candidate.trim()) {
        Ok(bytes) if bytes.len() == KEY_BYTES => mac(secret, day, ticket)
            .verify_truncated_left(&bytes)
            .is_ok(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Service, TicketNumber};
    use chrono::{TimeZone, Utc};

    fn ticket(n: u64, second: u32) -> Ticket {
        Ticket::waiting(
            TicketNumber::new(n).unwrap(),
            Service::default(),
            n.to_string(),
            None,
            Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, second).unwrap(),
        )
    }

    #[test]
    fn a_key_is_the_mac_of_its_ticket_written_out() {
        let day: BusinessDay = "2026-11-30".parse().unwrap();
        let t = ticket(7, 0);
        let text = format!("holder|{day}|7|{}", micros(t.taken_at));
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(b"secret").unwrap();
        m.update(text.as_bytes());
        let expected = hex::encode(&m.finalize().into_bytes()[..KEY_BYTES]);
        assert_eq!(
            key_of(&HolderSecret::new(b"secret"), day, &t).as_str(),
            expected
        );
    }

    #[test]
    fn a_key_names_one_ticket_of_one_day_under_one_secret() {
        let day: BusinessDay = "2026-11-30".parse().unwrap();
        let other_day: BusinessDay = "2026-12-01".parse().unwrap();
        let t = ticket(7, 0);
        let secret = HolderSecret::new(b"secret");
        let key = key_of(&secret, day, &t);
        assert_eq!(key.as_str().len(), 32);
        assert!(is_key_of(&secret, day, &t, key.as_str()));
        assert!(is_key_of(&secret, day, &t, &key.as_str().to_uppercase()));
        // Another ticket of the same number (after a reset), another day, another secret.
        assert!(!is_key_of(&secret, day, &ticket(7, 1), key.as_str()));
        assert!(!is_key_of(&secret, other_day, &t, key.as_str()));
        assert!(!is_key_of(
            &HolderSecret::new(b"other"),
            day,
            &t,
            key.as_str()
        ));
        // Not a key at all.
        for bad in [
            "",
            "zz",
            &key.as_str()[..30],
            "0123456789abcdef0123456789abcdef",
        ] {
            assert!(!is_key_of(&secret, day, &t, bad), "{bad:?}");
        }
    }
}
