//! The event listener: one pub/sub connection that reads the events the scripts
//! `PUBLISH` and fans them out to local subscribers, moving to another node when its own
//! goes away (through Sentinel, to the primary the sentinels name at the time). The same
//! channel carries the office configuration each time a server stores one
//! (`{"config": …}`): the listener applies it to the backend's cache, and reads the
//! configuration again after a reconnection, when an announcement may have been lost.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::RedisError;
use serde::Deserialize;
use tokio::sync::oneshot;

use super::sentinel::Primaries;
use super::{Inner, RedisBackend, cluster, office};
use crate::backend::QueueBackend;
use crate::events::{EventHub, QueueEvent, Signal};
use crate::model::{Action, DeskId, TicketNumber, from_micros};

/// The longest pause between two pub/sub reconnection attempts.
const MAX_RECONNECT_PAUSE: Duration = Duration::from_secs(5);
/// The most cluster nodes the event listener remembers.
const MAX_KNOWN_NODES: usize = 64;

/// An event as a script publishes it: one line of fields joined by `|` (`record` and
/// `commit` in commit.lua), which costs Redis less to make than JSON, and this crate less
/// to read.
///
/// `seq|day|at|action|ticket|desk|queue_length|next_ticket|service|label|priority`, with
/// `at` in microseconds since the epoch and an empty field for none. A message holds the
/// events of one call, or of one batch of calls, one a line ([`parse_events`]).
fn parse_event(payload: &[u8]) -> std::result::Result<QueueEvent, String> {
    if payload.first() == Some(&b'{') {
        return parse_json_event(payload);
    }
    let line = std::str::from_utf8(payload).map_err(|e| e.to_string())?;
    let mut fields = line.split('|');
    let mut next = || {
        fields
            .next()
            .ok_or_else(|| format!("too few fields in {line:?}"))
    };
    fn parsed<T: std::str::FromStr>(what: &str, v: &str) -> std::result::Result<T, String> {
        v.parse().map_err(|_| format!("bad {what} {v:?}"))
    }
    fn optional<T: std::str::FromStr>(
        what: &str,
        v: &str,
    ) -> std::result::Result<Option<T>, String> {
        (!v.is_empty()).then(|| parsed(what, v)).transpose()
    }
    let seq = parsed("seq", next()?)?;
    let day = parsed("day", next()?)?;
    let at = at_micros(next()?)?;
    let action = parsed("action", next()?)?;
    let ticket = optional("ticket", next()?)?;
    let desk = optional("desk", next()?)?;
    let queue_length = parsed("queue length", next()?)?;
    let next_ticket = optional("next ticket", next()?)?;
    let service = optional("service", next()?)?;
    let label = optional("label", next()?)?;
    let priority = optional("priority", next()?)?;
    if fields.next().is_some() {
        return Err(format!("too many fields in {line:?}"));
    }
    Ok(QueueEvent {
        seq,
        day,
        at,
        action,
        ticket,
        desk,
        queue_length,
        next_ticket,
        service,
        label,
        priority,
    })
}

/// The instant of an event, from its microseconds since the epoch.
fn at_micros(v: &str) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
    v.parse::<i64>()
        .ok()
        .and_then(from_micros)
        .ok_or_else(|| format!("bad time {v:?}"))
}

/// The events of one message: its lines (`\n` between them; the one JSON event of an
/// earlier version has no line break either).
fn parse_events(
    payload: &[u8],
) -> impl Iterator<Item = std::result::Result<QueueEvent, String>> + '_ {
    payload.split(|b| *b == b'\n').map(parse_event)
}

/// An event as the scripts published it as JSON, before the line of [`parse_event`]: a
/// server of the earlier version, sharing the Redis, still sends it so.
#[derive(Deserialize)]
struct WireEvent {
    seq: u64,
    day: crate::BusinessDay,
    at: String,
    action: Action,
    ticket: Option<TicketNumber>,
    desk: Option<DeskId>,
    queue_length: u64,
    next_ticket: Option<TicketNumber>,
    #[serde(default)]
    service: Option<crate::Service>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    priority: Option<crate::PriorityCode>,
}

fn parse_json_event(payload: &[u8]) -> std::result::Result<QueueEvent, String> {
    let w: WireEvent = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    Ok(QueueEvent {
        seq: w.seq,
        day: w.day,
        at: at_micros(&w.at)?,
        action: w.action,
        ticket: w.ticket,
        desk: w.desk,
        queue_length: w.queue_length,
        next_ticket: w.next_ticket,
        service: w.service,
        label: w.label,
        priority: w.priority,
    })
}

/// The nodes the event listener subscribes through: the one server, the nodes of a
/// cluster (a `PUBLISH` reaches every node of a cluster, so any one will do), or the
/// primary the sentinels name.
pub(super) struct EventSources {
    /// The nodes the URL named; always kept.
    seeds: Vec<redis::Client>,
    /// The seeds, then the other nodes last seen in the cluster; tried in turn.
    nodes: Vec<redis::Client>,
    /// Whether `nodes` is refreshed from `CLUSTER NODES`.
    cluster: bool,
    /// The index in `nodes` of the node to try next.
    next: usize,
    /// Through Sentinel: asked for the primary at each attempt (`nodes` is then empty).
    primaries: Option<Arc<Primaries>>,
}

