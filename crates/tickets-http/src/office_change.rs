//! Changing the office configuration: the one path that `PUT /api/config` and the office
//! editor page (`/api/admin/office`) share, and what a change does to today's waiting
//! tickets.
//!
//! [`replace`] stores a new version through the core (which checks the expected version,
//! validates the document as a whole and refuses to lose a waiting ticket), logs it and
//! wakes the live pages; every other server applies it from the store within a second.
//! [`impacts`] compares two versions with the day's waiting counts ([`waiting_per_service`])
//! so that a page can warn before a change closes, re-letters or strands a service that
//! has people waiting.

use std::collections::HashMap;
use std::sync::Arc;

use tickets_core::{Names, OfficeConfig, QueueBackend, Service, SnapshotOptions};

use crate::state::AppState;

/// Stores `office` as the new configuration if the stored version is `expected` (any when
/// `None`): the core validates it and refuses to remove a service that still has waiting
/// tickets. On success the live pages of this server get the new state at once.
pub async fn replace<B: QueueBackend>(
    state: &AppState<B>,
    office: OfficeConfig,
    expected: Option<u64>,
) -> tickets_core::Result<Arc<OfficeConfig>> {
    let stored = state.queue.put_office(office, expected).await?;
    tracing::info!(
        version = stored.version,
        services = stored.services.len(),
        priorities = stored.priorities.len(),
        desks = stored.desks.len(),
        "office configuration replaced"
    );
    // Live pages show the services: send them the new state now.
    state.live.refresh();
    Ok(stored)
}

/// How many tickets wait today for each service (those with none may be left out).
pub async fn waiting_per_service<B: QueueBackend>(
    state: &AppState<B>,
) -> tickets_core::Result<HashMap<Service, u64>> {
    let snapshot = state
        .queue
        .snapshot(SnapshotOptions {
            waiting: 0,
            logs: 0,
            activity_minutes: 0,
        })
        .await?;
    Ok(snapshot
        .services
        .into_iter()
        .map(|s| (s.code, s.waiting))
        .collect())
}

/// What a change does to a service that has waiting tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImpactKind {
    /// It leaves the configuration: refused by the store while tickets wait (close it
    /// instead).
    Removed,
    /// It is closed to new tickets; its waiting tickets stay callable.
    Closed,
    /// Its letter changes: tickets already taken keep theirs, new ones get the new one.
    Relettered {
        /// The letter before (empty: plain numbers).
        from: String,
        /// The letter after.
        to: String,
    },
    /// No desk serves it any more: its waiting tickets cannot be called until one does.
    Unserved,
}

impl ImpactKind {
    /// A short stable name (`removed`, `closed`, `relettered`, `unserved`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ImpactKind::Removed => "removed",
            ImpactKind::Closed => "closed",
            ImpactKind::Relettered { .. } => "relettered",
            ImpactKind::Unserved => "unserved",
        }
    }
}

/// One service a change affects while tickets wait for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    /// The service (its code in the configuration in force).
    pub service: Service,
    /// Its name in the configuration in force.
    pub name: Names,
    /// How many tickets wait for it.
    pub waiting: u64,
    /// What the change does to it.
    pub kind: ImpactKind,
}

impl Impact {
    /// Whether the store refuses the change (a removed service with waiting tickets).
    pub fn blocks(&self) -> bool {
        self.kind == ImpactKind::Removed
    }
}

/// What changing `before` into `after` does to the services that have waiting tickets
/// (`waiting`), in the order of `before`'s services: removed, closed, given another letter,
/// or no longer served by any desk.
pub fn impacts(
    before: &OfficeConfig,
    after: &OfficeConfig,
    waiting: &HashMap<Service, u64>,
) -> Vec<Impact> {
    let mut found = Vec::new();
    for old in &before.services {
        let n = waiting.get(&old.code).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        let impact = |kind| Impact {
            service: old.code.clone(),
            name: old.name.clone(),
            waiting: n,
            kind,
        };
        let Some(new) = after.service(&old.code) else {
            found.push(impact(ImpactKind::Removed));
            continue;
        };
        if old.open && !new.open {
            found.push(impact(ImpactKind::Closed));
        }
        if old.prefix != new.prefix {
            found.push(impact(ImpactKind::Relettered {
                from: old.prefix.clone(),
                to: new.prefix.clone(),
            }));
        }
        let served_before = before.desks_serving(&old.code).is_none_or(|d| d > 0);
        let served_after = after.desks_serving(&old.code).is_none_or(|d| d > 0);
        if served_before && !served_after {
            found.push(impact(ImpactKind::Unserved));
        }
    }
    found
}

/// A fingerprint of the impacts a person confirmed (`colis:closed,courrier:relettered`):
/// a confirmation holds only for the same services affected the same way.
pub fn fingerprint(impacts: &[Impact]) -> String {
    impacts
        .iter()
        .map(|i| format!("{}:{}", i.service, i.kind.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickets_core::DeskId;

    fn office() -> OfficeConfig {
        OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "courrier"
            prefix = "A"
            name = { fr = "Courrier", en = "Letters" }
            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }
            [[service]]
            code = "banque"
            prefix = "C"
            name = { fr = "Banque", en = "Banking" }
            [[desk]]
            id = "1"
            name = { fr = "Guichet 1", en = "Desk 1" }
            services = ["courrier", "colis", "banque"]
            "#,
        )
        .unwrap()
    }

    fn waiting(pairs: &[(&str, u64)]) -> HashMap<Service, u64> {
        pairs
            .iter()
            .map(|(s, n)| (Service::parse(*s).unwrap(), *n))
            .collect()
    }

    #[test]
    fn only_services_with_waiting_tickets_count() {
        let before = office();
        let mut after = before.clone();
        after.services.retain(|s| s.code.as_str() != "banque");
        after.desks[0].services.retain(|s| s.as_str() != "banque");
        after.services[0].open = false;
        after.services[1].prefix = "P".into();
        // Nobody waits: nothing to say.
        assert!(impacts(&before, &after, &HashMap::new()).is_empty());
        let found = impacts(
            &before,
            &after,
            &waiting(&[("courrier", 2), ("colis", 1), ("banque", 3)]),
        );
        let kinds: Vec<_> = found
            .iter()
            .map(|i| (i.service.as_str(), i.kind.as_str(), i.waiting))
            .collect();
        assert_eq!(
            kinds,
            [
                ("courrier", "closed", 2),
                ("colis", "relettered", 1),
                ("banque", "removed", 3)
            ]
        );
        assert!(found[2].blocks() && !found[0].blocks());
        assert_eq!(
            fingerprint(&found),
            "courrier:closed,colis:relettered,banque:removed"
        );
    }

    #[test]
    fn a_service_no_desk_serves_any_more_is_reported() {
        let before = office();
        let mut after = before.clone();
        after.desks[0].services.retain(|s| s.as_str() != "colis");
        let found = impacts(&before, &after, &waiting(&[("colis", 4)]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, ImpactKind::Unserved);
        // Removing every desk: any desk serves every service again.
        after.desks.clear();
        assert!(impacts(&before, &after, &waiting(&[("colis", 4)])).is_empty());
        assert!(after.plan(&DeskId::parse("9").unwrap()).is_some());
    }
}
