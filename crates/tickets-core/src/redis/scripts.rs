//! The Lua scripts, one per operation, with the shared prelude (but the two that read and
//! write the office configuration, which touch no key of a day), and the day's scripts as
//! one function library.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use redis::aio::ConnectionLike;
use redis::{RedisError, RedisResult, Script, ServerErrorKind};

/// One script: the [`Script`] (its SHA1, for `EVALSHA`), its full text (for `EVAL` on a
/// server or cluster node that does not know it yet) and, for a day's script, its function
/// in the [`Library`].
#[derive(Debug)]
pub(crate) struct Lua {
    script: Script,
    source: &'static str,
    function: Option<(String, Arc<Library>)>,
}

impl Lua {
    pub(super) fn new(source: &'static str) -> Self {
        Lua {
            script: Script::new(source),
            source,
            function: None,
        }
    }

    /// Its function and the library, while the library is in use.
    fn in_library(&self) -> Option<(&str, &Library)> {
        self.function
            .as_ref()
            .filter(|(_, library)| library.in_use())
            .map(|(name, library)| (name.as_str(), &**library))
    }

    /// The call of this script with `keys` and `args`, packed once: `FCALL` of its function
    /// while the library is in use, else `EVALSHA` with its hash; or `EVAL` with its text
    /// (`with_source`), which also loads it for later calls.
    pub(crate) fn command(
        &self,
        with_source: bool,
        keys: &[String],
        args: &[String],
    ) -> redis::Cmd {
        // Sized at once: grown an argument at a time, its buffer was copied a dozen times
        // per call (docs/benchmarks.md, item 23).
        let bytes: usize = keys.iter().chain(args).map(String::len).sum();
        let mut cmd = redis::Cmd::with_capacity(4 + keys.len() + args.len(), bytes + 64);
        if with_source {
            cmd.arg("EVAL").arg(self.source);
        } else if let Some((function, _)) = self.in_library() {
            cmd.arg("FCALL").arg(function);
        } else {
            cmd.arg("EVALSHA").arg(self.script.get_hash());
        }
        cmd.arg(keys.len()).arg(keys).arg(args);
        cmd
    }

    /// Whether `e` says that the server does not know this script (`NOSCRIPT`, after a
    /// restart or `SCRIPT FLUSH`) or its function (not loaded yet, or a server without
    /// functions): nothing ran, and [`Lua::reload`] says how to send it again.
    pub(crate) fn unknown(&self, e: &RedisError) -> bool {
        e.kind() == redis::ErrorKind::Server(ServerErrorKind::NoScript)
            || (self.in_library().is_some() && (function_missing(e) || functions_refused(e)))
    }

    /// After [`Lua::unknown`]: loads the library on `conn` when its function was missing,
    /// and answers whether the call must now go with its text (`EVAL`: `NOSCRIPT`, or a
    /// server that refuses functions, which then go unused). Fails only when `conn` does.
    pub(crate) async fn reload(
        &self,
        conn: &mut impl ConnectionLike,
        e: &RedisError,
    ) -> RedisResult<bool> {
        let Some((_, library)) = self.in_library() else {
            return Ok(true);
        };
        if functions_refused(e) {
            library.give_up(e);
            return Ok(true);
        }
        if !function_missing(e) {
            return Ok(true);
        }
        let load = redis::cmd("FUNCTION")
            .arg("LOAD")
            .arg("REPLACE")
            .arg(&library.source)
            .query_async::<String>(conn)
            .await;
        match load {
            Ok(_) => Ok(false),
            Err(e) if e.is_connection_dropped() || e.is_io_error() || e.is_timeout() => Err(e),
            Err(e) => {
                library.give_up(&e);
                Ok(true)
            }
        }
    }
}

/// `FCALL` of a function the server does not have (yet).
fn function_missing(e: &RedisError) -> bool {
    e.code() == Some("ERR")
        && e.detail()
            .is_some_and(|d| d.starts_with("Function not found"))
}