impl EventSources {
    pub(super) fn single(client: redis::Client) -> Self {
        EventSources {
            seeds: vec![client.clone()],
            nodes: vec![client],
            cluster: false,
            next: 0,
            primaries: None,
        }
    }

    pub(super) fn cluster(seeds: Vec<redis::Client>) -> Self {
        EventSources {
            nodes: seeds.clone(),
            seeds,
            cluster: true,
            next: 0,
            primaries: None,
        }
    }

    /// The primary the sentinels name, at each attempt. Events are published on the
    /// primary; subscribing there (rather than on a replica, which also relays them) keeps
    /// the feed on the node that the writes reach.
    pub(super) fn sentinel(primaries: Arc<Primaries>) -> Self {
        EventSources {
            seeds: Vec::new(),
            nodes: Vec::new(),
            cluster: false,
            next: 0,
            primaries: Some(primaries),
        }
    }

    /// The node to try now.
    async fn current(&self) -> Result<redis::Client, RedisError> {
        match &self.primaries {
            Some(primaries) => {
                let (info, _) = primaries.connect().await?;
                redis::Client::open(info)
            }
            None => Ok(self.nodes[self.next % self.nodes.len()].clone()),
        }
    }

    /// How many failed attempts in a row mean that no node can be reached.
    fn attempts(&self) -> usize {
        self.nodes.len().max(1)
    }

    /// The time one attempt may take: through Sentinel, asking a sentinel and checking the
    /// primary come first.
    fn budget(&self, connect_timeout: Duration) -> Duration {
        match self.primaries {
            Some(_) => connect_timeout * 3,
            None => connect_timeout,
        }
    }

    /// The node tried now, for messages (`host:port`, or the primary's name).
    fn describe(&self) -> String {
        match &self.primaries {
            Some(p) => format!("the primary {:?} through Sentinel", p.name()),
            None => self.nodes[self.next % self.nodes.len()]
                .get_connection_info()
                .addr()
                .to_string(),
        }
    }

    /// Moves on to the next node (on a single server: the same one again).
    fn advance(&mut self) {
        if !self.nodes.is_empty() {
            self.next = (self.next + 1) % self.nodes.len();
        }
    }

    /// On a cluster, learns the current nodes from `node` (where the listener has just
    /// subscribed), so that it can move to one the URL did not name when `node` goes.
    async fn learn(&mut self, node: &redis::Client, timeout: Duration) {
        if !self.cluster {
            return;
        }
        let found = cluster::discover(node, timeout).await;
        if found.is_empty() {
            return;
        }
        let addr = |c: &redis::Client| c.get_connection_info().addr().to_string();
        let mut nodes = self.seeds.clone();
        for info in found {
            if nodes.len() >= MAX_KNOWN_NODES {
                break;
            }
            let known = info.addr().to_string();
            if !nodes.iter().any(|n| addr(n) == known)
                && let Ok(client) = redis::Client::open(info)
            {
                nodes.push(client);
            }
        }
        let here = addr(node);
        self.next = nodes.iter().position(|n| addr(n) == here).unwrap_or(0);
        self.nodes = nodes;
    }
}

/// Applies an announced configuration to the backend's cache.
fn announced(
    backend: &Weak<Inner>,
    channel: &str,
    config: std::result::Result<crate::OfficeConfig, String>,
) {
    match (config, backend.upgrade()) {
        (Ok(config), Some(inner)) => {
            let version = config.version;
            let now = inner.office.apply_newer(Arc::new(config)).version;
            tracing::info!(%channel, version, in_force = now, "office configuration announced");
        }
        (Err(e), _) => {
            tracing::warn!(%channel, error = %e, "unreadable office configuration announced; skipped")
        }
        (Ok(_), None) => {}
    }
}

/// Reads the configuration again, in a task of its own (events keep flowing meanwhile).
fn reload(backend: &Weak<Inner>) {
    if let Some(inner) = backend.upgrade() {
        tokio::spawn(async move {
            let backend = RedisBackend { inner };
            if let Err(e) = backend.reload_office().await {
                tracing::warn!(error = %e, "could not read the office configuration again");
            }
        });
    }
}

