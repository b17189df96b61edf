//! N full handshakes through the engine (the loop of `benches/engine.rs`), for counting
//! instructions with callgrind, which does not depend on what else the machine runs:
//!
//!     valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/handshake_count 20000
//!
//! Run it with two values of N: the difference of the totals divided by the difference
//! of N is the cost of one handshake, set-up excluded.

use std::time::{Duration, Instant};

use gspnp::engine::EngineConfig;

fn main() {
    let count: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let mut engine =
        gspnp_bench::serving_engine(EngineConfig { cooldown: Duration::ZERO, ..gspnp_bench::unlimited_config() });
    let t0 = Instant::now();
    for n in 0..count {
        let now = t0 + Duration::from_micros(u64::from(n));
        gspnp_bench::handshake(&mut engine, n, now, &gspnp_bench::subscribe(n));
    }
    println!("{count} handshakes");
}
