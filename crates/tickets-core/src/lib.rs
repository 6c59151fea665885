//! # tickets-core
//!
//! A real-time ticket queue for post offices and other counters: customers take numbered
//! tickets, desks call them in order, everyone sees the queue change live.
//!
//! The crate holds the domain ([`Ticket`], [`DeskId`], [`BusinessDay`], …), the
//! [`QueueBackend`] trait with two implementations, and the [`TicketQueue`] facade that
//! owns the clock and the configuration. It has no HTTP in it.
//!
//! ## Choosing a backend
//!
//! - [`MemoryBackend`]: in this process, nothing to set up; the embedded default.
//! - [`RedisBackend`] (feature `redis`, on by default): shared by every server on one
//!   Redis, one round trip per operation, events across servers through pub/sub.
//! - [`AnyBackend`]: either, chosen at run time.
//!
//! Both pass the same conformance suite (feature `testing`), and a mockall mock of the
//! trait is available for failure paths (feature `mock`).
//!
//! ## Embedding the queue
//!
//! ```
//! use tickets_core::{DeskId, MemoryBackend, QueueConfig, TakeRequest, TicketQueue};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> tickets_core::Result<()> {
//! let queue = TicketQueue::new(MemoryBackend::new());
//! let mut events = queue.events();
//!
//! queue.open_day().await?;
//! let first = queue.take(TakeRequest::default()).await?;
//! let second = queue.take(TakeRequest::default()).await?;
//! assert_eq!((first.ticket.number.get(), first.waiting_before), (1, 0));
//! assert_eq!((second.ticket.number.get(), second.waiting_before), (2, 1));
//!
//! let desk = DeskId::parse("3")?;
//! let called = queue.call_next(&desk).await?;
//! assert_eq!(called.called.unwrap().number, first.ticket.number);
//!
//! // Every change is an event.
//! let opened = events.recv().await.unwrap();
//! assert_eq!(opened.action, tickets_core::Action::StartDay);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod accounts;
mod backend;
pub mod calling;
mod clock;
mod error;
mod events;
mod history;
mod holder;
mod limits;
mod memory;
mod model;
mod office;
#[cfg(feature = "openapi")]
mod openapi;
pub mod push;
mod queue;
#[cfg(feature = "redis")]
mod redis;
mod reports;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhooks;

pub use accounts::*;
#[cfg(any(test, feature = "mock"))]
pub use backend::MockQueueBackend;
pub use backend::{AnyBackend, QueueBackend, TakeRequest, TicketLookup};
/// Time zones (re-exported from `chrono-tz`).
pub use chrono_tz;
pub use clock::{
    BusinessCalendar, BusinessDay, Clock, MIN_TTL_SECONDS, ManualClock, Moment, SystemClock,
    host_time_zone, parse_time_zone,
};
pub use error::{BoxError, Error, ErrorKind, Result, ValidationError};
pub use events::{EVENT_BUFFER, EventStream, Missed, QueueEvent};
pub use history::{DEFAULT_HISTORY_DAYS, HistoryClose, HistoryRecord, Outcome};
pub use holder::HolderKey;
pub use limits::{ClientKey, IDEMPOTENCY_WINDOW_SECONDS, RateLimit, TakeLimits};
pub use memory::MemoryBackend;
pub use model::{
    Action, Called, DayChange, DayFigures, DayStats, DeskId, DeskState, DeskStats, IdempotencyKey,
    LIST_LIMIT, LogEntry, MinuteActivity, PriorityCode, PriorityWaiting, QueueStatus, Reset,
    Service, ServiceFigures, ServiceStats, ServiceStatus, Snapshot, SnapshotOptions, StatusPace,
    Taken, Ticket, TicketInfo, TicketNumber, TicketStatus, Transfer, TransferPosition,
    WAIT_BUCKET_SECONDS, from_micros, iso, micros, parse_seconds_text, seconds_text,
};
pub use office::{
    DeskConfig, DeskPlan, Language, Names, OfficeConfig, OfficeSettings, PriorityClass,
    ServiceConfig, label,
};
pub use queue::{QueueConfig, TicketQueue, estimate_wait_seconds};
#[cfg(feature = "redis")]
pub use redis::{
    DEFAULT_CONNECTION_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, KeyPrefix, RedisBackend,
    RedisBackendBuilder,
};
pub use reports::{
    DayReport, DeskReport, Figures, HourReport, MAX_REPORT_DAYS, PriorityReport, Report,
    ReportBuilder, ReportQuery, ServiceReport,
};
