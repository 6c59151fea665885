//! The conformance suite of [`AccountStore`]: accounts, sessions, sign-in throttling, API
//! tokens, the audit log (`accounts/audit.rs`) and the bootstrap administrator, on two
//! backends that share one store (two servers on one Redis; two clones of one memory
//! backend).
//!
//! ```no_run
//! use tickets_core::MemoryBackend;
//! use tickets_core::testing::accounts::accounts_conformance_suite;
//!
//! # #[tokio::main]
//! # async fn main() {
//! accounts_conformance_suite(|| async {
//!     let store = MemoryBackend::new();
//!     (store.clone(), store)
//! })
//! .await;
//! # }
//! ```

use std::future::Future;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};

use super::{CaseFuture, start_time};
use crate::accounts::{
    Account, AccountChanges, AccountStore, ApiToken, NewAccount, PasswordHash, Role,
    SESSION_LIFETIME_SECONDS, Username,
};
use crate::error::{Error, ErrorKind};
use crate::limits::ClientKey;
use crate::model::DeskId;

mod audit;

use audit::{
    a_batch_of_audit_entries_is_written_in_order,
    the_audit_log_is_newest_first_filtered_and_trimmed,
};

/// The password of the accounts the cases create.
pub const TEST_PASSWORD: &str = "a long enough passphrase";
/// The password they change to.
pub const OTHER_PASSWORD: &str = "another long passphrase";

// Hashing is slow on purpose: once per process for each password.
static HASH: LazyLock<PasswordHash> =
    LazyLock::new(|| PasswordHash::new(TEST_PASSWORD).expect("a valid password"));
static OTHER_HASH: LazyLock<PasswordHash> =
    LazyLock::new(|| PasswordHash::new(OTHER_PASSWORD).expect("a valid password"));

/// What an account case gets: two backends on one store, the way two servers share one
/// Redis.
pub struct AccountsFixture<B> {
    /// The first.
    pub a: B,
    /// The second.
    pub b: B,
}

macro_rules! account_cases {
    ($($name:ident),* $(,)?) => {
        /// The names and bodies of every account conformance case.
        pub fn account_cases<B: AccountStore + Clone>(
        ) -> Vec<(&'static str, fn(AccountsFixture<B>) -> CaseFuture)> {
            vec![$((stringify!($name), |f| Box::pin($name(f)))),*]
        }
    };
}

account_cases!(
    hashes_never_show_in_debug_or_in_answers,
    accounts_are_created_listed_and_changed,
    sessions_end_at_their_absolute_and_idle_lifetimes,
    disabling_or_a_new_password_revokes_sessions_on_every_server,
    failed_sign_ins_are_throttled_on_every_server,
    tokens_are_shown_once_stored_hashed_and_revocable,
    the_audit_log_is_newest_first_filtered_and_trimmed,
    a_batch_of_audit_entries_is_written_in_order,
    ensure_admin_creates_the_administrator_once,
);

