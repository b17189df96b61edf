//! Full handshakes through the engine without sockets: SUBSCRIBE in, answer and NOTIFY
//! out, the phone's 200 in. One iteration is one phone provisioned. Measured with an
//! idle engine, and with 100,000 NOTIFYs pending (phones that never answer: 200,000
//! timers in the queue), where the timer heap's O(log n) shows.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gspnp::engine::{Engine, EngineConfig};
use gspnp_bench::LOCAL;
use std::hint::black_box;

/// The 65,536 phones come round again: serve them again, as after a reboot.
fn engine() -> Engine {
    gspnp_bench::serving_engine(EngineConfig { cooldown: Duration::ZERO, ..gspnp_bench::unlimited_config() })
}

/// Phones 0x800000 and up boot and never answer their NOTIFY.
fn leave_pending(engine: &mut Engine, count: u32, now: Instant) {
    for n in 0..count {
        let phone = SocketAddrV4::new(Ipv4Addr::from(0x0b00_0000 + n), 5080);
        engine.handle_datagram(now, phone, LOCAL, &gspnp_bench::subscribe(0x80_0000 + n));
        while let Some(transmit) = engine.poll_transmit() {
            engine.recycle(transmit.payload);
        }
        while engine.poll_event().is_some() {}
    }
}

fn handshakes(c: &mut Criterion) {
    let subscribes: Vec<Vec<u8>> = (0..65_536).map(gspnp_bench::subscribe).collect();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));
    for pending in [0, 100_000] {
        let mut engine = engine();
        let t0 = Instant::now();
        leave_pending(&mut engine, pending, t0);
        let name =
            if pending == 0 { "handshake".to_owned() } else { format!("handshake_with_{pending}_notifies_pending") };
        bench_handshakes(&mut group, &name, &mut engine, &subscribes, t0);
    }
    group.finish();
}

fn bench_handshakes(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    engine: &mut Engine,
    subscribes: &[Vec<u8>],
    t0: Instant,
) {
    let mut n = 0usize;
    group.bench_function(name, |b| {
        b.iter(|| {
            let now = t0 + Duration::from_micros(n as u64);
            gspnp_bench::handshake(engine, n as u32, now, black_box(&subscribes[n % subscribes.len()]));
            n += 1;
        })
    });
}

criterion_group!(benches, handshakes);
criterion_main!(benches);
