//! The HTTP test suite of `tickets-http`: one binary, one module per feature.
//!
//! Every test drives the real application (`tickets_http::app`) through actix's test
//! service, except `startup`, which runs the `tickets` binary, and the few tests that need
//! a real socket (chunked bodies).

mod helpers;
mod leave;
mod limits;
mod push;

mod live;
mod metrics;
mod openapi;

mod accounts;
mod admin;
mod auth;
mod cli;
mod cluster;
mod errors;
mod failover;
mod office_editor;
mod office_settings;
mod pages;
mod redis;
mod reports;
mod reports_page;
mod roles;
mod seed_contract;
mod services;
mod startup;
mod store_down;
mod webhooks;
