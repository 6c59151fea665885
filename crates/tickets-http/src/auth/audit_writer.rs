//! The audit lines of staff actions, written just after the answer, in batches.
//!
//! [`AuditWriter::record`] queues a line without waiting; one task takes what is queued
//! within 20 ms of the first line, up to 256 lines, and writes it in one store call
//! ([`AccountStore::record_audits`]: on Redis one script). A staff action so costs its
//! answer no second round trip to the store, and many actions share one write.
//!
//! [`AuditWriter::flush`] waits until every line queued before it is written: this
//! server's audit reads call it first, so they see the actions it answered, and so does
//! the server before it exits. A store that does not answer loses the batch (the log says
//! how many lines and which actions), never the actions.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use tickets_core::{AccountStore, AnyBackend, AuditEntry};
use tokio::sync::{mpsc, oneshot};

/// The most lines written in one store call.
const BATCH: usize = 256;
/// How long the first line of a batch waits for others (a flush does not wait).
const PACE: std::time::Duration = std::time::Duration::from_millis(20);

/// What the writer's task receives: a line, or a request to say when what came before it
/// is written.
enum Queued {
    Line(AuditEntry),
    Flush(oneshot::Sender<()>),
}

/// This server's writer of audit lines: a queue and the task that empties it into the
/// account store. The task starts on the first use within a tokio runtime (or at
/// [`Self::start`]) and ends once the writer is dropped and the queue is written.
pub struct AuditWriter {
    store: AnyBackend,
    queue: OnceLock<mpsc::UnboundedSender<Queued>>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("store", &self.store.name())
            .field("started", &self.queue.get().is_some())
            .finish()
    }
}

impl AuditWriter {
    /// A writer into `store`; nothing runs until it is first used.
    pub fn new(store: AnyBackend) -> Self {
        Self {
            store,
            queue: OnceLock::new(),
        }
    }

    /// Starts the task on the current tokio runtime, unless it runs already; whether it
    /// runs (not outside a runtime).
    pub fn start(&self) -> bool {
        self.queue().is_some()
    }

    /// The queue, the task started on the current runtime if it was not.
    fn queue(&self) -> Option<&mpsc::UnboundedSender<Queued>> {
        if let Some(queue) = self.queue.get() {
            return Some(queue);
        }
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        Some(self.queue.get_or_init(|| {
            let (queue, lines) = mpsc::unbounded_channel();
            runtime.spawn(write_lines(self.store.clone(), lines));
            queue
        }))
    }

    /// Queues `entry`, to be written just after; never waits.
    pub fn record(&self, entry: AuditEntry) {
        let lost = match self.queue() {
            Some(queue) => match queue.send(Queued::Line(entry)) {
                Ok(()) => return,
                Err(mpsc::error::SendError(Queued::Line(entry))) => entry,
                Err(_) => return,
            },
            None => entry,
        };
        tracing::error!(action = %lost.action, account = ?lost.account.as_ref().map(|a| a.as_str()),
            "the audit line of an action was lost: its writer does not run");
    }

    /// Waits until every line queued before this call is written (or lost, and logged).
    pub async fn flush(&self) {
        let Some(queue) = self.queue.get() else {
            return;
        };
        let (done, written) = oneshot::channel();
        if queue.send(Queued::Flush(done)).is_ok() {
            // An error: the task ended, with nothing left to write.
            let _ = written.await;
        }
    }
}

