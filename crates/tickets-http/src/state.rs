//! What every handler shares: the queue, the name of its store, the live hub, and what the
//! limits on public requests need.

use actix_web::HttpRequest;
use tickets_core::{ClientKey, OfficeConfig, QueueBackend, RateLimit, TakeLimits, TicketQueue};

use crate::client::Clients;
use crate::config::Config;
use crate::limits::StreamGate;
use crate::links::PublicUrl;

/// The office configuration in force, for code that does not know the backend type (the
/// language of a request, the page layout); the application registers one beside its
/// [`AppState`].
#[derive(Clone)]
pub struct OfficeSource(std::sync::Arc<dyn Fn() -> std::sync::Arc<OfficeConfig> + Send + Sync>);

impl OfficeSource {
    /// The office of `state`'s queue.
    pub fn of<B: QueueBackend>(state: actix_web::web::Data<AppState<B>>) -> Self {
        Self(std::sync::Arc::new(move || state.queue.office()))
    }

    /// The office in force now.
    pub fn office(&self) -> std::sync::Arc<OfficeConfig> {
        (self.0)()
    }
}

/// What every handler shares.
pub struct AppState<B> {
    /// The queue.
    pub queue: TicketQueue<B>,
    /// `memory` or `redis`.
    pub store: &'static str,
    /// The fan-out of live updates.
    pub live: crate::live::LiveHub,
    /// Who the clients are: addresses through trusted proxies, enrolled kiosks.
    pub clients: Clients,
    /// Tickets one address may take without a kiosk cookie (`None`: no limit).
    pub take_limit: Option<RateLimit>,
    /// Refuse new tickets while this many wait (`0`: no cap).
    pub max_waiting: u32,
    /// The caps on event streams.
    pub streams: StreamGate,
    /// The address the public reaches the server at, for links and QR codes.
    pub public_url: Option<PublicUrl>,
    /// Webhooks may go to private and local addresses (`TICKETS_WEBHOOK_ALLOW_PRIVATE`).
    pub webhook_allow_private: bool,
    /// Web Push notifications to ticket holders, when the server sends them.
    pub push: Option<std::sync::Arc<crate::push::Push>>,
}

impl<B: QueueBackend> AppState<B> {
    /// State around `queue` without any limit (for embedding and tests).
    pub fn new(queue: TicketQueue<B>, store: &'static str) -> Self {
        let live = crate::live::LiveHub::new(queue.config().default_service_seconds);
        Self {
            queue,
            store,
            live,
            clients: Clients::default(),
            take_limit: None,
            max_waiting: 0,
            streams: StreamGate::new(None),
            public_url: None,
            webhook_allow_private: false,
            push: None,
        }
    }

    /// State around `queue` with the limits and addresses of `config`; `clients` knows the
    /// trusted proxies and the kiosk secrets.
    pub fn configured(
        queue: TicketQueue<B>,
        store: &'static str,
        config: &Config,
        clients: Clients,
    ) -> Self {
        Self {
            clients,
            take_limit: config.take_limit,
            max_waiting: config.max_waiting,
            streams: StreamGate::new(config.stream_limit),
            public_url: config.public_url.clone(),
            webhook_allow_private: config.webhook_allow_private,
            ..Self::new(queue, store)
        }
    }

    /// The limits a take of this request obeys: the cap on waiting tickets always; the
    /// per-address limit unless the request comes from an enrolled kiosk or from staff
    /// (`staff` says whether it does: awaited only when it matters, when such a limit is
    /// set and the request is not a kiosk's).
    pub async fn take_limits(
        &self,
        req: &HttpRequest,
        staff: impl Future<Output = bool>,
    ) -> TakeLimits {
        let per_client = match self.take_limit {
            Some(limit) if !self.clients.is_kiosk(req) && !staff.await => {
                Some((ClientKey::of_ip(self.clients.address(req)), limit))
            }
            _ => None,
        };
        TakeLimits {
            per_client,
            max_waiting: self.max_waiting,
        }
    }
}
