//! API tokens: long random secrets, shown once, stored as their SHA-256 digest.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::secret::{is_hex, random_hex};
use super::types::{Username, check_text};
use crate::error::{Error, ValidationError};

/// What every token starts with, so that one found in a log or a repository is recognised.
pub const TOKEN_PREFIX: &str = "tkt_";

/// The longest label of a token, in characters.
pub const TOKEN_LABEL_MAX: usize = 64;

/// An API token: [`TOKEN_PREFIX`] and 256 random bits in 64 hexadecimal digits. Its
/// `Debug` shows only the prefix.
///
/// ```
/// use tickets_core::ApiToken;
/// let t = ApiToken::parse(&format!("tkt_{}", "ab".repeat(32)))?;
/// assert_eq!(format!("{t:?}"), "ApiToken(tkt_…)");
/// assert!(ApiToken::parse("tkt_short").is_err());
/// # Ok::<(), tickets_core::ValidationError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub(crate) fn generate() -> Result<Self, Error> {
        Ok(Self(format!("{TOKEN_PREFIX}{}", random_hex::<32>()?)))
    }

    /// A token as a client sent it.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.strip_prefix(TOKEN_PREFIX) {
            Some(rest) if is_hex(rest, 64) => Ok(Self(s.to_owned())),
            _ => Err(ValidationError::new(
                "token",
                "an API token is tkt_ and 64 hexadecimal digits",
            )),
        }
    }

    /// The secret, to show once.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps: the SHA-256 digest in hexadecimal. A fast hash is enough
    /// here, unlike for passwords: the token carries 256 random bits, so there is no
    /// dictionary to try and no way to search that space however fast each guess is,
    /// while every API request checks a token and must not pay for a slow hash.
    pub(crate) fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiToken({TOKEN_PREFIX}…)")
    }
}

/// A token's public id (16 hexadecimal digits), to list and revoke it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenId(String);

impl TokenId {
    pub(crate) fn generate() -> Result<Self, Error> {
        random_hex::<8>().map(Self)
    }

    /// Validates an id.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if is_hex(s, 16) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "token_id",
                "a token id is 16 hexadecimal digits",
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TokenId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TokenId> for String {
    fn from(id: TokenId) -> String {
        id.0
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A token as lists show it, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: TokenId,
    /// The account it acts as.
    pub username: Username,
    /// What it is for, as its creator wrote it.
    pub label: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A token just created: the secret, shown this once, and its description.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The secret.
    pub token: ApiToken,
    /// Its description.
    pub info: TokenInfo,
}

impl NewToken {
    /// A new token for `username` labelled `label` at `now`.
    pub(crate) fn generate(
        username: &Username,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, Error> {
        check_text("label", label, TOKEN_LABEL_MAX)?;
        Ok(Self {
            token: ApiToken::generate()?,
            info: TokenInfo {
                id: TokenId::generate()?,
                username: username.clone(),
                label: label.to_owned(),
                created_at: now,
            },
        })
    }
}
