//! The Lua scripts, one per operation, each loaded once with the shared prelude.

use redis::Script;

/// One [`Script`] per operation. `redis::Script` runs `EVALSHA` and loads the script
/// again when Redis answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
#[derive(Debug)]
pub(crate) struct Scripts {
    pub(crate) open_day: Script,
    pub(crate) close_day: Script,
    pub(crate) reset_day: Script,
    pub(crate) take: Script,
    pub(crate) call_next: Script,
    pub(crate) finish: Script,
    pub(crate) recall: Script,
    pub(crate) status: Script,
    pub(crate) snapshot: Script,
    pub(crate) ticket: Script,
}

macro_rules! script {
    ($file:literal) => {
        Script::new(concat!(
            include_str!("lua/lib.lua"),
            "\n",
            include_str!(concat!("lua/", $file))
        ))
    };
}

impl Scripts {
    pub(crate) fn load() -> Self {
        Scripts {
            open_day: script!("open_day.lua"),
            close_day: script!("close_day.lua"),
            reset_day: script!("reset_day.lua"),
            take: script!("take.lua"),
            call_next: script!("call_next.lua"),
            finish: script!("finish.lua"),
            recall: script!("recall.lua"),
            status: script!("status.lua"),
            snapshot: script!("snapshot.lua"),
            ticket: script!("ticket.lua"),
        }
    }
}
