//! [`WebhookStore`] on Redis: the hooks in one hash without TTL, the deliveries in a
//! sorted set by when each is next due, each delivery a hash kept three days after its last
//! change, the failed ones in a sorted set by when they failed, and the ids already given
//! as short strings that expire. Every key is `<prefix>:{webhooks}:…`, one slot (the
//! prefix's own hash tag, when it has one), so each call is one script on one node.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::call::{Retry, unreadable};
use super::{RedisBackend, text_of};
use crate::error::{Error, Result};
use crate::model::{from_micros, micros};
use crate::webhooks::{
    DELIVERY_KEPT_SECONDS, Delivery, DeliveryOutcome, MAX_FAILED, MAX_WEBHOOKS, NewDelivery,
    SEEN_FOR_SECONDS, Webhook, WebhookId, WebhookStore, too_many,
};

/// A delivery as the scripts answer it: every field as text.
#[derive(Deserialize)]
struct Stored {
    id: String,
    hook: String,
    event: String,
    body: String,
    attempts: String,
    created_at: String,
    failed: Option<String>,
    last_error: Option<String>,
}

impl Stored {
    fn delivery(self) -> Result<Delivery> {
        let key = format!("webhook delivery {}", self.id);
        let bad = |what: &str| Error::corrupt(key.as_str(), what);
        Ok(Delivery {
            hook: WebhookId::parse(&self.hook).map_err(|_| bad("a hook that is not an id"))?,
            attempts: self
                .attempts
                .parse()
                .map_err(|_| bad("attempts that are not a count"))?,
            created_at: self
                .created_at
                .parse::<i64>()
                .ok()
                .and_then(from_micros)
                .ok_or_else(|| bad("a time that is not one"))?,
            failed: self.failed.as_deref() == Some("1"),
            id: self.id,
            event: self.event,
            body: self.body,
            last_error: self.last_error,
        })
    }
}

impl RedisBackend {
    /// `<prefix>:{webhooks}:`, the base of every webhook key.
    fn webhook_base(&self) -> String {
        format!("{}:{{webhooks}}:", self.prefix())
    }

    async fn webhook_script(&self, lua: &super::scripts::Lua, args: Vec<String>) -> Result<String> {
        self.eval(lua, &[self.webhook_base()], &args, Retry::Never)
            .await
    }

    fn deliveries_of(text: &str) -> Result<Vec<Delivery>> {
        let stored: Vec<Stored> = serde_json::from_str(text).map_err(unreadable)?;
        stored.into_iter().map(Stored::delivery).collect()
    }
}

impl WebhookStore for RedisBackend {
    async fn add_webhook(&self, hook: &Webhook) -> Result<()> {
        let json = serde_json::to_string(hook).map_err(|e| Error::Backend(Box::new(e)))?;
        let scripts = &self.inner.scripts;
        let answer = self
            .webhook_script(
                &scripts.webhook_add,
                vec![hook.id.to_string(), json, MAX_WEBHOOKS.to_string()],
            )
            .await?;
        match answer.as_str() {
            "ok" => Ok(()),
            "too_many" => Err(too_many()),
            other => Err(Error::corrupt(
                "webhooks",
                format!("unexpected answer {other:?}"),
            )),
        }
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let key = format!("{}hooks", self.webhook_base());
        let reply = self.read(redis::cmd("HGETALL").arg(&key)).await?;
        let values: Vec<&str> = match &reply {
            redis::Value::Array(flat) => {
                flat.iter().skip(1).step_by(2).filter_map(text_of).collect()
            }
            redis::Value::Map(map) => map.iter().filter_map(|(_, v)| text_of(v)).collect(),
            _ => Vec::new(),
        };
        let mut hooks = values
            .into_iter()
            .map(|v| {
                serde_json::from_str::<Webhook>(v).map_err(|e| Error::corrupt(key.as_str(), e))
            })
            .collect::<Result<Vec<_>>>()?;
        hooks.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(hooks)
    }

    async fn remove_webhook(&self, id: &WebhookId) -> Result<bool> {
        let key = format!("{}hooks", self.webhook_base());
        let reply = self
            .read(redis::cmd("HDEL").arg(&key).arg(id.as_str()))
            .await?;
        Ok(matches!(reply, redis::Value::Int(n) if n > 0))
    }

    async fn enqueue_deliveries(
        &self,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        if deliveries.is_empty() {
            return Ok(0);
        }
        let mut args = vec![
            micros(now).to_string(),
            DELIVERY_KEPT_SECONDS.to_string(),
            SEEN_FOR_SECONDS.to_string(),
        ];
        for d in deliveries {
            args.extend([
                d.id.clone(),
                d.hook.to_string(),
                d.event.clone(),
                d.body.clone(),
            ]);
        }
        let n = self
            .webhook_script(&self.inner.scripts.webhook_enqueue, args)
            .await?;
        n.parse()
            .map_err(|_| Error::corrupt("webhooks", format!("enqueue answered {n:?}")))
    }

    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Delivery>> {
        let text = self
            .webhook_script(
                &self.inner.scripts.webhook_claim,
                vec![
                    micros(now).to_string(),
                    micros(now + lease).to_string(),
                    max.to_string(),
                ],
            )
            .await?;
        Self::deliveries_of(&text)
    }

    async fn finish_delivery(
        &self,
        id: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (name, error, at) = match outcome {
            DeliveryOutcome::Delivered => ("delivered", "", now),
            DeliveryOutcome::Retry { error, at } => ("retry", error.as_str(), *at),
            DeliveryOutcome::Failed { error } => ("failed", error.as_str(), now),
        };
        self.webhook_script(
            &self.inner.scripts.webhook_finish,
            vec![
                id.to_owned(),
                name.to_owned(),
                error.to_owned(),
                micros(at).to_string(),
                micros(now).to_string(),
                DELIVERY_KEPT_SECONDS.to_string(),
                MAX_FAILED.to_string(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn deliveries(&self) -> Result<Vec<Delivery>> {
        let text = self
            .webhook_script(&self.inner.scripts.webhook_list, Vec::new())
            .await?;
        Self::deliveries_of(&text)
    }

    async fn resend_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self
            .webhook_script(
                &self.inner.scripts.webhook_resend,
                vec![
                    id.to_owned(),
                    micros(now).to_string(),
                    DELIVERY_KEPT_SECONDS.to_string(),
                ],
            )
            .await?;
        Ok(n == "1")
    }
}
