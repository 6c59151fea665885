//! What every handler shares: the queue, the name of its store, the live hub.

use tickets_core::{QueueBackend, TicketQueue};

/// What every handler shares: the queue, the name of its store, the live hub.
pub struct AppState<B> {
    /// The queue.
    pub queue: TicketQueue<B>,
    /// `memory` or `redis`.
    pub store: &'static str,
    /// The fan-out of live updates.
    pub live: crate::live::LiveHub,
}

impl<B: QueueBackend> AppState<B> {
    /// State around `queue`.
    pub fn new(queue: TicketQueue<B>, store: &'static str) -> Self {
        let live = crate::live::LiveHub::new(queue.config().default_service_seconds);
        Self { queue, store, live }
    }
}
