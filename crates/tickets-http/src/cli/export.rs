//! `tickets export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl] [--service S]
//! [--desk D]`: the history of a range of days on standard output, the same rows as
//! `GET /api/reports/tickets.csv` (CSV) or one JSON object per ticket (JSON lines).
//! A summary goes to standard error at the end.

use std::io::{self, Write};

use clap::{Args, ValueEnum};
use tickets_core::{BusinessDay, DeskId, ReportQuery, Service, SystemClock, TicketQueue};

use super::Failure;
use crate::config::{Config, StoreKind};
use crate::export;
use crate::startup::{backend_from, queue_config};

/// The format of `tickets export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row (UTF-8, CRLF), times in the office's time zone.
    Csv,
    /// One JSON object per line, times in UTC.
    Jsonl,
}

/// The arguments of `tickets export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The first day, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: BusinessDay,
    /// The last day, YYYY-MM-DD (included).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: BusinessDay,
    /// The output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Only this service's tickets.
    #[arg(long, value_name = "CODE")]
    pub service: Option<Service>,
    /// Only the tickets called to this desk.
    #[arg(long, value_name = "DESK ID")]
    pub desk: Option<DeskId>,
}

pub(super) async fn run(args: &ExportArgs, config: &Config) -> Result<(), Failure> {
    let mut query = ReportQuery::new(args.from, args.to).map_err(|e| Failure(e.reason))?;
    query.service = args.service.clone();
    query.desk = args.desk.clone();
    if config.effective_store() == StoreKind::Memory {
        eprintln!(
            "tickets: warning: the in-memory store lives in this process only: it holds no \
             history to export. Set REDIS_URL (and TICKETS_KEY_PREFIX if the server uses one) \
             to export the server's history."
        );
    }
    let store = backend_from(config)
        .await
        .map_err(|e| Failure(e.to_string()))?;
    let queue = TicketQueue::with_clock(store, SystemClock, queue_config(config));
    let tz = queue.config().calendar.time_zone();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let write_failed = |e: io::Error| Failure(format!("cannot write the export: {e}"));
    if args.format == ExportFormat::Csv {
        out.write_all(export::csv_rows(&[], tz, true).as_bytes())
            .map_err(write_failed)?;
    }
    let (mut days, mut tickets) = (0u64, 0u64);
    for day in query.days() {
        let records: Vec<_> = queue
            .history(day)
            .await
            .map_err(|e| Failure(format!("cannot read the history of {day}: {e}")))?
            .into_iter()
            .filter(|r| query.keeps(r))
            .collect();
        let text = match args.format {
            ExportFormat::Csv => export::csv_rows(&records, tz, false),
            ExportFormat::Jsonl => export::json_lines(&records),
        };
        out.write_all(text.as_bytes()).map_err(write_failed)?;
        days += 1;
        tickets += records.len() as u64;
    }
    out.flush().map_err(write_failed)?;
    eprintln!(
        "tickets: exported {tickets} ticket(s) of {days} day(s), {} to {}",
        query.from, query.to
    );
    Ok(())
}
