//! Passwords: the rules a new one obeys, and its Argon2id hash.

use std::fmt;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{self, PasswordHasher, PasswordVerifier, SaltString};

use super::secret::random_bytes;
use crate::error::{Error, ValidationError};

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a password may have (hashing a huge text would be a cheap way to
/// keep a server busy).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// The example value of `deploy/tickets.env.example`, refused as a password.
pub const EXAMPLE_PASSWORD: &str = "change-me-to-a-long-passphrase";

/// Checks a new password: [`MIN_PASSWORD_CHARS`] to [`MAX_PASSWORD_CHARS`] characters,
/// not the example value of the deployment files.
///
/// ```
/// use tickets_core::check_password;
/// assert!(check_password("correct horse battery").is_ok());
/// assert!(check_password("short").is_err());
/// assert!(check_password("change-me-to-a-long-passphrase").is_err());
/// ```
pub fn check_password(password: &str) -> Result<(), ValidationError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if password == EXAMPLE_PASSWORD {
        return Err(ValidationError::new(
            "password",
            "this is the example password of the deployment files: choose another",
        ));
    }
    Ok(())
}

/// A password's Argon2id hash, in the PHC string form (`$argon2id$v=19$m=…$salt$hash`).
///
/// Its `Debug` shows no part of it, and it has no `Serialize`: only the store reads it.
/// Hashing and verifying are slow on purpose (tens of milliseconds): call them off the
/// async threads (`tokio::task::spawn_blocking`).
///
/// ```
/// use tickets_core::PasswordHash;
/// let hash = PasswordHash::new("correct horse battery")?;
/// assert!(hash.verify("correct horse battery"));
/// assert!(!hash.verify("correct horse battery!"));
/// assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
/// assert!(PasswordHash::new("too short").is_err());
/// # Ok::<(), tickets_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Checks `password` ([`check_password`]) and hashes it with Argon2id (the crate's
    /// default parameters) and a random salt.
    pub fn new(password: &str) -> Result<Self, Error> {
        check_password(password)?;
        Self::hash(password)
    }

    fn hash(password: &str) -> Result<Self, Error> {
        let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(internal)?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(internal)?;
        Ok(Self(hash.to_string()))
    }

    /// A stored hash, as [`Self::as_phc`] gave it.
    pub fn from_phc(phc: impl Into<String>) -> Result<Self, ValidationError> {
        let phc = phc.into();
        match password_hash::PasswordHash::new(&phc) {
            Ok(parsed) if parsed.algorithm.as_str() == "argon2id" => Ok(Self(phc)),
            _ => Err(ValidationError::new(
                "password_hash",
                "not an Argon2id hash in the PHC string form",
            )),
        }
    }

    /// The PHC string, for the store.
    pub fn as_phc(&self) -> &str {
        &self.0
    }

    /// Whether `password` hashes to this (the comparison takes constant time).
    pub fn verify(&self, password: &str) -> bool {
        match password_hash::PasswordHash::new(&self.0) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time of one verification and answers `false`: a sign-in for an
    /// unknown account takes as long as one with a wrong password, so timing does not
    /// tell which accounts exist.
    pub fn verify_nothing(password: &str) -> bool {
        static DUMMY: LazyLock<Option<PasswordHash>> =
            LazyLock::new(|| PasswordHash::hash("no account has this password").ok());
        if let Some(dummy) = DUMMY.as_ref() {
            let _ = dummy.verify(password);
        }
        false
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

fn internal(e: impl fmt::Display) -> Error {
    Error::Backend(format!("password hashing failed: {e}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_parse_back() {
        let a = PasswordHash::new("correct horse battery").expect("a valid password");
        let b = PasswordHash::new("correct horse battery").expect("a valid password");
        assert!(a.as_phc().starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        let back = PasswordHash::from_phc(a.as_phc()).expect("a stored hash");
        assert!(back.verify("correct horse battery"));
        assert!(PasswordHash::from_phc("plain text").is_err());
        assert!(!PasswordHash::verify_nothing("anything"));
    }

    #[test]
    fn the_rules_count_characters_not_bytes() {
        assert!(check_password("ééééééééééé").is_err(), "11 characters");
        assert!(check_password("éééééééééééé").is_ok(), "12 characters");
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }
}
