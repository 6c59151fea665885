//! [`AccountStore`] on Redis: one script per operation (`lua/account_*.lua`, each with the
//! prelude `lua/account_lib.lua`, which lists the keys).
//!
//! Every account key is `<prefix>:{accounts}:<name>`: the braces are a Redis Cluster hash
//! tag, so all of them live in one slot and each script touches one slot. A prefix that
//! carries its own tag (`tickets:{paris-15}`) already puts them in one slot (its office's),
//! so the names are then `<prefix>:accounts:<name>`, without a second tag. Scripts receive
//! that base as their one key and append the names: a session's account, a token's
//! account, are only known inside the script.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::keys::KeyPrefix;
use super::scripts::Lua;
use super::{RedisBackend, Retry};
use crate::accounts::{
    AUDIT_MAX_ENTRIES, AUDIT_READ_MAX, AUDIT_RETENTION_DAYS, Account, AccountChanges, AccountStore,
    AccountView, ApiToken, AuditEntry, AuditFilter, FAILURE_WINDOW_SECONDS,
    FAILURES_BEFORE_THROTTLE, FIRST_WAIT_SECONDS, FailureCounts, Failures, MAX_WAIT_SECONDS,
    NewAccount, NewToken, PasswordHash, Role, SESSION_LIFETIME_SECONDS, Session, SessionId,
    SignedIn, TokenId, TokenInfo, Username, audit_cutoff, bootstrap_admin, checked_batch,
    failure_names, taken,
};
use crate::error::{Error, Result};
use crate::limits::ClientKey;
use crate::model::{DeskId, from_micros, micros};

/// The base of every account key: `<prefix>:{accounts}:`, or `<prefix>:accounts:` when
/// the prefix carries its own hash tag.
pub(crate) fn accounts_base(prefix: &KeyPrefix) -> String {
    match prefix.hash_tag() {
        Some(_) => format!("{prefix}:accounts:"),
        None => format!("{prefix}:{{accounts}}:"),
    }
}

/// The account scripts, each made of `account_lib.lua` and its own file.
struct AccountScripts {
    get: Lua,
    list: Lua,
    create: Lua,
    update: Lua,
    session_create: Lua,
    session_get: Lua,
    session_revoke: Lua,
    sessions_revoke: Lua,
    fail_record: Lua,
    fail_get: Lua,
    fail_clear: Lua,
    token_create: Lua,
    token_list: Lua,
    token_revoke: Lua,
    token_check: Lua,
    audit_record: Lua,
    audit_read: Lua,
}

macro_rules! account_script {
    ($file:literal) => {
        Lua::new(concat!(
            include_str!("lua/account_lib.lua"),
            "\n",
            include_str!(concat!("lua/", $file))
        ))
    };
}

static SCRIPTS: LazyLock<AccountScripts> = LazyLock::new(|| AccountScripts {
    get: account_script!("account_get.lua"),
    list: account_script!("account_list.lua"),
    create: account_script!("account_create.lua"),
    update: account_script!("account_update.lua"),
    session_create: account_script!("account_session_create.lua"),
    session_get: account_script!("account_session_get.lua"),
    session_revoke: account_script!("account_session_revoke.lua"),
    sessions_revoke: account_script!("account_sessions_revoke.lua"),
    fail_record: account_script!("account_fail_record.lua"),
    fail_get: account_script!("account_fail_get.lua"),
    fail_clear: account_script!("account_fail_clear.lua"),
    token_create: account_script!("account_token_create.lua"),
    token_list: account_script!("account_token_list.lua"),
    token_revoke: account_script!("account_token_revoke.lua"),
    token_check: account_script!("account_token_check.lua"),
    audit_record: account_script!("account_audit_record.lua"),
    audit_read: account_script!("account_audit_read.lua"),
});

/// An account hash as the scripts answer it.
#[derive(Deserialize)]
struct StoredAccount {
    username: String,
    display_name: String,
    role: String,
    enabled: String,
    password: String,
    #[serde(default)]
    desk: String,
    /// "1" when an agent may call out of order; absent in accounts stored before it.
    #[serde(default)]
    call_any: String,
    created: String,
    updated: String,
}

