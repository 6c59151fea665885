//! The history as files: CSV (RFC 4180, UTF-8, CRLF, a header row) and JSON lines, one
//! ticket a line. `GET /api/reports/tickets.csv` and `tickets export` write the same rows.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use tickets_core::HistoryRecord;

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, its
/// quotes doubled.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// Free text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@` or a tab
/// first) gets a `'` first, so that opening the export runs nothing.
pub fn inert(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The header row of the tickets export (without its line end).
pub const TICKETS_CSV_HEADER: &str = "day,number,label,service,priority,desk,account,outcome,\
taken_at,called_at,finished_at,wait_seconds,service_seconds,recalls,transfers";

fn local(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|t| {
        t.with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    })
    .unwrap_or_default()
}

fn secs(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.0}")).unwrap_or_default()
}

/// One ticket as a CSV row, with its CRLF: times in `tz` (RFC 3339 with their offset),
/// waits and service times in whole seconds, empty fields for what does not apply.
pub fn csv_row(r: &HistoryRecord, tz: Tz, out: &mut String) {
    let fields = [
        r.day.to_string(),
        r.number.to_string(),
        inert(&r.label).into_owned(),
        r.service.to_string(),
        r.priority
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        r.desk.as_ref().map(|d| d.to_string()).unwrap_or_default(),
        r.account
            .as_ref()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
        r.outcome.as_str().to_owned(),
        local(Some(r.taken_at), tz),
        local(r.called_at, tz),
        local(r.finished_at, tz),
        secs(r.wait_seconds()),
        secs(r.service_seconds()),
        r.recalls.to_string(),
        r.transfers.to_string(),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f));
    }
    out.push_str("\r\n");
}

/// Rows of a day's tickets, the header first when `header`.
pub fn csv_rows(records: &[HistoryRecord], tz: Tz, header: bool) -> String {
    let mut out = String::with_capacity(160 * (records.len() + 1));
    if header {
        out.push_str(TICKETS_CSV_HEADER);
        out.push_str("\r\n");
    }
    for r in records {
        csv_row(r, tz, &mut out);
    }
    out
}

/// One ticket as a JSON line: the record with its wait and service time in seconds.
#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(flatten)]
    record: &'a HistoryRecord,
    wait_seconds: Option<f64>,
    service_seconds: Option<f64>,
}

/// Lines of a day's tickets as JSON lines (`\n` ends).
pub fn json_lines(records: &[HistoryRecord]) -> String {
    let mut out = String::with_capacity(300 * records.len());
    for r in records {
        let line = JsonLine {
            record: r,
            wait_seconds: r.wait_seconds(),
            service_seconds: r.service_seconds(),
        };
        // A record always serializes.
        if let Ok(text) = serde_json::to_string(&line) {
            out.push_str(&text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(inert("=1+1"), "'=1+1");
        assert_eq!(inert("marie: role agent"), "marie: role agent");
    }

    #[test]
    fn a_row_has_every_column_of_the_header() {
        let day = "2026-03-29".parse().unwrap();
        let line = "completed|poste|pmr|2|marie|A007|1795505475.000000|1795505535.000000|1795505655.500000|1|0";
        let r = HistoryRecord::from_line(day, "7@1795505475.000000", line).unwrap();
        let text = csv_rows(&[r], chrono_tz::Europe::Paris, true);
        let mut lines = text.split("\r\n");
        let header = lines.next().unwrap();
        let row = lines.next().unwrap();
        assert_eq!(header.split(',').count(), row.split(',').count());
        assert!(
            row.starts_with("2026-03-29,7,A007,poste,pmr,2,marie,served,"),
            "{row}"
        );
        assert!(row.ends_with(",60,120,1,0"), "{row}");
    }
}
