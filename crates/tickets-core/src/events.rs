//! Queue events: one [`QueueEvent`] per state change, fanned out to local subscribers.
//!
//! Both backends publish the same events in the same order: the memory backend through a
//! tokio broadcast channel, the Redis backend from inside each script (`PUBLISH`), read
//! back by one pub/sub connection per backend and fanned out through the same kind of
//! channel. A subscriber that falls behind, or that was connected through a pub/sub
//! reconnection, is told it [`Missed`] events and should read the state again.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::clock::BusinessDay;
use crate::model::{Action, DeskId, PriorityCode, Service, TicketNumber, iso_format};

/// How many events a subscriber may lag behind before it is told it missed some.
pub const EVENT_BUFFER: usize = 4096;

/// One state change of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEvent {
    /// The event's number within its day: 1, 2, 3… (kept across a reset).
    pub seq: u64,
    /// The business day.
    pub day: BusinessDay,
    /// When it happened.
    #[serde(with = "iso_format")]
    pub at: DateTime<Utc>,
    /// What happened (the log's action name).
    pub action: Action,
    /// The ticket concerned.
    pub ticket: Option<TicketNumber>,
    /// The desk concerned.
    pub desk: Option<DeskId>,
    /// How many tickets wait after this change.
    pub queue_length: u64,
    /// The earliest arrival still waiting, after this change (with several services or
    /// priority classes, not always the next one called).
    pub next_ticket: Option<TicketNumber>,
    /// The service of the ticket concerned.
    #[serde(default)]
    pub service: Option<Service>,
    /// The label of the ticket concerned (`B007`).
    #[serde(default)]
    pub label: Option<String>,
    /// The priority class of the ticket concerned.
    #[serde(default)]
    pub priority: Option<PriorityCode>,
}

/// What goes through a backend's broadcast channel.
#[derive(Debug, Clone)]
pub(crate) enum Signal {
    /// An event.
    Event(QueueEvent),
    /// Events may have been lost upstream (the pub/sub connection dropped and came back):
    /// only the Redis backend has an upstream.
    #[cfg(feature = "redis")]
    Resync,
}

/// Why a subscriber did not get the next event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Missed {
    /// The subscriber fell this many events behind; they are gone.
    #[error("missed {0} events: read the state again")]
    Lagged(u64),
    /// The backend's link to the store dropped and came back; events may be lost.
    #[error("the event feed reconnected: read the state again")]
    Reconnected,
    /// The backend is gone; no more events will come.
    #[error("the event feed is closed")]
    Closed,
}

/// A subscription to a backend's events.
#[derive(Debug)]
pub struct EventStream {
    rx: broadcast::Receiver<Signal>,
}

impl EventStream {
    pub(crate) fn new(rx: broadcast::Receiver<Signal>) -> Self {
        Self { rx }
    }

    /// A stream that is already closed, for backends without events.
    pub fn closed() -> Self {
        let (_tx, rx) = broadcast::channel(1);
        Self { rx }
    }

    /// The next event. After [`Missed::Lagged`] or [`Missed::Reconnected`] the stream goes
    /// on; after [`Missed::Closed`] it is over.
    pub async fn recv(&mut self) -> Result<QueueEvent, Missed> {
        match self.rx.recv().await {
            Ok(Signal::Event(e)) => Ok(e),
            #[cfg(feature = "redis")]
            Ok(Signal::Resync) => Err(Missed::Reconnected),
            Err(broadcast::error::RecvError::Lagged(n)) => Err(Missed::Lagged(n)),
            Err(broadcast::error::RecvError::Closed) => Err(Missed::Closed),
        }
    }

    /// Waits for the next event, then lets `pace` pass and takes every event that came
    /// meanwhile, in order, appending them to `into`.
    ///
    /// For a subscriber that works per batch (enqueueing deliveries, looking at the
    /// queue again): however fast events come, it is woken at most once per `pace`, where
    /// [`Self::recv`] wakes it once per event. `pace` must stay well under the time the
    /// channel's [`EVENT_BUFFER`] events take to come, or the batch ends with
    /// [`Missed::Lagged`].
    ///
    /// Returns `Ok` with at least one event appended, or the miss that came first or
    /// ended the batch (the events before it are appended). [`Missed::Closed`] comes only
    /// once every event before it was taken.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> tickets_core::Result<()> {
    /// use std::time::Duration;
    /// use tickets_core::{MemoryBackend, TakeRequest, TicketQueue};
    ///
    /// let queue = TicketQueue::new(MemoryBackend::new());
    /// let mut events = queue.events();
    /// queue.open_day().await?;
    /// queue.take(TakeRequest::default()).await?;
    /// queue.take(TakeRequest::default()).await?;
    /// let mut batch = Vec::new();
    /// events.recv_paced(Duration::from_millis(5), &mut batch).await.unwrap();
    /// assert_eq!(batch.len(), 3); // the day opened, then two takes
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_paced(
        &mut self,
        pace: std::time::Duration,
        into: &mut Vec<QueueEvent>,
    ) -> Result<(), Missed> {
        into.push(self.recv().await?);
        tokio::time::sleep(pace).await;
        loop {
            match self.try_recv() {
                Some(Ok(e)) => into.push(e),
                // Closed comes at the next call, after these events.
                None | Some(Err(Missed::Closed)) => return Ok(()),
                Some(Err(missed)) => return Err(missed),
            }
        }
    }

