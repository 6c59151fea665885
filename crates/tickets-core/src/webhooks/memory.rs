//! [`WebhookStore`] on the memory backend: one mutex-guarded record, each call one
//! critical section, the ids already seen forgotten as time goes on (as their Redis keys
//! expire).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

use super::{
    DELIVERY_KEPT_SECONDS, Delivery, DeliveryOutcome, MAX_FAILED, MAX_WEBHOOKS, NewDelivery,
    SEEN_FOR_SECONDS, Webhook, WebhookId, WebhookStore, too_many,
};
use crate::error::Result;
use crate::memory::MemoryBackend;

/// The webhooks of one [`MemoryBackend`].
#[derive(Debug, Default)]
pub(crate) struct MemoryWebhooks {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    hooks: BTreeMap<WebhookId, Webhook>,
    /// Every delivery kept, with when it is next due (`None`: failed) and until when it
    /// is kept.
    deliveries: HashMap<String, Kept>,
    /// Delivery ids given, until when they are remembered.
    seen: HashMap<String, DateTime<Utc>>,
}

#[derive(Debug)]
struct Kept {
    delivery: Delivery,
    due: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
}

impl State {
    fn forget(&mut self, now: DateTime<Utc>) {
        self.seen.retain(|_, until| *until > now);
        self.deliveries.retain(|_, k| k.until > now);
    }
}

impl MemoryWebhooks {
    fn lock(&self, now: Option<DateTime<Utc>>) -> MutexGuard<'_, State> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(now) = now {
            s.forget(now);
        }
        s
    }
}

impl WebhookStore for MemoryBackend {
    async fn add_webhook(&self, hook: &Webhook) -> Result<()> {
        let mut s = self.webhook_state().lock(None);
        if s.hooks.len() >= MAX_WEBHOOKS && !s.hooks.contains_key(&hook.id) {
            return Err(too_many());
        }
        s.hooks.insert(hook.id.clone(), hook.clone());
        Ok(())
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let s = self.webhook_state().lock(None);
        let mut hooks: Vec<Webhook> = s.hooks.values().cloned().collect();
        hooks.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(hooks)
    }

    async fn remove_webhook(&self, id: &WebhookId) -> Result<bool> {
        Ok(self.webhook_state().lock(None).hooks.remove(id).is_some())
    }

    async fn enqueue_deliveries(
        &self,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut s = self.webhook_state().lock(Some(now));
        let mut new = 0;
        for d in deliveries {
            if s.seen.contains_key(&d.id) {
                continue;
            }
            s.seen
                .insert(d.id.clone(), now + Duration::seconds(SEEN_FOR_SECONDS));
            s.deliveries.insert(
                d.id.clone(),
                Kept {
                    delivery: Delivery {
                        id: d.id.clone(),
                        hook: d.hook.clone(),
                        event: d.event.clone(),
                        body: d.body.clone(),
                        attempts: 0,
                        created_at: now,
                        last_error: None,
                        failed: false,
                    },
                    due: Some(now),
                    failed_at: None,
                    until: now + Duration::seconds(DELIVERY_KEPT_SECONDS),
                },
            );
            new += 1;
        }
        Ok(new)
    }

    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Delivery>> {
        let mut s = self.webhook_state().lock(Some(now));
        // A removed hook's deliveries go.
        let State {
            hooks, deliveries, ..
        } = &mut *s;
        deliveries.retain(|_, k| hooks.contains_key(&k.delivery.hook));
        let mut due: Vec<(DateTime<Utc>, String)> = s
            .deliveries
            .iter()
            .filter_map(|(id, k)| k.due.filter(|d| *d <= now).map(|d| (d, id.clone())))
            .collect();
        due.sort();
        let mut out = Vec::new();
        for (_, id) in due.into_iter().take(max) {
            if let Some(k) = s.deliveries.get_mut(&id) {
                k.due = Some(now + lease);
                out.push(k.delivery.clone());
            }
        }
        Ok(out)
    }

    async fn finish_delivery(
        &self,
        id: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut s = self.webhook_state().lock(Some(now));
        if matches!(outcome, DeliveryOutcome::Delivered) {
            s.deliveries.remove(id);
            return Ok(());
        }
        let Some(k) = s.deliveries.get_mut(id) else {
            return Ok(());
        };
        k.delivery.attempts += 1;
        k.until = now + Duration::seconds(DELIVERY_KEPT_SECONDS);
        match outcome {
            DeliveryOutcome::Retry { error, at } => {
                k.delivery.last_error = Some(error.clone());
                k.due = Some(*at);
            }
            DeliveryOutcome::Failed { error } => {
                k.delivery.last_error = Some(error.clone());
                k.delivery.failed = true;
                k.due = None;
                k.failed_at = Some(now);
            }
            DeliveryOutcome::Delivered => {}
        }
        // The oldest failures go first.
        let mut failed: Vec<(DateTime<Utc>, String)> = s
            .deliveries
            .iter()
            .filter_map(|(id, k)| k.failed_at.map(|t| (t, id.clone())))
            .collect();
        if failed.len() > MAX_FAILED {
            failed.sort();
            for (_, id) in failed.iter().take(failed.len() - MAX_FAILED) {
                s.deliveries.remove(id);
            }
        }
        Ok(())
    }

    async fn deliveries(&self) -> Result<Vec<Delivery>> {
        let s = self.webhook_state().lock(None);
        let mut failed: Vec<&Kept> = s
            .deliveries
            .values()
            .filter(|k| k.delivery.failed)
            .collect();
        failed.sort_by(|a, b| (b.failed_at, &b.delivery.id).cmp(&(a.failed_at, &a.delivery.id)));
        let mut pending: Vec<&Kept> = s
            .deliveries
            .values()
            .filter(|k| !k.delivery.failed)
            .collect();
        pending.sort_by(|a, b| (a.due, &a.delivery.id).cmp(&(b.due, &b.delivery.id)));
        Ok(failed
            .into_iter()
            .take(200)
            .chain(pending.into_iter().take(200))
            .map(|k| k.delivery.clone())
            .collect())
    }

    async fn resend_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut s = self.webhook_state().lock(Some(now));
        match s.deliveries.get_mut(id) {
            Some(k) if k.delivery.failed => {
                k.delivery.failed = false;
                k.delivery.created_at = now;
                k.due = Some(now);
                k.failed_at = None;
                k.until = now + Duration::seconds(DELIVERY_KEPT_SECONDS);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
