//! What the scripts need of the office configuration (and of a take's limits), written as
//! their arguments.
//!
//! The configuration key lives outside the day's slot on a Redis Cluster, so no day script
//! reads it: each receives, after its own arguments, the few figures it needs, in the
//! groups `lib.lua` reads back (`read_weights`, `read_plan`), each group led by its count.

use chrono::{DateTime, Utc};

use crate::limits::{IDEMPOTENCY_WINDOW_SECONDS, TakeLimits};
use crate::model::micros;
use crate::office::{DeskPlan, OfficeConfig};

/// The limits of a take: the client ("" for none), its tickets per window and the window
/// in seconds, the cap on waiting tickets (0: none), the idempotency window in seconds,
/// then, in microseconds since the epoch, when a key taken now stops counting and when a
/// window of the client's that starts now ends (0 without a client): the script writes
/// them as they are (a number it would make into text costs it a printf).
pub(super) fn take_limits(limits: &TakeLimits, now: DateTime<Utc>, out: &mut Vec<String>) {
    let now = micros(now);
    let window_end = match &limits.per_client {
        Some((client, limit)) => {
            out.extend([
                client.as_str().to_owned(),
                limit.count.to_string(),
                limit.window_seconds.to_string(),
            ]);
            now + i64::from(limit.window_seconds) * 1_000_000
        }
        None => {
            out.extend([String::new(), "0".into(), "0".into()]);
            0
        }
    };
    out.push(limits.max_waiting.to_string());
    out.push(IDEMPOTENCY_WINDOW_SECONDS.to_string());
    out.push((now + IDEMPOTENCY_WINDOW_SECONDS as i64 * 1_000_000).to_string());
    out.push(window_end.to_string());
}

/// The priority classes: count, then code and weight of each, in byte order of the
/// codes (`read_weights`; the calling rule breaks its last ties in that order, as the
/// memory backend's map of queues does).
pub(super) fn weights(office: &OfficeConfig, out: &mut Vec<String>) {
    let mut classes: Vec<_> = office.priorities.iter().collect();
    classes.sort_by(|a, b| a.code.cmp(&b.code));
    out.push(classes.len().to_string());
    for p in classes {
        out.push(p.code.to_string());
        out.push(p.weight.to_string());
    }
}

/// A desk's services: the smallest maximum wait among them in microseconds (0: none),
/// their count, their codes in the desk's order, then one argument with the maximum wait
/// and the target wait of each in microseconds (0: none), space-separated, in the same
/// order (`read_plan`; one argument rather than two per service, as each argument costs
/// the script a string).
pub(super) fn plan(plan: Option<&DeskPlan<'_>>, out: &mut Vec<String>) {
    let services = plan.map_or(&[][..], |p| p.services.as_slice());
    let min_wait = services
        .iter()
        .map(|s| s.max_wait_us())
        .filter(|w| *w > 0)
        .min()
        .unwrap_or(0);
    out.push(min_wait.to_string());
    out.push(services.len().to_string());
    out.extend(services.iter().map(|s| s.code.to_string()));
    let waits: Vec<String> = services
        .iter()
        .map(|s| format!("{} {}", s.max_wait_us(), s.target_wait_us()))
        .collect();
    out.push(waits.join(" "));
}

/// Every service: count, then code and target wait in microseconds of each.
pub(super) fn targets(office: &OfficeConfig, out: &mut Vec<String>) {
    out.push(office.services.len().to_string());
    for s in &office.services {
        out.push(s.code.to_string());
        out.push(s.target_wait_us().to_string());
    }
}

/// Every service: count, then the codes.
pub(super) fn service_codes(office: &OfficeConfig, out: &mut Vec<String>) {
    out.push(office.services.len().to_string());
    out.extend(office.services.iter().map(|s| s.code.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{ClientKey, RateLimit};
    use crate::model::DeskId;

    #[test]
    fn a_takes_limits_carry_when_its_key_and_its_clients_window_end() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let us = micros(now);
        let mut out = Vec::new();
        take_limits(&TakeLimits::default(), now, &mut out);
        let key_until = (us + 600_000_000).to_string();
        assert_eq!(out, ["", "0", "0", "0", "600", key_until.as_str(), "0"]);
        let limits = TakeLimits {
            per_client: Some((ClientKey::parse("kiosk-1").unwrap(), RateLimit::new(3, 60))),
            max_waiting: 40,
        };
        out.clear();
        take_limits(&limits, now, &mut out);
        let window_end = (us + 60_000_000).to_string();
        assert_eq!(
            out,
            [
                "kiosk-1",
                "3",
                "60",
                "40",
                "600",
                key_until.as_str(),
                window_end.as_str()
            ]
        );
    }

    #[test]
    fn groups_lead_with_their_count() {
        let office = OfficeConfig::from_toml(
            r#"
            [[service]]
            code = "courrier"
            prefix = "A"
            name = { fr = "Courrier", en = "Letters" }
            max_wait_minutes = 30
            target_wait_minutes = 10

            [[service]]
            code = "colis"
            prefix = "B"
            name = { fr = "Colis", en = "Parcels" }

            [[priority]]
            code = "prioritaire"
            name = { fr = "Prioritaire", en = "Priority" }
            weight = 2

            [[desk]]
            id = "1"
            name = { fr = "Guichet 1", en = "Desk 1" }
            services = ["colis", "courrier"]
            "#,
        )
        .unwrap();
        let mut out = Vec::new();
        weights(&office, &mut out);
        plan(office.plan(&DeskId::parse("1").unwrap()).as_ref(), &mut out);
        plan(None, &mut out);
        targets(&office, &mut out);
        service_codes(&office, &mut out);
        assert_eq!(
            out,
            [
                "1",
                "prioritaire",
                "2",
                "1800000000",
                "2",
                "colis",
                "courrier",
                "0 0 1800000000 600000000",
                "0",
                "0",
                "",
                "2",
                "courrier",
                "600000000",
                "colis",
                "0",
                "2",
                "courrier",
                "colis",
            ]
        );
    }
}
