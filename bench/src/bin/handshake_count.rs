//! N full handshakes through the engine (the loop of `benches/engine.rs`), for counting
//! instructions with callgrind, which does not depend on what else the machine runs:
//!
//!     valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/handshake_count 20000
//!
//! Run it with two values of N: the difference of the totals divided by the difference
//! of N is the cost of one handshake, set-up excluded.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use gspnp::engine::EngineConfig;
use gspnp_bench::LOCAL;

fn main() {
    let count: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let mut engine =
        gspnp_bench::serving_engine(EngineConfig { cooldown: Duration::ZERO, ..gspnp_bench::unlimited_config() });
    let t0 = Instant::now();
    for n in 0..count {
        let phone = SocketAddrV4::new(Ipv4Addr::from(0x0a00_0000 + n), 5080);
        let now = t0 + Duration::from_micros(u64::from(n));
        engine.handle_datagram(now, phone, LOCAL, &gspnp_bench::subscribe(n));
        let _answer = engine.poll_transmit().expect("an answer");
        let notify = engine.poll_transmit().expect("a NOTIFY");
        engine.handle_datagram(now, phone, LOCAL, &gspnp_bench::ok_to(&notify.payload));
        engine.handle_timeout(now);
        while let Some(transmit) = engine.poll_transmit() {
            engine.recycle(transmit.payload);
        }
        while engine.poll_event().is_some() {}
    }
    println!("{count} handshakes");
}
