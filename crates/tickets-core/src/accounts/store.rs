//! The [`AccountStore`] trait: staff accounts, sessions, sign-in throttling, API tokens
//! and the audit log, kept in the same store as the queue.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use super::audit::{AuditEntry, AuditFilter};
use super::password::PasswordHash;
use super::session::{Session, SessionId, SignedIn};
use super::throttle::FailureCounts;
use super::token::{ApiToken, NewToken, TokenId, TokenInfo};
use super::types::{Account, AccountChanges, AccountView, NewAccount, Username};
use crate::error::Result;
use crate::limits::ClientKey;
use crate::model::DeskId;

/// Where staff accounts live. [`MemoryBackend`](crate::MemoryBackend),
/// [`RedisBackend`](crate::RedisBackend) and [`AnyBackend`](crate::AnyBackend) implement it
/// and pass the same conformance suite.
///
/// Every method is one atomic step (on Redis one script, on memory one critical section),
/// and takes the time from its caller, so that a settable clock drives both backends alike.
/// Answers carry [`AccountView`]s, never a password hash, but for [`Self::account`], which
/// the sign-in needs. Unknown accounts answer `None`; invalid values and an account name
/// already taken answer [`Error::Invalid`](crate::Error::Invalid) naming the field.
///
/// ```
/// use chrono::{Duration, Utc};
/// use tickets_core::{AccountStore, MemoryBackend, NewAccount, PasswordHash, Role, Username};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tickets_core::Result<()> {
/// let store = MemoryBackend::new();
/// let now = Utc::now();
/// let marie = Username::parse("marie")?;
/// store
///     .create_account(
///         NewAccount {
///             username: marie.clone(),
///             display_name: "Marie Dupont".into(),
///             role: Role::Agent,
///             password_hash: PasswordHash::new("a long enough passphrase")?,
///             default_desk: None,
///             call_out_of_order: false,
///         },
///         now,
///     )
///     .await?;
/// let account = store.account(&marie).await?.expect("created");
/// assert!(account.verify_password("a long enough passphrase"));
///
/// let session = store.create_session(&marie, None, now).await?.expect("enabled");
/// let idle = Duration::minutes(30);
/// let signed_in = store.session(&session.id, now, idle).await?.expect("alive");
/// assert_eq!(signed_in.account.role, Role::Agent);
/// // Disabling the account ends its sessions at once.
/// store.set_enabled(&marie, false, now).await?;
/// assert!(store.session(&session.id, now, idle).await?.is_none());
/// # Ok(())
/// # }
/// ```
// The lifetimes of `Option<&'a Username>` are named for mockall, which cannot mock them
// elided.
#[allow(clippy::needless_lifetimes)]
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait AccountStore: Send + Sync + 'static {
    /// Creates an enabled account. [`Error::Invalid`](crate::Error::Invalid) (field
    /// `username`) when the name is taken, or (`display_name`) for an empty or overlong
    /// display name.
    fn create_account(
        &self,
        account: NewAccount,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<AccountView>> + Send;

    /// The account with its password hash, to check a password at sign-in.
    fn account(&self, username: &Username) -> impl Future<Output = Result<Option<Account>>> + Send;

    /// Every account, by username.
    fn accounts(&self) -> impl Future<Output = Result<Vec<AccountView>>> + Send;

    /// Changes an account's display name, role or default desk.
    fn update_account(
        &self,
        username: &Username,
        changes: &AccountChanges,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<AccountView>>> + Send;

    /// Enables or disables an account; disabling revokes its sessions in the same step
    /// (its tokens stop working while it is disabled).
    fn set_enabled(
        &self,
        username: &Username,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<AccountView>>> + Send;

    /// Replaces an account's password, revoking its sessions in the same step.
    fn set_password(
        &self,
        username: &Username,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<AccountView>>> + Send;

    /// When no account has the `admin` role, creates the account `admin` (role admin,
    /// display name "Administrator") with this password and answers it; otherwise
    /// changes nothing and answers `None`. [`Error::Invalid`](crate::Error::Invalid) when
    /// an account named `admin` exists without that role.
    fn ensure_admin(
        &self,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<AccountView>>> + Send;

    /// Starts a session for an enabled account, at `desk` if given; `None` when the
    /// account does not exist or is disabled.
    fn create_session(
        &self,
        username: &Username,
        desk: Option<DeskId>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Session>>> + Send;

    /// The session `id` and its account, if the session is alive at `now` (younger than
    /// [`SESSION_LIFETIME_SECONDS`](crate::SESSION_LIFETIME_SECONDS), used less than
    /// `idle` ago, its account enabled); its last use becomes `now`. A dead session is
    /// removed.
    fn session(
        &self,
        id: &SessionId,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> impl Future<Output = Result<Option<SignedIn>>> + Send;

    /// Ends one session (sign-out); whether it existed.
    fn revoke_session(&self, id: &SessionId) -> impl Future<Output = Result<bool>> + Send;

    /// Ends every session of an account; how many there were.
    fn revoke_sessions_of(&self, username: &Username) -> impl Future<Output = Result<u64>> + Send;

    /// Counts a failed sign-in from `address` for `username` (if the name was a valid
    /// one); answers how many seconds to wait now, if any ([`Self::throttle`]).
    fn record_failure<'a>(
        &self,
        address: &ClientKey,
        username: Option<&'a Username>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<u64>>> + Send;

    /// The failed sign-ins counted now for `address` and `username`.
    fn failures<'a>(
        &self,
        address: &ClientKey,
        username: Option<&'a Username>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<FailureCounts>> + Send;

    /// How many seconds a sign-in from `address` for `username` must wait (the
    /// `Retry-After`), if it must: after
    /// [`FAILURES_BEFORE_THROTTLE`](crate::FAILURES_BEFORE_THROTTLE) failures for either.
    fn throttle<'a>(
        &self,
        address: &ClientKey,
        username: Option<&'a Username>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<u64>>> + Send;

    /// Forgets the failures of `username` (after a successful sign-in); the address's
    /// stay counted.
    fn clear_failures(&self, username: &Username) -> impl Future<Output = Result<()>> + Send;

    /// Creates an API token acting as `username`; the secret is in the answer only.
    /// `None` when the account does not exist.
    fn create_token(
        &self,
        username: &Username,
        label: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<NewToken>>> + Send;

    /// The tokens of `username`, or of every account, oldest first.
    fn tokens<'a>(
        &self,
        username: Option<&'a Username>,
    ) -> impl Future<Output = Result<Vec<TokenInfo>>> + Send;

    /// Revokes a token; whether it existed.
    fn revoke_token(&self, id: &TokenId) -> impl Future<Output = Result<bool>> + Send;

    /// The token and its account, if the token exists and the account is enabled.
    fn token_account(
        &self,
        token: &ApiToken,
    ) -> impl Future<Output = Result<Option<(TokenInfo, AccountView)>>> + Send;

    /// Appends an entry to the audit log (checked first), dropping entries older than
    /// [`AUDIT_RETENTION_DAYS`](crate::AUDIT_RETENTION_DAYS) at `entry.at` and beyond
    /// [`AUDIT_MAX_ENTRIES`](crate::AUDIT_MAX_ENTRIES).
    fn record_audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<()>> + Send;

    /// Appends several entries to the audit log in one step, in the order given (the last
    /// becomes the newest), then drops what [`Self::record_audit`] drops, at the newest
    /// `at` of them. Every entry is checked first: an invalid one writes none. No entry
    /// writes nothing and asks the store nothing.
    fn record_audits(&self, entries: &[AuditEntry]) -> impl Future<Output = Result<()>> + Send;

    /// The newest entries matching `filter`, at most `limit` (capped at
    /// [`AUDIT_READ_MAX`](crate::AUDIT_READ_MAX)), newest first, none older than the
    /// retention at `now`.
    fn audit(
        &self,
        filter: &AuditFilter,
        limit: usize,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_mock_answers_what_it_is_told() {
        let mut mock = MockAccountStore::new();
        mock.expect_throttle()
            .returning(|_, _, _| Box::pin(async { Ok(Some(60)) }));
        mock.expect_revoke_session()
            .returning(|_| Box::pin(async { Err(crate::Error::corrupt("k", "down")) }));
        let address = ClientKey::parse("192.0.2.7").expect("a client");
        let wait = mock
            .throttle(&address, None, chrono::Utc::now())
            .await
            .expect("an answer");
        assert_eq!(wait, Some(60));
        let id = SessionId::parse(&"a".repeat(32)).expect("an id");
        assert!(mock.revoke_session(&id).await.is_err());
    }
}
