//! Failed credentials per source address, so that Basic-auth passwords cannot be
//! guessed at the speed of the network: each source may fail a few times at once, then
//! once per [`FailureThrottle::new`]'s `every`; past that every request from it is
//! refused (429) without its credentials being looked at, until it has waited.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use lru::LruCache;

/// Sources remembered; the least recently failing is forgotten first.
const SOURCES: usize = 4096;

/// A token bucket of failures per source.
pub struct FailureThrottle {
    burst: f64,
    every: Duration,
    sources: Mutex<LruCache<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    left: f64,
    at: Instant,
}

impl FailureThrottle {
    /// `burst` failures at once, then one per `every`.
    pub fn new(burst: u32, every: Duration) -> FailureThrottle {
        let capacity = NonZeroUsize::new(SOURCES).unwrap_or(NonZeroUsize::MIN);
        FailureThrottle { burst: f64::from(burst), every, sources: Mutex::new(LruCache::new(capacity)) }
    }

    /// Whether `source` may try credentials now.
    pub fn may_try(&self, source: IpAddr, now: Instant) -> bool {
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        match sources.get(&source) {
            Some(bucket) => self.refilled(*bucket, now).left >= 1.0,
            None => true,
        }
    }

    /// Counts a failure of `source`.
    pub fn failed(&self, source: IpAddr, now: Instant) {
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = sources.get(&source).copied().unwrap_or(Bucket { left: self.burst, at: now });
        let mut bucket = self.refilled(bucket, now);
        bucket.left = (bucket.left - 1.0).max(0.0);
        sources.put(source, bucket);
    }

    /// How long a refused source should wait, for Retry-After.
    pub fn wait(&self) -> Duration {
        self.every
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> Bucket {
        let earned = now.saturating_duration_since(bucket.at).as_secs_f64() / self.every.as_secs_f64();
        Bucket { left: (bucket.left + earned).min(self.burst), at: now }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_that_keeps_failing_waits_and_others_do_not() {
        let throttle = FailureThrottle::new(3, Duration::from_secs(10));
        let (guesser, phone): (IpAddr, IpAddr) = ("192.0.2.66".parse().unwrap(), "192.0.2.7".parse().unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            assert!(throttle.may_try(guesser, start));
            throttle.failed(guesser, start);
        }
        assert!(!throttle.may_try(guesser, start), "the burst is spent");
        assert!(throttle.may_try(phone, start), "another source is not held");
        assert!(!throttle.may_try(guesser, start + Duration::from_secs(9)));
        assert!(throttle.may_try(guesser, start + Duration::from_secs(10)), "one more try after waiting");
    }
}