/// A server without functions (before Redis 7, or with `FCALL` renamed away) or a user
/// that may not call them.
fn functions_refused(e: &RedisError) -> bool {
    match e.code() {
        Some("ERR") => e.detail().is_some_and(|d| d.starts_with("unknown command")),
        Some("NOPERM") => true,
        _ => false,
    }
}

impl Deref for Lua {
    type Target = Script;

    fn deref(&self) -> &Script {
        &self.script
    }
}

/// The day's scripts as one Redis function library (`FUNCTION LOAD`, Redis 7): the
/// prelude and its parts run once, when the library is loaded, instead of at every call
/// (it defines some sixty functions, which cost a take about a tenth of its instructions
/// in Redis). Its name and its functions' names end with a hash of its text, so that
/// servers of two versions sharing a Redis each call their own. A server that refuses it
/// (no functions before Redis 7, or an ACL user that may not load them) gets the same
/// scripts by `EVALSHA`, the prelude in front of each.
#[derive(Debug)]
pub(crate) struct Library {
    /// `#!lua name=tickets_<hash>`, the prelude, then one `register_function` per script.
    source: String,
    /// Cleared for good when the server refuses the library.
    in_use: AtomicBool,
}

impl Library {
    fn in_use(&self) -> bool {
        self.in_use.load(Ordering::Relaxed)
    }

    fn give_up(&self, why: &RedisError) {
        if self.in_use.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                error = %why,
                "Redis refused the function library: the scripts go by EVALSHA, the prelude \
                 running at every call"
            );
        }
    }
}

/// One script per operation, each made of `lib.lua` and `commit.lua` (what a change
/// writes at its end), the parts it needs (`queues.lua`: reading the queue index;
/// `moves.lua`: moving tickets between queues; `desks.lua`: the calling rule) and its own
/// file; on a server with functions the day's scripts go as
/// functions of one [`Library`] (`FCALL`), loaded when a call finds its function missing.
/// Otherwise calls send `EVALSHA`; when Redis answers `NOSCRIPT` (after a restart or
/// `SCRIPT FLUSH`), the text goes with `EVAL`, which loads it for the next calls: `call.rs`
/// on one server, `cluster.rs` to the one node of a cluster that answered so.
#[derive(Debug)]
pub(crate) struct Scripts {
    pub(crate) open_day: Lua,
    pub(crate) close_day: Lua,
    pub(crate) reset_day: Lua,
    pub(crate) take: Lua,
    pub(crate) call_next: Lua,
    pub(crate) call: Lua,
    pub(crate) transfer: Lua,
    pub(crate) requeue: Lua,
    /// A ticket's holder leaves the queue.
    pub(crate) leave: Lua,
    pub(crate) finish: Lua,
    pub(crate) recall: Lua,
    pub(crate) status: Lua,
    pub(crate) snapshot: Lua,
    pub(crate) ticket: Lua,
    pub(crate) waiting: Lua,
    /// Closes a past day's history.
    pub(crate) history_close: Lua,
    /// Reads the office configuration (its own key, without the day's).
    pub(crate) config_get: Lua,
    /// Reads one of the office's secrets, making it the first time.
    pub(crate) secret: Lua,
    /// Registers a webhook.
    pub(crate) webhook_add: Lua,
    /// Enqueues webhook deliveries, each once.
    pub(crate) webhook_enqueue: Lua,
    /// Claims the webhook deliveries due.
    pub(crate) webhook_claim: Lua,
    /// Reports an attempt at a webhook delivery.
    pub(crate) webhook_finish: Lua,
    /// Lists the webhook deliveries kept.
    pub(crate) webhook_list: Lua,
    /// Sends a failed webhook delivery again.
    pub(crate) webhook_resend: Lua,
    /// Keeps a push subscription.
    pub(crate) push_add: Lua,
    /// Removes push subscriptions.
    pub(crate) push_remove: Lua,
    /// Claims a stage of a ticket's push notifications.
    pub(crate) push_claim: Lua,
    /// Replaces the office configuration (its own key, without the day's).
    pub(crate) config_put: Lua,
    /// Runs calls of take, call-next and finish as one (`batch.rs`, `run_batch` in
    /// `batch.lua`).
    pub(crate) batch: Lua,
}