/// Runs every case of [`account_cases`] concurrently, each on a fresh pair of backends
/// sharing one store from `factory`; panics naming every case that failed.
pub async fn accounts_conformance_suite<B, F, Fut>(factory: F)
where
    B: AccountStore + Clone,
    F: Fn() -> Fut,
    Fut: Future<Output = (B, B)>,
{
    let mut running = Vec::new();
    for (name, case) in account_cases::<B>() {
        let (a, b) = factory().await;
        running.push((name, tokio::spawn(case(AccountsFixture { a, b }))));
    }
    let mut failed = Vec::new();
    for (name, handle) in running {
        let Err(e) = handle.await else { continue };
        let panic = e.try_into_panic().ok();
        let message = panic
            .as_ref()
            .and_then(|p| p.downcast_ref::<String>().map(String::as_str))
            .or_else(|| {
                panic
                    .as_ref()
                    .and_then(|p| p.downcast_ref::<&str>().copied())
            })
            .unwrap_or("cancelled");
        failed.push(format!("{name}: {message}"));
    }
    assert!(
        failed.is_empty(),
        "{} account case(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

fn user(s: &str) -> Username {
    Username::parse(s).expect("a valid username")
}

fn client(s: &str) -> ClientKey {
    ClientKey::parse(s).expect("a valid client key")
}

fn at(minutes: i64) -> DateTime<Utc> {
    start_time() + Duration::minutes(minutes)
}

async fn agent<B: AccountStore>(store: &B, name: &str) -> Username {
    let username = user(name);
    store
        .create_account(
            NewAccount {
                username: username.clone(),
                display_name: format!("Agent {name}"),
                role: Role::Agent,
                password_hash: HASH.clone(),
                default_desk: Some(DeskId::parse("3").expect("a desk")),
                call_out_of_order: false,
            },
            at(0),
        )
        .await
        .expect("create an account");
    username
}

async fn hashes_never_show_in_debug_or_in_answers<B: AccountStore + Clone>(f: AccountsFixture<B>) {
    let marie = agent(&f.a, "marie").await;
    let phc = HASH.as_phc().to_owned();
    let salt_and_hash = phc.rsplit('$').next().expect("the hash part").to_owned();
    let account: Account = f.b.account(&marie).await.expect("read").expect("exists");
    assert!(account.verify_password(TEST_PASSWORD));
    assert!(!account.verify_password(OTHER_PASSWORD));
    let mut shown = vec![
        format!("{account:?}"),
        format!("{:?}", account.view()),
        serde_json::to_string(&account.view()).expect("json"),
        serde_json::to_string(&f.a.accounts().await.expect("list")).expect("json"),
    ];
    let session =
        f.a.create_session(&marie, None, at(0))
            .await
            .expect("create")
            .expect("a session");
    let signed_in =
        f.b.session(&session.id, at(1), Duration::minutes(30))
            .await
            .expect("read")
            .expect("alive");
    shown.push(format!("{signed_in:?}"));
    shown.push(serde_json::to_string(&signed_in).expect("json"));
    let token =
        f.a.create_token(&marie, "kiosk script", at(0))
            .await
            .expect("create")
            .expect("a token");
    shown.push(format!("{token:?}"));
    let found = f.b.token_account(&token.token).await.expect("check");
    shown.push(format!("{found:?}"));
    shown.push(serde_json::to_string(&f.a.tokens(None).await.expect("list")).expect("json"));
    for text in &shown {
        assert!(!text.contains(&salt_and_hash), "a hash shows in {text}");
        assert!(!text.contains("argon2"), "a hash shows in {text}");
        assert!(
            !text.contains(token.token.as_str()),
            "a token shows in {text}"
        );
    }
    assert!(shown[0].contains("<redacted>"), "{}", shown[0]);
    assert!(!format!("{:?}", session.id).contains(session.id.as_str()));
}

async fn accounts_are_created_listed_and_changed<B: AccountStore + Clone>(f: AccountsFixture<B>) {
    let zoe = agent(&f.a, "zoe").await;
    let marie = agent(&f.b, "marie").await;
    let again = NewAccount {
        username: zoe.clone(),
        display_name: "Zoé".into(),
        role: Role::Manager,
        password_hash: HASH.clone(),
        default_desk: None,
        call_out_of_order: true,
    };
    match f.b.create_account(again.clone(), at(1)).await {
        Err(Error::Invalid(e)) => assert_eq!(e.field, "username"),
        other => panic!("a taken name: {other:?}"),
    }
    let blank = NewAccount {
        username: user("blank"),
        display_name: " ".into(),
        ..again
    };
    let refused =
        f.a.create_account(blank, at(1))
            .await
            .expect_err("blank name");
    assert_eq!(refused.kind(), ErrorKind::Invalid);
    let list = f.a.accounts().await.expect("list");
    let names: Vec<&str> = list.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, ["marie", "zoe"]);
    assert!(list.iter().all(|a| a.enabled && a.role == Role::Agent));
    assert_eq!(
        list[0].default_desk,
        Some(DeskId::parse("3").expect("a desk"))
    );

    let changes = AccountChanges {
        display_name: Some("Marie Dupont".into()),
        role: Some(Role::Manager),
        default_desk: Some(None),
        call_out_of_order: Some(true),
    };
    let changed =
        f.b.update_account(&marie, &changes, at(5))
            .await
            .expect("update")
            .expect("exists");
    assert_eq!(
        (
            changed.display_name.as_str(),
            changed.role,
            changed.default_desk.as_ref()
        ),
        ("Marie Dupont", Role::Manager, None)
    );
    assert_eq!((changed.created_at, changed.updated_at), (at(0), at(5)));
    assert!(
        changed.call_out_of_order,
        "the out-of-order call is allowed now"
    );
    assert!(
        !list[1].call_out_of_order,
        "an agent may not call out of order unless the account says so"
    );
    let read = f.a.account(&marie).await.expect("read").expect("exists");
    assert_eq!(read.view(), changed);
    assert!(read.verify_password(TEST_PASSWORD), "the password stays");
    let nobody = user("nobody");
    assert!(
        f.a.update_account(&nobody, &changes, at(5))
            .await
            .expect("update")
            .is_none()
    );
    assert!(
        f.a.set_enabled(&nobody, false, at(5))
            .await
            .expect("disable")
            .is_none()
    );
    assert!(f.a.account(&nobody).await.expect("read").is_none());
    let bad = AccountChanges {
        display_name: Some(String::new()),
        ..AccountChanges::default()
    };
    assert!(f.a.update_account(&zoe, &bad, at(5)).await.is_err());
}

async fn sessions_end_at_their_absolute_and_idle_lifetimes<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let marie = agent(&f.a, "marie").await;
    let idle = Duration::minutes(30);
    let desk = DeskId::parse("guichet-2").expect("a desk");
    let s =
        f.a.create_session(&marie, Some(desk.clone()), at(0))
            .await
            .expect("create")
            .expect("a session");
    assert_eq!(s.id.as_str().len(), 32);
    // Used every 29 minutes: alive, the last use moving each time, until 12 hours.
    let mut minute = 0;
    while minute + 29 < SESSION_LIFETIME_SECONDS / 60 {
        minute += 29;
        let seen =
            f.b.session(&s.id, at(minute), idle)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("alive at minute {minute}"));
        assert_eq!(seen.last_seen, at(minute - 29));
        assert_eq!((seen.created_at, seen.desk.as_ref()), (at(0), Some(&desk)));
        assert_eq!(seen.account.username, marie);
    }
    let end = SESSION_LIFETIME_SECONDS / 60;
    assert!(
        f.a.session(&s.id, at(end), idle)
            .await
            .expect("read")
            .is_none(),
        "past 12 hours"
    );
    // Idle: 30 minutes without use ends it, and a longer idle time later does not bring
    // it back.
    let t =
        f.a.create_session(&marie, None, at(0))
            .await
            .expect("create")
            .expect("a session");
    assert!(
        f.b.session(&t.id, at(29), idle)
            .await
            .expect("read")
            .is_some()
    );
    assert!(
        f.b.session(&t.id, at(59), idle)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        f.a.session(&t.id, at(60), Duration::hours(2))
            .await
            .expect("read")
            .is_none(),
        "a dead session is removed"
    );
    assert!(
        f.a.create_session(&user("nobody"), None, at(0))
            .await
            .expect("create")
            .is_none()
    );
    f.a.set_enabled(&marie, false, at(1))
        .await
        .expect("disable");
    assert!(
        f.b.create_session(&marie, None, at(2))
            .await
            .expect("create")
            .is_none()
    );
}