impl StoredAccount {
    fn into_account(self, base: &str) -> Result<Account> {
        let key = || format!("{base}account:{}", self.username);
        let corrupt = |what: &str| Error::corrupt(key(), format!("an invalid {what}"));
        let time = |s: &str| {
            s.parse::<i64>()
                .ok()
                .and_then(from_micros)
                .ok_or_else(|| corrupt("time"))
        };
        Ok(Account {
            username: Username::parse(self.username.as_str()).map_err(|_| corrupt("username"))?,
            display_name: self.display_name.clone(),
            role: self.role.parse::<Role>().map_err(|_| corrupt("role"))?,
            enabled: match self.enabled.as_str() {
                "1" => true,
                "0" => false,
                _ => return Err(corrupt("enabled flag")),
            },
            password_hash: PasswordHash::from_phc(self.password.as_str())
                .map_err(|_| corrupt("password hash"))?,
            default_desk: match self.desk.as_str() {
                "" => None,
                d => Some(DeskId::parse(d).map_err(|_| corrupt("desk"))?),
            },
            call_out_of_order: match self.call_any.as_str() {
                "1" => true,
                "" | "0" => false,
                _ => return Err(corrupt("call_any flag")),
            },
            created_at: time(&self.created)?,
            updated_at: time(&self.updated)?,
        })
    }
}

/// What the store keeps of a token.
#[derive(Serialize, Deserialize)]
struct TokenRecord {
    #[serde(flatten)]
    info: TokenInfo,
    digest: String,
}

/// A script's answer that may hold an account.
#[derive(Deserialize)]
struct AccountReply {
    account: Option<StoredAccount>,
    #[serde(default)]
    taken: bool,
}

#[derive(Deserialize)]
struct Revoked {
    revoked: u64,
}

#[derive(Deserialize)]
struct Created {
    #[serde(default)]
    created: bool,
}

#[derive(Deserialize)]
struct SessionReply {
    session: Option<HashMap<String, String>>,
    account: Option<StoredAccount>,
}

#[derive(Deserialize)]
struct TokenReply {
    token: Option<TokenRecord>,
    account: Option<StoredAccount>,
}

/// Reads stored failure counters ("" for none).
fn parse_failures(base: &str, texts: &[String]) -> Result<Vec<Option<Failures>>> {
    texts
        .iter()
        .map(|t| match t.as_str() {
            "" => Ok(None),
            t => Failures::from_text(t)
                .map(Some)
                .ok_or_else(|| Error::corrupt(format!("{base}fail:…"), "not a failure counter")),
        })
        .collect()
}

/// The audit line: `<at µs> <account|*> <desk|*> <action> <JSON entry>`.
fn audit_line(entry: &AuditEntry) -> Result<String> {
    let json = serde_json::to_string(entry).map_err(|e| Error::Backend(Box::new(e)))?;
    Ok(format!(
        "{} {} {} {} {json}",
        micros(entry.at),
        entry.account.as_ref().map_or("*", Username::as_str),
        entry.desk.as_ref().map_or("*", DeskId::as_str),
        entry.action,
    ))
}

impl RedisBackend {
    /// Runs an account script with the accounts' base as its one key, and decodes its
    /// JSON answer.
    async fn run_accounts<T: DeserializeOwned>(
        &self,
        script: &Lua,
        args: Vec<String>,
        retry: Retry,
    ) -> Result<T> {
        let base = accounts_base(self.prefix());
        let reply = self
            .eval(script, std::slice::from_ref(&base), &args, retry)
            .await?;
        serde_json::from_str(&reply)
            .map_err(|e| Error::corrupt(base, format!("unreadable reply: {e}")))
    }

    fn account_of(&self, stored: StoredAccount) -> Result<Account> {
        stored.into_account(&accounts_base(self.prefix()))
    }

    /// Creates an account (`mode` "create") or the bootstrap administrator ("admin").
    async fn create(&self, a: Account, mode: &str) -> Result<Option<AccountView>> {
        let r: AccountReply = self
            .run_accounts(
                &SCRIPTS.create,
                vec![
                    a.username.to_string(),
                    a.display_name.clone(),
                    a.role.to_string(),
                    a.password_hash.as_phc().to_owned(),
                    a.default_desk
                        .as_ref()
                        .map_or_else(String::new, DeskId::to_string),
                    micros(a.created_at).to_string(),
                    mode.to_owned(),
                    if a.call_out_of_order { "1" } else { "0" }.to_owned(),
                ],
                Retry::Never,
            )
            .await?;
        if r.taken {
            return Err(taken(&a.username));
        }
        r.account
            .map(|s| self.account_of(s).map(|a| a.view()))
            .transpose()
    }

