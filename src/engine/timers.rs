//! Deadlines in a binary heap: O(log n) to add and to expire. There is no
//! cancellation: an item names what it is for (a NOTIFY by its transaction id, a
//! ticket), and the engine ignores an item whose transaction or ticket is gone when it
//! comes due.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// A min-heap of `(deadline, item)`. Items are compared only through their deadline and
/// insertion order, so equal deadlines fire first-in first-out.
#[derive(Debug)]
pub struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    sequence: u64,
}

#[derive(Debug)]
struct Entry<T> {
    deadline: Instant,
    sequence: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.sequence) == (other.deadline, other.sequence)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.sequence).cmp(&(other.deadline, other.sequence))
    }
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        TimerQueue { heap: BinaryHeap::new(), sequence: 0 }
    }
}

impl<T> TimerQueue<T> {
    /// Schedules `item` at `deadline`.
    pub fn push(&mut self, deadline: Instant, item: T) {
        self.sequence += 1;
        self.heap.push(Reverse(Entry { deadline, sequence: self.sequence, item }));
    }

    /// How many entries are queued, stale ones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The earliest deadline, items the engine will ignore included (waking early is harmless).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(entry)| entry.deadline)
    }

    /// Removes and returns the earliest item due at or before `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<T> {
        if self.heap.peek()?.0.deadline > now {
            return None;
        }
        self.heap.pop().map(|Reverse(entry)| entry.item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn items_come_out_in_deadline_order_and_only_when_due() {
        let t0 = Instant::now();
        let mut timers = TimerQueue::default();
        timers.push(t0 + Duration::from_secs(3), "c");
        timers.push(t0 + Duration::from_secs(1), "a");
        timers.push(t0 + Duration::from_secs(1), "b");
        assert_eq!(timers.next_deadline(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(timers.pop_due(t0), None);
        let due: Vec<_> = std::iter::from_fn(|| timers.pop_due(t0 + Duration::from_secs(2))).collect();
        assert_eq!(due, ["a", "b"]);
        assert_eq!(timers.pop_due(t0 + Duration::from_secs(3)), Some("c"));
    }
}
