//! The office configuration on Redis: one key without TTL (`<prefix>:config`, the JSON
//! document with its version), cached in every backend.
//!
//! The cache is kept current three ways: each server that stores a configuration
//! publishes it on the event channel (`{"config": …}`) and every listener applies it when
//! it is newer than what it holds; after the pub/sub connection comes back, the listener
//! reads the key again (a change may have been missed); and [`reload`](super::RedisBackend)
//! reads it on demand. A read from the store is applied unless the cache moved in the
//! meantime to something newer, so a slow read never undoes a change announced while it
//! ran, and a store that went back (restarted from an older snapshot) is followed.

use std::sync::{Arc, RwLock};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::office::OfficeConfig;

/// The cached configuration and a generation number that grows with each change.
#[derive(Debug, Default)]
pub(super) struct OfficeCache {
    slot: RwLock<(Arc<OfficeConfig>, u64)>,
}

impl OfficeCache {
    /// The configuration in force here.
    pub(super) fn get(&self) -> Arc<OfficeConfig> {
        self.slot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    /// The generation now: take it before reading the store, give it to
    /// [`Self::apply_read`].
    pub(super) fn generation(&self) -> u64 {
        self.slot.read().unwrap_or_else(|p| p.into_inner()).1
    }

    /// A configuration just read from the store: applied, unless the cache changed since
    /// `generation` to a version newer than it. Answers what is in force afterwards.
    pub(super) fn apply_read(&self, read: Arc<OfficeConfig>, generation: u64) -> Arc<OfficeConfig> {
        let mut slot = self.slot.write().unwrap_or_else(|p| p.into_inner());
        if (slot.1 == generation || read.version >= slot.0.version) && *slot.0 != *read {
            slot.0 = read;
            slot.1 += 1;
        }
        slot.0.clone()
    }

    /// A configuration announced (or just stored here): applied when newer than the one
    /// in force.
    pub(super) fn apply_newer(&self, announced: Arc<OfficeConfig>) -> Arc<OfficeConfig> {
        let mut slot = self.slot.write().unwrap_or_else(|p| p.into_inner());
        if announced.version > slot.0.version {
            slot.0 = announced;
            slot.1 += 1;
        }
        slot.0.clone()
    }
}

/// The stored document (`""`: none stored, the built-in office).
pub(super) fn parse_stored(key: &str, text: &str) -> Result<OfficeConfig> {
    if text.is_empty() {
        return Ok(OfficeConfig::default());
    }
    let config: OfficeConfig = serde_json::from_str(text)
        .map_err(|e| Error::corrupt(key, format!("not an office configuration: {e}")))?;
    config
        .validate()
        .map_err(|e| Error::corrupt(key, format!("an invalid office configuration: {e}")))?;
    Ok(config)
}

/// A configuration announced on the event channel, `{"config": …}`; `None` for any other
/// message (a queue event).
pub(super) fn parse_announcement(
    payload: &[u8],
) -> Option<std::result::Result<OfficeConfig, String>> {
    #[derive(Deserialize)]
    struct Announcement {
        config: OfficeConfig,
    }
    if !payload.starts_with(br#"{"config":"#) {
        return None;
    }
    Some(
        serde_json::from_slice::<Announcement>(payload)
            .map_err(|e| e.to_string())
            .and_then(|a| {
                a.config.validate().map_err(|e| e.to_string())?;
                Ok(a.config)
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(v: u64) -> Arc<OfficeConfig> {
        Arc::new(OfficeConfig {
            version: v,
            ..OfficeConfig::default()
        })
    }

    #[test]
    fn announcements_only_move_forward_and_reads_lose_only_to_newer_changes() {
        let cache = OfficeCache::default();
        assert_eq!(cache.get().version, 0);
        assert_eq!(cache.apply_newer(version(2)).version, 2);
        // An older announcement arriving late changes nothing.
        assert_eq!(cache.apply_newer(version(1)).version, 2);
        // A read started before an announcement, finished after: the newer one stays.
        let g = cache.generation();
        cache.apply_newer(version(3));
        assert_eq!(cache.apply_read(version(2), g).version, 3);
        // A read with nothing in between is the truth, even going back (a store restored
        // from an older snapshot).
        let g = cache.generation();
        assert_eq!(cache.apply_read(version(1), g).version, 1);
        let g = cache.generation();
        assert_eq!(cache.apply_read(version(0), g).version, 0);
    }

    #[test]
    fn announcements_are_told_from_queue_events() {
        let doc = serde_json::to_string(&*version(4)).unwrap();
        let msg = format!(r#"{{"config":{doc}}}"#);
        assert_eq!(
            parse_announcement(msg.as_bytes()).unwrap().unwrap().version,
            4
        );
        assert!(parse_announcement(br#"{"seq":1,"action":"take_ticket"}"#).is_none());
        assert!(
            parse_announcement(br#"{"config":{"services":[]}}"#)
                .unwrap()
                .is_err()
        );
        assert_eq!(parse_stored("k", "").unwrap(), OfficeConfig::default());
        assert!(matches!(
            parse_stored("k", "{}"),
            Err(Error::Corrupt { .. })
        ));
    }
}