async fn disabling_or_a_new_password_revokes_sessions_on_every_server<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let marie = agent(&f.a, "marie").await;
    let zoe = agent(&f.a, "zoe").await;
    let idle = Duration::hours(1);
    let start = |who: Username| {
        let a = f.a.clone();
        async move {
            a.create_session(&who, None, at(0))
                .await
                .expect("create")
                .expect("a session")
        }
    };
    let (m1, m2, z) = (
        start(marie.clone()).await,
        start(marie.clone()).await,
        start(zoe.clone()).await,
    );
    assert!(
        f.b.session(&m1.id, at(1), idle)
            .await
            .expect("read")
            .is_some()
    );
    let disabled =
        f.a.set_enabled(&marie, false, at(2))
            .await
            .expect("disable")
            .expect("exists");
    assert!(!disabled.enabled);
    for s in [&m1, &m2] {
        assert!(
            f.b.session(&s.id, at(3), idle)
                .await
                .expect("read")
                .is_none()
        );
    }
    assert!(
        f.b.session(&z.id, at(3), idle)
            .await
            .expect("read")
            .is_some(),
        "others stay"
    );
    f.b.set_enabled(&marie, true, at(4)).await.expect("enable");
    assert!(
        f.a.session(&m1.id, at(5), idle)
            .await
            .expect("read")
            .is_none(),
        "enabling again brings no session back"
    );
    let m3 = start(marie.clone()).await;
    f.b.set_password(&marie, OTHER_HASH.clone(), at(6))
        .await
        .expect("new password")
        .expect("exists");
    assert!(
        f.a.session(&m3.id, at(7), idle)
            .await
            .expect("read")
            .is_none()
    );
    let read = f.a.account(&marie).await.expect("read").expect("exists");
    assert!(read.verify_password(OTHER_PASSWORD));
    assert!(!read.verify_password(TEST_PASSWORD));
    // Sign-out of one session, then of all.
    let z2 = start(zoe.clone()).await;
    assert!(f.b.revoke_session(&z.id).await.expect("revoke"));
    assert!(!f.a.revoke_session(&z.id).await.expect("revoke again"));
    assert!(
        f.a.session(&z.id, at(8), idle)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        f.a.session(&z2.id, at(8), idle)
            .await
            .expect("read")
            .is_some()
    );
    let z3 = start(zoe.clone()).await;
    assert_eq!(f.b.revoke_sessions_of(&zoe).await.expect("revoke all"), 2);
    assert!(
        f.a.session(&z3.id, at(9), idle)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(f.a.revoke_sessions_of(&zoe).await.expect("none left"), 0);
}

