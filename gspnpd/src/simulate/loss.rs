//! Reproducible datagram loss: a small seeded generator per phone (SplitMix64), so that a
//! phone's drops depend on the seed and its own datagrams, not on other phones' timing.

/// A SplitMix64 generator (Steele, Lea, Flood 2014): fast, tiny, good enough for loss.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator for phone `index` of a run seeded with `seed`.
    pub fn for_phone(seed: u64, index: usize) -> Rng {
        let mut mixer = Rng(seed ^ 0x6A09_E667_F3BC_C909);
        let offset = mixer.next_u64();
        Rng(offset.wrapping_add((index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `rate` (0 never, 1 always).
    pub fn chance(&mut self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        // 53 random bits as a float in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_drops_the_same_datagrams() {
        let draws = |seed, index| {
            let mut rng = Rng::for_phone(seed, index);
            (0..64).map(|_| rng.chance(0.2)).collect::<Vec<_>>()
        };
        assert_eq!(draws(7, 3), draws(7, 3));
        assert_ne!(draws(7, 3), draws(8, 3));
        assert_ne!(draws(7, 3), draws(7, 4));
    }

    #[test]
    fn the_rate_is_kept() {
        let mut rng = Rng::for_phone(1, 0);
        let dropped = (0..100_000).filter(|_| rng.chance(0.2)).count();
        assert!((19_000..21_000).contains(&dropped), "{dropped}");
        assert!(!Rng::for_phone(1, 0).chance(0.0));
        assert!(Rng::for_phone(1, 0).chance(1.0));
    }
}
