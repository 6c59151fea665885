//! Signing in and out, and the first administrator.
//!
//! A sign-in is refused while the client's address or the account has failed
//! [`FAILURES_BEFORE_THROTTLE`](tickets_core::FAILURES_BEFORE_THROTTLE) times lately (429
//! with `Retry-After`, the wait doubling with each further failure); the counts live in the
//! store, so every server sees them. A wrong password, an unknown or disabled account
//! answer alike, in about the same time (an unknown account is checked against a dummy
//! hash), and each failure is logged with the client's real address.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::sync::atomic::Ordering;

use tickets_core::{
    AccountStore, AccountView, ClientKey, DeskId, Error, PasswordHash, Session, SessionId, Username,
};

use super::Auth;

/// What a sign-in gives.
#[derive(Debug, Clone)]
pub struct SignInRequest {
    /// The account; `admin` when absent or empty.
    pub username: Option<String>,
    /// Its password.
    pub password: String,
    /// The desk to sit at; the account's default desk when absent.
    pub desk: Option<DeskId>,
    /// The client's address (through trusted proxies).
    pub client: IpAddr,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many failures lately from this address or for this account: wait this many
    /// seconds.
    #[error("too many failed sign-ins: wait {0} s")]
    Throttled(u64),
    /// Wrong account or password (or a disabled account).
    #[error("wrong username or password")]
    Wrong,
    /// The store does not answer.
    #[error("the store does not answer: {0}")]
    Store(#[from] Error),
}

/// A hash no password matches in practice, checked when the account does not exist so that
/// the answer takes as long as for a wrong password.
fn dummy_hash() -> Option<&'static PasswordHash> {
    static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    DUMMY
        .get_or_init(|| PasswordHash::new("no account has this password, ever").ok())
        .as_ref()
}

/// Verifies `password` against `hash` on a blocking thread (Argon2id is slow on purpose).
async fn verify(hash: Option<PasswordHash>, password: String) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => h.verify(&password),
        None => {
            if let Some(d) = dummy_hash() {
                d.verify(&password);
            }
            false
        }
    })
    .await
    .unwrap_or(false)
}

impl Auth {
    /// Creates the first administrator, `admin`, from the configured password (or the
    /// generated one) when the store has no administrator; answers it when it did.
    ///
    /// Refuses a configured password that breaks the password rules (12 characters at
    /// least, not the example of the deployment files).
    pub async fn bootstrap(&self) -> Result<Option<AccountView>, Error> {
        let accounts = self.accounts.accounts().await?;
        if accounts.iter().any(|a| a.role == tickets_core::Role::Admin) {
            return Ok(None);
        }
        let password = self.bootstrap_password.clone();
        let hash = tokio::task::spawn_blocking(move || PasswordHash::new(&password))
            .await
            .map_err(|e| Error::Backend(Box::new(e)))??;
        let created = self.accounts.ensure_admin(hash, chrono::Utc::now()).await?;
        if created.is_some() {
            self.admin_created.store(true, Ordering::Relaxed);
        }
        Ok(created)
    }

    /// Checks the credentials and opens a session.
    pub async fn sign_in(
        &self,
        request: SignInRequest,
    ) -> Result<(Session, AccountView), SignInError> {
        let name = request
            .username
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(Username::ADMIN);
        let username = Username::parse(name).ok();
        let address = ClientKey::of_ip(request.client);
        let now = chrono::Utc::now();
        let store = &self.accounts;
        let account = match &username {
            Some(u) => store.account(u).await?,
            None => None,
        };
        // What was typed as a username is logged only when it names an account: people
        // type their password in the wrong field.
        let shown = match &account {
            Some(a) => a.username.to_string(),
            None => "(no such account)".to_owned(),
        };
        if let Some(wait) = store.throttle(&address, username.as_ref(), now).await? {
            tracing::warn!(client = %request.client, username = %shown, wait,
                "staff sign-in refused: too many failures lately");
            return Err(SignInError::Throttled(wait));
        }
        let hash = account
            .as_ref()
            .filter(|a| a.enabled)
            .map(|a| a.password_hash.clone());
        let ok = verify(hash, request.password).await;
        let (Some(account), true) = (account, ok) else {
            let wait = store
                .record_failure(&address, username.as_ref(), chrono::Utc::now())
                .await?;
            tracing::warn!(client = %request.client, username = %shown,
                "failed staff sign-in");
            return Err(match wait {
                Some(w) => SignInError::Throttled(w),
                None => SignInError::Wrong,
            });
        };
        store.clear_failures(&account.username).await?;
        let desk = request.desk.or_else(|| account.default_desk.clone());
        let session = store
            .create_session(&account.username, desk, chrono::Utc::now())
            .await?
            // Disabled between the check and now.
            .ok_or(SignInError::Wrong)?;
        Ok((session, account.view()))
    }

    /// Ends a session; whether it was open.
    pub async fn sign_out(&self, id: &SessionId) -> Result<bool, Error> {
        self.accounts.revoke_session(id).await
    }
}
