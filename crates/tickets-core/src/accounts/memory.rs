//! [`AccountStore`] on the memory backend: one mutex-guarded record, each operation one
//! critical section, the short-lived entries judged by the time given (as their Redis keys
//! are) and dropped as time goes on.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

use super::audit::{
    AUDIT_MAX_ENTRIES, AUDIT_READ_MAX, AuditEntry, AuditFilter, audit_cutoff, checked_batch,
};
use super::password::PasswordHash;
use super::session::{Session, SessionId, SignedIn, session_lifetime};
use super::store::AccountStore;
use super::throttle::{FailureCounts, Failures, failure_names};
use super::token::{ApiToken, NewToken, TokenId, TokenInfo};
use super::types::{Account, AccountChanges, AccountView, NewAccount, Role, Username};
use super::{bootstrap_admin, taken};
use crate::error::Result;
use crate::limits::ClientKey;
use crate::memory::MemoryBackend;
use crate::model::DeskId;

/// The account state of one [`MemoryBackend`].
#[derive(Debug, Default)]
pub(crate) struct MemoryAccounts {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    accounts: BTreeMap<Username, Account>,
    sessions: HashMap<SessionId, Session>,
    /// Keyed as on Redis: `fail:addr:<client>`, `fail:user:<username>`.
    failures: HashMap<String, Failures>,
    tokens: BTreeMap<TokenId, TokenInfo>,
    /// Token digest → id.
    digests: HashMap<String, TokenId>,
    /// Newest first.
    audit: VecDeque<AuditEntry>,
}

impl State {
    fn revoke_sessions_of(&mut self, username: &Username) -> u64 {
        let before = self.sessions.len();
        self.sessions.retain(|_, s| &s.username != username);
        (before - self.sessions.len()) as u64
    }
}

impl MemoryAccounts {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl MemoryBackend {
    fn with_accounts<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.account_state().lock())
    }

    /// Changes an account with `f` at `now`, revoking its sessions in the same step when
    /// `revoke`.
    fn change(
        &self,
        username: &Username,
        now: DateTime<Utc>,
        revoke: bool,
        f: impl FnOnce(&mut Account),
    ) -> Option<AccountView> {
        self.with_accounts(|s| {
            let a = s.accounts.get_mut(username)?;
            f(a);
            a.updated_at = now;
            let view = a.view();
            if revoke {
                s.revoke_sessions_of(username);
            }
            Some(view)
        })
    }
}

impl AccountStore for MemoryBackend {
    async fn create_account(&self, account: NewAccount, now: DateTime<Utc>) -> Result<AccountView> {
        let account = account.into_account(now)?;
        self.with_accounts(|s| {
            if s.accounts.contains_key(&account.username) {
                return Err(taken(&account.username));
            }
            let view = account.view();
            s.accounts.insert(account.username.clone(), account);
            Ok(view)
        })
    }

    async fn account(&self, username: &Username) -> Result<Option<Account>> {
        Ok(self.with_accounts(|s| s.accounts.get(username).cloned()))
    }

    async fn accounts(&self) -> Result<Vec<AccountView>> {
        Ok(self.with_accounts(|s| s.accounts.values().map(Account::view).collect()))
    }

    async fn update_account(
        &self,
        username: &Username,
        changes: &AccountChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        changes.check()?;
        Ok(self.with_accounts(|s| {
            let a = s.accounts.get_mut(username)?;
            changes.apply(a, now);
            Some(a.view())
        }))
    }

    async fn set_enabled(
        &self,
        username: &Username,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        Ok(self.change(username, now, !enabled, |a| a.enabled = enabled))
    }

    async fn set_password(
        &self,
        username: &Username,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        Ok(self.change(username, now, true, |a| a.password_hash = hash))
    }

    async fn ensure_admin(
        &self,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        let admin = bootstrap_admin(hash, now)?;
        self.with_accounts(|s| {
            if s.accounts.values().any(|a| a.role == Role::Admin) {
                return Ok(None);
            }
            if s.accounts.contains_key(&admin.username) {
                return Err(taken(&admin.username));
            }
            let view = admin.view();
            s.accounts.insert(admin.username.clone(), admin);
            Ok(Some(view))
        })
    }