/// Reads the event channel and fans events out to local subscribers; reconnects with
/// backoff when the connection drops (on a cluster, to the next known node), and tells
/// subscribers to resynchronise when it comes back. Configuration announcements go to
/// `backend`'s cache, which is read again after a reconnection.
pub(super) async fn listen(
    mut sources: EventSources,
    channel: String,
    hub: EventHub,
    connect_timeout: Duration,
    ready: oneshot::Sender<std::result::Result<(), RedisError>>,
    backend: Weak<Inner>,
) {
    let mut ready = Some(ready);
    let mut pause = Duration::from_millis(50);
    let mut interrupted = false;
    // Attempts since the last subscription: the build fails once every node has refused.
    let mut failures = 0;
    loop {
        let connected = tokio::time::timeout(sources.budget(connect_timeout), async {
            let client = sources.current().await?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, RedisError>((client, pubsub))
        })
        .await;
        match connected {
            Ok(Ok((client, pubsub))) => {
                let node = client.get_connection_info().addr().to_string();
                failures = 0;
                if let Some(tx) = ready.take() {
                    let _ = tx.send(Ok(()));
                }
                if interrupted {
                    tracing::info!(%channel, %node, "event subscription restored");
                    hub.send(Signal::Resync);
                    reload(&backend);
                }
                pause = Duration::from_millis(50);
                sources.learn(&client, connect_timeout).await;
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let payload = msg.get_payload_bytes();
                    if let Some(config) = office::parse_announcement(payload) {
                        announced(&backend, &channel, config);
                        continue;
                    }
                    for event in parse_events(payload) {
                        match event {
                            Ok(event) => hub.send(Signal::Event(event)),
                            Err(e) => {
                                tracing::warn!(%channel, error = %e, "unreadable event skipped")
                            }
                        }
                    }
                }
                tracing::warn!(%channel, %node, "event subscription lost; reconnecting");
            }
            Ok(Err(e)) => {
                failures += 1;
                let node = sources.describe();
                tracing::warn!(%channel, %node, error = %e, "cannot subscribe to events; retrying");
                if failures >= sources.attempts()
                    && let Some(tx) = ready.take()
                {
                    let _ = tx.send(Err(e));
                }
            }
            Err(_) => {
                failures += 1;
                let node = sources.describe();
                tracing::warn!(%channel, %node, "subscribing to events timed out; retrying");
            }
        }
        interrupted = true;
        sources.advance();
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_RECONNECT_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::micros;

    #[test]
    fn events_decode_from_the_script_line() {
        let e = parse_event(b"3|2026-11-24|1795505475226383|call_next|2|A|0||poste|B002|").unwrap();
        assert_eq!(e.seq, 3);
        assert_eq!(e.day.to_string(), "2026-11-24");
        assert_eq!(e.action, Action::CallNext);
        assert_eq!(micros(e.at), 1_795_505_475_226_383);
        assert_eq!(e.ticket.map(u64::from), Some(2));
        assert_eq!(e.desk.as_ref().map(DeskId::as_str), Some("A"));
        assert_eq!(e.queue_length, 0);
        assert_eq!(e.next_ticket, None);
        assert_eq!(e.service.as_ref().map(|s| s.as_str()), Some("poste"));
        assert_eq!(e.label.as_deref(), Some("B002"));
        assert_eq!(e.priority, None);
        let e = parse_event(b"7|2026-11-24|1795505475226383|start_day|||0||||").unwrap();
        assert_eq!((e.action, e.ticket, e.desk), (Action::StartDay, None, None));
        // A field missing, one too many, or one that does not parse is refused.
        for bad in [
            &b"3|2026-11-24|1795505475226383|call_next|2|A|0||poste|B002"[..],
            b"3|2026-11-24|1795505475226383|call_next|2|A|0||poste|B002||",
            b"3|2026-11-24|1795505475226383|call_next|two|A|0||poste|B002|",
            b"3|2026-11-24|yesterday|call_next|2|A|0||poste|B002|",
            b"3|2026-11-24|1795505475226383|dance|2|A|0||poste|B002|",
            b"",
        ] {
            assert!(
                parse_event(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_message_holds_the_events_of_a_call_or_a_batch_one_a_line() {
        let events: Vec<_> = parse_events(
            b"4|2026-11-24|1795505475226383|finish_current|1|A|2|2|poste|B001|\n\
              5|2026-11-24|1795505475226390|call_next|2|A|1|3|poste|B002|",
        )
        .collect();
        assert_eq!(events.len(), 2);
        let seqs: Vec<u64> = events.iter().map(|e| e.as_ref().unwrap().seq).collect();
        assert_eq!(seqs, [4, 5]);
        assert_eq!(
            micros(events[1].as_ref().unwrap().at),
            1_795_505_475_226_390,
            "each event has its own time"
        );
        let one: Vec<_> = parse_events(b"{\"seq\":3,\"day\":\"2026-11-24\",\"at\":\"1\",\"action\":\"take_ticket\",\"queue_length\":1}").collect();
        assert_eq!(one.len(), 1);
        assert!(one[0].is_ok(), "{:?}", one[0]);
    }

    #[test]
    fn events_of_the_earlier_json_still_decode() {
        let e = parse_event(
            br#"{"seq":3,"day":"2026-11-24","at":"1795505475226383","action":"call_next","ticket":2,"desk":"A","queue_length":0}"#,
        )
        .unwrap();
        assert_eq!(e.seq, 3);
        assert_eq!(e.action, Action::CallNext);
        assert_eq!(micros(e.at), 1_795_505_475_226_383);
        assert!(parse_event(b"{}").is_err());
    }
}