async fn failed_sign_ins_are_throttled_on_every_server<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let (addr, other_addr) = (client("192.0.2.7"), client("2001:db8:0:0::/64"));
    let marie = user("marie");
    let t0 = at(0);
    let s = |secs: i64| t0 + Duration::seconds(secs);
    // Four failures, alternating servers: no wait yet.
    for i in 0..4 {
        let store = if i % 2 == 0 { &f.a } else { &f.b };
        let wait = store
            .record_failure(&addr, Some(&marie), s(i))
            .await
            .expect("record");
        assert_eq!(wait, None, "failure {}", i + 1);
    }
    let counts = f.b.failures(&addr, Some(&marie), s(4)).await.expect("read");
    assert_eq!((counts.address, counts.username), (4, 4));
    assert_eq!(
        f.a.throttle(&addr, Some(&marie), s(4)).await.expect("read"),
        None
    );
    // The fifth: a minute, seen by the other server.
    assert_eq!(
        f.b.record_failure(&addr, Some(&marie), s(10))
            .await
            .expect("record"),
        Some(60)
    );
    assert_eq!(
        f.a.throttle(&addr, None, s(40)).await.expect("read"),
        Some(30)
    );
    // The username alone is throttled from another address; the address for anyone.
    assert_eq!(
        f.a.throttle(&other_addr, Some(&marie), s(40))
            .await
            .expect("read"),
        Some(30)
    );
    assert_eq!(
        f.b.throttle(&addr, Some(&user("zoe")), s(40))
            .await
            .expect("read"),
        Some(30)
    );
    assert_eq!(
        f.a.throttle(&other_addr, Some(&user("zoe")), s(40))
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        f.b.throttle(&addr, Some(&marie), s(70))
            .await
            .expect("read"),
        None
    );
    // Each further failure doubles the wait.
    assert_eq!(
        f.a.record_failure(&addr, Some(&marie), s(70))
            .await
            .expect("record"),
        Some(120)
    );
    assert_eq!(
        f.b.record_failure(&addr, None, s(200))
            .await
            .expect("record"),
        Some(240)
    );
    assert_eq!(
        f.a.throttle(&addr, Some(&marie), s(201))
            .await
            .expect("read"),
        Some(239)
    );
    // A successful sign-in clears the username's count, not the address's.
    f.b.clear_failures(&marie).await.expect("clear");
    let counts =
        f.a.failures(&addr, Some(&marie), s(201))
            .await
            .expect("read");
    assert_eq!((counts.address, counts.username), (7, 0));
    assert_eq!(
        f.a.throttle(&other_addr, Some(&marie), s(201))
            .await
            .expect("read"),
        None
    );
    // Forgotten a quarter of an hour after the last failure (the wait being shorter).
    let later = s(200) + Duration::minutes(15);
    let counts = f.b.failures(&addr, None, later).await.expect("read");
    assert_eq!(counts.address, 0);
    assert_eq!(
        f.a.record_failure(&addr, None, later)
            .await
            .expect("record"),
        None
    );
    assert_eq!(
        f.a.failures(&addr, None, later)
            .await
            .expect("read")
            .address,
        1
    );
    // Below the limit, failures count for a quarter of an hour from the first.
    let zoe = user("zoe");
    for i in 0..4 {
        f.a.record_failure(&other_addr, Some(&zoe), s(i * 60))
            .await
            .expect("record");
    }
    let counts =
        f.b.failures(&other_addr, Some(&zoe), s(14 * 60))
            .await
            .expect("read");
    assert_eq!(counts.username, 4);
    let counts =
        f.b.failures(&other_addr, Some(&zoe), s(15 * 60))
            .await
            .expect("read");
    assert_eq!(counts.username, 0);
}

