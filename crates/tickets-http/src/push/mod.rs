//! Web Push: a ticket's holder asks, from the ticket's page, to be told on their phone
//! when their turn nears, when they are next and when they are called. Every server
//! watches the queue's events, works out which subscribed tickets reached a new stage,
//! claims each stage of each ticket once in the store (so that with several servers one
//! only sends it), and sends it encrypted (RFC 8291) and signed with the office's VAPID
//! key (RFC 8292) to the browser's push service. A subscription the push service says is
//! gone (404, 410) is removed, as are those of tickets no longer in play. Nothing here
//! runs inside a queue operation.

mod message;
mod send;
mod vapid;
mod watcher;

use std::sync::{Arc, Mutex};

use tickets_core::push::{PushStore, PushSubscription};
use tickets_core::{AnyBackend, Moment, QueueBackend, TicketNumber, TicketQueue};
use tokio::sync::{Notify, OnceCell};
use tokio::task::JoinHandle;

pub(crate) use send::{browser_keys, check_endpoint};
use vapid::Vapid;

/// Checks a VAPID private key given in the configuration; why it cannot be used.
pub fn check_private_key(text: &str) -> Result<(), String> {
    Vapid::from_private(text).map(|_| ())
}

/// How a server sends push notifications.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Tell the holder when this many tickets or fewer are ahead (`TICKETS_PUSH_AHEAD`).
    pub ahead: u32,
    /// Send to private and local addresses too, over http too
    /// (`TICKETS_PUSH_ALLOW_PRIVATE`): for tests and closed networks.
    pub allow_private: bool,
    /// The VAPID private key given (`TICKETS_VAPID_PRIVATE_KEY`, base64url); without it,
    /// one is made once and kept in the store.
    pub private_key: Option<String>,
    /// Who runs the server, for the push services (`TICKETS_VAPID_SUBJECT`, a `mailto:`
    /// or `https:` URL).
    pub subject: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ahead: 3,
            allow_private: false,
            private_key: None,
            subject: "mailto:tickets@localhost".into(),
        }
    }
}

/// A server's push notifications: started once, stopped when dropped.
pub struct Push {
    store: AnyBackend,
    queue: TicketQueue<AnyBackend>,
    settings: Settings,
    vapid: OnceCell<Vapid>,
    wake: Arc<Notify>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Push {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.get_mut() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
    }
}

impl Push {
    /// Starts watching `queue`'s events and sending to the subscriptions of its store.
    /// A private key that cannot be used is an error (said at startup, not at first use).
    pub fn start(queue: TicketQueue<AnyBackend>, settings: Settings) -> Result<Arc<Self>, String> {
        let vapid = OnceCell::new();
        if let Some(text) = &settings.private_key {
            let _ = vapid.set(Vapid::from_private(text)?);
        }
        let events = queue.events();
        let me = Arc::new(Push {
            store: queue.backend().clone(),
            queue,
            settings,
            vapid,
            wake: Arc::new(Notify::new()),
            tasks: Mutex::new(Vec::new()),
        });
        let watch = tokio::spawn(watcher::watch(Arc::downgrade(&me), me.wake.clone(), events));
        if let Ok(mut tasks) = me.tasks.lock() {
            tasks.push(watch);
        }
        Ok(me)
    }

    /// How many tickets ahead the first notice comes.
    pub fn ahead(&self) -> u32 {
        self.settings.ahead
    }

    /// Whether endpoints on private addresses (and over http) are accepted.
    pub fn allows_private(&self) -> bool {
        self.settings.allow_private
    }

    /// The office's VAPID key, read (or made) once.
    async fn vapid(&self) -> tickets_core::Result<&Vapid> {
        self.vapid
            .get_or_try_init(|| async {
                let secret = self.store.secret(vapid::SECRET_NAME).await?;
                Ok(Vapid::from_secret(&secret))
            })
            .await
    }

    /// The public VAPID key, base64url: the `applicationServerKey` of a browser's
    /// subscription.
    pub async fn public_key(&self) -> tickets_core::Result<String> {
        Ok(self.vapid().await?.public.clone())
    }

    /// Keeps `sub` (checked by the caller) for the day of `at`, then looks at once whether
    /// its ticket already reached a stage.
    pub async fn subscribe(&self, at: &Moment, sub: &PushSubscription) -> tickets_core::Result<()> {
        self.store.add_push(at, sub).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Removes the subscription of `endpoint` to `ticket` of the day of `at`; whether it
    /// was there.
    pub async fn unsubscribe(
        &self,
        at: &Moment,
        ticket: TicketNumber,
        endpoint: &str,
    ) -> tickets_core::Result<bool> {
        Ok(self
            .store
            .remove_push(at.day, ticket, Some(endpoint))
            .await?
            > 0)
    }
}