    /// The next event if one is already here, without waiting: `None` when there is none
    /// yet.
    pub fn try_recv(&mut self) -> Option<Result<QueueEvent, Missed>> {
        use broadcast::error::TryRecvError;
        match self.rx.try_recv() {
            Ok(Signal::Event(e)) => Some(Ok(e)),
            #[cfg(feature = "redis")]
            Ok(Signal::Resync) => Some(Err(Missed::Reconnected)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Lagged(n)) => Some(Err(Missed::Lagged(n))),
            Err(TryRecvError::Closed) => Some(Err(Missed::Closed)),
        }
    }

    /// The same subscription as a [`Stream`], ending when the backend is gone.
    pub fn into_stream(self) -> Pin<Box<dyn Stream<Item = Result<QueueEvent, Missed>> + Send>> {
        Box::pin(futures_util::stream::unfold(self, |mut s| async move {
            match s.recv().await {
                Err(Missed::Closed) => None,
                item => Some((item, s)),
            }
        }))
    }
}

/// The sending side shared by backends.
#[derive(Debug, Clone)]
pub(crate) struct EventHub {
    tx: broadcast::Sender<Signal>,
}

impl Default for EventHub {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(EVENT_BUFFER);
        Self { tx }
    }
}

impl EventHub {
    pub(crate) fn subscribe(&self) -> EventStream {
        EventStream::new(self.tx.subscribe())
    }

    pub(crate) fn send(&self, signal: Signal) {
        // No subscriber is not an error.
        let _ = self.tx.send(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn event(seq: u64) -> QueueEvent {
        QueueEvent {
            seq,
            day: "2026-11-24".parse().unwrap(),
            at: crate::model::from_micros(1_795_505_475_226_383).unwrap(),
            action: Action::TakeTicket,
            ticket: TicketNumber::new(seq).ok(),
            desk: None,
            queue_length: seq,
            next_ticket: None,
            service: None,
            label: None,
            priority: None,
        }
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged_then_goes_on() {
        let hub = EventHub::default();
        let mut slow = hub.subscribe();
        for i in 1..=(EVENT_BUFFER as u64 + 5) {
            hub.send(Signal::Event(event(i)));
        }
        assert_eq!(slow.recv().await, Err(Missed::Lagged(5)));
        assert_eq!(slow.recv().await.unwrap().seq, 6);
    }

    #[tokio::test]
    async fn resync_and_close_are_reported() {
        let hub = EventHub::default();
        let mut s = hub.subscribe();
        #[cfg(feature = "redis")]
        {
            hub.send(Signal::Resync);
            assert_eq!(s.recv().await, Err(Missed::Reconnected));
        }
        drop(hub);
        assert_eq!(s.recv().await, Err(Missed::Closed));
    }

    #[tokio::test(start_paused = true)]
    async fn a_paced_subscriber_gets_a_burst_in_one_batch_and_then_the_close() {
        let hub = EventHub::default();
        let mut s = hub.subscribe();
        let sender = hub.clone();
        let burst = tokio::spawn(async move {
            for i in 1..=10 {
                sender.send(Signal::Event(event(i)));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let mut batch = Vec::new();
        s.recv_paced(Duration::from_millis(50), &mut batch)
            .await
            .unwrap();
        let seqs: Vec<u64> = batch.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
        assert!(s.try_recv().is_none());
        burst.await.unwrap();
        hub.send(Signal::Event(event(11)));
        drop(hub);
        batch.clear();
        s.recv_paced(Duration::from_millis(50), &mut batch)
            .await
            .unwrap();
        assert_eq!(batch.len(), 1, "the event before the close comes first");
        assert_eq!(
            s.recv_paced(Duration::from_millis(50), &mut batch).await,
            Err(Missed::Closed)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_paced_subscriber_that_lags_keeps_the_events_before_the_gap() {
        let hub = EventHub::default();
        let mut s = hub.subscribe();
        hub.send(Signal::Event(event(1)));
        let mut batch = Vec::new();
        let sender = hub.clone();
        let flood = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            for i in 2..=(EVENT_BUFFER as u64 + 10) {
                sender.send(Signal::Event(event(i)));
            }
        });
        let got = s.recv_paced(Duration::from_millis(5), &mut batch).await;
        flood.await.unwrap();
        assert_eq!(got, Err(Missed::Lagged(9)));
        assert_eq!(batch.len(), 1);
        assert_eq!(s.recv().await.unwrap().seq, 11);
    }

    #[test]
    fn events_serialize_with_iso_time() {
        let v = serde_json::to_value(event(1)).unwrap();
        assert_eq!(v["at"], "2026-11-24T07:31:15.226383+00:00");
        assert_eq!(v["action"], "take_ticket");
        assert_eq!(v["ticket"], 1);
    }
}
