//! The `tickets` server.

use clap::Parser;
use tickets_http::{Application, Config};
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    let config = Config::parse();
    let app = match Application::build(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("tickets: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let host = config
        .bind
        .rsplit_once(':')
        .map_or(config.bind.as_str(), |(h, _)| h);
    let host = if host == "0.0.0.0" || host == "[::]" {
        "localhost"
    } else {
        host
    };
    let base = format!("http://{host}:{}", app.port());
    println!("tickets: listening on {base} (store: {})", app.store());
    if app.store() == "memory" {
        println!(
            "tickets: in-memory store: the queue lives in this process only (set REDIS_URL to use Redis)"
        );
    }
    println!("  kiosk      {base}/api/tickets/public");
    println!("  staff      {base}/api/tickets/staff");
    println!("  dashboard  {base}/api/dashboard");
    if let Some(p) = app.generated_password() {
        println!("  staff password (generated; set TICKETS_STAFF_PASSWORD to choose one): {p}");
    }
    match app.run_until_stopped().await {
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