    /// Sets `fields` of an account, revoking its sessions when `revoke`.
    async fn update(
        &self,
        username: &Username,
        now: DateTime<Utc>,
        revoke: bool,
        fields: Vec<(&str, String)>,
    ) -> Result<Option<AccountView>> {
        let mut args = vec![
            username.to_string(),
            micros(now).to_string(),
            if revoke { "1" } else { "0" }.to_owned(),
        ];
        for (field, value) in fields {
            args.push(field.to_owned());
            args.push(value);
        }
        let r: AccountReply = self
            .run_accounts(&SCRIPTS.update, args, Retry::Never)
            .await?;
        r.account
            .map(|s| self.account_of(s).map(|a| a.view()))
            .transpose()
    }

    /// The failure counters of `address` and `username`, as stored.
    async fn read_failures(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
    ) -> Result<Vec<Option<Failures>>> {
        let texts: Vec<String> = self
            .run_accounts(
                &SCRIPTS.fail_get,
                failure_names(address, username),
                Retry::Once,
            )
            .await?;
        parse_failures(&accounts_base(self.prefix()), &texts)
    }
}

impl AccountStore for RedisBackend {
    async fn create_account(&self, account: NewAccount, now: DateTime<Utc>) -> Result<AccountView> {
        let account = account.into_account(now)?;
        self.create(account, "create")
            .await?
            .ok_or_else(|| Error::corrupt("account_create.lua", "answered no account"))
    }

    async fn account(&self, username: &Username) -> Result<Option<Account>> {
        let r: AccountReply = self
            .run_accounts(&SCRIPTS.get, vec![username.to_string()], Retry::Once)
            .await?;
        r.account.map(|s| self.account_of(s)).transpose()
    }

    async fn accounts(&self) -> Result<Vec<AccountView>> {
        let stored: Vec<StoredAccount> = self
            .run_accounts(&SCRIPTS.list, Vec::new(), Retry::Once)
            .await?;
        let mut out = stored
            .into_iter()
            .map(|s| self.account_of(s).map(|a| a.view()))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }

    async fn update_account(
        &self,
        username: &Username,
        changes: &AccountChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        changes.check()?;
        let mut fields = Vec::new();
        if let Some(name) = &changes.display_name {
            fields.push(("display_name", name.clone()));
        }
        if let Some(role) = changes.role {
            fields.push(("role", role.to_string()));
        }
        if let Some(desk) = &changes.default_desk {
            fields.push((
                "desk",
                desk.as_ref().map_or_else(String::new, DeskId::to_string),
            ));
        }
        if let Some(call) = changes.call_out_of_order {
            fields.push(("call_any", if call { "1" } else { "0" }.to_owned()));
        }
        self.update(username, now, false, fields).await
    }

    async fn set_enabled(
        &self,
        username: &Username,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        let flag = if enabled { "1" } else { "0" };
        self.update(username, now, !enabled, vec![("enabled", flag.to_owned())])
            .await
    }

    async fn set_password(
        &self,
        username: &Username,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        self.update(
            username,
            now,
            true,
            vec![("password", hash.as_phc().to_owned())],
        )
        .await
    }

