//! # tickets-http
//!
//! The thin shell around `tickets-core`: configuration, the actix-web application (JSON
//! API, pages, staff sign-in, request guards) and the `tickets` binary.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod assets;
pub mod auth;
pub mod config;
pub mod lang;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod pages;

pub use app::{
    AppState, Application, OfficeApplied, StartupError, app, apply_office, backend_from,
    queue_config,
};
pub use config::{Config, LogFormat, OfficeFileError, StoreKind};
