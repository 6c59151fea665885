//! The day's counters and the figures computed from them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::{DeskId, Service};

/// Counters kept for the day, from which [`DayFigures`] are computed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStats {
    /// The number of the last event of the day.
    pub seq: u64,
    /// Tickets called (first calls).
    pub called: u64,
    /// Total wait of called tickets, in microseconds.
    pub wait_us: u64,
    /// Tickets completed.
    pub served: u64,
    /// Total service time of completed tickets, in microseconds.
    pub service_us: u64,
    /// Tickets marked no-show.
    pub no_shows: u64,
    /// Tickets whose holders left the queue.
    #[serde(default)]
    pub left: u64,
    /// Per desk: tickets completed and their total service time in microseconds.
    pub desks: BTreeMap<DeskId, DeskStats>,
    /// Per service: calls, waits and completions.
    pub services: BTreeMap<Service, ServiceStats>,
}

/// The width of the buckets of the per-service wait histogram, in seconds.
pub const WAIT_BUCKET_SECONDS: u64 = 30;

/// One service's counters for the day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStats {
    /// Tickets called (first calls).
    pub called: u64,
    /// Their total wait, in microseconds.
    pub wait_us: u64,
    /// Tickets called within the service's target wait.
    pub within_target: u64,
    /// Tickets completed.
    pub served: u64,
    /// Calls per wait bucket: bucket `b` counts waits from `b × 30 s` to `(b + 1) × 30 s`.
    pub wait_buckets: BTreeMap<u64, u64>,
}

impl ServiceStats {
    /// Average wait in seconds.
    pub fn avg_wait_seconds(&self) -> Option<f64> {
        average_seconds(self.wait_us, self.called)
    }

    /// The wait within which 90 % of the calls came, in seconds, to the next
    /// [`WAIT_BUCKET_SECONDS`].
    pub fn p90_wait_seconds(&self) -> Option<u64> {
        let need = (self.called * 9).div_ceil(10);
        let mut seen = 0;
        for (bucket, count) in &self.wait_buckets {
            seen += count;
            if seen >= need && need > 0 {
                return Some((bucket + 1) * WAIT_BUCKET_SECONDS);
            }
        }
        None
    }

    /// Share of the calls that came within the target, from 0 to 1.
    pub fn within_target_share(&self) -> Option<f64> {
        (self.called > 0).then(|| self.within_target as f64 / self.called as f64)
    }
}

/// One desk's counters for the day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskStats {
    /// Tickets completed at this desk.
    pub served: u64,
    /// Their total service time in microseconds.
    pub service_us: u64,
}

fn average_seconds(total_us: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| total_us as f64 / count as f64 / 1e6)
}

impl DeskStats {
    /// Average service time at this desk in seconds, once it served someone.
    pub fn avg_service_seconds(&self) -> Option<f64> {
        average_seconds(self.service_us, self.served)
    }
}

impl DayStats {
    /// Average wait (taken → called) in seconds.
    pub fn avg_wait_seconds(&self) -> Option<f64> {
        average_seconds(self.wait_us, self.called)
    }

    /// Average service time (called → finished) in seconds.
    pub fn avg_service_seconds(&self) -> Option<f64> {
        average_seconds(self.service_us, self.served)
    }

    /// Reads the counters from `(field, value)` pairs as the stores keep them
    /// (`seq`, `called`, `wait_us`, `served`, `service_us`, `no_show`,
    /// `desk:<id>:served`, `desk:<id>:service_us`, `svc:<code>:called`, `svc:<code>:wait_us`,
    /// `svc:<code>:within`, `svc:<code>:served`, `svc:<code>:wb:<bucket>`). Unknown fields
    /// are an error.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut s = DayStats::default();
        for (k, v) in fields {
            let n: u64 = v
                .parse()
                .map_err(|_| format!("stats field {k:?} holds {v:?}, not a count"))?;
            match k {
                "seq" => s.seq = n,
                "called" => s.called = n,
                "wait_us" => s.wait_us = n,
                "served" => s.served = n,
                "service_us" => s.service_us = n,
                "no_show" => s.no_shows = n,
                "left" => s.left = n,
                _ if k.starts_with("svc:") => {
                    let unknown = || format!("unknown stats field {k:?}");
                    let mut parts = k.splitn(4, ':').skip(1);
                    let code = parts.next().ok_or_else(unknown)?;
                    let code = Service::parse(code).map_err(|e| e.to_string())?;
                    let st = s.services.entry(code).or_default();
                    match (parts.next(), parts.next()) {
                        (Some("called"), None) => st.called = n,
                        (Some("wait_us"), None) => st.wait_us = n,
                        (Some("within"), None) => st.within_target = n,
                        (Some("served"), None) => st.served = n,
                        (Some("wb"), Some(b)) => {
                            let b: u64 = b.parse().map_err(|_| unknown())?;
                            st.wait_buckets.insert(b, n);
                        }
                        _ => return Err(unknown()),
                    }
                }
                _ => {
                    let unknown = || format!("unknown stats field {k:?}");
                    let rest = k.strip_prefix("desk:").ok_or_else(unknown)?;
                    let (desk, what) = rest.rsplit_once(':').ok_or_else(unknown)?;
                    let desk = DeskId::parse(desk).map_err(|e| e.to_string())?;
                    let d = s.desks.entry(desk).or_default();
                    match what {
                        "served" => d.served = n,
                        "service_us" => d.service_us = n,
                        _ => return Err(unknown()),
                    }
                }
            }
        }
        Ok(s)
    }
}

/// The day's figures, for the dashboard and the staff console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    /// Tickets taken today.
    pub taken: u64,
    /// Tickets waiting now.
    pub waiting: u64,
    /// Tickets called today.
    pub called: u64,
    /// Tickets completed today.
    pub served: u64,
    /// Tickets marked no-show today.
    pub no_shows: u64,
    /// Tickets whose holders left the queue today, before being called.
    #[serde(default)]
    pub left: u64,
    /// Average wait from taking to calling, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_wait_seconds: Option<f64>,
    /// Average time from calling to finishing, in seconds.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub avg_service_seconds: Option<f64>,
    /// Desks that called at least once today.
    pub desks_at_work: u64,
    /// Tickets per hour the desks at work complete together, from each desk's measured
    /// average service time (the day's average for a desk that completed none yet);
    /// `None` before anyone was served.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub service_rate_per_hour: Option<f64>,
}
