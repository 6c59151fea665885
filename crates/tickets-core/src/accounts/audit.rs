//! The audit log: who did what, from where, when. Newest first, kept
//! [`AUDIT_RETENTION_DAYS`] days and at most [`AUDIT_MAX_ENTRIES`] entries.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::types::{Role, Username};
use crate::error::ValidationError;
use crate::model::DeskId;

/// How long entries are kept: 90 days.
pub const AUDIT_RETENTION_DAYS: i64 = 90;
/// The most entries kept; the oldest go first.
pub const AUDIT_MAX_ENTRIES: usize = 100_000;
/// The most entries one read answers.
pub const AUDIT_READ_MAX: usize = 1000;
/// The longest detail, in characters.
pub const AUDIT_DETAIL_MAX: usize = 1000;

/// The oldest time still kept at `now`.
pub(crate) fn audit_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(AUDIT_RETENTION_DAYS)
}

/// Checks every entry of a batch to record (one invalid entry refuses the whole batch);
/// the newest time among them, `None` for an empty batch.
pub(crate) fn checked_batch(entries: &[AuditEntry]) -> crate::Result<Option<DateTime<Utc>>> {
    for entry in entries {
        entry.check()?;
    }
    Ok(entries.iter().map(|e| e.at).max())
}

/// One line of the audit log.
///
/// ```
/// use tickets_core::{AuditEntry, Role, Username};
/// let e = AuditEntry::new(chrono::Utc::now(), "account.add", "agent marie")?
///     .by(Username::parse("admin")?, Role::Admin);
/// assert_eq!(e.role, Some(Role::Admin));
/// assert!(AuditEntry::new(chrono::Utc::now(), "Bad Action", "").is_err());
/// # Ok::<(), tickets_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The account that acted (none: an anonymous attempt, the server itself).
    pub account: Option<Username>,
    /// Its role then.
    pub role: Option<Role>,
    /// The desk it acted at.
    pub desk: Option<DeskId>,
    /// The client's address.
    pub client: Option<IpAddr>,
    /// What was done: 1 to 48 characters among lowercase letters, digits, `.`, `_` and
    /// `-` (`call_next`, `account.add`, `sign_in.failed`, …).
    pub action: String,
    /// The particulars, free text (at most [`AUDIT_DETAIL_MAX`] characters).
    pub detail: String,
}

impl AuditEntry {
    /// An entry with no account, desk or client yet.
    pub fn new(
        at: DateTime<Utc>,
        action: impl Into<String>,
        detail: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let e = Self {
            at,
            account: None,
            role: None,
            desk: None,
            client: None,
            action: action.into(),
            detail: detail.into(),
        };
        e.check()?;
        Ok(e)
    }

    /// The same entry made by `account` with `role`.
    pub fn by(mut self, account: Username, role: Role) -> Self {
        self.account = Some(account);
        self.role = Some(role);
        self
    }

    /// The same entry at `desk`.
    pub fn at_desk(mut self, desk: DeskId) -> Self {
        self.desk = Some(desk);
        self
    }

    /// The same entry from `client`.
    pub fn from_client(mut self, client: IpAddr) -> Self {
        self.client = Some(client);
        self
    }

    /// Checks the action and the detail.
    pub fn check(&self) -> Result<(), ValidationError> {
        let a = &self.action;
        if !(1..=48).contains(&a.len())
            || !a
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err(ValidationError::new(
                "action",
                "an action is 1 to 48 characters among lowercase letters, digits, '.', '_' and '-'",
            ));
        }
        if self.detail.chars().count() > AUDIT_DETAIL_MAX {
            return Err(ValidationError::new(
                "detail",
                format!("a detail has at most {AUDIT_DETAIL_MAX} characters"),
            ));
        }
        Ok(())
    }
}

/// Which entries to read; every field given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Made by this account.
    pub account: Option<Username>,
    /// At this desk.
    pub desk: Option<DeskId>,
    /// This action.
    pub action: Option<String>,
    /// At or after this time (a day: its start).
    pub from: Option<DateTime<Utc>>,
    /// Before this time (a day: its end).
    pub until: Option<DateTime<Utc>>,
}

impl AuditFilter {
    /// Whether `e` matches.
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.account
            .as_ref()
            .is_none_or(|a| e.account.as_ref() == Some(a))
            && self
                .desk
                .as_ref()
                .is_none_or(|d| e.desk.as_ref() == Some(d))
            && self.action.as_ref().is_none_or(|a| &e.action == a)
            && self.from.is_none_or(|t| e.at >= t)
            && self.until.is_none_or(|t| e.at < t)
    }
}
