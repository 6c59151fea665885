//! Staff accounts: who may sign in, with which role, for how long, and what they did.
//!
//! - `types.rs`: [`Username`], [`Role`], [`Account`] (with its hash) and [`AccountView`]
//!   (without it), [`NewAccount`], [`AccountChanges`];
//! - `password.rs`: the password rules and the Argon2id [`PasswordHash`];
//! - `session.rs`: [`SessionId`] (128 random bits), [`Session`], [`SignedIn`];
//! - `throttle.rs`: failed sign-ins counted per address and per username, and the waits;
//! - `token.rs`: [`ApiToken`]s, stored as their SHA-256 digest;
//! - `audit.rs`: [`AuditEntry`], [`AuditFilter`];
//! - `store.rs`: the [`AccountStore`] trait; `memory.rs`: it on the memory backend (the
//!   Redis one is in `redis/accounts.rs`).

mod audit;
mod memory;
mod password;
pub(crate) mod secret;
mod session;
mod store;
mod throttle;
mod token;
mod types;

pub use audit::{AUDIT_DETAIL_MAX, AUDIT_MAX_ENTRIES, AUDIT_READ_MAX, AUDIT_RETENTION_DAYS};
pub use audit::{AuditEntry, AuditFilter};
#[cfg(feature = "redis")]
pub(crate) use audit::{audit_cutoff, checked_batch};
pub(crate) use memory::MemoryAccounts;
pub use password::{EXAMPLE_PASSWORD, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
pub use password::{PasswordHash, check_password};
pub use session::{SESSION_LIFETIME_SECONDS, Session, SessionId, SignedIn, session_lifetime};
pub use store::AccountStore;
#[cfg(any(test, feature = "mock"))]
pub use store::MockAccountStore;
pub use throttle::{
    FAILURE_WINDOW_SECONDS, FAILURES_BEFORE_THROTTLE, FIRST_WAIT_SECONDS, FailureCounts,
    MAX_WAIT_SECONDS,
};
#[cfg(feature = "redis")]
pub(crate) use throttle::{Failures, failure_names};
pub use token::{ApiToken, NewToken, TOKEN_LABEL_MAX, TOKEN_PREFIX, TokenId, TokenInfo};
pub use types::{
    Account, AccountChanges, AccountView, DISPLAY_NAME_MAX, NewAccount, Role, Username,
};

/// The display name of the account [`AccountStore::ensure_admin`] creates.
pub const ADMIN_DISPLAY_NAME: &str = "Administrator";

/// The account [`AccountStore::ensure_admin`] creates at `now`.
pub(crate) fn bootstrap_admin(
    hash: PasswordHash,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::Result<Account> {
    let admin = NewAccount {
        username: Username::admin(),
        display_name: ADMIN_DISPLAY_NAME.to_owned(),
        role: Role::Admin,
        password_hash: hash,
        default_desk: None,
        call_out_of_order: false,
    };
    Ok(admin.into_account(now)?)
}

/// The refusal of an account name already taken.
pub(crate) fn taken(username: &Username) -> crate::Error {
    crate::ValidationError::at(
        "username",
        format!("an account named {username} exists already"),
    )
    .into()
}
