//! Each thread's own connection to a single Redis server, shared by every call made on
//! that thread.
//!
//! A connection is multiplexed: the commands of the calls running at once on a thread are
//! written to its socket together and their answers read together, where a pooled
//! connection per call costs one write, one read and one wake-up each, on both sides.
//! And a connection is driven by a task of the thread that opened it: a connection of
//! another thread would wake that thread at every answer. So each thread opens its own,
//! through the pool's manager (through Sentinel too), and keeps it until it fails.
//!
//! A connection idle for a while is checked before it serves again, as the pool checks
//! its own ([`IDLE_PING_AFTER`]); a failure anywhere forgets every thread's connection
//! (after a Redis restart they are all dead, after a failover they lead to the old
//! primary).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use thread_local::ThreadLocal;

use super::builder::{IDLE_PING_AFTER, Pool, Pooled};
use crate::error::{Error, Result};

/// The connection of each thread that made a call.
#[derive(Default)]
pub(super) struct ThreadConnections {
    slots: ThreadLocal<RefCell<Option<Slot>>>,
    /// Bumped by [`ThreadConnections::forget_all`]: a connection opened before is not used
    /// again.
    epoch: AtomicU64,
}

struct Slot {
    conn: Pooled,
    epoch: u64,
    last_used: Instant,
}

impl ThreadConnections {
    /// This thread's connection, opened (or checked, after [`IDLE_PING_AFTER`] unused)
    /// when needed.
    pub(super) async fn get(&self, pool: &Pool) -> Result<Pooled> {
        let epoch = self.epoch.load(Ordering::Acquire);
        let idle = {
            let mut held = self.slots.get_or_default().borrow_mut();
            match held.as_mut() {
                Some(s) if s.epoch == epoch && s.last_used.elapsed() <= IDLE_PING_AFTER => {
                    s.last_used = Instant::now();
                    return Ok(s.conn.clone());
                }
                Some(s) if s.epoch == epoch => Some(s.conn.clone()),
                _ => None,
            }
        };
        let manager = pool.manager();
        let checked = match idle {
            Some(mut conn) => manager.check(&mut conn).await.is_ok().then_some(conn),
            None => None,
        };
        let conn = match checked {
            Some(conn) => conn,
            None => {
                use deadpool::managed::Manager;
                manager.create().await.map_err(Error::from)?
            }
        };
        // (The task may have moved to another thread meanwhile: it is that one's now.)
        *self.slots.get_or_default().borrow_mut() = Some(Slot {
            conn: conn.clone(),
            epoch,
            last_used: Instant::now(),
        });
        Ok(conn)
    }

    /// Forgets every thread's connection: each opens a new one at its next call.
    pub(super) fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}
