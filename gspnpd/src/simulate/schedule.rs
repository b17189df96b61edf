//! When each phone next wants the runner: a min-heap of `(time, phone)`, so a turn costs
//! O(log n) per phone that is due instead of a scan of every phone.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// Wake-ups by time. An entry may be stale (the phone moved its time or ended); the
/// runner asks the phone, so a stale entry costs one look.
#[derive(Debug, Default)]
pub struct Schedule {
    heap: BinaryHeap<Reverse<(Instant, usize)>>,
}

impl Schedule {
    /// Wakes `phone` at `at` (again, if it is already scheduled).
    pub fn wake(&mut self, phone: usize, at: Option<Instant>) {
        if let Some(at) = at {
            self.heap.push(Reverse((at, phone)));
        }
    }

    /// The next phone due at or before `now`.
    pub fn due(&mut self, now: Instant) -> Option<usize> {
        let Reverse((at, _)) = self.heap.peek()?;
        if *at > now {
            return None;
        }
        self.heap.pop().map(|Reverse((_, phone))| phone)
    }

    /// The earliest wake-up, stale ones included.
    pub fn next(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn phones_come_due_in_time_order_and_not_before() {
        let t0 = Instant::now();
        let mut schedule = Schedule::default();
        schedule.wake(2, Some(t0 + Duration::from_millis(20)));
        schedule.wake(1, Some(t0 + Duration::from_millis(10)));
        schedule.wake(3, None);
        assert_eq!(schedule.next(), Some(t0 + Duration::from_millis(10)));
        assert_eq!(schedule.due(t0), None);
        assert_eq!(schedule.due(t0 + Duration::from_millis(15)), Some(1));
        assert_eq!(schedule.due(t0 + Duration::from_millis(15)), None);
        assert_eq!(schedule.due(t0 + Duration::from_millis(25)), Some(2));
        assert_eq!(schedule.next(), None);
    }
}
