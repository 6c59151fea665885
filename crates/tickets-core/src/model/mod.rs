//! Domain types: tickets, desks, services, statuses, logs and what operations return.
//!
//! Every value that crosses a trust boundary is a validated newtype built with
//! [`TryFrom`] or [`str::parse`], and deserializes through the same rule.

mod answers;
mod figures;
mod ids;
mod log;
mod ticket;
mod time;

pub use answers::*;
pub use figures::*;
pub use ids::*;
pub use log::*;
pub use ticket::*;
pub(crate) use time::{ascii, date_text, iso_format};
pub use time::{from_micros, iso, micros, parse_seconds_text, seconds_text};

/// How many waiting tickets and log lines a snapshot lists at most.
pub const LIST_LIMIT: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn t(us: i64) -> DateTime<Utc> {
        from_micros(us).unwrap()
    }

    #[test]
    fn seconds_text_round_trips_exactly() {
        for us in [0, 1, 999_999, 1_795_505_475_226_383, 1_795_505_475_000_001] {
            let s = seconds_text(t(us));
            assert_eq!(parse_seconds_text(&s), Some(t(us)), "{s}");
        }
        assert_eq!(seconds_text(t(1_795_505_475_226_383)), "1795505475.226383");
        assert_eq!(parse_seconds_text("12.5"), None);
        assert_eq!(parse_seconds_text("x.000000"), None);
    }

    #[test]
    fn ticket_json_uses_the_original_field_names() {
        let ticket = Ticket {
            number: TicketNumber::new(1).unwrap(),
            service: Service::default(),
            status: TicketStatus::Waiting,
            taken_at: t(1_795_505_475_226_383),
            called_at: None,
            finished_at: None,
            desk: None,
            recalls: 0,
            label: "1".into(),
            priority: None,
            transfers: 0,
        };
        let v = serde_json::to_value(&ticket).unwrap();
        assert_eq!(v["ticket_number"], 1);
        assert_eq!(v["service_type"], "poste");
        assert_eq!(v["status"], "waiting");
        assert_eq!(v["creation_time_iso"], "2026-11-24T07:31:15.226383+00:00");
        assert!((v["creation_time"].as_f64().unwrap() - 1_795_505_475.226_383).abs() < 1e-6);
        let back: Ticket = serde_json::from_value(v).unwrap();
        assert_eq!(back, ticket);
    }

    #[test]
    fn log_lines_without_ticket_or_desk_parse() {
        let e: LogEntry = "2026-11-24T07:31:15.119891+00:00|start_day"
            .parse()
            .unwrap();
        assert_eq!(e.action, Action::StartDay);
        assert_eq!(e.ticket, None);
        assert_eq!(e.desk, None);
        assert!("garbage".parse::<LogEntry>().is_err());
        assert!(
            "2026-11-24T07:31:15+00:00|dance"
                .parse::<LogEntry>()
                .is_err()
        );
    }

    #[test]
    fn stats_fields_parse_and_reject_foreign_data() {
        let s = DayStats::from_fields([
            ("seq", "7"),
            ("served", "2"),
            ("service_us", "4000000"),
            ("desk:A:served", "2"),
            ("desk:A:service_us", "4000000"),
        ])
        .unwrap();
        assert_eq!(s.seq, 7);
        assert_eq!(s.avg_service_seconds(), Some(2.0));
        assert_eq!(
            s.desks[&DeskId::parse("A").unwrap()].avg_service_seconds(),
            Some(2.0)
        );
        assert!(DayStats::from_fields([("served", "many")]).is_err());
        assert!(DayStats::from_fields([("colour", "1")]).is_err());
    }

    #[test]
    fn serde_rejects_invalid_values() {
        assert!(serde_json::from_str::<DeskId>("\"a b\"").is_err());
        assert!(serde_json::from_str::<TicketNumber>("0").is_err());
        assert!(serde_json::from_str::<Service>("\"\"").is_err());
        assert_eq!(
            serde_json::from_str::<DeskId>("\"guichet-3\"")
                .unwrap()
                .as_str(),
            "guichet-3"
        );
    }
}
