//! Webhook delivery: every server turns the queue events it hears into deliveries for the
//! hooks that want them (the store keeps each once, whichever server enqueues it first),
//! claims the deliveries that are due, POSTs them signed, and reports each back to the
//! store: delivered, tried again later, or failed after a day (see
//! [`tickets_core::webhooks`]). Nothing here runs inside a request: an operation's only
//! cost is the event it publishes anyway.

mod address;
mod send;
mod worker;

pub use address::{AddressError, check_url};
pub use send::{SIGNATURE_HEADER, signature};
pub use worker::{Settings, Webhooks};

/// The shortest signing secret a caller may choose.
pub const MIN_SECRET_CHARS: usize = 16;
/// The longest.
pub const MAX_SECRET_CHARS: usize = 200;

/// The signing secret of a new hook: `given` when it has 16 to 200 characters, a new
/// random one (`whsec_…`) when none is given; `None` when `given` breaks the rule (the
/// API and the page each say so in their own words).
pub fn secret_or_new(given: Option<&str>) -> Option<String> {
    match given {
        None => Some(format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()))),
        Some(s) => (MIN_SECRET_CHARS..=MAX_SECRET_CHARS)
            .contains(&s.chars().count())
            .then(|| s.to_owned()),
    }
}
