//! The facade's own behaviour and its failure paths, through the mockall mock.

use chrono::{TimeZone, Utc};
use tickets_core::{
    BusinessCalendar, BusinessDay, DayFigures, DeskId, Error, ErrorKind, HistoryClose, ManualClock,
    MockQueueBackend, QueueConfig, TakeRequest, Ticket, TicketLookup, TicketNumber, TicketQueue,
    TicketStatus,
};

fn queue(mut mock: MockQueueBackend) -> TicketQueue<MockQueueBackend, ManualClock> {
    // The days before are closed already.
    mock.expect_close_history().returning(|_, _| {
        Box::pin(async {
            Ok(HistoryClose {
                already: true,
                found: true,
                unserved: 0,
            })
        })
    });
    queue_with(mock)
}

fn queue_with(mock: MockQueueBackend) -> TicketQueue<MockQueueBackend, ManualClock> {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 23, 30, 0).unwrap());
    let config = QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::Europe::Paris, 0).unwrap(),
        default_service_seconds: 120.0,
        history_days: 30,
    };
    TicketQueue::with_clock(mock, clock, config)
}

fn down() -> Error {
    Error::Unavailable(Box::new(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "connection refused",
    )))
}

#[tokio::test]
async fn an_unavailable_store_surfaces_as_a_transient_error_with_its_source() {
    let mut mock = MockQueueBackend::new();
    mock.expect_take()
        .times(1)
        .returning(|_, _| Box::pin(async { Err(down()) }));
    let err = queue(mock).take(TakeRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.is_transient());
    let source = std::error::Error::source(&err).expect("the cause is kept");
    assert_eq!(source.to_string(), "connection refused");
}

#[tokio::test]
async fn every_operation_passes_the_business_day_of_the_clock() {
    // 23:30 UTC on the 24th is 00:30 on the 25th in Paris.
    let mut mock = MockQueueBackend::new();
    mock.expect_status()
        .withf(|at, desk| at.day.to_string() == "2026-11-25" && desk.as_str() == "guichet-2")
        .times(1)
        .returning(|_, _| Box::pin(async { Err(Error::DayClosed) }));
    mock.expect_open_day()
        .withf(|at| at.ttl_seconds() == 23 * 3600 + 30 * 60)
        .times(1)
        .returning(|_| Box::pin(async { Err(down()) }));
    let q = queue(mock);
    let desk = DeskId::parse("guichet-2").unwrap();
    assert!(matches!(q.status(&desk).await, Err(Error::DayClosed)));
    assert!(q.open_day().await.unwrap_err().is_transient());
}

#[tokio::test]
async fn corrupt_data_is_an_internal_error_not_a_panic() {
    let mut mock = MockQueueBackend::new();
    mock.expect_call_next()
        .returning(|_, _| Box::pin(async { Err(Error::corrupt("queue", "not a list")) }));
    let err = queue(mock).call_next(&DeskId::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("not a list"));
}

#[tokio::test]
async fn the_ticket_lookup_gets_an_estimate_from_the_days_figures() {
    let mut mock = MockQueueBackend::new();
    mock.expect_ticket().returning(|at, n| {
        let ticket = Ticket {
            number: n,
            service: Default::default(),
            status: TicketStatus::Waiting,
            taken_at: at.now,
            called_at: None,
            finished_at: None,
            desk: None,
            recalls: 0,
            label: n.to_string(),
            priority: None,
            transfers: 0,
        };
        Box::pin(async move {
            Ok(TicketLookup {
                ticket,
                waiting_before: Some(4),
                figures: DayFigures {
                    taken: 9,
                    waiting: 5,
                    called: 4,
                    served: 3,
                    no_shows: 0,
                    left: 0,
                    avg_wait_seconds: Some(200.0),
                    avg_service_seconds: None,
                    desks_at_work: 2,
                    service_rate_per_hour: None,
                },
            })
        })
    });
    let info = queue(mock)
        .ticket(TicketNumber::new(9).unwrap())
        .await
        .unwrap();
    // Nobody served yet → the configured 120 s, 5 tickets to go through 2 desks.
    assert_eq!(info.estimated_wait_seconds, Some(300));
    assert_eq!(info.waiting_before, Some(4));
    assert_eq!(info.day.to_string(), "2026-11-25");
}

#[tokio::test]
async fn a_missing_ticket_is_reported_as_not_found() {
    let mut mock = MockQueueBackend::new();
    mock.expect_ticket()
        .returning(|_, n| Box::pin(async move { Err(Error::TicketNotFound(n)) }));
    let err = queue(mock)
        .ticket(TicketNumber::new(5).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.to_string(), "ticket 5 does not exist today");
}

#[tokio::test]
async fn the_first_operation_of_a_day_closes_the_days_before_down_to_a_closed_one() {
    // Today is the 25th in Paris: the 24th and 23rd are open, the 22nd is closed. The days
    // go in rounds, two then four at once: the round that meets a closed day is the last.
    let mut mock = MockQueueBackend::new();
    let closed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = closed.clone();
    mock.expect_close_history()
        .times(6)
        .returning(move |_, day: BusinessDay| {
            seen.lock().unwrap().push(day.to_string());
            let already = day.to_string() == "2026-11-22";
            Box::pin(async move {
                Ok(HistoryClose {
                    already,
                    found: true,
                    unserved: 0,
                })
            })
        });
    mock.expect_open_day()
        .times(2)
        .returning(|_| Box::pin(async { Err(Error::DayClosed) }));
    let q = queue_with(mock);
    assert!(q.open_day().await.is_err());
    // The second operation of the day closes nothing more.
    assert!(q.open_day().await.is_err());
    assert_eq!(
        *closed.lock().unwrap(),
        [
            "2026-11-24",
            "2026-11-23",
            "2026-11-22",
            "2026-11-21",
            "2026-11-20",
            "2026-11-19"
        ]
    );
}

#[tokio::test]
async fn a_failure_while_closing_past_days_does_not_stop_the_operation() {
    let mut mock = MockQueueBackend::new();
    // The first round's two days fail; no other round is tried.
    mock.expect_close_history()
        .times(2)
        .returning(|_, _| Box::pin(async { Err(Error::corrupt("history", "not a hash")) }));
    mock.expect_close_day()
        .times(2)
        .returning(|_| Box::pin(async { Err(Error::DayClosed) }));
    let q = queue_with(mock);
    assert!(matches!(q.close_day().await, Err(Error::DayClosed)));
    // Not tried again the same day.
    assert!(matches!(q.close_day().await, Err(Error::DayClosed)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_operations_of_a_day_close_the_days_before_once() {
    let mut mock = MockQueueBackend::new();
    // Two rounds (two days, then four), once for all ten operations.
    mock.expect_close_history()
        .times(6)
        .returning(|_, day: BusinessDay| {
            let already = day.to_string() == "2026-11-22";
            Box::pin(async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Ok(HistoryClose {
                    already,
                    found: true,
                    unserved: 0,
                })
            })
        });
    mock.expect_close_day()
        .times(10)
        .returning(|_| Box::pin(async { Err(Error::DayClosed) }));
    let q = queue_with(mock);
    let ops = (0..10).map(|_| {
        let q = q.clone();
        tokio::spawn(async move { q.close_day().await })
    });
    for op in futures_util::future::join_all(ops).await {
        assert!(matches!(op.unwrap(), Err(Error::DayClosed)));
    }
}
