//! Micro-benchmarks of the core operations on the memory backend, so that a regression
//! shows without Redis or HTTP: `cargo bench -p tickets-core --bench queue`.
//!
//! Each operation goes through the facade (`TicketQueue`), so the clock reading and the
//! business-day arithmetic are included, as they are for every request of the server.
//! Writes run in batches on a fresh queue (at most [`BATCH`] tickets a day) so the day's
//! size stays that of a busy office whatever the number of iterations criterion picks.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tickets_core::{DeskId, MemoryBackend, SnapshotOptions, TakeRequest, TicketQueue};
use tokio::runtime::Runtime;

type Queue = TicketQueue<MemoryBackend>;

/// Tickets of one fresh day, at most.
const BATCH: u64 = 2_000;
/// Desks holding a ticket before the timed finishes.
const FINISH_BATCH: u64 = 64;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

fn open_queue(rt: &Runtime) -> Queue {
    let queue = TicketQueue::new(MemoryBackend::new());
    rt.block_on(queue.open_day()).expect("open the day");
    queue
}

fn take_many(rt: &Runtime, queue: &Queue, n: u64) {
    rt.block_on(async {
        for _ in 0..n {
            queue.take(TakeRequest::default()).await.expect("take");
        }
    });
}

/// Runs `iters` timed operations in batches of at most `batch`, each batch on a queue
/// prepared (untimed) by `setup`.
fn batched<S, T>(iters: u64, batch: u64, mut setup: S, mut timed: T) -> Duration
where
    S: FnMut(u64) -> Queue,
    T: FnMut(&Queue, u64),
{
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(batch);
        let queue = setup(n);
        let start = Instant::now();
        timed(&queue, n);
        total += start.elapsed();
        left -= n;
    }
    total
}

fn operations(c: &mut Criterion) {
    let rt = runtime();
    let desk = DeskId::parse("1").expect("a desk");

    c.bench_function("take", |b| {
        b.iter_custom(|iters| {
            batched(
                iters,
                BATCH,
                |_| open_queue(&rt),
                |queue, n| {
                    rt.block_on(async {
                        for _ in 0..n {
                            black_box(queue.take(TakeRequest::default()).await.expect("take"));
                        }
                    })
                },
            )
        })
    });

    c.bench_function("call_next", |b| {
        b.iter_custom(|iters| {
            batched(
                iters,
                BATCH,
                |n| {
                    let queue = open_queue(&rt);
                    take_many(&rt, &queue, n + 1);
                    rt.block_on(queue.call_next(&desk)).expect("call_next");
                    queue
                },
                |queue, n| {
                    rt.block_on(async {
                        for _ in 0..n {
                            black_box(queue.call_next(&desk).await.expect("call_next"));
                        }
                    })
                },
            )
        })
    });

    let desks: Vec<DeskId> = (0..FINISH_BATCH)
        .map(|i| DeskId::parse(format!("d{i}")).expect("a desk"))
        .collect();
    c.bench_function("finish", |b| {
        b.iter_custom(|iters| {
            batched(
                iters,
                FINISH_BATCH,
                |n| {
                    let queue = open_queue(&rt);
                    take_many(&rt, &queue, n);
                    rt.block_on(async {
                        for d in &desks[..n as usize] {
                            queue.call_next(d).await.expect("call_next");
                        }
                    });
                    queue
                },
                |queue, n| {
                    rt.block_on(async {
                        for d in &desks[..n as usize] {
                            black_box(queue.finish(d).await.expect("finish"));
                        }
                    })
                },
            )
        })
    });

    let queue = open_queue(&rt);
    take_many(&rt, &queue, 50);
    c.bench_function("status", |b| {
        b.iter(|| black_box(rt.block_on(queue.status(&desk)).expect("status")))
    });
    c.bench_function("snapshot_50_waiting", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(queue.snapshot(SnapshotOptions::default()))
                    .expect("snapshot"),
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = operations
}
criterion_main!(benches);
