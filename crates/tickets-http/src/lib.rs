//! # tickets-http
//!
//! The thin shell around `tickets-core`: configuration, the actix-web application (JSON
//! API, pages, staff sign-in, request guards) and the `tickets` binary.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod export;
pub mod lang;
pub mod limits;
pub mod links;
pub mod live;
pub mod metrics;
pub mod middleware;
pub mod office_change;
pub mod openapi;
pub mod pages;
pub mod push;
pub mod routes;
pub mod server;
pub mod startup;
pub mod state;
pub mod webhooks;

pub use app::app;
pub use config::{Config, LogFormat, OfficeFileError, StoreKind};
pub use server::Application;
pub use startup::{OfficeApplied, StartupError, apply_office, backend_from, queue_config};
pub use state::AppState;
