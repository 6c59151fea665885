//! The audit log cases of the account suite: entries read back newest first, filtered and
//! trimmed; several entries written in one call, in order.

use chrono::{DateTime, Duration, Utc};

use super::{AccountsFixture, at, user};
use crate::accounts::{AUDIT_RETENTION_DAYS, AccountStore, AuditEntry, AuditFilter, Role};
use crate::model::DeskId;

pub(super) async fn the_audit_log_is_newest_first_filtered_and_trimmed<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let marie = user("marie");
    let desk = DeskId::parse("3").expect("a desk");
    let entry = |minute: i64, action: &str| {
        AuditEntry::new(at(minute), action, format!("at minute {minute}"))
            .expect("an entry")
            .from_client("192.0.2.7".parse().expect("an address"))
    };
    let entries = [
        entry(0, "start_day").by(user("boss"), Role::Manager),
        entry(1, "call_next")
            .by(marie.clone(), Role::Agent)
            .at_desk(desk.clone()),
        entry(2, "sign_in.failed"),
        entry(3, "finish_current")
            .by(marie.clone(), Role::Agent)
            .at_desk(desk.clone()),
        entry(4, "call_next")
            .by(user("zoe"), Role::Agent)
            .at_desk(DeskId::parse("4").expect("a desk")),
    ];
    for (i, e) in entries.iter().enumerate() {
        let store = if i % 2 == 0 { &f.a } else { &f.b };
        store.record_audit(e).await.expect("record");
    }
    let bad = AuditEntry {
        action: "Not An Action".into(),
        ..entries[0].clone()
    };
    assert!(f.a.record_audit(&bad).await.is_err());
    let read = |filter: AuditFilter, limit: usize, now: DateTime<Utc>| {
        let b = f.b.clone();
        async move { b.audit(&filter, limit, now).await.expect("read") }
    };
    let minutes = |v: Vec<AuditEntry>| -> Vec<i64> {
        v.iter().map(|e| (e.at - at(0)).num_minutes()).collect()
    };
    let all = read(AuditFilter::default(), 100, at(5)).await;
    assert_eq!(all[0], entries[4], "whole entries come back");
    assert_eq!(minutes(all), [4, 3, 2, 1, 0]);
    assert_eq!(
        minutes(read(AuditFilter::default(), 2, at(5)).await),
        [4, 3]
    );
    let of_marie = AuditFilter {
        account: Some(marie.clone()),
        ..AuditFilter::default()
    };
    assert_eq!(minutes(read(of_marie, 100, at(5)).await), [3, 1]);
    let at_desk = AuditFilter {
        desk: Some(desk),
        ..AuditFilter::default()
    };
    assert_eq!(minutes(read(at_desk, 100, at(5)).await), [3, 1]);
    let calls = AuditFilter {
        action: Some("call_next".into()),
        ..AuditFilter::default()
    };
    assert_eq!(minutes(read(calls, 100, at(5)).await), [4, 1]);
    let span = AuditFilter {
        from: Some(at(1)),
        until: Some(at(3)),
        ..AuditFilter::default()
    };
    assert_eq!(minutes(read(span, 100, at(5)).await), [2, 1]);
    // Kept 90 days: older entries are no longer read, and a new entry drops them.
    let days = Duration::days(AUDIT_RETENTION_DAYS);
    let aged = read(AuditFilter::default(), 100, at(3) + days).await;
    assert_eq!(minutes(aged), [4, 3]);
    f.a.record_audit(&entry(3 + 90 * 24 * 60, "end_day"))
        .await
        .expect("record");
    let left = read(AuditFilter::default(), 100, at(5)).await;
    assert_eq!(minutes(left), [90 * 24 * 60 + 3, 4, 3]);
}

pub(super) async fn a_batch_of_audit_entries_is_written_in_order<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let marie = user("marie");
    // The same time for all: the order of the call, not the time, makes the newest.
    let entry = |i: usize| {
        AuditEntry::new(at(1), "tickets.call-next", format!("call {i}"))
            .expect("an entry")
            .by(marie.clone(), Role::Agent)
    };
    let details =
        |v: &[AuditEntry]| -> Vec<String> { v.iter().map(|e| e.detail.clone()).collect() };
    f.a.record_audits(&[]).await.expect("nothing to record");
    f.a.record_audit(&AuditEntry::new(at(0), "start_day", "").expect("an entry"))
        .await
        .expect("record");
    let batch: Vec<AuditEntry> = (0..3).map(entry).collect();
    f.a.record_audits(&batch).await.expect("record");
    let read =
        f.b.audit(&AuditFilter::default(), 100, at(2))
            .await
            .expect("read");
    assert_eq!(
        read[..3],
        [batch[2].clone(), batch[1].clone(), batch[0].clone()]
    );
    assert_eq!(read[3].action, "start_day");
    assert_eq!(read.len(), 4);

    // One invalid entry: none of the batch is written.
    let mut bad = vec![entry(3), entry(4)];
    bad[1].action = "Not An Action".into();
    assert!(f.a.record_audits(&bad).await.is_err());
    let read =
        f.b.audit(&AuditFilter::default(), 100, at(2))
            .await
            .expect("read");
    assert_eq!(read.len(), 4, "{:?}", details(&read));

    // A large batch, from the other server, keeps its order.
    let large: Vec<AuditEntry> = (10..710).map(entry).collect();
    f.b.record_audits(&large).await.expect("record");
    let read =
        f.a.audit(&AuditFilter::default(), 1000, at(2))
            .await
            .expect("read");
    let mut expected = details(&large);
    expected.reverse();
    expected.extend(["call 2", "call 1", "call 0", ""].map(str::to_owned));
    assert_eq!(details(&read), expected);

    // A batch whose newest entry is past the retention of the others drops them.
    let later = at(1) + Duration::days(AUDIT_RETENTION_DAYS) + Duration::minutes(1);
    let last = AuditEntry::new(later, "end_day", "").expect("an entry");
    f.a.record_audits(&[entry(800), last.clone()])
        .await
        .expect("record");
    let read =
        f.b.audit(&AuditFilter::default(), 1000, later)
            .await
            .expect("read");
    assert_eq!(read, [last]);
}