/// The day's scripts whose calls a batch may hold ([`Scripts::batch`]): the hot path's
/// writes, which read nothing that a commit writes (the logs, counters, history).
pub(crate) const BATCHED: [&str; 3] = ["take", "call_next", "finish"];

/// The batch's whole text, for `EVAL` (a server without functions, a cluster): the
/// prelude, every part, the bodies of the [`BATCHED`] scripts, then the batch
/// (`batch.lua`).
const BATCH_WHOLE: &str = concat!(
    include_str!("lua/lib.lua"),
    "\n",
    include_str!("lua/commit.lua"),
    "\n",
    include_str!("lua/queues.lua"),
    "\n",
    include_str!("lua/moves.lua"),
    "\n",
    include_str!("lua/desks.lua"),
    "\nlocal BODIES = {}\nBODIES['take'] = function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n",
    include_str!("lua/take.lua"),
    "\nend\nBODIES['call_next'] = function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n",
    include_str!("lua/call_next.lua"),
    "\nend\nBODIES['finish'] = function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n",
    include_str!("lua/finish.lua"),
    "\nend\n",
    include_str!("lua/batch.lua"),
    "\nreturn run_batch(KEYS, ARGV, BODIES)\n",
);

/// A day's script: its file alone (a function of the library) and, for `EVAL`, its
/// whole text: the prelude, the parts it needs, the start of the call, then its file.
struct DayScript {
    name: &'static str,
    file: &'static str,
    whole: &'static str,
    /// It writes nothing (a function flagged `no-writes`, which Redis runs even when
    /// its memory is full, as it does a script that makes no write).
    read_only: bool,
}

macro_rules! script {
    ($name:expr, $read_only:literal, $file:literal $(, $part:literal)*) => {
        DayScript {
            name: $name,
            file: include_str!(concat!("lua/", $file)),
            whole: concat!(
                include_str!("lua/lib.lua"),
                "\n",
                include_str!("lua/commit.lua"),
                "\n",
                $(include_str!(concat!("lua/", $part)), "\n",)*
                "begin(KEYS, ARGV)\n",
                include_str!(concat!("lua/", $file))
            ),
            read_only: $read_only,
        }
    };
}

/// The prelude and every part, in the order the scripts' texts have them.
const PRELUDE: [&str; 5] = [
    include_str!("lua/lib.lua"),
    include_str!("lua/commit.lua"),
    include_str!("lua/queues.lua"),
    include_str!("lua/moves.lua"),
    include_str!("lua/desks.lua"),
];

/// A script that runs without the prelude (it touches no key of a day).
macro_rules! standalone {
    ($file:literal) => {
        Lua::new(include_str!(concat!("lua/", $file)))
    };
}

/// Makes the [`Scripts`]: each day script, named by its field, with whether it writes
/// nothing, its file and the parts it needs; then the standalone ones.
macro_rules! scripts {
    (
        $functions:expr;
        $($day:ident($read_only:literal, $file:literal $(, $part:literal)*)),* ;
        $($alone:ident($alone_file:literal)),* $(,)?
    ) => {{
        let day = [$(script!(stringify!($day), $read_only, $file $(, $part)*)),*];
        let (library, hash) = library(&day, $functions);
        let [$($day),*] = day.map(|d| Lua {
            script: Script::new(d.whole),
            source: d.whole,
            function: Some((format!("{}_{hash}", d.name), library.clone())),
        });
        Scripts {
            $($day,)*
            $($alone: standalone!($alone_file),)*
            batch: Lua {
                script: Script::new(BATCH_WHOLE),
                source: BATCH_WHOLE,
                function: Some((format!("batch_{hash}"), library)),
            },
        }
    }};
}

