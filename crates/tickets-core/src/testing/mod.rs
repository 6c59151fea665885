//! Test support (feature `testing`): the conformance suite every backend must pass, a
//! throwaway `redis-server`, a throwaway three-node Redis Cluster ([`RedisCluster`]), and
//! unique key prefixes so that tests run in parallel on one server without flushing
//! anything.
//!
//! ```no_run
//! use tickets_core::testing::{RedisServer, conformance_suite, unique_prefix};
//! use tickets_core::{MemoryBackend, RedisBackend};
//!
//! # #[tokio::main]
//! # async fn main() {
//! conformance_suite(|| async { MemoryBackend::new() }).await;
//!
//! let server = RedisServer::start();
//! let url = server.url();
//! conformance_suite(|| {
//!     let url = url.clone();
//!     async move {
//!         RedisBackend::builder(url).prefix(unique_prefix()).build().await.expect("redis")
//!     }
//! })
//! .await;
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};

use crate::backend::QueueBackend;
use crate::clock::{BusinessCalendar, ManualClock};
use crate::events::{EventStream, QueueEvent};
use crate::model::{DeskId, IdempotencyKey, TicketNumber};
use crate::queue::{QueueConfig, TicketQueue};

#[cfg(feature = "redis")]
pub use crate::redis::KeyPrefix;

pub mod accounts;
mod day;
mod history;
mod leave;
mod limits;
pub mod push;
mod services;
pub mod webhooks;
use day::*;
use history::*;
use leave::*;
use limits::*;
pub use services::sample_office;
use services::*;
mod sentinel;
mod servers;
pub use sentinel::{
    RedisSentinels, SENTINEL_DOWN_AFTER_MS, SENTINEL_FAILOVER_TIMEOUT_MS, SENTINEL_PRIMARY_NAME,
    SENTINELS,
};
pub(crate) use servers::scratch_dir;
pub use servers::{
    CLUSTER_NODE_TIMEOUT_MS, CLUSTER_NODES, NO_FUNCTIONS, RedisCluster, RedisServer,
};
#[cfg(feature = "redis")]
pub use servers::{redis_backend, two_servers, unique_prefix};

/// The instant every conformance case starts at: 2026-11-24 08:00:00 UTC.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
        .single()
        .expect("a valid date")
}

/// What a conformance case gets: a queue on a fresh backend with a settable clock.
pub struct Fixture<B> {
    /// The queue, on a calendar in UTC with days changing at midnight.
    pub queue: TicketQueue<B, ManualClock>,
    /// Its clock, at [`start_time`].
    pub clock: ManualClock,
}

impl<B: QueueBackend + Clone> Fixture<B> {
    /// A fixture around `backend`.
    pub fn new(backend: B) -> Self {
        let clock = ManualClock::new(start_time());
        let config = QueueConfig {
            calendar: BusinessCalendar::new(chrono_tz::UTC, 0).expect("a valid calendar"),
            ..QueueConfig::default()
        };
        Self {
            queue: TicketQueue::with_clock(backend, clock.clone(), config),
            clock,
        }
    }

    /// The same backend and clock with another calendar.
    pub fn with_calendar(&self, calendar: BusinessCalendar) -> TicketQueue<B, ManualClock> {
        let config = QueueConfig {
            calendar,
            ..*self.queue.config()
        };
        TicketQueue::with_clock(self.queue.backend().clone(), self.clock.clone(), config)
    }
}

/// A boxed case future.
pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits for the next `n` events (at most 5 s each) and returns them.
pub async fn next_events(stream: &mut EventStream, n: usize) -> Vec<QueueEvent> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match tokio::time::timeout(StdDuration::from_secs(5), stream.recv()).await {
            Ok(Ok(e)) => out.push(e),
            Ok(Err(missed)) => panic!("event stream: {missed} after {} events", out.len()),
            Err(_) => panic!("only {} of {n} events arrived within 5 s", out.len()),
        }
    }
    out
}

fn desk(s: &str) -> DeskId {
    DeskId::parse(s).expect("a valid desk")
}

fn n(v: u64) -> TicketNumber {
    TicketNumber::new(v).expect("a valid number")
}