/// The task: takes what is queued, writes its lines in one store call, then answers the
/// flushes that were queued among them.
async fn write_lines(store: AnyBackend, mut queue: mpsc::UnboundedReceiver<Queued>) {
    let mut taken = Vec::with_capacity(BATCH);
    let mut lines = Vec::with_capacity(BATCH);
    let mut flushes = Vec::new();
    while queue.recv_many(&mut taken, BATCH).await > 0 {
        // Let the lines of a burst gather (unless someone waits for them): woken once per
        // PACE at most, not once per staff action, on its own thread.
        if !taken.iter().any(|q| matches!(q, Queued::Flush(_))) {
            tokio::time::sleep(PACE).await;
            while taken.len() < BATCH {
                match queue.try_recv() {
                    Ok(queued) => taken.push(queued),
                    Err(_) => break,
                }
            }
        }
        for queued in taken.drain(..) {
            match queued {
                Queued::Line(entry) => lines.push(entry),
                Queued::Flush(done) => flushes.push(done),
            }
        }
        write(&store, &lines).await;
        lines.clear();
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Writes `lines` in one call; a failure is logged with how many lines were lost and their
/// actions and accounts.
async fn write(store: &AnyBackend, lines: &[AuditEntry]) {
    if lines.is_empty() {
        return;
    }
    if let Err(e) = store.record_audits(lines).await {
        tracing::error!(error = %e, lines = lines.len(), actions = %actions_of(lines),
            accounts = %accounts_of(lines),
            "audit lines of staff actions were lost: the store does not answer");
    }
}

/// The actions of `lines` with their counts, in order of first appearance:
/// `tickets.call-next x3, tickets.finish-current x1`.
fn actions_of(lines: &[AuditEntry]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for line in lines {
        match counts.iter_mut().find(|(a, _)| *a == line.action) {
            Some((_, n)) => *n += 1,
            None => counts.push((&line.action, 1)),
        }
    }
    counts
        .iter()
        .map(|(a, n)| format!("{a} x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The accounts that made `lines`, by name, each once.
fn accounts_of(lines: &[AuditEntry]) -> String {
    let names: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.account.as_ref().map(|a| a.as_str()))
        .collect();
    names.into_iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickets_core::{AuditFilter, MemoryBackend, Role, Username};

    fn line(action: &str, account: &str) -> AuditEntry {
        AuditEntry::new(chrono::Utc::now(), action, "")
            .expect("an entry")
            .by(Username::parse(account).expect("a name"), Role::Agent)
    }

    #[tokio::test]
    async fn lines_queued_before_a_flush_are_read_after_it_in_order() {
        let store = MemoryBackend::new();
        let writer = AuditWriter::new(AnyBackend::Memory(store.clone()));
        writer.flush().await;
        for i in 0..600 {
            writer.record(line("tickets.call-next", &format!("agent-{i}")));
        }
        writer.flush().await;
        let read = store
            .audit(&AuditFilter::default(), 1000, chrono::Utc::now())
            .await
            .expect("read");
        assert_eq!(read.len(), 600);
        assert_eq!(
            read[0].account.as_ref().map(|a| a.as_str()),
            Some("agent-599")
        );
        assert_eq!(
            read[599].account.as_ref().map(|a| a.as_str()),
            Some("agent-0")
        );
    }

    #[tokio::test]
    async fn lines_left_in_the_queue_are_written_once_the_writer_is_dropped() {
        let store = MemoryBackend::new();
        let writer = AuditWriter::new(AnyBackend::Memory(store.clone()));
        writer.record(line("tickets.finish-current", "marie"));
        drop(writer);
        let mut read = Vec::new();
        // The line waits up to PACE for others before it is written.
        for _ in 0..200 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            read = store
                .audit(&AuditFilter::default(), 10, chrono::Utc::now())
                .await
                .expect("read");
            if !read.is_empty() {
                break;
            }
        }
        assert_eq!(read.len(), 1);
    }

    #[test]
    fn lost_lines_are_summed_up_by_action_and_account() {
        let lines = [
            line("tickets.call-next", "marie"),
            line("tickets.finish-current", "zoe"),
            line("tickets.call-next", "marie"),
        ];
        assert_eq!(
            actions_of(&lines),
            "tickets.call-next x2, tickets.finish-current x1"
        );
        assert_eq!(accounts_of(&lines), "marie, zoe");
    }

    #[test]
    fn outside_a_runtime_a_line_is_lost_not_a_panic() {
        let writer = AuditWriter::new(AnyBackend::Memory(MemoryBackend::new()));
        writer.record(line("tickets.call-next", "marie"));
        assert!(!writer.start());
    }
}
