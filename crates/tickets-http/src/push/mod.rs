//! Web Push: a ticket's holder asks, from the ticket's page, to be told on their phone
//! when their turn nears, when they are next and when they are called. Every server
//! watches the queue's events, works out which subscribed tickets reached a new stage,
//! claims each stage of each ticket once in the store (so that with several servers one
//! only sends it), and sends it encrypted (RFC 8291) and signed with the office's VAPID
//! key (RFC 8292) to the browser's push service.

/// How a server sends push notifications.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Tell the holder when this many tickets or fewer are ahead (`TICKETS_PUSH_AHEAD`).
    pub ahead: u32,
    /// Send to private and local addresses too (`TICKETS_PUSH_ALLOW_PRIVATE`): for tests.
    pub allow_private: bool,
    /// The VAPID private key given (`TICKETS_VAPID_PRIVATE_KEY`); without it, one is made
    /// once and kept in the store.
    pub private_key: Option<String>,
    /// Who runs the server, for the push services (`TICKETS_VAPID_SUBJECT`).
    pub subject: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ahead: 3,
            allow_private: false,
            private_key: None,
            subject: "mailto:tickets@localhost".into(),
        }
    }
}

/// A server's push notifications: started once, stopped when dropped.
pub struct Push {
    settings: Settings,
}

impl Push {
    /// How many tickets ahead the first notice comes.
    pub fn ahead(&self) -> u32 {
        self.settings.ahead
    }
}
