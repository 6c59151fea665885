//! Runs one queue operation a given number of times on the memory backend, for
//! instruction counts under callgrind (`scripts/bench` does this):
//!
//! ```sh
//! cargo build --release -p tickets-core --example ops
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measure*' \
//!     target/release/examples/ops take 2000
//! ```
//!
//! Only the `measure_*` functions are counted (`--toggle-collect`); the set-up each
//! operation needs (the day opened, tickets taken before calls, desks holding a ticket
//! before finishes, 50 waiting tickets before snapshots) runs outside them.
//! Operations: `take`, `call`, `finish`, `status`, `snapshot`.

use std::hint::black_box;
use std::process::ExitCode;

use tickets_core::{DeskId, MemoryBackend, SnapshotOptions, TakeRequest, TicketQueue};
use tokio::runtime::Runtime;

type Queue = TicketQueue<MemoryBackend>;

// Plain (not async) functions that drive their own loop: an `async fn` would be inlined
// into its caller's future and callgrind could not tell it apart.

#[inline(never)]
fn measure_take(rt: &Runtime, queue: &Queue, count: usize) {
    rt.block_on(async {
        for _ in 0..count {
            black_box(queue.take(TakeRequest::default()).await.expect("take"));
        }
    });
}

#[inline(never)]
fn measure_call(rt: &Runtime, queue: &Queue, desk: &DeskId, count: usize) {
    rt.block_on(async {
        for _ in 0..count {
            black_box(queue.call_next(desk).await.expect("call_next"));
        }
    });
}

#[inline(never)]
fn measure_finish(rt: &Runtime, queue: &Queue, desks: &[DeskId]) {
    rt.block_on(async {
        for desk in desks {
            black_box(queue.finish(desk).await.expect("finish"));
        }
    });
}

#[inline(never)]
fn measure_status(rt: &Runtime, queue: &Queue, desk: &DeskId, count: usize) {
    rt.block_on(async {
        for _ in 0..count {
            black_box(queue.status(desk).await.expect("status"));
        }
    });
}

#[inline(never)]
fn measure_snapshot(rt: &Runtime, queue: &Queue, count: usize) {
    rt.block_on(async {
        for _ in 0..count {
            black_box(
                queue
                    .snapshot(SnapshotOptions::default())
                    .await
                    .expect("snapshot"),
            );
        }
    });
}

fn take_many(rt: &Runtime, queue: &Queue, n: usize) -> Result<(), String> {
    rt.block_on(async {
        for _ in 0..n {
            queue
                .take(TakeRequest::default())
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

fn run(rt: &Runtime, op: &str, count: usize) -> Result<(), String> {
    let queue = TicketQueue::new(MemoryBackend::new());
    rt.block_on(queue.open_day()).map_err(|e| e.to_string())?;
    let desk = DeskId::parse("1").map_err(|e| e.to_string())?;
    match op {
        "take" => measure_take(rt, &queue, count),
        "call" => {
            // One desk calling in turn, each call finishing the previous ticket, as a
            // desk at work does; one ticket waits beyond the last call.
            take_many(rt, &queue, count + 1)?;
            rt.block_on(queue.call_next(&desk))
                .map_err(|e| e.to_string())?;
            measure_call(rt, &queue, &desk, count);
        }
        "finish" => {
            let desks = (0..count)
                .map(|i| DeskId::parse(format!("d{i}")))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            take_many(rt, &queue, count)?;
            for d in &desks {
                rt.block_on(queue.call_next(d)).map_err(|e| e.to_string())?;
            }
            measure_finish(rt, &queue, &desks);
        }
        "status" => {
            take_many(rt, &queue, 50)?;
            measure_status(rt, &queue, &desk, count);
        }
        "snapshot" => {
            take_many(rt, &queue, 50)?;
            measure_snapshot(rt, &queue, count);
        }
        other => return Err(format!("unknown operation {other:?}")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(op), Some(count)) = (args.first(), args.get(1).and_then(|c| c.parse().ok())) else {
        eprintln!("usage: ops <take|call|finish|status|snapshot> <count>");
        return ExitCode::from(2);
    };
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ops: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&rt, op, count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ops: {e}");
            ExitCode::FAILURE
        }
    }
}
