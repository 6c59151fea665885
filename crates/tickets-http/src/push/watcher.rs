//! The watch of a server's push notifications: after each burst of events that can move
//! tickets forward (every event but a take; at most every quarter second, or every two
//! seconds while the day has no subscription), and at once after each subscription made on
//! this server, it looks at every subscribed ticket of the day, claims the stage each
//! reached (the earlier stages with it, so that a ticket that jumps to `next` is not told
//! `near` afterwards) and sends the stages it claimed.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::time::Instant;

use futures_util::future::join_all;
use tickets_core::push::{PushStage, PushStore, PushSubscription};
use tickets_core::{
    Action, Error, EventStream, Missed, Moment, Ticket, TicketNumber, TicketStatus,
};
use tokio::sync::Notify;

use super::Push;
use super::message::Message;
use super::send::{Sent, send};
use crate::lang::Lang;

/// How long a burst of events is let settle before one look serves them all.
const SETTLE: Duration = Duration::from_millis(50);

/// The shortest time between two looks while the day has subscriptions: under heavy
/// traffic, a look every quarter second at most.
const BUSY: Duration = Duration::from_millis(250);

/// The shortest time between two looks after one found no subscription: the queue's
/// operations then cost the store nothing more than one read every two seconds per
/// server. (A subscription made here wakes the watch at once; one made on another server
/// is sent by that server's watch meanwhile.)
const QUIET: Duration = Duration::from_secs(2);

/// How long a push service keeps a message for a phone that is away: past that, the news
/// is stale.
const MESSAGE_TTL: Duration = Duration::from_secs(10 * 60);

pub(super) async fn watch(me: Weak<Push>, wake: Arc<Notify>, mut events: EventStream) {
    // The earliest a look may follow an event.
    let mut next_look = Instant::now();
    let mut batch = Vec::new();
    loop {
        // Events are taken a burst at a time (one wake-up per SETTLE, not one per event).
        batch.clear();
        let woken = tokio::select! {
            e = events.recv_paced(SETTLE, &mut batch) => match e {
                Err(Missed::Closed) => return,
                Ok(()) if batch.iter().all(|e| e.action == Action::TakeTicket) => continue,
                // A change, or missed events: look.
                _ => false,
            },
            () = wake.notified() => true,
        };
        // Unless woken by a subscription, wait for the next look allowed; the events that
        // come meanwhile are served by that look.
        if !woken && Instant::now() < next_look {
            tokio::select! {
                () = tokio::time::sleep_until(next_look) => {}
                () = wake.notified() => {}
            }
        }
        while let Some(e) = events.try_recv() {
            if e == Err(Missed::Closed) {
                return;
            }
        }
        let Some(me) = me.upgrade() else { return };
        match me.look().await {
            Ok(0) => next_look = Instant::now() + QUIET,
            Ok(_) => next_look = Instant::now() + BUSY,
            // The next event looks again.
            Err(e) => {
                tracing::warn!(error = %e, "could not look at the tickets with push subscriptions");
            }
        }
    }
}

impl Push {
    /// Looks at every subscribed ticket of today; how many subscriptions there were.
    pub(super) async fn look(&self) -> tickets_core::Result<usize> {
        let at = self.queue.moment();
        let subs = self.store.pushes(at.day).await?;
        let found = subs.len();
        let mut by_ticket: BTreeMap<TicketNumber, Vec<PushSubscription>> = BTreeMap::new();
        for s in subs {
            by_ticket.entry(s.ticket).or_default().push(s);
        }
        for (n, subs) in by_ticket {
            self.look_at(&at, n, subs).await?;
        }
        Ok(found)
    }

    async fn look_at(
        &self,
        at: &Moment,
        n: TicketNumber,
        subs: Vec<PushSubscription>,
    ) -> tickets_core::Result<()> {
        let info = match self.queue.ticket(n).await {
            Ok(info) => info,
            Err(Error::TicketNotFound(_)) => {
                self.store.remove_push(at.day, n, None).await?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let taken = info.ticket.taken_at.timestamp_micros();
        // Subscriptions to the ticket that had this number before a reset.
        let (current, stale): (Vec<_>, Vec<_>) =
            subs.into_iter().partition(|s| s.taken_us == taken);
        for s in &stale {
            self.store.remove_push(at.day, n, Some(&s.endpoint)).await?;
        }
        if current.is_empty() {
            return Ok(());
        }
        let stage = match info.ticket.status {
            TicketStatus::Waiting => match info.waiting_before {
                Some(0) => Some(PushStage::Next),
                Some(k) if k <= u64::from(self.settings.ahead) => Some(PushStage::Near),
                _ => None,
            },
            TicketStatus::InProgress => Some(PushStage::Called),
            // Served, missed or left: nothing more to say.
            _ => {
                self.store.remove_push(at.day, n, None).await?;
                return Ok(());
            }
        };
        let Some(stage) = stage else { return Ok(()) };
        if !self.store.claim_push(at, n, taken, stage).await? {
            return Ok(());
        }
        for earlier in PushStage::ALL.into_iter().filter(|s| *s < stage) {
            self.store.claim_push(at, n, taken, earlier).await?;
        }
        self.send_stage(at, &info.ticket, stage, info.waiting_before, &current)
            .await;
        if stage == PushStage::Called {
            // The last stage: the subscriptions have done their work.
            self.store.remove_push(at.day, n, None).await?;
        }
        Ok(())
    }

    /// Sends `stage` of `ticket` to each of `subs`; forgets those the push service says
    /// are gone.
    async fn send_stage(
        &self,
        at: &Moment,
        ticket: &Ticket,
        stage: PushStage,
        ahead: Option<u64>,
        subs: &[PushSubscription],
    ) {
        let (vapid, key) = match (
            self.vapid().await,
            self.queue.holder_key(at.day, ticket).await,
        ) {
            (Ok(v), Ok(k)) => (v, k),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(ticket = %ticket.number, %stage, error = %e, "push notice not sent: no key");
                return;
            }
        };
        let office = self.queue.office();
        let url = crate::links::holder_path(&at.day, ticket.number, Some(&key));
        let sends = subs.iter().map(|sub| {
            let lang = Lang::parse(&sub.lang).unwrap_or(Lang::Fr);
            let message = Message::new(lang, &office, at.day, ticket, stage, ahead, url.clone());
            let payload = serde_json::to_vec(&message).unwrap_or_default();
            async move {
                let sent = send(
                    vapid,
                    &self.settings.subject,
                    sub,
                    payload,
                    MESSAGE_TTL,
                    self.settings.allow_private,
                )
                .await
                .unwrap_or_else(Sent::Failed);
                (sub, sent)
            }
        });
        for (sub, sent) in join_all(sends).await {
            match sent {
                Sent::Delivered => {
                    tracing::info!(ticket = %ticket.number, %stage, "push notice sent");
                }
                Sent::Gone => {
                    tracing::info!(ticket = %ticket.number, "a push subscription is gone: removed");
                    if let Err(e) = self
                        .store
                        .remove_push(at.day, ticket.number, Some(&sub.endpoint))
                        .await
                    {
                        tracing::warn!(error = %e, "could not remove a push subscription that is gone");
                    }
                }
                Sent::Failed(reason) => {
                    tracing::warn!(ticket = %ticket.number, %stage, %reason, "push notice not sent");
                }
            }
        }
    }
}
