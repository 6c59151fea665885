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
