//! Validated identifiers: ticket numbers, desks, services, priority classes, idempotency keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// The number of a ticket: 1, 2, 3… within a day.
///
/// ```
/// use tickets_core::TicketNumber;
/// assert_eq!("42".parse::<TicketNumber>().unwrap().get(), 42);
/// assert!("0".parse::<TicketNumber>().is_err());
/// assert!("-1".parse::<TicketNumber>().is_err());
/// assert!("abc".parse::<TicketNumber>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct TicketNumber(u64);

impl TicketNumber {
    /// The largest number a day can reach.
    pub const MAX: u64 = 999_999_999;

    /// Validates a ticket number (1 to [`TicketNumber::MAX`]).
    pub fn new(n: u64) -> Result<Self, ValidationError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(ValidationError::new(
                "ticket_number",
                format!("a ticket number is a whole number from 1 to {}", Self::MAX),
            ))
        }
    }

    /// The number itself.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for TicketNumber {
    type Error = ValidationError;
    fn try_from(n: u64) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<TicketNumber> for u64 {
    fn from(n: TicketNumber) -> u64 {
        n.0
    }
}

impl FromStr for TicketNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.parse::<u64>().map_err(|_| {
            ValidationError::new(
                "ticket_number",
                format!("a ticket number is a whole number from 1 to {}", Self::MAX),
            )
        })?;
        Self::new(n)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Checks a short identifier: `min..=max` characters from `[A-Za-z0-9_-]`.
fn check_ident(
    field: &'static str,
    what: &str,
    s: &str,
    max: usize,
) -> Result<(), ValidationError> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if s.is_empty() || s.len() > max || !ok_chars {
        return Err(ValidationError::new(
            field,
            format!("{what} is 1 to {max} characters among letters, digits, '-' and '_'"),
        ));
    }
    Ok(())
}

/// Declares a validated string newtype with its conversions and serde support.
macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates `s`.
            pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
                let s = s.into();
                let check: fn(&str) -> Result<(), ValidationError> = $check;
                check(&s)?;
                Ok(Self(s))
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_newtype!(
    /// A counter ("guichet"): 1 to 16 characters among letters, digits, `-` and `_`.
    ///
    /// Requests that name no desk use [`DeskId::default`], the desk `"1"`, which keeps the
    /// original system's single current ticket.
    ///
    /// ```
    /// use tickets_core::DeskId;
    /// assert!(DeskId::parse("guichet-3").is_ok());
    /// assert!(DeskId::parse("A").is_ok());
    /// assert!(DeskId::parse("").is_err());
    /// assert!(DeskId::parse("desk 3").is_err());
    /// assert!(DeskId::parse("x".repeat(17)).is_err());
    /// assert_eq!(DeskId::default().as_str(), "1");
    /// ```
    DeskId,
    |s| check_ident("desk", "a desk", s, 16)
);

impl Default for DeskId {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl DeskId {
    /// The id of the default desk.
    pub const DEFAULT: &'static str = "1";

    /// Whether this is the default desk.
    pub fn is_default(&self) -> bool {
        self.0 == Self::DEFAULT
    }
}

string_newtype!(
    /// A service a ticket is for: 1 to 32 characters among letters, digits, `-` and `_`.
    ///
    /// ```
    /// use tickets_core::Service;
    /// assert_eq!(Service::default().as_str(), "poste");
    /// assert!(Service::parse("banque").is_ok());
    /// assert!(Service::parse("<script>").is_err());
    /// ```
    Service,
    |s| check_ident("service_type", "a service", s, 32)
);

impl Default for Service {
    fn default() -> Self {
        Self("poste".to_owned())
    }
}

string_newtype!(
    /// A client-chosen key that makes a take safe to retry: the same key on the same day
    /// gives the same ticket. 1 to 128 visible ASCII characters (a UUID fits).
    ///
    /// ```
    /// use tickets_core::IdempotencyKey;
    /// assert!(IdempotencyKey::parse("kiosk-2:7f3c9a").is_ok());
    /// assert!(IdempotencyKey::parse("has space").is_err());
    /// assert!(IdempotencyKey::parse("").is_err());
    /// ```
    IdempotencyKey,
    |s| {
        if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            Err(ValidationError::new(
                "idempotency_key",
                "an idempotency key is 1 to 128 visible ASCII characters, without spaces",
            ))
        } else {
            Ok(())
        }
    }
);

string_newtype!(
    /// A priority class ("prioritaire"): 1 to 32 characters among letters, digits, `-`
    /// and `_`.
    ///
    /// ```
    /// use tickets_core::PriorityCode;
    /// assert!(PriorityCode::parse("prioritaire").is_ok());
    /// assert!(PriorityCode::parse("").is_err());
    /// ```
    PriorityCode,
    |s| check_ident("priority", "a priority class", s, 32)
);