async fn tokens_are_shown_once_stored_hashed_and_revocable<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let marie = agent(&f.a, "marie").await;
    let zoe = agent(&f.a, "zoe").await;
    f.a.update_account(
        &marie,
        &AccountChanges {
            role: Some(Role::Manager),
            ..AccountChanges::default()
        },
        at(1),
    )
    .await
    .expect("update");
    let t1 =
        f.a.create_token(&marie, "reports", at(2))
            .await
            .expect("create")
            .expect("a token");
    let t2 =
        f.b.create_token(&zoe, "desk 3 script", at(3))
            .await
            .expect("create")
            .expect("a token");
    assert!(t1.token.as_str().starts_with("tkt_"));
    assert_ne!(t1.token, t2.token);
    assert_eq!(
        ApiToken::parse(t1.token.as_str()).expect("parses"),
        t1.token
    );
    assert!(
        f.a.create_token(&user("nobody"), "x", at(2))
            .await
            .expect("create")
            .is_none()
    );
    assert!(
        f.a.create_token(&marie, "", at(2)).await.is_err(),
        "an empty label"
    );

    let (info, account) =
        f.b.token_account(&t1.token)
            .await
            .expect("check")
            .expect("valid");
    assert_eq!(
        (info.id.clone(), info.label.as_str()),
        (t1.info.id.clone(), "reports")
    );
    assert_eq!(
        (account.username.clone(), account.role),
        (marie.clone(), Role::Manager)
    );
    let forged = ApiToken::parse(&format!("tkt_{}", "0".repeat(64))).expect("a token's shape");
    assert!(f.a.token_account(&forged).await.expect("check").is_none());

    let all = f.a.tokens(None).await.expect("list");
    assert_eq!(
        all.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
        ["reports", "desk 3 script"]
    );
    let of_zoe = f.b.tokens(Some(&zoe)).await.expect("list");
    assert_eq!(of_zoe, std::slice::from_ref(&t2.info));

    // A disabled account's tokens stop working, and work again when it is enabled.
    f.b.set_enabled(&marie, false, at(4))
        .await
        .expect("disable");
    assert!(f.a.token_account(&t1.token).await.expect("check").is_none());
    f.b.set_enabled(&marie, true, at(5)).await.expect("enable");
    assert!(f.a.token_account(&t1.token).await.expect("check").is_some());
    // Revoked on one server: refused on the other.
    assert!(f.b.revoke_token(&t1.info.id).await.expect("revoke"));
    assert!(!f.a.revoke_token(&t1.info.id).await.expect("revoke again"));
    assert!(f.a.token_account(&t1.token).await.expect("check").is_none());
    assert!(f.a.token_account(&t2.token).await.expect("check").is_some());
    assert_eq!(f.a.tokens(None).await.expect("list"), [t2.info]);
}

async fn ensure_admin_creates_the_administrator_once<B: AccountStore + Clone>(
    f: AccountsFixture<B>,
) {
    let admin = user("admin");
    let created =
        f.a.ensure_admin(HASH.clone(), at(0))
            .await
            .expect("ensure")
            .expect("created on an empty store");
    assert_eq!(
        (created.username.clone(), created.role),
        (admin.clone(), Role::Admin)
    );
    assert!(created.enabled);
    // Once: the second call, from another server, changes nothing.
    assert!(
        f.b.ensure_admin(OTHER_HASH.clone(), at(1))
            .await
            .expect("ensure")
            .is_none()
    );
    let kept = f.b.account(&admin).await.expect("read").expect("exists");
    assert!(
        kept.verify_password(TEST_PASSWORD),
        "the first password stays"
    );
    assert_eq!(f.a.accounts().await.expect("list").len(), 1);
    // No administrator left, but the name is taken: refused, nothing overwritten.
    let demote = AccountChanges {
        role: Some(Role::Manager),
        ..AccountChanges::default()
    };
    f.a.update_account(&admin, &demote, at(2))
        .await
        .expect("demote");
    let refused =
        f.b.ensure_admin(OTHER_HASH.clone(), at(3))
            .await
            .expect_err("the name is taken");
    assert_eq!(refused.kind(), ErrorKind::Invalid);
    let kept = f.a.account(&admin).await.expect("read").expect("exists");
    assert_eq!(kept.role, Role::Manager);
    assert!(kept.verify_password(TEST_PASSWORD));
    // Any other administrator will do.
    f.a.create_account(
        NewAccount {
            username: user("boss"),
            display_name: "Boss".into(),
            role: Role::Admin,
            password_hash: HASH.clone(),
            default_desk: None,
            call_out_of_order: false,
        },
        at(4),
    )
    .await
    .expect("create");
    assert!(
        f.b.ensure_admin(OTHER_HASH.clone(), at(5))
            .await
            .expect("ensure")
            .is_none()
    );
}
