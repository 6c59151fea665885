//! The calling rule: which waiting ticket a desk calls next.
//!
//! A desk serves some services, in order of preference; each service has one queue per
//! priority class (people without priority form the class of weight 0). Call next looks
//! only at the head of each of those queues and takes, in this order:
//!
//! 1. a head that has waited longer than its service's `max_wait_minutes` (the longest
//!    waiting first);
//! 2. otherwise the head of highest priority weight, unless the desk's last
//!    `priority_ratio` calls were all priority tickets and a normal ticket waits;
//! 3. otherwise the earliest arrival across the desk's services.
//!
//! Remaining ties go to the service listed first for the desk. Both backends apply this
//! rule in one atomic step: the memory backend through [`choose`], the Redis scripts
//! through the same rule written in Lua (`lua/lib.lua`, `choose`); the conformance suite
//! holds them to the same answers.
//!
//! ```
//! use tickets_core::calling::{Head, choose};
//! let normal = Head { rank: 0, weight: 0, score: 1.0, taken_us: 0, max_wait_us: 0 };
//! let priority = Head { rank: 1, weight: 1, score: 5.0, taken_us: 50, max_wait_us: 0 };
//! // Priority first…
//! assert_eq!(choose(&[normal, priority], 100, 0, 2), Some(1));
//! // …but after two priority calls in a row, the normal ticket.
//! assert_eq!(choose(&[normal, priority], 100, 2, 2), Some(0));
//! ```

use std::cmp::Ordering;

/// The head of one queue (one service, one priority class) as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    /// The service's place in the desk's list of services (0 is the first).
    pub rank: usize,
    /// The weight of the queue's priority class (0 without priority).
    pub weight: u32,
    /// Its place in arrival order (the ticket number, or what a transfer gave it).
    pub score: f64,
    /// When it was taken, in microseconds since the epoch.
    pub taken_us: i64,
    /// The service's maximum wait in microseconds (0: none).
    pub max_wait_us: i64,
}

impl Head {
    /// Whether it waited longer than its service allows at `now_us`.
    pub fn overdue(&self, now_us: i64) -> bool {
        self.max_wait_us > 0 && now_us - self.taken_us > self.max_wait_us
    }
}

fn by_arrival(a: &Head, b: &Head) -> Ordering {
    a.score
        .partial_cmp(&b.score)
        .unwrap_or(Ordering::Equal)
        .then(a.rank.cmp(&b.rank))
}

/// The index in `heads` of the ticket to call, or `None` when `heads` is empty.
///
/// `streak` is how many priority tickets the desk called in a row just before; `ratio`
/// the desk's `priority_ratio` (0: no limit).
pub fn choose(heads: &[Head], now_us: i64, streak: u32, ratio: u32) -> Option<usize> {
    let pick = |keep: &dyn Fn(&Head) -> bool, order: &dyn Fn(&Head, &Head) -> Ordering| {
        heads
            .iter()
            .enumerate()
            .filter(|(_, h)| keep(h))
            .min_by(|(_, a), (_, b)| order(a, b))
            .map(|(i, _)| i)
    };
    if let Some(i) = pick(&|h| h.overdue(now_us), &|a, b| {
        a.taken_us.cmp(&b.taken_us).then_with(|| by_arrival(a, b))
    }) {
        return Some(i);
    }
    let normal_waits = heads.iter().any(|h| h.weight == 0);
    let held_back = ratio > 0 && streak >= ratio && normal_waits;
    if !held_back
        && let Some(i) = pick(&|h| h.weight > 0, &|a, b| {
            b.weight.cmp(&a.weight).then_with(|| by_arrival(a, b))
        })
    {
        return Some(i);
    }
    pick(&|h| h.weight == 0, &by_arrival)
}

/// The desk's priority streak after calling a ticket of `weight`.
pub fn next_streak(streak: u32, weight: u32) -> u32 {
    if weight > 0 {
        streak.saturating_add(1)
    } else {
        0
    }
}

/// The score that puts a ticket at the end of a queue whose last score is `tail` (if
/// any), when `counter` tickets were taken today: after every ticket there now and before
/// every ticket taken later (whose score is its number, above `counter`).
pub fn end_score(tail: Option<f64>, counter: u64) -> f64 {
    let s = tail.unwrap_or(0.0).max(counter as f64);
    s + (s.floor() + 1.0 - s) / 2.0
}

/// The score that puts a ticket at the front of a queue whose first score is `head`.
pub fn front_score(head: Option<f64>, own: f64) -> f64 {
    head.map_or(own, |h| h.min(own + 1.0) - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(rank: usize, weight: u32, score: f64, taken_us: i64, max_wait_us: i64) -> Head {
        Head {
            rank,
            weight,
            score,
            taken_us,
            max_wait_us,
        }
    }

    #[test]
    fn overdue_goes_first_the_longest_waiting_first() {
        let heads = [
            h(0, 1, 9.0, 90, 0),
            h(1, 0, 3.0, 30, 100),
            h(2, 0, 2.0, 20, 100),
        ];
        assert_eq!(choose(&heads, 200, 0, 0), Some(2));
        // Nobody overdue yet: priority.
        assert_eq!(choose(&heads, 110, 0, 0), Some(0));
    }

    #[test]
    fn the_ratio_lets_a_normal_ticket_through_only_when_one_waits() {
        let heads = [h(0, 1, 5.0, 0, 0), h(0, 0, 1.0, 0, 0)];
        assert_eq!(choose(&heads, 0, 1, 2), Some(0));
        assert_eq!(choose(&heads, 0, 2, 2), Some(1));
        assert_eq!(choose(&heads[..1], 0, 2, 2), Some(0));
    }

    #[test]
    fn higher_weight_first_then_arrival_then_desk_order() {
        let heads = [h(0, 1, 1.0, 0, 0), h(1, 2, 8.0, 0, 0), h(2, 2, 8.0, 0, 0)];
        assert_eq!(choose(&heads, 0, 0, 0), Some(1));
        let normal = [h(1, 0, 4.0, 0, 0), h(0, 0, 4.0, 0, 0), h(2, 0, 3.0, 0, 0)];
        assert_eq!(choose(&normal, 0, 0, 0), Some(2));
        assert_eq!(choose(&normal[..2], 0, 0, 0), Some(1));
        assert_eq!(choose(&[], 0, 0, 0), None);
    }

    #[test]
    fn end_and_front_scores_stay_between_arrivals() {
        assert_eq!(end_score(Some(4.0), 10), 10.5);
        assert_eq!(end_score(Some(10.5), 10), 10.75);
        assert_eq!(end_score(None, 3), 3.5);
        assert_eq!(front_score(Some(4.0), 9.0), 3.0);
        assert_eq!(front_score(None, 9.0), 9.0);
        assert_eq!(next_streak(3, 0), 0);
        assert_eq!(next_streak(3, 1), 4);
    }
}
