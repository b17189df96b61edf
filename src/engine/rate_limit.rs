//! A token bucket per source address, in a bounded table that forgets the least
//! recently active source first.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::time::Instant;

/// How many SUBSCRIBEs one source address may send: `burst` at once, then
/// `per_second` on average.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Bucket size.
    pub burst: u32,
    /// Refill rate.
    pub per_second: f64,
    /// The most source addresses tracked; a new source beyond it replaces the least
    /// recently active one (a flood of forged sources cannot grow the table, nor lock
    /// out a real phone).
    pub max_sources: usize,
}

impl Default for RateLimit {
    fn default() -> Self {
        // A phone sends at most 5 SUBSCRIBEs per boot plus retransmissions; a NAT or
        // a SIP proxy may carry several phones from one address.
        RateLimit { burst: 40, per_second: 10.0, max_sources: 65_536 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    stamp: u64,
}

/// The buckets, and their sources from least to most recently active.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<Ipv4Addr, Bucket>,
    by_activity: BTreeMap<u64, Ipv4Addr>,
    next_stamp: u64,
}

impl RateLimiter {
    /// An empty table enforcing `limit`.
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter { limit, buckets: HashMap::new(), by_activity: BTreeMap::new(), next_stamp: 0 }
    }

    /// Takes one token for `source`; false when it has none left. O(log n).
    pub fn admit(&mut self, source: Ipv4Addr, now: Instant) -> bool {
        let burst = f64::from(self.limit.burst);
        if !self.buckets.contains_key(&source) && self.buckets.len() >= self.limit.max_sources.max(1) {
            if let Some((_, oldest)) = self.by_activity.pop_first() {
                self.buckets.remove(&oldest);
            }
        }
        self.next_stamp += 1;
        let stamp = self.next_stamp;
        let bucket = self.buckets.entry(source).or_insert(Bucket { tokens: burst, updated: now, stamp });
        self.by_activity.remove(&bucket.stamp);
        self.by_activity.insert(stamp, source);
        bucket.stamp = stamp;
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.limit.per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How many sources are tracked.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PHONE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 7);

    #[test]
    fn a_burst_is_admitted_then_refused_until_tokens_refill() {
        let mut limiter = RateLimiter::new(RateLimit { burst: 3, per_second: 2.0, max_sources: 8 });
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.admit(PHONE, t0)));
        assert!(!limiter.admit(PHONE, t0));
        assert!(limiter.admit(PHONE, t0 + Duration::from_millis(500)));
        assert!(!limiter.admit(PHONE, t0 + Duration::from_millis(500)));
    }

    #[test]
    fn sources_are_limited_independently() {
        let mut limiter = RateLimiter::new(RateLimit { burst: 1, per_second: 0.1, max_sources: 8 });
        let t0 = Instant::now();
        assert!(limiter.admit(PHONE, t0));
        assert!(!limiter.admit(PHONE, t0));
        assert!(limiter.admit(Ipv4Addr::new(192, 0, 2, 8), t0));
    }

    #[test]
    fn a_flood_of_forged_sources_neither_grows_the_table_nor_locks_out_a_phone() {
        let mut limiter = RateLimiter::new(RateLimit { burst: 2, per_second: 1.0, max_sources: 100 });
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            limiter.admit(Ipv4Addr::from(0x0a00_0000 + i), t0);
        }
        assert_eq!(limiter.tracked(), 100);
        assert!(limiter.admit(Ipv4Addr::new(198, 51, 100, 1), t0), "a new phone still gets in");
        // The least recently active source was forgotten, the busy one kept its state.
        assert!(limiter.admit(PHONE, t0) && limiter.admit(PHONE, t0));
        for i in 0..99u32 {
            limiter.admit(Ipv4Addr::from(0x0b00_0000 + i), t0);
        }
        assert!(!limiter.admit(PHONE, t0), "PHONE was recently active: its empty bucket is kept");
    }
}
