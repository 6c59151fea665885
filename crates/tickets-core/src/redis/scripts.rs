//! The Lua scripts, one per operation, each loaded once with the shared prelude (but the
//! two that read and write the office configuration, which touch no key of a day).

use std::ops::Deref;

use redis::Script;

/// One script: the [`Script`] (its SHA1, for `EVALSHA`) and its full text (for `EVAL` on
/// a server or cluster node that does not know it yet).
#[derive(Debug)]
pub(crate) struct Lua {
    script: Script,
    source: &'static str,
}

impl Lua {
    pub(super) fn new(source: &'static str) -> Self {
        Lua {
            script: Script::new(source),
            source,
        }
    }

    /// The call of this script with `keys` and `args`, packed once: `EVALSHA` with its
    /// hash, or `EVAL` with its text (`with_source`), which also loads it for later calls.
    pub(crate) fn command(
        &self,
        with_source: bool,
        keys: &[String],
        args: &[String],
    ) -> redis::Cmd {
        let mut cmd = if with_source {
            let mut c = redis::cmd("EVAL");
            c.arg(self.source);
            c
        } else {
            let mut c = redis::cmd("EVALSHA");
            c.arg(self.script.get_hash());
            c
        };
        cmd.arg(keys.len()).arg(keys).arg(args);
        cmd
    }
}

impl Deref for Lua {
    type Target = Script;

    fn deref(&self) -> &Script {
        &self.script
    }
}

/// One script per operation, each made of `lib.lua`, the parts it needs (`queues.lua`:
/// reading the queue index; `moves.lua`: moving tickets between queues; `desks.lua`: the
/// calling rule) and its own file: the whole text runs at every call, so a script carries
/// no function it does not use. Calls send `EVALSHA`; when Redis answers `NOSCRIPT` (after a
/// restart or `SCRIPT FLUSH`), the text goes with `EVAL`, which loads it for the next calls:
/// `call.rs` on one server, `cluster.rs` to the one node of a cluster that answered so.
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
}

macro_rules! script {
    ($file:literal $(, $part:literal)*) => {
        Lua::new(concat!(
            include_str!("lua/lib.lua"),
            "\n",
            $(include_str!(concat!("lua/", $part)), "\n",)*
            include_str!(concat!("lua/", $file))
        ))
    };
}

/// A script that runs without the prelude (it touches no key of a day).
macro_rules! standalone {
    ($file:literal) => {
        Lua::new(include_str!(concat!("lua/", $file)))
    };
}

impl Scripts {
    pub(crate) fn load() -> Self {
        Scripts {
            open_day: script!("open_day.lua"),
            close_day: script!("close_day.lua"),
            reset_day: script!("reset_day.lua"),
            take: script!("take.lua", "queues.lua"),
            call_next: script!("call_next.lua", "queues.lua", "moves.lua", "desks.lua"),
            call: script!("call.lua", "queues.lua", "moves.lua", "desks.lua"),
            transfer: script!("transfer.lua", "queues.lua", "moves.lua"),
            requeue: script!("requeue.lua", "queues.lua", "moves.lua"),
            leave: script!("leave.lua", "queues.lua", "moves.lua"),
            finish: script!("finish.lua"),
            recall: script!("recall.lua"),
            status: script!("status.lua", "queues.lua", "desks.lua"),
            snapshot: script!("snapshot.lua", "queues.lua"),
            ticket: script!("ticket.lua", "queues.lua"),
            waiting: script!("waiting.lua", "queues.lua"),
            history_close: script!("history_close.lua"),
            config_get: standalone!("config_get.lua"),
            secret: standalone!("secret.lua"),
            webhook_add: standalone!("webhook_add.lua"),
            webhook_enqueue: standalone!("webhook_enqueue.lua"),
            webhook_claim: standalone!("webhook_claim.lua"),
            webhook_finish: standalone!("webhook_finish.lua"),
            webhook_list: standalone!("webhook_list.lua"),
            webhook_resend: standalone!("webhook_resend.lua"),
            push_add: standalone!("push_add.lua"),
            push_remove: standalone!("push_remove.lua"),
            push_claim: standalone!("push_claim.lua"),
            config_put: standalone!("config_put.lua"),
        }
    }
}
