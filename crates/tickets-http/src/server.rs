//! A running server, for `main` and the tests: built from the configuration, stopped by
//! signals.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::web;
use tickets_core::{AnyBackend, OfficeConfig, TicketQueue};

use crate::app::app;
use crate::auth::{AllowedHosts, Auth};
use crate::client::Clients;
use crate::config::Config;
use crate::startup::{OfficeApplied, StartupError, apply_office, backend_from, queue_config};
use crate::state::AppState;

/// A running server, for `main` and the tests.
pub struct Application {
    port: u16,
    server: Server,
    store: &'static str,
    auth: web::Data<Auth>,
    state: web::Data<AppState<crate::metrics::Instrumented<AnyBackend>>>,
    office_applied: Option<OfficeApplied>,
    /// Delivers the webhooks while the server runs.
    _webhooks: std::sync::Arc<crate::webhooks::Webhooks>,
}

impl Application {
    /// Reads the office configuration file, builds the store, stores the file in it (see
    /// [`apply_office`]), binds the listener and prepares the server (not yet running).
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let office = config.office()?;
        let backend = backend_from(config).await?;
        let applied = match (office, &config.office_file) {
            (Some(office), Some(path)) => {
                let queue = TicketQueue::with_clock(
                    backend.clone(),
                    tickets_core::SystemClock,
                    queue_config(config),
                );
                let path = path.display().to_string();
                Some(apply_office(&queue, office, config.office_overwrite, &path).await?)
            }
            _ => None,
        };
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
        let mut app = Self::build_with(config, backend, listener)?;
        app.office_applied = applied;
        app.auth
            .bootstrap()
            .await
            .map_err(|source| StartupError::Admin { source })?;
        Ok(app)
    }

    /// Prepares the server on a given backend and listener.
    pub fn build_with(
        config: &Config,
        backend: AnyBackend,
        listener: TcpListener,
    ) -> Result<Self, StartupError> {
        let bind_err = |source| StartupError::Bind {
            bind: config.bind.clone(),
            source,
        };
        let port = listener.local_addr().map_err(bind_err)?.port();
        let store = backend.name();
        let auth = web::Data::new(auth_of(config, backend.clone()));
        // The audit writer runs on this runtime, not on a worker's: it outlives the workers
        // at shutdown, to write what they queued last.
        auth.audit_writer().start();
        let push = crate::push::Push::start(
            TicketQueue::with_clock(
                backend.clone(),
                tickets_core::SystemClock,
                queue_config(config),
            ),
            config.push_settings(),
        )
        .map_err(StartupError::Push)?;
        let backend = crate::metrics::Instrumented(backend);
        let mut state = AppState::configured(
            TicketQueue::with_clock(backend, tickets_core::SystemClock, queue_config(config)),
            store,
            config,
            clients_of(config, &auth),
        );
        state.push = Some(push);
        let state = web::Data::new(state);
        // Live updates and the queue metrics follow the event feed from the start.
        crate::live::ensure_started(&state);
        let webhooks = crate::webhooks::Webhooks::start(
            auth.accounts().clone(),
            state.queue.events(),
            crate::webhooks::Settings {
                allow_private: config.webhook_allow_private,
                ..Default::default()
            },
        );
        let auth_data = auth.clone();
        let hosts = web::Data::new(AllowedHosts::new(&config.allowed_hosts));
        let app_state = state.clone();
        let workers = config.workers.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        );
        let server = actix_web::HttpServer::new(move || {
            app(app_state.clone(), auth_data.clone(), hosts.clone())
        })
        .workers(workers)
        .max_connections(max_connections_per_worker(config, workers))
        // A client must send its request head within 5 s and say goodbye within 1 s.
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .listen(listener)
        .map_err(bind_err)?
        .shutdown_timeout(10)
        // Signals are handled in `run_until_stopped`, which ends the live streams first.
        .disable_signals()
        .run();
        Ok(Self {
            port,
            server,
            store,
            auth,
            state,
            office_applied: None,
            _webhooks: webhooks,
        })
    }

    /// The office configuration in force.
    pub fn office(&self) -> std::sync::Arc<OfficeConfig> {
        self.state.queue.office()
    }

    /// What became of the office configuration file, when one was given.
    pub fn office_applied(&self) -> Option<OfficeApplied> {
        self.office_applied
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `memory` or `redis`.
    pub fn store(&self) -> &'static str {
        self.store
    }

    /// The staff password generated at startup, when none was configured and it became the
    /// first administrator's.
    pub fn generated_password(&self) -> Option<&str> {
        self.auth.generated_password()
    }

    /// Serves until SIGTERM / Ctrl-C, then finishes the requests in flight and writes the
    /// audit lines still queued.
    ///
    /// The live streams end at once (clients reconnect to another server); requests in
    /// flight get up to 10 s, and the audit lines 10 s more. A second signal stops at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let state = self.state;
        let stopper = actix_web::rt::spawn(async move {
            let mut signals = StopSignals::new();
            signals.next().await;
            tracing::info!("stopping: ending live streams, finishing requests in flight");
            // Stop accepting first (the command is sent now), then end the streams.
            let graceful = handle.stop(true);
            state.live.close_streams();
            tokio::select! {
                () = graceful => {}
                () = signals.next() => {
                    tracing::warn!("second signal: stopping without waiting for requests in flight");
                    handle.stop(false).await;
                }
            }
        });
        let served = self.server.await;
        stopper.abort();
        let flushed = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            self.auth.audit_writer().flush(),
        );
        if flushed.await.is_err() {
            tracing::error!(
                "stopping: the audit lines still queued were not all written within 10 s"
            );
        }
        served
    }
}

/// Connections each worker accepts: the event streams allowed in all
/// (`TICKETS_STREAM_LIMIT`) plus room for ordinary requests, shared among the workers; past
/// it a worker stops accepting until one closes, so the process never runs out of file
/// descriptors. Without a stream cap, actix's default (25,000 per worker).
fn max_connections_per_worker(config: &Config, workers: usize) -> usize {
    /// Connections for ordinary requests beside the streams.
    const REQUEST_ROOM: usize = 1024;
    match config.stream_limit {
        Some(limit) => (limit.total + REQUEST_ROOM).div_ceil(workers.max(1)),
        None => 25_000,
    }
}

/// The credentials of `config` on the account store `accounts`.
pub fn auth_of(config: &Config, accounts: AnyBackend) -> Auth {
    Auth::new(
        accounts,
        config.staff_password.clone(),
        config.api_token.clone(),
        config.session_idle(),
    )
}

/// The trusted proxies and kiosk secrets of `config`; without a kiosk token, kiosks
/// enrolled by staff carry a cookie keyed by a secret derived from the session key.
pub fn clients_of(config: &Config, auth: &Auth) -> Clients {
    Clients::new(
        config.trusted_proxies.clone(),
        config.kiosk_token.as_deref(),
        &auth.derived_secret("kiosk"),
    )
}

/// SIGTERM and SIGINT (Ctrl-C), registered once so that a second one can be told apart.
struct StopSignals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let unix = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM/SIGINT; stop the server with SIGKILL");
                    None
                }
            };
            Self { unix }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// The next stop signal; never, when none could be registered.
    async fn next(&mut self) {
        #[cfg(unix)]
        match &mut self.unix {
            Some((term, int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
