//! The account itself: [`Username`], [`Role`], [`Account`] (with its password hash) and
//! [`AccountView`] (without it: what answers show), and what creating or changing one takes.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::password::PasswordHash;
use crate::error::ValidationError;
use crate::model::DeskId;

/// An account's name: 1 to 32 characters among lowercase letters, digits, `.`, `_`
/// and `-`.
///
/// ```
/// use tickets_core::Username;
/// assert!(Username::parse("marie.dupont").is_ok());
/// assert!(Username::parse("Marie").is_err());
/// assert!(Username::parse("").is_err());
/// assert!(Username::parse("a b").is_err());
/// assert!(Username::parse("x".repeat(33)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// The account the server creates when the store has no administrator.
    pub const ADMIN: &'static str = "admin";

    /// Validates `s`.
    pub fn parse(s: impl Into<String>) -> Result<Self, ValidationError> {
        let s = s.into();
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Self(s))
        } else {
            Err(ValidationError::new(
                "username",
                "a username is 1 to 32 characters among lowercase letters, digits, '.', '_' and '-'",
            ))
        }
    }

    /// `admin`.
    pub fn admin() -> Self {
        Self(Self::ADMIN.to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl FromStr for Username {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an account may do. Ordered: an administrator may do all a manager may, who may
/// do all an agent may.
///
/// ```
/// use tickets_core::Role;
/// assert!(Role::Admin.allows(Role::Manager));
/// assert!(Role::Manager.allows(Role::Agent));
/// assert!(!Role::Agent.allows(Role::Manager));
/// assert_eq!("manager".parse::<Role>().unwrap(), Role::Manager);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Staff at a desk: the console and the desk actions.
    #[default]
    Agent,
    /// Runs the day: all an agent does, plus the day, the dashboard and the office.
    Manager,
    /// Sets things up: all a manager does, plus accounts, tokens and settings.
    Admin,
}

impl Role {
    /// Every role, from the least to the most allowed.
    pub const ALL: [Role; 3] = [Role::Agent, Role::Manager, Role::Admin];

    /// Whether this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }

    /// `agent`, `manager` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ValidationError::new("role", "a role is agent, manager or admin"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a free text shown to people (a display name, a token's label): 1 to `max`
/// characters, no control characters, not only spaces.
pub(crate) fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    let n = s.chars().count();
    if n == 0 || n > max || s.trim().is_empty() || s.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            format!("use 1 to {max} characters, without control characters"),
        ));
    }
    Ok(())
}

/// The longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 64;

/// A staff account as the store keeps it, password hash included. Answers show an
/// [`AccountView`] instead ([`Account::view`]); the hash never leaves through `Debug`
/// either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its name, unique in the store.
    pub username: Username,
    /// The name people see.
    pub display_name: String,
    /// What it may do.
    pub role: Role,
    /// A disabled account cannot sign in, and its tokens do not work.
    pub enabled: bool,
    /// Its password, hashed.
    pub password_hash: PasswordHash,
    /// The desk proposed at sign-in.
    pub default_desk: Option<DeskId>,
    /// Whether an agent may call a given ticket out of order (managers and administrators
    /// always may).
    pub call_out_of_order: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Account {
    /// The account without its password hash.
    pub fn view(&self) -> AccountView {
        AccountView {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            enabled: self.enabled,
            default_desk: self.default_desk.clone(),
            call_out_of_order: self.call_out_of_order,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// Whether `password` is this account's (Argon2id, constant time; slow on purpose:
    /// call it off the async threads).
    pub fn verify_password(&self, password: &str) -> bool {
        self.password_hash.verify(password)
    }
}

/// An account as answers show it: everything but the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Its name.
    pub username: Username,
    /// The name people see.
    pub display_name: String,
    /// What it may do.
    pub role: Role,
    /// Whether it may sign in.
    pub enabled: bool,
    /// The desk proposed at sign-in.
    pub default_desk: Option<DeskId>,
    /// Whether an agent may call a given ticket out of order (managers and administrators
    /// always may).
    #[serde(default)]
    pub call_out_of_order: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl AccountView {
    /// Whether this account may call a given ticket out of order: managers and
    /// administrators always, agents when their account allows it.
    ///
    /// ```
    /// # use tickets_core::{AccountView, Role, Username};
    /// # let now = chrono::Utc::now();
    /// let mut agent = AccountView {
    ///     username: Username::parse("lea").unwrap(),
    ///     display_name: "Léa".into(),
    ///     role: Role::Agent,
    ///     enabled: true,
    ///     default_desk: None,
    ///     call_out_of_order: false,
    ///     created_at: now,
    ///     updated_at: now,
    /// };
    /// assert!(!agent.may_call_out_of_order());
    /// agent.call_out_of_order = true;
    /// assert!(agent.may_call_out_of_order());
    /// agent.call_out_of_order = false;
    /// agent.role = Role::Manager;
    /// assert!(agent.may_call_out_of_order());
    /// ```
    pub fn may_call_out_of_order(&self) -> bool {
        self.call_out_of_order || self.role.allows(Role::Manager)
    }
}

/// What creating an account takes.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Its name.
    pub username: Username,
    /// The name people see (1 to [`DISPLAY_NAME_MAX`] characters).
    pub display_name: String,
    /// What it may do.
    pub role: Role,
    /// Its password, hashed ([`PasswordHash::new`] checks the password's rules).
    pub password_hash: PasswordHash,
    /// The desk proposed at sign-in.
    pub default_desk: Option<DeskId>,
    /// Whether an agent may call a given ticket out of order.
    pub call_out_of_order: bool,
}

impl NewAccount {
    /// The account it makes at `now`, enabled, after checking the display name.
    pub(crate) fn into_account(self, now: DateTime<Utc>) -> Result<Account, ValidationError> {
        check_text("display_name", &self.display_name, DISPLAY_NAME_MAX)?;
        Ok(Account {
            username: self.username,
            display_name: self.display_name,
            role: self.role,
            enabled: true,
            password_hash: self.password_hash,
            default_desk: self.default_desk,
            call_out_of_order: self.call_out_of_order,
            created_at: now,
            updated_at: now,
        })
    }
}

/// Changes to an account's profile; `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    /// A new display name.
    pub display_name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// A new default desk (`Some(None)` removes it).
    pub default_desk: Option<Option<DeskId>>,
    /// Whether an agent may now call a given ticket out of order.
    pub call_out_of_order: Option<bool>,
}

impl AccountChanges {
    /// Checks the new display name, if any.
    pub(crate) fn check(&self) -> Result<(), ValidationError> {
        match &self.display_name {
            Some(name) => check_text("display_name", name, DISPLAY_NAME_MAX),
            None => Ok(()),
        }
    }

    /// Applies the changes to `account` at `now`.
    pub(crate) fn apply(&self, account: &mut Account, now: DateTime<Utc>) {
        if let Some(name) = &self.display_name {
            account.display_name = name.clone();
        }
        if let Some(role) = self.role {
            account.role = role;
        }
        if let Some(desk) = &self.default_desk {
            account.default_desk = desk.clone();
        }
        if let Some(call) = self.call_out_of_order {
            account.call_out_of_order = call;
        }
        account.updated_at = now;
    }
}