    async fn ensure_admin(
        &self,
        hash: PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountView>> {
        let admin = bootstrap_admin(hash, now)?;
        self.create(admin, "admin").await
    }

    async fn create_session(
        &self,
        username: &Username,
        desk: Option<DeskId>,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>> {
        let id = SessionId::generate()?;
        let r: Created = self
            .run_accounts(
                &SCRIPTS.session_create,
                vec![
                    username.to_string(),
                    id.as_str().to_owned(),
                    desk.as_ref().map_or_else(String::new, DeskId::to_string),
                    micros(now).to_string(),
                    SESSION_LIFETIME_SECONDS.to_string(),
                ],
                Retry::Never,
            )
            .await?;
        Ok(r.created.then(|| Session {
            id,
            username: username.clone(),
            desk,
            created_at: now,
            last_seen: now,
        }))
    }

    async fn session(
        &self,
        id: &SessionId,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> Result<Option<SignedIn>> {
        let r: SessionReply = self
            .run_accounts(
                &SCRIPTS.session_get,
                vec![
                    id.as_str().to_owned(),
                    micros(now).to_string(),
                    idle.num_microseconds().unwrap_or(i64::MAX).to_string(),
                    (SESSION_LIFETIME_SECONDS * 1_000_000).to_string(),
                ],
                Retry::Never,
            )
            .await?;
        let (Some(s), Some(a)) = (r.session, r.account) else {
            return Ok(None);
        };
        let key = || format!("{}session:{}", accounts_base(self.prefix()), id.as_str());
        let time = |field: &str| {
            s.get(field)
                .and_then(|t| t.parse::<i64>().ok())
                .and_then(from_micros)
                .ok_or_else(|| Error::corrupt(key(), format!("an invalid {field}")))
        };
        let desk = match s.get("desk").map(String::as_str) {
            None | Some("") => None,
            Some(d) => Some(DeskId::parse(d).map_err(|e| Error::corrupt(key(), e))?),
        };
        Ok(Some(SignedIn {
            account: self.account_of(a)?.view(),
            desk,
            created_at: time("created")?,
            last_seen: time("seen")?,
        }))
    }

    async fn revoke_session(&self, id: &SessionId) -> Result<bool> {
        let r: Revoked = self
            .run_accounts(
                &SCRIPTS.session_revoke,
                vec![id.as_str().to_owned()],
                Retry::Never,
            )
            .await?;
        Ok(r.revoked > 0)
    }

    async fn revoke_sessions_of(&self, username: &Username) -> Result<u64> {
        let r: Revoked = self
            .run_accounts(
                &SCRIPTS.sessions_revoke,
                vec![username.to_string()],
                Retry::Never,
            )
            .await?;
        Ok(r.revoked)
    }

    async fn record_failure(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let mut args = vec![
            micros(now).to_string(),
            FAILURES_BEFORE_THROTTLE.to_string(),
            (FAILURE_WINDOW_SECONDS * 1_000_000).to_string(),
            (FIRST_WAIT_SECONDS * 1_000_000).to_string(),
            (MAX_WAIT_SECONDS * 1_000_000).to_string(),
        ];
        args.extend(failure_names(address, username));
        let texts: Vec<String> = self
            .run_accounts(&SCRIPTS.fail_record, args, Retry::Never)
            .await?;
        let counters = parse_failures(&accounts_base(self.prefix()), &texts)?;
        Ok(counters
            .iter()
            .filter_map(|f| Failures::retry_after(f.as_ref(), now))
            .max())
    }

    async fn failures(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
        now: DateTime<Utc>,
    ) -> Result<FailureCounts> {
        let counters = self.read_failures(address, username).await?;
        let count = |i: usize| Failures::count_at(counters.get(i).and_then(Option::as_ref), now);
        Ok(FailureCounts {
            address: count(0),
            username: count(1),
        })
    }

    async fn throttle(
        &self,
        address: &ClientKey,
        username: Option<&Username>,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let counters = self.read_failures(address, username).await?;
        Ok(counters
            .iter()
            .filter_map(|f| Failures::retry_after(f.as_ref(), now))
            .max())
    }

    async fn clear_failures(&self, username: &Username) -> Result<()> {
        let _: serde_json::Value = self
            .run_accounts(
                &SCRIPTS.fail_clear,
                vec![username.to_string()],
                Retry::Never,
            )
            .await?;
        Ok(())
    }

    async fn create_token(
        &self,
        username: &Username,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<NewToken>> {
        let new = NewToken::generate(username, label, now)?;
        let record = TokenRecord {
            info: new.info.clone(),
            digest: new.token.digest(),
        };
        let json = serde_json::to_string(&record).map_err(|e| Error::Backend(Box::new(e)))?;
        let r: Created = self
            .run_accounts(
                &SCRIPTS.token_create,
                vec![
                    username.to_string(),
                    new.info.id.to_string(),
                    record.digest,
                    json,
                ],
                Retry::Never,
            )
            .await?;
        Ok(r.created.then_some(new))
    }

    async fn tokens(&self, username: Option<&Username>) -> Result<Vec<TokenInfo>> {
        let records: Vec<TokenRecord> = self
            .run_accounts(&SCRIPTS.token_list, Vec::new(), Retry::Once)
            .await?;
        let mut out: Vec<TokenInfo> = records
            .into_iter()
            .map(|r| r.info)
            .filter(|t| username.is_none_or(|u| &t.username == u))
            .collect();
        out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(out)
    }

    async fn revoke_token(&self, id: &TokenId) -> Result<bool> {
        let r: Revoked = self
            .run_accounts(&SCRIPTS.token_revoke, vec![id.to_string()], Retry::Never)
            .await?;
        Ok(r.revoked > 0)
    }

    async fn token_account(&self, token: &ApiToken) -> Result<Option<(TokenInfo, AccountView)>> {
        let r: TokenReply = self
            .run_accounts(&SCRIPTS.token_check, vec![token.digest()], Retry::Once)
            .await?;
        match (r.token, r.account) {
            (Some(t), Some(a)) => Ok(Some((t.info, self.account_of(a)?.view()))),
            _ => Ok(None),
        }
    }

    async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.record_audits(std::slice::from_ref(entry)).await
    }

    async fn record_audits(&self, entries: &[AuditEntry]) -> Result<()> {
        let Some(newest) = checked_batch(entries)? else {
            return Ok(());
        };
        let mut args = Vec::with_capacity(3 + entries.len());
        args.extend([
            micros(audit_cutoff(newest)).to_string(),
            AUDIT_MAX_ENTRIES.to_string(),
            (AUDIT_RETENTION_DAYS * 86_400).to_string(),
        ]);
        for entry in entries {
            args.push(audit_line(entry)?);
        }
        let _: serde_json::Value = self
            .run_accounts(&SCRIPTS.audit_record, args, Retry::Never)
            .await?;
        Ok(())
    }

    async fn audit(
        &self,
        filter: &AuditFilter,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<AuditEntry>> {
        let cutoff = audit_cutoff(now);
        let from = filter.from.map_or(cutoff, |f| f.max(cutoff));
        let entries: Vec<AuditEntry> = self
            .run_accounts(
                &SCRIPTS.audit_read,
                vec![
                    limit.min(AUDIT_READ_MAX).to_string(),
                    micros(from).to_string(),
                    filter
                        .until
                        .map_or_else(String::new, |t| micros(t).to_string()),
                    filter
                        .account
                        .as_ref()
                        .map_or_else(String::new, Username::to_string),
                    filter
                        .desk
                        .as_ref()
                        .map_or_else(String::new, DeskId::to_string),
                    filter.action.clone().unwrap_or_default(),
                ],
                Retry::Once,
            )
            .await?;
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::cluster_routing::Slot;

    #[test]
    fn every_account_key_is_in_one_slot_with_one_tag() {
        let plain = KeyPrefix::default();
        assert_eq!(accounts_base(&plain), "tickets:{accounts}:");
        let office = KeyPrefix::parse("tickets:{paris-15}").expect("a prefix");
        assert_eq!(accounts_base(&office), "tickets:{paris-15}:accounts:");
        for prefix in [plain, office] {
            let base = accounts_base(&prefix);
            let slot = Slot::for_key(&base);
            for name in [
                "accounts",
                "account:marie.dupont",
                "session:0123456789abcdef0123456789abcdef",
                "sessions:marie.dupont",
                "fail:addr:192.0.2.7",
                "fail:addr:2001:db8:0:0::/64",
                "fail:user:marie.dupont",
                "tokens",
                "token:ab12",
                "audit",
            ] {
                let key = format!("{base}{name}");
                assert_eq!(Slot::for_key(&key), slot, "{key}");
                assert_eq!(key.matches('{').count(), 1, "{key}");
            }
        }
    }

    #[test]
    fn audit_lines_lead_with_what_scripts_filter_on() {
        let at = from_micros(1_795_505_475_226_383).expect("a time");
        let e = AuditEntry::new(at, "call_next", "ticket 4")
            .expect("an entry")
            .at_desk(DeskId::parse("3").expect("a desk"));
        let line = audit_line(&e).expect("a line");
        assert!(
            line.starts_with("1795505475226383 * 3 call_next {"),
            "{line}"
        );
        let json = line.splitn(5, ' ').nth(4).expect("the JSON");
        let back: AuditEntry = serde_json::from_str(json).expect("the entry");
        assert_eq!(back, e);
    }
}
