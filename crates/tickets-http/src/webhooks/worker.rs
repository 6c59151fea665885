//! The tasks of a server's webhooks: one hears the events, one turns them into deliveries
//! (in batches, however slow the store), one sends the deliveries that are due.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use tickets_core::webhooks::{
    Delivery, DeliveryOutcome, NewDelivery, Webhook, WebhookStore, retry_at,
};
use tickets_core::{AnyBackend, EventStream, Missed, QueueEvent};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::send::post;

/// How long the list of hooks read from the store is used before it is read again (a
/// hook registered on another server is served within this).
const HOOKS_FRESH_FOR: StdDuration = StdDuration::from_secs(2);
/// How long a claimed delivery is hidden from other servers while it is being sent.
const LEASE_SECONDS: i64 = 60;
/// The longest an event waits before [`hear`] takes it (with those that came meanwhile):
/// well under the time the event buffer takes to fill at the fastest rate measured.
const HEAR_PACE: StdDuration = StdDuration::from_millis(10);
/// How many events heard are enqueued in one call to the store, at most.
const ENQUEUE_BATCH: usize = 256;
/// How many deliveries are sent at once.
const BATCH: usize = 16;
/// How often the store is asked for due deliveries when nothing wakes the sender.
const POLL: StdDuration = StdDuration::from_secs(1);

/// How a server delivers webhooks.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Deliver to private and local addresses too (`TICKETS_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
    /// The pauses between attempts are divided by this (1 in service; tests shorten
    /// them).
    pub pause_divisor: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_private: false,
            pause_divisor: 1,
        }
    }
}

/// A server's webhook delivery: started once, stopped when dropped.
pub struct Webhooks {
    store: AnyBackend,
    settings: Settings,
    hooks: Mutex<Option<(Instant, Arc<Vec<Webhook>>)>>,
    wake: Notify,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Webhooks {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.get_mut() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
    }
}

impl Webhooks {
    /// Starts delivering, for the hooks of `store`, the events of `events` (this server's
    /// subscription to every event of the store).
    pub fn start(store: AnyBackend, events: EventStream, settings: Settings) -> Arc<Self> {
        let me = Arc::new(Webhooks {
            store,
            settings,
            hooks: Mutex::new(None),
            wake: Notify::new(),
            tasks: Mutex::new(Vec::new()),
        });
        let weak = Arc::downgrade(&me);
        let (heard, to_enqueue) = mpsc::unbounded_channel();
        let hear = tokio::spawn(hear(events, heard));
        let enqueue = tokio::spawn(enqueue_loop(weak.clone(), to_enqueue));
        let send = tokio::spawn(send_loop(weak));
        if let Ok(mut tasks) = me.tasks.lock() {
            tasks.extend([hear, enqueue, send]);
        }
        me
    }

    /// The hooks, as read from the store at most [`HOOKS_FRESH_FOR`] ago.
    async fn hooks(&self) -> tickets_core::Result<Arc<Vec<Webhook>>> {
        if let Ok(cached) = self.hooks.lock()
            && let Some((at, hooks)) = cached.as_ref()
            && at.elapsed() < HOOKS_FRESH_FOR
        {
            return Ok(hooks.clone());
        }
        let hooks = Arc::new(self.store.webhooks().await?);
        if let Ok(mut cached) = self.hooks.lock() {
            *cached = Some((Instant::now(), hooks.clone()));
        }
        Ok(hooks)
    }

