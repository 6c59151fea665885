//! The subcommands of the `tickets` binary besides serving: `tickets account add|passwd|
//! disable|enable|list` manage staff accounts from a shell, in the store the server
//! options select (`TICKETS_STORE`, `REDIS_URL`, `TICKETS_KEY_PREFIX`, …);
//! `tickets export` writes the history of a range of days (`cli/export.rs`).
//!
//! Passwords are read from standard input, never from an argument (arguments show in
//! `ps` and in the shell's history): typed twice without echo on a terminal, else the
//! first line of the input (`printf '%s\n' "$PW" | tickets account passwd marie`). Every
//! change is recorded in the audit log, with no account (the command line acts, not a
//! signed-in person).

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueEnum};
use tickets_core::{
    AccountStore, AnyBackend, AuditEntry, DISPLAY_NAME_MAX, DeskId, NewAccount, PasswordHash, Role,
    Username, check_password,
};

use crate::config::{Config, StoreKind};
use crate::startup::backend_from;

mod export;

pub use export::{ExportArgs, ExportFormat};

/// A subcommand of `tickets`; without one, the binary serves.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Manage staff accounts in the configured store.
    ///
    /// The store is the server's: set its environment variables (REDIS_URL,
    /// TICKETS_KEY_PREFIX, …) or give its options before `account`.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Write every ticket of a range of days to standard output, one per row (CSV) or line
    /// (JSON lines), from the configured store's history.
    Export(ExportArgs),
}

/// `tickets account …`.
#[derive(Debug, Clone, Subcommand)]
pub enum AccountCommand {
    /// Create an account, its password read from standard input.
    ///
    /// On a terminal the password is typed twice, without echo; otherwise it is the first
    /// line of the input. Never an argument.
    Add {
        /// Its name: 1 to 32 characters among lowercase letters, digits, '.', '_' and '-'.
        username: Username,
        /// What it may do.
        #[arg(long, value_enum, default_value_t = RoleArg::Agent)]
        role: RoleArg,
        /// The name people see (default: the username).
        #[arg(long, value_name = "DISPLAY NAME", value_parser = parse_display_name)]
        name: Option<String>,
        /// The desk proposed at sign-in.
        #[arg(long, value_name = "DESK ID")]
        desk: Option<DeskId>,
        /// Let this agent call a given ticket out of order (managers always may).
        #[arg(long)]
        call_out_of_order: bool,
    },
    /// Replace an account's password, read from standard input; its sessions end.
    ///
    /// On a terminal the password is typed twice, without echo; otherwise it is the first
    /// line of the input. Never an argument.
    Passwd {
        /// The account.
        username: Username,
    },
    /// Disable an account: no sign-in, its sessions end, its tokens stop working.
    Disable {
        /// The account.
        username: Username,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account.
        username: Username,
    },
    /// List the accounts (never their password hashes).
    List,
}

/// A role, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Staff at a desk: the console and the desk actions.
    Agent,
    /// All an agent does, plus the day, the dashboard and the office.
    Manager,
    /// All a manager does, plus accounts, tokens and settings.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Agent => Role::Agent,
            RoleArg::Manager => Role::Manager,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// The store's rule for display names, checked before the password is asked for.
fn parse_display_name(s: &str) -> Result<String, String> {
    let n = s.chars().count();
    if n == 0 || n > DISPLAY_NAME_MAX || s.trim().is_empty() || s.chars().any(char::is_control) {
        return Err(format!(
            "a display name has 1 to {DISPLAY_NAME_MAX} characters, without control characters"
        ));
    }
    Ok(s.to_owned())
}

/// Why a command failed: the message printed after `tickets: `.
#[derive(Debug)]
struct Failure(String);

