//! The account store's conformance suite on both backends, and what only Redis has: the
//! keys, their TTLs and their slot.

use chrono::Duration;
use redis::aio::MultiplexedConnection;
use tickets_core::testing::accounts::{TEST_PASSWORD, accounts_conformance_suite};
use tickets_core::testing::{
    RedisCluster, RedisServer, redis_backend, start_time, two_servers, unique_prefix,
};
use tickets_core::{
    AccountStore, AuditEntry, ClientKey, KeyPrefix, MemoryBackend, NewAccount, PasswordHash, Role,
    Username,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_backend_passes_the_account_suite() {
    accounts_conformance_suite(|| async {
        let store = MemoryBackend::new();
        (store.clone(), store)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_backend_passes_the_account_suite_across_two_servers() {
    let server = RedisServer::start();
    let url = server.url();
    accounts_conformance_suite(|| two_servers(url.clone())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_backend_passes_the_account_suite_on_a_cluster() {
    let cluster = RedisCluster::start();
    let url = cluster.url();
    // Every script touches one slot: that of `{accounts}` with a plain prefix, that of the
    // office with a tagged one.
    for tagged in [false, true] {
        accounts_conformance_suite(|| {
            let url = url.clone();
            async move {
                let plain = unique_prefix();
                let prefix = if tagged {
                    KeyPrefix::parse(format!("{{{plain}}}:tickets")).expect("a tagged prefix")
                } else {
                    plain
                };
                let a = redis_backend(&url, &prefix).await;
                assert!(a.is_cluster(), "{url} is a cluster");
                (a, redis_backend(&url, &prefix).await)
            }
        })
        .await;
    }
}

async fn connection(server: &RedisServer) -> MultiplexedConnection {
    redis::Client::open(server.url())
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_keys_live_under_the_prefix_with_their_ttls() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let store = redis_backend(&server.url(), &prefix).await;
    let now = start_time();
    let marie = Username::parse("marie").expect("a username");
    store
        .create_account(
            NewAccount {
                username: marie.clone(),
                display_name: "Marie".into(),
                role: Role::Agent,
                password_hash: PasswordHash::new(TEST_PASSWORD).expect("a password"),
                default_desk: None,
                call_out_of_order: false,
            },
            now,
        )
        .await
        .expect("create");
    store
        .create_session(&marie, None, now)
        .await
        .expect("create")
        .expect("a session");
    let address = ClientKey::parse("192.0.2.7").expect("a client");
    store
        .record_failure(&address, Some(&marie), now)
        .await
        .expect("record");
    let token = store
        .create_token(&marie, "script", now)
        .await
        .expect("create")
        .expect("a token");
    store
        .record_audit(&AuditEntry::new(now, "account.add", "marie").expect("an entry"))
        .await
        .expect("record");

    let mut conn = connection(&server).await;
    let mut keys: Vec<String> = {
        use futures_util::StreamExt;
        use redis::AsyncCommands;
        let iter = conn
            .scan_match::<_, String>(format!("{prefix}:*"))
            .await
            .expect("SCAN");
        iter.map(|k| k.expect("a key name")).collect().await
    };
    keys.sort();
    let base = format!("{prefix}:{{accounts}}:");
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(token.token.as_str().as_bytes()))
    };
    let mut expected: Vec<(String, Option<i64>)> = vec![
        ("accounts".into(), None),
        ("account:marie".into(), None),
        ("tokens".into(), None),
        (format!("token:{digest}"), None),
        ("sessions:marie".into(), Some(12 * 3600)),
        ("fail:addr:192.0.2.7".into(), Some(15 * 60)),
        ("fail:user:marie".into(), Some(15 * 60)),
        ("audit".into(), Some(90 * 86_400)),
    ];
    let session_key = keys
        .iter()
        .find(|k| k.starts_with(&format!("{base}session:")))
        .expect("the session key")
        .trim_start_matches(&base)
        .to_owned();
    expected.push((session_key, Some(12 * 3600)));
    let mut names: Vec<String> = expected.iter().map(|(n, _)| format!("{base}{n}")).collect();
    names.sort();
    assert_eq!(keys, names, "every key, nothing else");
    for (name, ttl) in expected {
        let key = format!("{base}{name}");
        let left: i64 = redis::cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .expect("TTL");
        match ttl {
            None => assert_eq!(left, -1, "{key} has no TTL"),
            Some(t) => assert!(left > t - 5 && left <= t, "{key}: TTL {left}, not {t}"),
        }
    }
    // The hash is stored, never the token: the secret appears in no key nor value.
    let values: Vec<Option<String>> = redis::cmd("MGET")
        .arg(format!("{base}token:{digest}"))
        .query_async(&mut conn)
        .await
        .expect("MGET");
    assert!(
        values
            .iter()
            .flatten()
            .all(|v| !v.contains(token.token.as_str()))
    );
    let tokens: Vec<String> = redis::cmd("HVALS")
        .arg(format!("{base}tokens"))
        .query_async(&mut conn)
        .await
        .expect("HVALS");
    assert!(tokens.iter().all(|v| !v.contains(token.token.as_str())));
    // Sessions are judged by the time given: idle past the limit, gone.
    let idle = Duration::minutes(10);
    let s = store
        .create_session(&marie, None, now)
        .await
        .expect("create")
        .expect("a session");
    assert!(
        store
            .session(&s.id, now + Duration::minutes(11), idle)
            .await
            .expect("read")
            .is_none()
    );
    let exists: i64 = redis::cmd("EXISTS")
        .arg(format!("{base}session:{}", s.id.as_str()))
        .query_async(&mut conn)
        .await
        .expect("EXISTS");
    assert_eq!(exists, 0, "a dead session's key is deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_data_under_an_account_key_is_reported_not_panicked_on() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let store = redis_backend(&server.url(), &prefix).await;
    let mut conn = connection(&server).await;
    let base = format!("{prefix}:{{accounts}}:");
    let () = redis::cmd("HSET")
        .arg(format!("{base}account:eve"))
        .arg("username")
        .arg("eve")
        .arg("role")
        .arg("emperor")
        .query_async(&mut conn)
        .await
        .expect("HSET");
    let eve = Username::parse("eve").expect("a username");
    let err = store.account(&eve).await.expect_err("foreign data");
    assert_eq!(err.kind(), tickets_core::ErrorKind::Internal, "{err}");
    let () = redis::cmd("SET")
        .arg(format!("{base}fail:addr:192.0.2.9"))
        .arg("garbage")
        .query_async(&mut conn)
        .await
        .expect("SET");
    let address = ClientKey::parse("192.0.2.9").expect("a client");
    let err = store
        .record_failure(&address, None, start_time())
        .await
        .expect_err("foreign data");
    assert_eq!(err.kind(), tickets_core::ErrorKind::Internal, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_on_redis_is_bounded_in_size_and_age() {
    use tickets_core::{AUDIT_MAX_ENTRIES, AUDIT_RETENTION_DAYS, AuditFilter};
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let store = redis_backend(&server.url(), &prefix).await;
    let mut conn = connection(&server).await;
    let now = start_time();
    let entry = |at, action: &str| AuditEntry::new(at, action, "").expect("an entry");
    store
        .record_audit(&entry(now, "first"))
        .await
        .expect("record");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*audit", prefix.as_str()))
        .query_async(&mut conn)
        .await
        .expect("keys");
    let [key] = keys.as_slice() else {
        panic!("one audit key: {keys:?}");
    };
    let line: String = redis::cmd("LINDEX")
        .arg(key)
        .arg(0)
        .query_async(&mut conn)
        .await
        .expect("the line");
    let (_, rest) = line.split_once(' ').expect("<at> <rest>");

    // Filled to the bound with older entries (within the retention), then one more: the
    // oldest goes, the newest is first.
    let micros = |t: chrono::DateTime<chrono::Utc>| t.timestamp_micros();
    for chunk in 0..(AUDIT_MAX_ENTRIES / 10_000) {
        let mut pipe = redis::pipe();
        for i in 0..10_000 {
            let n = (chunk * 10_000 + i + 1) as i64;
            pipe.cmd("RPUSH")
                .arg(key)
                .arg(format!("{} {rest}", micros(now) - n))
                .ignore();
        }
        let () = pipe.query_async(&mut conn).await.expect("filled");
    }
    let later = now + Duration::seconds(1);
    store
        .record_audit(&entry(later, "newest"))
        .await
        .expect("record");
    let len: usize = redis::cmd("LLEN")
        .arg(key)
        .query_async(&mut conn)
        .await
        .expect("len");
    assert_eq!(len, AUDIT_MAX_ENTRIES);
    let read = store
        .audit(&AuditFilter::default(), 2, later)
        .await
        .expect("read");
    assert_eq!(read[0].action, "newest");
    assert_eq!(read[1].action, "first");

    // Entries past the retention leave the old end at the next record.
    let () = redis::cmd("DEL")
        .arg(key)
        .query_async(&mut conn)
        .await
        .expect("deleted");
    let old = now - Duration::days(AUDIT_RETENTION_DAYS + 1);
    for action in ["old-1", "old-2"] {
        store
            .record_audit(&entry(old, action))
            .await
            .expect("record");
    }
    store
        .record_audit(&entry(now, "recent"))
        .await
        .expect("record");
    let len: usize = redis::cmd("LLEN")
        .arg(key)
        .query_async(&mut conn)
        .await
        .expect("len");
    assert_eq!(len, 1, "the entries older than 90 days are gone");
}
