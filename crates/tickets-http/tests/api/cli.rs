//! `tickets account …`: the binary run against a `redis-server` of the test's own, under
//! a key prefix of its own, the password on standard input.

use std::io::Write;
use std::process::{Output, Stdio};

use chrono::{Duration, Utc};
use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::{
    AccountStore, AnyBackend, AuditFilter, KeyPrefix, RedisBackend, Role, Username,
};

use crate::startup::tickets;

const FIRST: &str = "premier mot de passe du guichet";
const SECOND: &str = "second mot de passe du guichet";

/// A Redis of its own and a prefix no other test uses.
struct Store {
    redis: RedisServer,
    prefix: KeyPrefix,
}

/// What a run of the binary gave.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Both outputs, for the assertions about what must never show.
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Ran {
    fn from(o: Output) -> Self {
        Ran {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `tickets account <args>` with the environment `env` and `stdin` as its input.
fn run_with(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Ran {
    let mut cmd = tickets();
    cmd.envs(env.iter().copied())
        .arg("account")
        .args(args)
        .stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("the tickets binary starts");
    {
        let mut input = child.stdin.take().expect("stdin");
        // The command may end before reading (a refusal): a closed pipe is fine.
        let _ = input.write_all(stdin.as_bytes());
    }
    child
        .wait_with_output()
        .expect("the tickets binary ends")
        .into()
}

impl Store {
    fn start() -> Self {
        Store {
            redis: RedisServer::start(),
            prefix: unique_prefix(),
        }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Ran {
        let url = self.redis.url();
        run_with(
            &[
                ("REDIS_URL", url.as_str()),
                ("TICKETS_KEY_PREFIX", self.prefix.as_str()),
            ],
            args,
            stdin,
        )
    }

    /// The store as the server would see it: same Redis, same prefix.
    async fn backend(&self) -> AnyBackend {
        let backend = RedisBackend::builder(self.redis.url())
            .prefix(self.prefix.clone())
            .build()
            .await
            .expect("the test redis-server answers");
        AnyBackend::Redis(backend)
    }
}

fn marie() -> Username {
    Username::parse("marie").expect("a valid name")
}

#[actix_web::test]
async fn accounts_are_added_listed_and_changed_from_the_command_line() {
    let store = Store::start();
    let backend = store.backend().await;
    let mut outputs = Vec::new();

    let add = store.run(
        &[
            "add",
            "marie",
            "--role",
            "manager",
            "--name",
            "Marie Dupont",
            "--desk",
            "3",
        ],
        &format!("{FIRST}\n"),
    );
    assert!(add.ok(), "{add:?}");
    assert!(add.stdout.contains("marie"), "{add:?}");
    assert!(
        !add.stderr.contains("in-memory"),
        "no memory warning on Redis: {add:?}"
    );
    outputs.push(add);

    let account = backend
        .account(&marie())
        .await
        .expect("the store answers")
        .expect("the account is in the server's store");
    assert_eq!(
        (
            account.display_name.as_str(),
            account.role,
            account.enabled,
            account.default_desk.as_ref().map(|d| d.as_str())
        ),
        ("Marie Dupont", Role::Manager, true, Some("3"))
    );
    assert!(account.verify_password(FIRST));

    // Role and display name default to agent and the username.
    let jo = store.run(&["add", "jo"], &format!("{SECOND}\n"));
    assert!(jo.ok(), "{jo:?}");
    outputs.push(jo);

    let list = store.run(&["list"], "");
    assert!(list.ok(), "{list:?}");
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert!(lines[0].starts_with("USERNAME"), "{list:?}");
    for column in ["DISPLAY NAME", "ROLE", "ENABLED", "DEFAULT DESK", "CREATED"] {
        assert!(lines[0].contains(column), "{column}: {list:?}");
    }
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let m = row_of(&list.stdout, "marie");
    assert_eq!(
        m[..5],
        ["marie", "Marie Dupont", "manager", "yes", "3"],
        "{list:?}"
    );
    assert!(m[5].starts_with(&today), "{list:?}");
    assert_eq!(
        row_of(&list.stdout, "jo")[..5],
        ["jo", "jo", "agent", "yes", "-"],
        "{list:?}"
    );
    assert!(
        !list.all().contains("$argon2"),
        "no hash is ever shown: {list:?}"
    );
    outputs.push(list);

    // A new password (with a CR LF line end) works, the old one no longer does, and the
    // account's sessions end.
    let session = backend
        .create_session(&marie(), None, Utc::now())
        .await
        .expect("the store answers")
        .expect("marie may sign in");
    let passwd = store.run(&["passwd", "marie"], &format!("{SECOND}\r\n"));
    assert!(passwd.ok(), "{passwd:?}");
    outputs.push(passwd);
    let account = backend.account(&marie()).await.unwrap().unwrap();
    assert!(
        account.verify_password(SECOND),
        "signs in with the new password"
    );
    assert!(!account.verify_password(FIRST), "not with the old one");
    let alive = backend
        .session(&session.id, Utc::now(), Duration::minutes(30))
        .await
        .expect("the store answers");
    assert!(alive.is_none(), "a password change signs the account out");

    let disable = store.run(&["disable", "marie"], "");
    assert!(disable.ok(), "{disable:?}");
    outputs.push(disable);
    assert!(!backend.account(&marie()).await.unwrap().unwrap().enabled);
    assert!(
        backend
            .create_session(&marie(), None, Utc::now())
            .await
            .unwrap()
            .is_none(),
        "a disabled account cannot sign in"
    );
    let list = store.run(&["list"], "");
    assert_eq!(row_of(&list.stdout, "marie")[3], "no", "{list:?}");
    outputs.push(list);
    let again = store.run(&["disable", "marie"], "");
    assert!(again.ok() && again.stdout.contains("already"), "{again:?}");
    outputs.push(again);

    let enable = store.run(&["enable", "marie"], "");
    assert!(enable.ok(), "{enable:?}");
    outputs.push(enable);
    assert!(backend.account(&marie()).await.unwrap().unwrap().enabled);

    // Every change is in the audit log, made by no account, from the command line.
    let entries = backend
        .audit(&AuditFilter::default(), 100, Utc::now())
        .await
        .expect("the store answers");
    let mut seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            assert_eq!((&e.account, e.role), (&None, None), "{e:?}");
            (e.action.as_str(), e.detail.as_str())
        })
        .collect();
    seen.reverse();
    assert_eq!(
        seen,
        [
            ("account.create", "from the command line: marie"),
            ("account.create", "from the command line: jo"),
            ("account.password", "from the command line: marie"),
            ("account.disable", "from the command line: marie"),
            ("account.enable", "from the command line: marie"),
        ],
        "one entry per change, none for the repeated disable"
    );

    for ran in &outputs {
        let all = ran.all();
        assert!(
            !all.contains(FIRST) && !all.contains(SECOND) && !all.contains("$argon2"),
            "a password or hash was printed: {ran:?}"
        );
    }
}

/// The cells of `name`'s row in a `list` output.
fn row_of(stdout: &str, name: &str) -> Vec<String> {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("a row for {name}: {stdout}"))
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

#[actix_web::test]
async fn passwords_against_the_rules_are_refused() {
    let store = Store::start();
    let backend = store.backend().await;

    let short = store.run(&["add", "marie"], "court123\n");
    assert_ne!(short.code, Some(0), "{short:?}");
    assert!(short.stderr.contains("at least 12 characters"), "{short:?}");
    assert!(!short.all().contains("court123"), "{short:?}");

    let example = store.run(&["add", "marie"], "change-me-to-a-long-passphrase\n");
    assert_eq!(example.code, Some(1), "{example:?}");
    assert!(example.stderr.contains("example password"), "{example:?}");

    let nothing = store.run(&["add", "marie"], "");
    assert_eq!(nothing.code, Some(1), "{nothing:?}");
    assert!(
        nothing.stderr.contains("no password on standard input"),
        "{nothing:?}"
    );

    // Never from an argument.
    let argument = store.run(&["add", "marie", "--password", FIRST], "");
    assert_ne!(argument.code, Some(0), "{argument:?}");

    assert!(
        backend.account(&marie()).await.unwrap().is_none(),
        "no account was made"
    );

    // The same rules for a new password, which leaves the old one in place.
    let add = store.run(&["add", "marie"], &format!("{FIRST}\n"));
    assert!(add.ok(), "{add:?}");
    let short = store.run(&["passwd", "marie"], "court123\n");
    assert_eq!(short.code, Some(1), "{short:?}");
    assert!(short.stderr.contains("at least 12 characters"), "{short:?}");
    assert!(
        backend
            .account(&marie())
            .await
            .unwrap()
            .unwrap()
            .verify_password(FIRST)
    );
}

#[actix_web::test]
async fn unknown_accounts_and_taken_names_are_refused() {
    let store = Store::start();
    for command in ["passwd", "disable", "enable"] {
        let ran = store.run(&[command, "ghost"], &format!("{FIRST}\n"));
        assert_eq!(ran.code, Some(1), "{command}: {ran:?}");
        assert!(
            ran.stderr.contains("no account named ghost"),
            "{command}: {ran:?}"
        );
        assert!(!ran.all().contains(FIRST), "{ran:?}");
    }

    let add = store.run(&["add", "marie"], &format!("{FIRST}\n"));
    assert!(add.ok(), "{add:?}");
    let taken = store.run(&["add", "marie"], &format!("{SECOND}\n"));
    assert_eq!(taken.code, Some(1), "{taken:?}");
    assert!(taken.stderr.contains("exists already"), "{taken:?}");
    let backend = store.backend().await;
    assert!(
        backend
            .account(&marie())
            .await
            .unwrap()
            .unwrap()
            .verify_password(FIRST),
        "the account keeps its password"
    );

    let bad_name = store.run(&["add", "Marie"], &format!("{FIRST}\n"));
    assert_ne!(bad_name.code, Some(0), "{bad_name:?}");
    assert!(bad_name.stderr.contains("lowercase"), "{bad_name:?}");
    let bad_role = store.run(&["add", "paul", "--role", "boss"], &format!("{FIRST}\n"));
    assert_ne!(bad_role.code, Some(0), "{bad_role:?}");
    let admin = store.run(&["add", "admin"], &format!("{FIRST}\n"));
    assert_eq!(admin.code, Some(1), "an agent named admin: {admin:?}");
}

#[test]
fn an_unreachable_store_is_reported() {
    // A port nothing listens on: a server started and stopped.
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.stop();
    let ran = run_with(
        &[
            ("REDIS_URL", url.as_str()),
            ("TICKETS_REDIS_TIMEOUT_SECONDS", "0.5"),
        ],
        &["list"],
        "",
    );
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("cannot use Redis at"), "{ran:?}");
    let ran = run_with(&[("TICKETS_STORE", "redis")], &["list"], "");
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("needs REDIS_URL"), "{ran:?}");
}

#[test]
fn the_memory_store_works_but_warns_that_it_forgets() {
    let add = run_with(&[], &["add", "marie"], &format!("{FIRST}\n"));
    assert!(add.ok(), "{add:?}");
    assert!(
        add.stderr.contains("in-memory store") && add.stderr.contains("REDIS_URL"),
        "{add:?}"
    );
    assert!(!add.all().contains(FIRST), "{add:?}");
    let list = run_with(&[], &["list"], "");
    assert!(list.ok(), "{list:?}");
    assert!(
        !list.stdout.contains("marie"),
        "gone with its process: {list:?}"
    );
    assert!(list.stderr.contains("in-memory store"), "{list:?}");
}
