//! A token bucket per source address, in a bounded table.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// How many SUBSCRIBEs one source address may send: `burst` at once, then
/// `per_second` on average.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Bucket size.
    pub burst: u32,
    /// Refill rate.
    pub per_second: f64,
    /// The most source addresses tracked; when full, idle buckets are swept and, if
    /// still full, a new source is refused (a flood of forged sources cannot grow it).
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
}

/// The buckets.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<Ipv4Addr, Bucket>,
}

impl RateLimiter {
    /// An empty table enforcing `limit`.
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter { limit, buckets: HashMap::new() }
    }

    /// Takes one token for `source`; false when it has none left.
    pub fn admit(&mut self, source: Ipv4Addr, now: Instant) -> bool {
        if !self.buckets.contains_key(&source) && self.buckets.len() >= self.limit.max_sources {
            self.sweep(now);
            if self.buckets.len() >= self.limit.max_sources {
                return false;
            }
        }
        let burst = f64::from(self.limit.burst);
        let bucket = self.buckets.entry(source).or_insert(Bucket { tokens: burst, updated: now });
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

    /// Forgets buckets that have refilled completely: they would behave like new ones.
    fn sweep(&mut self, now: Instant) {
        let refill = if self.limit.per_second > 0.0 {
            Duration::from_secs_f64((f64::from(self.limit.burst) / self.limit.per_second).min(86_400.0))
        } else {
            Duration::from_secs(86_400)
        };
        self.buckets.retain(|_, bucket| now.saturating_duration_since(bucket.updated) < refill);
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
    fn a_flood_of_forged_sources_cannot_grow_the_table() {
        let mut limiter = RateLimiter::new(RateLimit { burst: 2, per_second: 1.0, max_sources: 100 });
        let t0 = Instant::now();
        let admitted = (0..10_000u32).filter(|i| limiter.admit(Ipv4Addr::from(0x0a00_0000 + i), t0)).count();
        assert_eq!(admitted, 100);
        assert_eq!(limiter.tracked(), 100);
        // Once the buckets have refilled they are swept and new sources get in again.
        assert!(limiter.admit(Ipv4Addr::new(198, 51, 100, 1), t0 + Duration::from_secs(3)));
    }
}
