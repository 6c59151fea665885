//! The calls of take, call-next and finish made at once on one thread go to Redis as one
//! (`run_batch` in `lua/batch.lua`): each runs as it would alone, in the order they came,
//! and sees what the ones before it wrote; the batch then writes what they gathered (log
//! lines, counters, TTLs, history lines, events) once, events in one `PUBLISH`. Under load
//! this saves Redis the work each call repeated: the call itself, the type checks, and the
//! commands of the commit (docs/benchmarks.md, item 17).
//!
//! A call made while no call of its thread is on its way goes at once, alone, as it would
//! without batches. The calls made while one is on its way wait for it, then go together
//! (up to [`MAX_BATCH`] of one day), sent by a task of their own: a request that goes away
//! (its client hung up) never takes the others' answers with it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use thread_local::ThreadLocal;
use tokio::sync::oneshot;

use super::RedisBackend;
use super::call::Retry;
use super::scripts::Lua;
use crate::clock::{BusinessDay, Moment};
use crate::error::{Error, Result};

/// The scripts whose calls a batch holds (`scripts::BATCHED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Batched {
    Take,
    CallNext,
    Finish,
}

impl Batched {
    /// Its name among the batch's bodies (`BODIES` in the library).
    fn name(self) -> &'static str {
        match self {
            Batched::Take => "take",
            Batched::CallNext => "call_next",
            Batched::Finish => "finish",
        }
    }

    /// Its own script, for a call that goes alone.
    fn script(self, backend: &RedisBackend) -> &Lua {
        let scripts = &backend.inner.scripts;
        match self {
            Batched::Take => &scripts.take,
            Batched::CallNext => &scripts.call_next,
            Batched::Finish => &scripts.finish,
        }
    }
}

/// At most this many calls in one batch (a batch of 64 takes keeps Redis about 2 ms).
pub(super) const MAX_BATCH: usize = 64;

/// A call waiting for its batch.
struct Call {
    day: BusinessDay,
    op: Batched,
    argv: Vec<String>,
    answer: oneshot::Sender<Result<String>>,
}

/// A thread's calls waiting, and whether one of its calls or batches is on its way (then
/// whoever sends it sends the waiting ones after it).
#[derive(Default)]
struct Waiting {
    calls: Vec<Call>,
    sending: bool,
}

/// Each thread's waiting calls.
#[derive(Default)]
pub(super) struct Batches {
    threads: ThreadLocal<Arc<Mutex<Waiting>>>,
}

fn lock(waiting: &Mutex<Waiting>) -> MutexGuard<'_, Waiting> {
    waiting.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The answer of a call whose batch went away unsent (the runtime stopped).
fn unsent() -> Error {
    Error::Unavailable("the batch of this call was not sent".into())
}

impl RedisBackend {
    /// Runs `op` for the day of `at` with `args` (as [`RedisBackend::run`] does with its
    /// script, `Retry::Never`), in a batch when other calls of this thread are on their
    /// way; its reply as the script wrote it (each batched script answers a line, which
    /// `replies.rs` reads).
    pub(super) async fn run_batched_text(
        &self,
        op: Batched,
        at: &Moment,
        args: Vec<String>,
    ) -> Result<String> {
        let argv = self.argv(at, args);
        let waiting = self.inner.batches.threads.get_or_default().clone();
        let queued = {
            let mut w = lock(&waiting);
            if w.sending {
                let (answer, queued) = oneshot::channel();
                w.calls.push(Call {
                    day: at.day,
                    op,
                    argv,
                    answer,
                });
                Ok(queued)
            } else {
                w.sending = true;
                drop(w);
                Err(argv)
            }
        };
        match queued {
            Ok(queued) => queued.await.unwrap_or_else(|_| Err(unsent())),
            Err(argv) => {
                // Alone: this call goes now, then whoever came meanwhile, even when this
                // request goes away before its answer (see HandOff).
                let _hand_off = HandOff {
                    backend: self.clone(),
                    waiting,
                };
                let keys = self.day_keys(at.day);
                self.eval(op.script(self), &keys[..], &argv, Retry::Never)
                    .await
            }
        }
    }

    /// Sends the waiting calls of `stop`'s thread, a batch at a time, until none is left.
    /// (`stop` is an argument, so that a task dropped before it ran drops it too.)
    async fn send_waiting(self, mut stop: StopSending) {
        loop {
            let batch = {
                let mut w = lock(&stop.waiting);
                if w.calls.is_empty() {
                    w.sending = false;
                    drop(w);
                    stop.done = true;
                    return;
                }
                next_batch(&mut w.calls)
            };
            self.send_batch(batch).await;
        }
    }

