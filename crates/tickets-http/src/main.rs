//! The `tickets` server.

use clap::Parser;
use tickets_http::{Application, Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// The server allocates for every request (its headers, body, answer and the store's
/// command), often on one thread and frees on another: jemalloc's thread caches serve
/// that for less CPU than the system allocator (docs/benchmarks.md: take on memory and on
/// Redis, alternating binaries).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
    if let Some(command) = &config.command {
        return tickets_http::cli::run(command, &config).await;
    }
    let app = match Application::build(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("tickets: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let store = app.store();
    let port = app.port();
    let password = app.generated_password().map(str::to_owned);
    let office = app.office();
    let applied = app.office_applied();
    // Start serving (and so handling SIGTERM / Ctrl-C) before announcing the addresses.
    let server = actix_web::rt::spawn(app.run_until_stopped());
    tokio::task::yield_now().await;
    let host = config
        .bind
        .rsplit_once(':')
        .map_or(config.bind.as_str(), |(h, _)| h);
    let host = if host == "0.0.0.0" || host == "[::]" {
        "localhost"
    } else {
        host
    };
    let base = format!("http://{host}:{port}");
    println!("tickets: listening on {base} (store: {store})");
    if store == "memory" {
        println!(
            "tickets: in-memory store: the queue lives in this process only (set REDIS_URL to use Redis)"
        );
    }
    let codes: Vec<&str> = office.services.iter().map(|s| s.code.as_str()).collect();
    match (applied, office.version) {
        (_, 0) => println!(
            "tickets: office: built-in (one service, poste; any desk); set TICKETS_CONFIG to configure services"
        ),
        (Some(tickets_http::OfficeApplied::Kept(v)), _) => println!(
            "tickets: office: configuration version {v} kept from the store ({}); the TICKETS_CONFIG file was not applied (TICKETS_CONFIG_OVERWRITE=1 replaces it)",
            codes.join(", ")
        ),
        (applied, v) => println!(
            "tickets: office: configuration version {v}{} (services: {}; desks: {})",
            if matches!(applied, Some(tickets_http::OfficeApplied::Stored(_))) {
                ", stored from TICKETS_CONFIG"
            } else {
                ""
            },
            codes.join(", "),
            if office.desks.is_empty() {
                "any".to_owned()
            } else {
                office
                    .desks
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    }
    println!("  kiosk      {base}/api/tickets/public");
    println!("  staff      {base}/api/tickets/staff");
    println!("  dashboard  {base}/api/dashboard");
    println!("  display    {base}/api/tickets/display");
    println!("  API docs   {base}/api/docs/");
    match &password {
        Some(p) => println!(
            "  sign in as admin with the generated password (set TICKETS_STAFF_PASSWORD to choose one): {p}"
        ),
        None if config.staff_password.is_none() => println!(
            "  sign in with your account (the administrator `admin` exists already; `tickets account passwd admin` sets a new password)"
        ),
        None => {}
    }
    match (&config.kiosk_token, config.take_limit) {
        (Some(_), _) => println!(
            "  kiosk link {base}/api/kiosk/enroll?token=… (TICKETS_KIOSK_TOKEN): open it once on each kiosk"
        ),
        (None, Some(limit)) => {
            println!(
                "  a browser takes at most {} tickets per {} s (TICKETS_TAKE_LIMIT) until staff enroll it as a kiosk on the kiosk page",
                limit.count, limit.window_seconds
            );
            if config.staff_password.is_none() {
                println!(
                    "  kiosks enrolled by staff stay enrolled only until this server restarts (the password is generated): set TICKETS_STAFF_PASSWORD or TICKETS_KIOSK_TOKEN"
                );
            }
        }
        (None, None) => {}
    }
    match server
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    {
        Ok(()) => {
            println!("tickets: stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tickets: server error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