fn key(s: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey::parse(s).expect("a valid key"))
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        /// The names and bodies of every conformance case.
        pub fn cases<B: QueueBackend + Clone>() -> Vec<(&'static str, fn(Fixture<B>) -> CaseFuture)> {
            vec![$((stringify!($name), |f| Box::pin($name(f)))),*]
        }
    };
}

cases!(
    a_closed_day_refuses_tickets_and_writes_nothing,
    opening_is_idempotent,
    tickets_are_numbered_in_order_with_the_count_ahead,
    the_default_office_has_one_service_with_plain_numbers,
    call_next_is_fifo_and_finishes_the_desks_current_ticket,
    desks_hold_one_ticket_each_independently,
    call_next_on_an_empty_queue_still_finishes_the_current_ticket,
    finish_without_a_current_ticket_does_nothing,
    recall_counts_and_logs_the_call_again,
    no_show_frees_the_desk_and_is_counted,
    closing_keeps_waiting_tickets_callable_and_reopening_continues_numbering,
    reset_wipes_the_day_and_keeps_event_numbers_rising,
    an_idempotency_key_gives_the_same_ticket,
    a_ticket_is_found_with_its_position_and_estimate,
    waits_and_service_times_are_measured,
    every_change_emits_one_event_in_order,
    logs_are_newest_first_and_capped_at_50,
    snapshot_lists_are_bounded,
    activity_is_counted_per_minute_and_action,
    the_business_day_follows_the_time_zone_and_rollover_hour,
    key_count_and_ttl_describe_the_days_keys,
    each_service_numbers_its_tickets_with_its_prefix,
    takes_are_refused_with_a_reason_and_write_nothing,
    a_desk_calls_only_for_its_services,
    the_earliest_arrival_goes_first_and_ties_go_to_the_desks_first_service,
    priority_goes_first_but_the_ratio_lets_others_through,
    an_overdue_ticket_goes_before_priority,
    transfers_keep_the_label_and_place_the_ticket_as_asked,
    a_given_ticket_is_called_out_of_order,
    a_no_show_is_requeued_at_its_arrival_place,
    a_configuration_change_loses_no_waiting_ticket,
    the_office_settings_are_stored_and_read_back_whole,
    per_service_figures_follow_the_calls,
    the_status_lists_every_service_with_its_next_label,
    a_client_takes_only_its_share_per_window,
    refused_and_replayed_takes_use_up_no_share,
    no_ticket_is_taken_past_the_cap_on_waiting_tickets,
    an_idempotency_key_lives_minutes_not_the_day,
    an_idempotency_key_gives_back_no_ticket_made_after_a_reset,
    every_change_of_a_ticket_is_in_its_days_history,
    a_day_that_is_over_leaves_its_open_tickets_unserved,
    the_first_operation_after_weeks_closes_the_day_left_open,
    changes_after_a_day_is_closed_show_over_its_closed_records,
    a_reset_keeps_the_history_and_leaves_open_tickets_unserved,
    a_report_counts_every_ticket_once_with_exact_figures,
    a_holder_leaves_the_queue_and_is_counted_as_left,
    a_number_given_again_after_a_reset_is_another_ticket,
);

/// Runs every case of [`cases`] concurrently, each on a backend from `factory`; panics
/// naming every case that failed.
pub async fn conformance_suite<B, F, Fut>(factory: F)
where
    B: QueueBackend + Clone,
    F: Fn() -> Fut,
    Fut: Future<Output = B>,
{
    let mut running = Vec::new();
    for (name, case) in cases::<B>() {
        let fixture = Fixture::new(factory().await);
        running.push((name, tokio::spawn(case(fixture))));
    }
    let mut failed = Vec::new();
    for (name, handle) in running {
        if let Err(e) = handle.await {
            let msg = e
                .try_into_panic()
                .ok()
                .and_then(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_else(|| "cancelled".into());
            failed.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} conformance case(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

impl ManualClock {
    /// The clock's time, truncated to microseconds as operations see it.
    pub fn now_micros(&self) -> DateTime<Utc> {
        use crate::clock::Clock;
        crate::model::from_micros(self.now().timestamp_micros()).expect("a representable time")
    }
}
