//! The caps on event streams: per client address and in all, on this server.
//!
//! A stream holds a socket for as long as the page is open, so one host could otherwise
//! hold tens of thousands and use up the server's file descriptors. [`StreamGate::admit`]
//! hands out a [`StreamPermit`] that gives its place back when the stream ends.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tickets_core::ClientKey;

/// How long a refused stream is asked to wait before trying again, in seconds.
pub const STREAM_RETRY_SECONDS: u64 = 30;

/// `PER_ADDRESS/TOTAL` streams, e.g. `100/10000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimit {
    /// Streams one client address (an IPv6 /64) may hold.
    pub per_address: usize,
    /// Streams this server holds in all.
    pub total: usize,
}

impl StreamLimit {
    /// `PER_ADDRESS/TOTAL`, or `0` (or `off`) for no cap.
    pub fn parse_or_off(s: &str) -> Result<Option<Self>, String> {
        let s = s.trim();
        if s == "0" || s == "off" {
            return Ok(None);
        }
        let bad = || format!("\"{s}\" is not PER_ADDRESS/TOTAL (e.g. 100/10000), or 0");
        let (per, total) = s.split_once('/').ok_or_else(bad)?;
        let per: usize = per.trim().parse().map_err(|_| bad())?;
        let total: usize = total.trim().parse().map_err(|_| bad())?;
        if per == 0 || total == 0 || per > total {
            return Err(bad());
        }
        Ok(Some(Self {
            per_address: per,
            total,
        }))
    }
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRefusal {
    /// This address holds its share already.
    PerAddress,
    /// The server holds as many streams as it accepts.
    Total,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_client: HashMap<ClientKey, usize>,
}

/// Counts the open streams and refuses past the limit.
#[derive(Debug, Clone)]
pub struct StreamGate {
    limit: Option<StreamLimit>,
    counts: Arc<Mutex<Counts>>,
}

impl StreamGate {
    /// A gate for `limit` (`None`: admits everyone).
    pub fn new(limit: Option<StreamLimit>) -> Self {
        Self {
            limit,
            counts: Arc::default(),
        }
    }

    /// A place for one more stream from `ip`, or why not.
    pub fn admit(&self, ip: IpAddr) -> Result<StreamPermit, StreamRefusal> {
        let client = ClientKey::of_ip(ip);
        let Some(limit) = self.limit else {
            return Ok(StreamPermit(None));
        };
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.total >= limit.total {
            return Err(StreamRefusal::Total);
        }
        let held = counts.by_client.entry(client.clone()).or_default();
        if *held >= limit.per_address {
            return Err(StreamRefusal::PerAddress);
        }
        *held += 1;
        counts.total += 1;
        Ok(StreamPermit(Some((self.counts.clone(), client))))
    }

    /// Streams held now (counted only while a limit is set).
    pub fn held(&self) -> usize {
        self.counts.lock().map(|c| c.total).unwrap_or(0)
    }
}

/// One admitted stream; its place is given back when it is dropped.
#[derive(Debug)]
pub struct StreamPermit(Option<(Arc<Mutex<Counts>>, ClientKey)>);

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let Some((counts, client)) = self.0.take() else {
            return;
        };
        let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(held) = counts.by_client.get_mut(&client) {
            *held -= 1;
            if *held == 0 {
                counts.by_client.remove(&client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse() {
        assert_eq!(
            StreamLimit::parse_or_off("2/5").unwrap(),
            Some(StreamLimit {
                per_address: 2,
                total: 5
            })
        );
        assert_eq!(StreamLimit::parse_or_off("0").unwrap(), None);
        for bad in ["5", "0/5", "5/0", "6/5", "a/b"] {
            assert!(StreamLimit::parse_or_off(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_gate_caps_per_address_and_in_all_and_frees_places() {
        let gate = StreamGate::new(StreamLimit::parse_or_off("2/3").unwrap());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let a1 = gate.admit(a).unwrap();
        let _a2 = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), StreamRefusal::PerAddress);
        let _b1 = gate.admit(b).unwrap();
        assert_eq!(gate.admit(b).unwrap_err(), StreamRefusal::Total);
        drop(a1);
        assert_eq!(gate.held(), 2);
        let _a3 = gate.admit(a).expect("a place was given back");
        // Two addresses of one IPv6 /64 share their share.
        let gate = StreamGate::new(StreamLimit::parse_or_off("1/9").unwrap());
        let _x = gate.admit("2001:db8::1".parse().unwrap()).unwrap();
        assert!(gate.admit("2001:db8::2".parse().unwrap()).is_err());
        let open = StreamGate::new(None);
        let _many: Vec<_> = (0..100).map(|_| open.admit(a).unwrap()).collect();
    }
}