    /// Sends `batch` (calls of one day) and gives each call its answer.
    async fn send_batch(&self, mut batch: Vec<Call>) {
        let Some(first) = batch.first() else {
            return;
        };
        let keys = self.day_keys(first.day);
        if batch.len() == 1 {
            for call in batch {
                let answer = self
                    .eval(call.op.script(self), &keys[..], &call.argv, Retry::Never)
                    .await;
                let _ = call.answer.send(answer);
            }
            return;
        }
        let mut argv = Vec::with_capacity(batch.iter().map(|c| c.argv.len() + 2).sum());
        for call in &mut batch {
            argv.push(call.op.name().to_owned());
            argv.push(call.argv.len().to_string());
            argv.append(&mut call.argv);
        }
        let sent = self
            .eval(&self.inner.scripts.batch, &keys[..], &argv, Retry::Never)
            .await;
        match sent {
            Ok(text) => {
                let mut answers = text.split('\n');
                for call in batch {
                    let answer = match answers.next() {
                        Some(line) => answer_of(line),
                        None => Err(Error::corrupt(
                            "a key of the day",
                            "the batch answered fewer calls than it held",
                        )),
                    };
                    let _ = call.answer.send(answer);
                }
            }
            Err(e) => {
                for call in batch {
                    let _ = call.answer.send(Err(shared(&e)));
                }
            }
        }
    }
}

/// The calls of the next batch: the first waiting call's day, up to [`MAX_BATCH`], in the
/// order they came (the others keep waiting).
fn next_batch(calls: &mut Vec<Call>) -> Vec<Call> {
    let day = calls[0].day;
    if calls.len() <= MAX_BATCH && calls.iter().all(|c| c.day == day) {
        return std::mem::take(calls);
    }
    let (mut batch, mut rest) = (Vec::new(), Vec::new());
    for call in calls.drain(..) {
        if call.day == day && batch.len() < MAX_BATCH {
            batch.push(call);
        } else {
            rest.push(call);
        }
    }
    *calls = rest;
    batch
}

/// One call's answer in the batch's: its JSON, or `!` and its error as Redis would have
/// answered it alone.
fn answer_of(line: &str) -> Result<String> {
    let Some(error) = line.strip_prefix('!') else {
        return Ok(line.to_owned());
    };
    let reply = format!("-{error}\r\n");
    match redis::parse_redis_value(reply.as_bytes()).and_then(redis::Value::extract_error) {
        Err(e) => Err(e.into()),
        Ok(_) => Err(Error::corrupt("a key of the day", error)),
    }
}

/// The error of a batch that failed whole, for each of its calls.
fn shared(e: &Error) -> Error {
    match e {
        Error::Unavailable(source) => Error::Unavailable(source.to_string().into()),
        Error::Corrupt { key, detail } => Error::corrupt(key.clone(), detail),
        other => Error::Backend(other.to_string().into()),
    }
}

/// Held while a call goes alone: when it is done (or its request went away), the calls
/// that came meanwhile go, by a task of their own.
struct HandOff {
    backend: RedisBackend,
    waiting: Arc<Mutex<Waiting>>,
}

impl Drop for HandOff {
    fn drop(&mut self) {
        let mut w = lock(&self.waiting);
        if w.calls.is_empty() {
            w.sending = false;
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                drop(w);
                let stop = StopSending {
                    waiting: Arc::clone(&self.waiting),
                    done: false,
                };
                runtime.spawn(self.backend.clone().send_waiting(stop));
            }
            Err(_) => {
                // No runtime left to send them: their callers hear so.
                w.sending = false;
                w.calls.clear();
            }
        }
    }
}

/// Held by the task that sends the waiting calls: if it stops before it is done (its
/// runtime stopped, even before it ran), the calls still waiting hear so and the next
/// call goes again.
struct StopSending {
    waiting: Arc<Mutex<Waiting>>,
    done: bool,
}

impl Drop for StopSending {
    fn drop(&mut self) {
        if !self.done {
            let mut w = lock(&self.waiting);
            w.sending = false;
            w.calls.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_line_is_the_json_or_the_error_redis_would_give() {
        assert_eq!(answer_of("{\"a\":1}").unwrap(), "{\"a\":1}");
        match answer_of("!CORRUPT idem:k holds junk") {
            Err(Error::Corrupt { detail, .. }) => {
                assert!(detail.contains("holds junk"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            answer_of("!WRONGTYPE Operation against a key holding the wrong kind of value"),
            Err(Error::Corrupt { .. })
        ));
        assert!(matches!(
            answer_of("!ERR something else"),
            Err(Error::Backend(_))
        ));
    }
}
