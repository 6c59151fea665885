//! Sign-in sessions: random ids kept in the store, with an absolute and an idle lifetime.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::secret::{is_hex, random_hex};
use super::types::{AccountView, Username};
use crate::error::{Error, ValidationError};
use crate::model::DeskId;

/// How long a session lives at most, however active: 12 hours.
pub const SESSION_LIFETIME_SECONDS: i64 = 12 * 3600;

/// The absolute lifetime of a session as a [`Duration`].
pub fn session_lifetime() -> Duration {
    Duration::seconds(SESSION_LIFETIME_SECONDS)
}

/// A session's id: 128 random bits in 32 lowercase hexadecimal digits. It is what the
/// cookie holds, so `Debug` shows only its first four digits.
///
/// ```
/// use tickets_core::SessionId;
/// let id = SessionId::generate()?;
/// assert_eq!(id.as_str().len(), 32);
/// assert_eq!(SessionId::parse(id.as_str())?, id);
/// assert!(SessionId::parse("not-hex").is_err());
/// assert!(!format!("{id:?}").contains(id.as_str()));
/// # Ok::<(), tickets_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    /// A new random id.
    pub fn generate() -> Result<Self, Error> {
        random_hex::<16>().map(Self)
    }

    /// An id as a cookie gave it back.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if is_hex(s, 32) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "session",
                "a session id is 32 hexadecimal digits",
            ))
        }
    }

    /// The id, for the cookie.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({}…)", &self.0[..4.min(self.0.len())])
    }
}

/// One signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// The account signed in.
    pub username: Username,
    /// The desk chosen at sign-in, if any.
    pub desk: Option<DeskId>,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_seen: DateTime<Utc>,
}

impl Session {
    /// Whether it is alive at `now` when it may stay unused for `idle`: younger than
    /// [`SESSION_LIFETIME_SECONDS`] and used less than `idle` ago.
    pub fn alive(&self, now: DateTime<Utc>, idle: Duration) -> bool {
        now < self.created_at + session_lifetime() && now < self.last_seen + idle
    }
}

/// A live session and its account, as [`AccountStore::session`](super::AccountStore::session)
/// answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The account (its role decides what the session may do).
    pub account: AccountView,
    /// The desk chosen at sign-in, if any.
    pub desk: Option<DeskId>,
    /// When the session began.
    pub created_at: DateTime<Utc>,
    /// When it was used before this time.
    pub last_seen: DateTime<Utc>,
}