    async fn create_session(
        &self,
        username: &Username,
        desk: Option<DeskId>,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>> {
        let id = SessionId::generate()?;
        Ok(self.with_accounts(|s| {
            s.accounts.get(username).filter(|a| a.enabled)?;
            // Drop the sessions past their absolute lifetime, as their keys expire.
            s.sessions
                .retain(|_, x| now < x.created_at + session_lifetime());
            let session = Session {
                id: id.clone(),
                username: username.clone(),
                desk,
                created_at: now,
                last_seen: now,
            };
            s.sessions.insert(id, session.clone());
            Some(session)
        }))
    }

    async fn session(
        &self,
        id: &SessionId,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> Result<Option<SignedIn>> {
        Ok(self.with_accounts(|s| {
            let session = s.sessions.get(id)?.clone();
            let account = s.accounts.get(&session.username).filter(|a| a.enabled);
            let Some(account) = account.filter(|_| session.alive(now, idle)) else {
                s.sessions.remove(id);
                return None;
            };
            let signed_in = SignedIn {
                account: account.view(),
                desk: session.desk.clone(),
                created_at: session.created_at,
                last_seen: session.last_seen,
            };
            if let Some(x) = s.sessions.get_mut(id) {
                x.last_seen = now;
            }
            Some(signed_in)
        }))
    }

    async fn revoke_session(&self, id: &SessionId) -> Result<bool> {
        Ok(self.with_accounts(|s| s.sessions.remove(id).is_some()))
    }

    async fn revoke_sessions_of(&self, username: &Username) -> Result<u64> {
        Ok(self.with_accounts(|s| s.revoke_sessions_of(username)))
    }

    async fn record_failure(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        Ok(self.with_accounts(|s| {
            s.failures.retain(|_, f| now < f.forgotten_at());
            let mut wait = None;
            for key in failure_names(address, username) {
                let f = Failures::after_failure(s.failures.get(&key).copied(), now);
                wait = wait.max(Failures::retry_after(Some(&f), now));
                s.failures.insert(key, f);
            }
            wait
        }))
    }

    async fn failures(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
        now: DateTime<Utc>,
    ) -> Result<FailureCounts> {
        Ok(self.with_accounts(|s| {
            let names = failure_names(address, username);
            let count =
                |i: usize| Failures::count_at(names.get(i).and_then(|n| s.failures.get(n)), now);
            FailureCounts {
                address: count(0),
                username: count(1),
            }
        }))
    }

    async fn throttle(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        Ok(self.with_accounts(|s| {
            failure_names(address, username)
                .iter()
                .filter_map(|k| Failures::retry_after(s.failures.get(k), now))
                .max()
        }))
    }

    async fn clear_failures(&self, username: &Username) -> Result<()> {
        self.with_accounts(|s| s.failures.remove(&format!("fail:user:{username}")));
        Ok(())
    }

    async fn create_token(
        &self,
        username: &Username,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<NewToken>> {
        let new = NewToken::generate(username, label, now)?;
        Ok(self.with_accounts(|s| {
            s.accounts.get(username)?;
            s.digests.insert(new.token.digest(), new.info.id.clone());
            s.tokens.insert(new.info.id.clone(), new.info.clone());
            Some(new)
        }))
    }

    async fn tokens(&self, username: Option<&Username>) -> Result<Vec<TokenInfo>> {
        Ok(self.with_accounts(|s| {
            let mut out: Vec<TokenInfo> = s
                .tokens
                .values()
                .filter(|t| username.is_none_or(|u| &t.username == u))
                .cloned()
                .collect();
            out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            out
        }))
    }

    async fn revoke_token(&self, id: &TokenId) -> Result<bool> {
        Ok(self.with_accounts(|s| {
            s.digests.retain(|_, t| t != id);
            s.tokens.remove(id).is_some()
        }))
    }

    async fn token_account(&self, token: &ApiToken) -> Result<Option<(TokenInfo, AccountView)>> {
        Ok(self.with_accounts(|s| {
            let info = s.tokens.get(s.digests.get(&token.digest())?)?;
            let account = s.accounts.get(&info.username).filter(|a| a.enabled)?;
            Some((info.clone(), account.view()))
        }))
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.record_audits(std::slice::from_ref(entry)).await
    }

    async fn record_audits(&self, entries: &[AuditEntry]) -> Result<()> {
        let Some(newest) = checked_batch(entries)? else {
            return Ok(());
        };
        self.with_accounts(|s| {
            for entry in entries {
                s.audit.push_front(entry.clone());
            }
            s.audit.truncate(AUDIT_MAX_ENTRIES);
            let cutoff = audit_cutoff(newest);
            while s.audit.back().is_some_and(|e| e.at < cutoff) {
                s.audit.pop_back();
            }
        });
        Ok(())
    }

    async fn audit(
        &self,
        filter: &AuditFilter,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>> {
        let cutoff = audit_cutoff(now);
        Ok(self.with_accounts(|s| {
            // Newest first: the first entry older than the window ends the read.
            let from = filter.from.map_or(cutoff, |f| f.max(cutoff));
            s.audit
                .iter()
                .take_while(|e| e.at >= from)
                .filter(|e| filter.matches(e))
                .take(limit.min(AUDIT_READ_MAX))
                .cloned()
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_audit_log_keeps_at_most_its_bound() {
        let store = MemoryBackend::new();
        let t0 = crate::model::from_micros(1_795_505_475_000_000).expect("a time");
        for i in 0..=AUDIT_MAX_ENTRIES as i64 {
            let e = AuditEntry::new(t0 + Duration::milliseconds(i), "take_ticket", "")
                .expect("an entry");
            store.record_audit(&e).await.expect("record");
        }
        let kept = store.account_state().lock().audit.len();
        assert_eq!(kept, AUDIT_MAX_ENTRIES);
        let newest = store
            .audit(&AuditFilter::default(), 1, t0)
            .await
            .expect("read");
        assert_eq!(
            newest[0].at,
            t0 + Duration::milliseconds(AUDIT_MAX_ENTRIES as i64)
        );
    }
}