    /// Enqueues `events` for every hook that wants them, in one call to the store.
    async fn enqueue(&self, events: &[QueueEvent]) -> tickets_core::Result<()> {
        let hooks = self.hooks().await?;
        let deliveries: Vec<NewDelivery> = events
            .iter()
            .flat_map(|event| {
                hooks.iter().filter(|h| h.wants(event.action)).map(|h| {
                    let id = format!("{}-{}-{}", h.id, event.day, event.seq);
                    NewDelivery {
                        body: body(&id, event),
                        id,
                        hook: h.id.clone(),
                        event: event.action.as_str().to_owned(),
                    }
                })
            })
            .collect();
        if deliveries.is_empty() {
            return Ok(());
        }
        if self
            .store
            .enqueue_deliveries(&deliveries, Utc::now())
            .await?
            > 0
        {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Sends the deliveries due now; how many there were.
    async fn send_due(&self) -> tickets_core::Result<usize> {
        let now = Utc::now();
        let due = self
            .store
            .claim_deliveries(now, Duration::seconds(LEASE_SECONDS), BATCH)
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let hooks = self.hooks().await?;
        let n = due.len();
        join_all(due.into_iter().map(|d| self.attempt(&hooks, d))).await;
        Ok(n)
    }

    /// One attempt at `d`, reported to the store.
    async fn attempt(&self, hooks: &[Webhook], d: Delivery) {
        let outcome = match hooks.iter().find(|h| h.id == d.hook) {
            // Removed meanwhile: nothing to send to.
            None => DeliveryOutcome::Delivered,
            Some(hook) => match post(hook, &d, self.settings.allow_private).await {
                Ok(()) => DeliveryOutcome::Delivered,
                Err(error) => {
                    let now = Utc::now();
                    tracing::warn!(delivery = %d.id, url = %hook.url, %error, "webhook delivery failed");
                    match retry_at(d.created_at, d.attempts + 1, now) {
                        Some(at) => DeliveryOutcome::Retry {
                            error,
                            at: now + (at - now) / self.settings.pause_divisor.max(1) as i32,
                        },
                        None => DeliveryOutcome::Failed { error },
                    }
                }
            },
        };
        if let Err(e) = self
            .store
            .finish_delivery(&d.id, &outcome, Utc::now())
            .await
        {
            // The lease runs out and the delivery is claimed again.
            tracing::warn!(delivery = %d.id, error = %e, "could not record a webhook attempt");
        }
    }
}

/// The JSON of `event` for delivery `id`: the event as the event stream gives it, with
/// `delivery` (its id) and `event` (its action's name) added; the keys come in
/// alphabetical order, which receivers should not rely on.
fn body(id: &str, event: &QueueEvent) -> String {
    let mut fields = serde_json::Map::new();
    fields.insert("delivery".into(), id.into());
    fields.insert("event".into(), event.action.as_str().into());
    if let Ok(serde_json::Value::Object(rest)) = serde_json::to_value(event) {
        fields.extend(rest);
    }
    serde_json::Value::Object(fields).to_string()
}

/// Hears the events and hands them on at once, so that a slow store never makes this
/// server fall behind the event feed (and miss events): they wait in `heard` instead.
/// It takes them in batches, every [`HEAR_PACE`] at most: a task woken once per event
/// would cost the queue's every operation a wake-up of this server's other thread.
async fn hear(mut events: EventStream, heard: mpsc::UnboundedSender<QueueEvent>) {
    let mut batch = Vec::new();
    loop {
        let got = events.recv_paced(HEAR_PACE, &mut batch).await;
        for e in batch.drain(..) {
            if heard.send(e).is_err() {
                return;
            }
        }
        match got {
            Ok(()) => {}
            Err(Missed::Closed) => return,
            Err(missed) => {
                tracing::warn!(
                    ?missed,
                    "webhooks missed events (another server may deliver them)"
                );
            }
        }
    }
}

/// Enqueues what [`hear`] heard, in batches of up to [`ENQUEUE_BATCH`] events.
async fn enqueue_loop(
    me: std::sync::Weak<Webhooks>,
    mut heard: mpsc::UnboundedReceiver<QueueEvent>,
) {
    let mut batch = Vec::with_capacity(ENQUEUE_BATCH);
    while heard.recv_many(&mut batch, ENQUEUE_BATCH).await > 0 {
        let Some(me) = me.upgrade() else { return };
        if let Err(err) = me.enqueue(&batch).await {
            let seqs: Vec<u64> = batch.iter().map(|e| e.seq).collect();
            tracing::warn!(?seqs, error = %err, "could not enqueue webhook deliveries");
        }
        batch.clear();
    }
}

async fn send_loop(me: std::sync::Weak<Webhooks>) {
    loop {
        let Some(strong) = me.upgrade() else { return };
        let sent = match strong.send_due().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim webhook deliveries");
                0
            }
        };
        if sent == 0 {
            // Holding `strong` delays a drop by one poll at most.
            let _ = tokio::time::timeout(POLL, strong.wake.notified()).await;
        }
    }
}
