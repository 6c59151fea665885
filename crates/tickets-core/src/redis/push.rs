//! [`PushStore`] on Redis: the subscriptions of a day in one hash (ticket number → its
//! subscriptions), the stages claimed in another, both in the day's slot and expiring
//! with the day's keys. See `lua/push_*.lua`.

use super::call::{Retry, unreadable};
use super::{RedisBackend, keys, text_of};
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};
use crate::model::TicketNumber;
use crate::push::{MAX_PER_TICKET, PushStage, PushStore, PushSubscription, claim_field, too_many};

impl PushStore for RedisBackend {
    async fn add_push(&self, at: &Moment, sub: &PushSubscription) -> Result<()> {
        sub.check()?;
        let json = serde_json::to_string(sub).map_err(|e| Error::Backend(Box::new(e)))?;
        let answer = self
            .eval(
                &self.inner.scripts.push_add,
                &[keys::push_key(self.prefix(), at.day)],
                &[
                    sub.ticket.get().to_string(),
                    json,
                    sub.endpoint.clone(),
                    MAX_PER_TICKET.to_string(),
                    at.ttl_seconds().to_string(),
                ],
                Retry::Never,
            )
            .await?;
        match answer.as_str() {
            "ok" => Ok(()),
            "too_many" => Err(too_many()),
            other => Err(Error::corrupt(
                "push",
                format!("unexpected answer {other:?}"),
            )),
        }
    }

    async fn pushes(&self, day: BusinessDay) -> Result<Vec<PushSubscription>> {
        let key = keys::push_key(self.prefix(), day);
        let reply = self.read(redis::cmd("HGETALL").arg(&key)).await?;
        let values: Vec<&str> = match &reply {
            redis::Value::Array(flat) => {
                flat.iter().skip(1).step_by(2).filter_map(text_of).collect()
            }
            redis::Value::Map(map) => map.iter().filter_map(|(_, v)| text_of(v)).collect(),
            _ => Vec::new(),
        };
        let mut subs = Vec::new();
        for v in values {
            let texts: Vec<String> = serde_json::from_str(v).map_err(unreadable)?;
            for t in texts {
                subs.push(
                    serde_json::from_str::<PushSubscription>(&t)
                        .map_err(|e| Error::corrupt(key.as_str(), e))?,
                );
            }
        }
        // Stable: a ticket's subscriptions stay in the order they came.
        subs.sort_by_key(|s| s.ticket);
        Ok(subs)
    }

    async fn remove_push(
        &self,
        day: BusinessDay,
        ticket: TicketNumber,
        endpoint: Option<&str>,
    ) -> Result<u64> {
        let n = self
            .eval(
                &self.inner.scripts.push_remove,
                &[keys::push_key(self.prefix(), day)],
                &[ticket.get().to_string(), endpoint.unwrap_or("").to_owned()],
                Retry::Never,
            )
            .await?;
        n.parse()
            .map_err(|_| Error::corrupt("push", format!("remove answered {n:?}")))
    }

    async fn claim_push(
        &self,
        at: &Moment,
        ticket: TicketNumber,
        taken_us: i64,
        stage: PushStage,
    ) -> Result<bool> {
        let first = self
            .eval(
                &self.inner.scripts.push_claim,
                &[keys::push_sent_key(self.prefix(), at.day)],
                &[
                    claim_field(ticket, taken_us, stage),
                    at.ttl_seconds().to_string(),
                ],
                Retry::Never,
            )
            .await?;
        Ok(first == "1")
    }
}