impl Scripts {
    /// The scripts, the day's as functions of a library when `functions` (on one server;
    /// a cluster's nodes would each need it loaded).
    pub(crate) fn load(functions: bool) -> Self {
        scripts!(
            functions;
            open_day(false, "open_day.lua"),
            close_day(false, "close_day.lua"),
            reset_day(false, "reset_day.lua"),
            take(false, "take.lua", "queues.lua"),
            call_next(false, "call_next.lua", "queues.lua", "moves.lua", "desks.lua"),
            call(false, "call.lua", "queues.lua", "moves.lua", "desks.lua"),
            transfer(false, "transfer.lua", "queues.lua", "moves.lua"),
            requeue(false, "requeue.lua", "queues.lua", "moves.lua"),
            leave(false, "leave.lua", "queues.lua", "moves.lua"),
            finish(false, "finish.lua"),
            recall(false, "recall.lua"),
            status(true, "status.lua", "queues.lua", "desks.lua"),
            snapshot(true, "snapshot.lua", "queues.lua"),
            ticket(true, "ticket.lua", "queues.lua"),
            waiting(true, "waiting.lua", "queues.lua"),
            history_close(false, "history_close.lua");
            config_get("config_get.lua"),
            secret("secret.lua"),
            webhook_add("webhook_add.lua"),
            webhook_enqueue("webhook_enqueue.lua"),
            webhook_claim("webhook_claim.lua"),
            webhook_finish("webhook_finish.lua"),
            webhook_list("webhook_list.lua"),
            webhook_resend("webhook_resend.lua"),
            push_add("push_add.lua"),
            push_remove("push_remove.lua"),
            push_claim("push_claim.lua"),
            config_put("config_put.lua"),
        )
    }
}