/// Runs `command` against the store `config` selects, printing what it did (standard
/// output) or why it failed (standard error); the exit code is 0 on success, 1 on any
/// failure (unknown account, name taken, password refused, store unreachable).
pub async fn run(command: &Command, config: &Config) -> ExitCode {
    let result = match command {
        Command::Account(cmd) => account(cmd, config).await,
        Command::Export(args) => export::run(args, config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("tickets: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn account(cmd: &AccountCommand, config: &Config) -> Result<(), Failure> {
    let store = backend_from(config)
        .await
        .map_err(|e| Failure(e.to_string()))?;
    if config.effective_store() == StoreKind::Memory {
        eprintln!(
            "tickets: warning: the in-memory store lives in this process only: accounts \
             made or changed by this command vanish when it ends, and no server sees them. \
             Set REDIS_URL (and TICKETS_KEY_PREFIX if the server uses one) to manage the \
             server's accounts."
        );
    }
    match cmd {
        AccountCommand::Add {
            username,
            role,
            name,
            desk,
            call_out_of_order,
        } => {
            let new = Profile {
                role: (*role).into(),
                name: name.as_deref(),
                desk,
                call_out_of_order: *call_out_of_order,
            };
            add(&store, username, new).await
        }
        AccountCommand::Passwd { username } => passwd(&store, username).await,
        AccountCommand::Disable { username } => set_enabled(&store, username, false).await,
        AccountCommand::Enable { username } => set_enabled(&store, username, true).await,
        AccountCommand::List => list(&store).await,
    }
}

fn unknown(username: &Username) -> Failure {
    Failure(format!(
        "no account named {username} (`tickets account list` shows them)"
    ))
}

fn store_error(doing: &str, e: tickets_core::Error) -> Failure {
    Failure(format!("cannot {doing}: {e}"))
}

/// What `account add` gives an account beside its name and password.
struct Profile<'a> {
    role: Role,
    name: Option<&'a str>,
    desk: &'a Option<DeskId>,
    call_out_of_order: bool,
}

async fn add(store: &AnyBackend, username: &Username, profile: Profile<'_>) -> Result<(), Failure> {
    let Profile {
        role,
        name,
        desk,
        call_out_of_order,
    } = profile;
    if username.as_str() == Username::ADMIN && role != Role::Admin {
        return Err(Failure(format!(
            "the account {username} is the administrator the server creates when the store \
             has none: give it --role admin, or choose another name"
        )));
    }
    // Before asking for the password: a name taken or an unreachable store says so at once.
    let found = store
        .account(username)
        .await
        .map_err(|e| store_error("read the accounts", e))?;
    if found.is_some() {
        return Err(Failure(format!(
            "an account named {username} exists already (`tickets account passwd {username}` \
             changes its password)"
        )));
    }
    let hash = new_password_hash(username).await?;
    let account = NewAccount {
        username: username.clone(),
        display_name: name.unwrap_or(username.as_str()).to_owned(),
        role,
        password_hash: hash,
        default_desk: desk.clone(),
        call_out_of_order,
    };
    let now = Utc::now();
    let view = store
        .create_account(account, now)
        .await
        .map_err(|e| match e {
            tickets_core::Error::Invalid(v) => Failure(v.reason),
            e => store_error("create the account", e),
        })?;
    audit(store, now, "account.create", username).await?;
    println!(
        "tickets: created the account {} ({}, \"{}\"{})",
        view.username,
        view.role,
        view.display_name,
        view.default_desk
            .map(|d| format!(", default desk {d}"))
            .unwrap_or_default()
    );
    Ok(())
}

async fn passwd(store: &AnyBackend, username: &Username) -> Result<(), Failure> {
    let found = store
        .account(username)
        .await
        .map_err(|e| store_error("read the accounts", e))?;
    if found.is_none() {
        return Err(unknown(username));
    }
    let hash = new_password_hash(username).await?;
    let now = Utc::now();
    store
        .set_password(username, hash, now)
        .await
        .map_err(|e| store_error("change the password", e))?
        .ok_or_else(|| unknown(username))?;
    audit(store, now, "account.password", username).await?;
    println!("tickets: changed the password of {username}; its sessions are signed out");
    Ok(())
}

async fn set_enabled(
    store: &AnyBackend,
    username: &Username,
    enabled: bool,
) -> Result<(), Failure> {
    let word = if enabled { "enabled" } else { "disabled" };
    let found = store
        .account(username)
        .await
        .map_err(|e| store_error("read the accounts", e))?
        .ok_or_else(|| unknown(username))?;
    if found.enabled == enabled {
        println!("tickets: {username} is {word} already");
        return Ok(());
    }
    let now = Utc::now();
    store
        .set_enabled(username, enabled, now)
        .await
        .map_err(|e| store_error(if enabled { "enable" } else { "disable" }, e))?
        .ok_or_else(|| unknown(username))?;
    let action = if enabled {
        "account.enable"
    } else {
        "account.disable"
    };
    audit(store, now, action, username).await?;
    if enabled {
        println!("tickets: enabled {username}: it can sign in again");
    } else {
        println!(
            "tickets: disabled {username}: its sessions are signed out and its tokens stop \
             working while it is disabled"
        );
    }
    Ok(())
}

async fn list(store: &AnyBackend) -> Result<(), Failure> {
    let accounts = store
        .accounts()
        .await
        .map_err(|e| store_error("read the accounts", e))?;
    let rows: Vec<[String; 6]> = accounts
        .into_iter()
        .map(|a| {
            [
                a.username.to_string(),
                a.display_name,
                a.role.to_string(),
                if a.enabled { "yes" } else { "no" }.to_owned(),
                a.default_desk
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                created(a.created_at),
            ]
        })
        .collect();
    let mut out = io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = out.write_all(table(&rows).as_bytes());
    if rows.is_empty() {
        let _ = writeln!(out, "(no accounts)");
    }
    Ok(())
}

fn created(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The accounts table: a header, then one line per row, columns padded to their widest
/// cell (in characters).
fn table(rows: &[[String; 6]]) -> String {
    const HEADER: [&str; 6] = [
        "USERNAME",
        "DISPLAY NAME",
        "ROLE",
        "ENABLED",
        "DEFAULT DESK",
        "CREATED",
    ];
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let lines = std::iter::once(HEADER.map(str::to_owned)).chain(rows.iter().cloned());
    for line in lines {
        let mut cells = Vec::with_capacity(6);
        for (cell, w) in line.iter().zip(widths) {
            let pad = w - cell.chars().count();
            cells.push(format!("{cell}{}", " ".repeat(pad)));
        }
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// Records a change made from the command line in the audit log.
async fn audit(
    store: &AnyBackend,
    now: DateTime<Utc>,
    action: &str,
    username: &Username,
) -> Result<(), Failure> {
    let entry = AuditEntry::new(now, action, format!("from the command line: {username}"))
        .map_err(|e| Failure(e.to_string()))?;
    store.record_audit(&entry).await.map_err(|e| {
        Failure(format!(
            "the change to {username} is made, but the audit log did not record it: {e}"
        ))
    })
}

/// Reads the new password of `username` from standard input and hashes it (off the async
/// threads: Argon2id is slow on purpose).
async fn new_password_hash(username: &Username) -> Result<PasswordHash, Failure> {
    let password = if io::stdin().is_terminal() {
        prompt_twice(username)?
    } else {
        read_password_line(&mut io::stdin().lock())?
    };
    let hashed = tokio::task::spawn_blocking(move || PasswordHash::new(&password))
        .await
        .map_err(|e| Failure(format!("cannot hash the password: {e}")))?;
    hashed.map_err(|e| match e {
        tickets_core::Error::Invalid(v) => Failure(format!("password refused: {}", v.reason)),
        e => Failure(format!("cannot hash the password: {e}")),
    })
}

/// Asks for the password twice on the terminal, without echo.
fn prompt_twice(username: &Username) -> Result<String, Failure> {
    let read = |prompt: String| {
        rpassword::prompt_password(prompt)
            .map_err(|e| Failure(format!("cannot read the password from the terminal: {e}")))
    };
    let first = read(format!("New password for {username}: "))?;
    // Said at once rather than after the second entry.
    check_password(&first).map_err(|v| Failure(format!("password refused: {}", v.reason)))?;
    let second = read("The same password again: ".to_owned())?;
    if first != second {
        return Err(Failure(
            "the two passwords differ: nothing changed".to_owned(),
        ));
    }
    Ok(first)
}

/// The password on the first line of `input` (a pipe or a file), without its line end
/// (`\n` or `\r\n`); the rest of the input is not read. Nothing at all is an error.
fn read_password_line(input: &mut impl BufRead) -> Result<String, PasswordInputError> {
    let mut line = String::new();
    let n = input
        .read_line(&mut line)
        .map_err(PasswordInputError::Read)?;
    if n == 0 {
        return Err(PasswordInputError::Empty);
    }
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    Ok(line)
}

/// Why no password could be read from standard input.
#[derive(Debug, thiserror::Error)]
enum PasswordInputError {
    /// The input is empty.
    #[error(
        "no password on standard input: type it on a terminal, or give it as the first \
         line of the input (never as an argument)"
    )]
    Empty,
    /// The input cannot be read (e.g. not UTF-8).
    #[error("cannot read the password from standard input: {0}")]
    Read(#[source] io::Error),
}

impl From<PasswordInputError> for Failure {
    fn from(e: PasswordInputError) -> Self {
        Failure(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_end() {
        let read = |s: &str| read_password_line(&mut s.as_bytes());
        assert_eq!(
            read("un mot de passe long\n").unwrap(),
            "un mot de passe long"
        );
        assert_eq!(
            read("crlf password here\r\n").unwrap(),
            "crlf password here"
        );
        assert_eq!(read("no line end at all").unwrap(), "no line end at all");
        assert_eq!(
            read(" spaces kept \nsecond line\n").unwrap(),
            " spaces kept "
        );
        assert_eq!(
            read("\n").unwrap(),
            "",
            "an empty line is for the rules to refuse"
        );
        assert_eq!(read("a\rb\n").unwrap(), "a\rb", "only the line end goes");
        assert!(matches!(read(""), Err(PasswordInputError::Empty)));
        let not_utf8: &[u8] = b"\xff\xfe\n";
        assert!(matches!(
            read_password_line(&mut &not_utf8[..]),
            Err(PasswordInputError::Read(_))
        ));
    }

    #[test]
    fn the_table_lines_up_and_shows_no_hash() {
        let rows = [
            [
                "marie".to_owned(),
                "Marie Dupont".to_owned(),
                "manager".to_owned(),
                "yes".to_owned(),
                "3".to_owned(),
                "2026-11-24 08:00 UTC".to_owned(),
            ],
            [
                "jo".to_owned(),
                "Jérôme".to_owned(),
                "agent".to_owned(),
                "no".to_owned(),
                "-".to_owned(),
                "2026-11-24 09:00 UTC".to_owned(),
            ],
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("USERNAME  DISPLAY NAME  ROLE     ENABLED"));
        assert!(lines[2].starts_with("jo        Jérôme        agent    no "));
        let col = |l: &str| l.chars().take_while(|&c| c != '2').count();
        assert_eq!(col(lines[1]), col(lines[2]), "the created column lines up");
    }

    #[test]
    fn display_names_follow_the_store_rule() {
        assert!(parse_display_name("Marie Dupont").is_ok());
        assert!(parse_display_name("").is_err());
        assert!(parse_display_name("   ").is_err());
        assert!(parse_display_name("a\tb").is_err());
        assert!(parse_display_name(&"x".repeat(DISPLAY_NAME_MAX + 1)).is_err());
    }
}