/// The library of the day's scripts, in use when `functions`, and the hash its names end
/// with: each script is a function that starts the call (`begin`) then runs its file. The
/// [`BATCHED`] ones are also bodies of the batch function (their function runs the body
/// outside any batch).
fn library(day: &[DayScript], functions: bool) -> (Arc<Library>, String) {
    let mut body = PRELUDE.join("\n");
    body.push_str("\nlocal BODIES = {}\n");
    for d in day {
        let flags = if d.read_only {
            ", flags = {'no-writes'}"
        } else {
            ""
        };
        if BATCHED.contains(&d.name) {
            // (Alone, the function forgets any batch a call that Redis stopped left.)
            body.push_str(&format!(
                "\ndo\nlocal body = function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n{file}\nend\n\
                 BODIES['{name}'] = body\n\
                 redis.register_function{{function_name = '{name}_@HASH@', callback = \
                 function(KEYS, ARGV)\nBATCH = nil\nreturn body(KEYS, ARGV)\n\
                 end{flags}}}\nend\n",
                name = d.name,
                file = d.file
            ));
        } else {
            body.push_str(&format!(
                "\nredis.register_function{{function_name = '{}_@HASH@', callback = \
                 function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n{}\nend{flags}}}\n",
                d.name, d.file
            ));
        }
    }
    body.push('\n');
    body.push_str(include_str!("lua/batch.lua"));
    body.push_str(
        "\nredis.register_function{function_name = 'batch_@HASH@', callback = \
         function(KEYS, ARGV)\nreturn run_batch(KEYS, ARGV, BODIES)\nend}\n",
    );
    let hash = Script::new(&body).get_hash()[..12].to_owned();
    let source = format!(
        "#!lua name=tickets_{hash}\n{}",
        body.replace("@HASH@", &hash)
    );
    let library = Library {
        source,
        in_use: AtomicBool::new(functions),
    };
    (Arc::new(library), hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(cmd: &redis::Cmd) -> String {
        String::from_utf8_lossy(&cmd.get_packed_command()).into_owned()
    }

    #[test]
    fn the_day_scripts_are_functions_named_with_the_hash_of_their_library() {
        let scripts = Scripts::load(true);
        let (name, library) = scripts.take.function.as_ref().expect("take is a function");
        let hash = library
            .source
            .strip_prefix("#!lua name=tickets_")
            .expect("the library's shebang first")
            .get(..12)
            .expect("a hash");
        assert_eq!(name, &format!("take_{hash}"));
        for (script, read_only) in [("call_next", false), ("status", true), ("waiting", true)] {
            let flags = if read_only {
                ", flags = {'no-writes'}"
            } else {
                ""
            };
            let registered = format!("function_name = '{script}_{hash}'");
            let at = library.source.find(&registered).expect(&registered);
            let rest = &library.source[at..];
            if BATCHED.contains(&script) {
                // Its body, also the batch's, then the function that runs it alone.
                assert!(
                    library
                        .source
                        .contains(&format!("BODIES['{script}'] = body"))
                );
                let alone = "function(KEYS, ARGV)\nBATCH = nil\nreturn body(KEYS, ARGV)\nend";
                assert!(
                    rest.contains(&format!("callback = {alone}{flags}}}\nend\n")),
                    "{script}: {}",
                    &rest[..rest.len().min(200)]
                );
                continue;
            }
            let function = rest[1..]
                .find("redis.register_function{")
                .map_or(rest, |next| &rest[..=next]);
            assert!(
                function.trim_end().ends_with(&format!("\nend{flags}}}")),
                "{script}: {}",
                &function[function.len().saturating_sub(60)..]
            );
        }
        let again = Scripts::load(true);
        assert_eq!(
            again.take.function.as_ref().map(|(_, l)| &l.source),
            Some(&library.source),
            "the same text, so the same hash, at every load"
        );
        let keys = ["k".to_owned()];
        let args = ["a".to_owned()];
        assert!(packed(&scripts.take.command(false, &keys, &args)).contains(&name[..]));
        assert!(packed(&scripts.take.command(false, &keys, &args)).contains("FCALL"));
        let eval = packed(&scripts.take.command(true, &keys, &args));
        assert!(eval.contains("EVAL") && eval.contains("begin(KEYS, ARGV)"));
        // The batch: a function of the library, and a whole script for EVAL.
        let batch = packed(&scripts.batch.command(false, &keys, &args));
        assert!(batch.contains("FCALL") && batch.contains(&format!("batch_{hash}")));
        let whole = packed(&scripts.batch.command(true, &keys, &args));
        for name in BATCHED {
            assert!(whole.contains(&format!("BODIES['{name}'] = function(KEYS, ARGV)")));
        }
        assert!(whole.contains("return run_batch(KEYS, ARGV, BODIES)"));
        // Standalone scripts, and every script of a cluster, go by EVALSHA.
        assert!(packed(&scripts.config_get.command(false, &keys, &args)).contains("EVALSHA"));
        let cluster = Scripts::load(false);
        assert!(packed(&cluster.take.command(false, &keys, &args)).contains("EVALSHA"));
    }

    #[test]
    fn a_server_that_refuses_functions_gets_evalsha_from_then_on() {
        let scripts = Scripts::load(true);
        let missing = RedisError::from((
            redis::ErrorKind::Server(ServerErrorKind::ResponseError),
            "An error was signalled by the server",
            "Function not found".to_owned(),
        ));
        assert!(scripts.take.unknown(&missing));
        let library = &scripts.take.function.as_ref().unwrap().1;
        library.give_up(&missing);
        assert!(!scripts.take.unknown(&missing), "no FCALL is sent any more");
        let keys = ["k".to_owned()];
        assert!(packed(&scripts.status.command(false, &keys, &[])).contains("EVALSHA"));
    }
}
