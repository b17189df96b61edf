//! Full handshakes through the engine without sockets: SUBSCRIBE in, answer and NOTIFY
//! out, the phone's 200 in. One iteration is one phone provisioned.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gspnp::engine::{Assignment, Engine, EngineConfig, RateLimit, Selector};
use std::hint::black_box;

const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 168, 5, 110), 5060);

fn handshakes(c: &mut Criterion) {
    let config = EngineConfig {
        max_devices: 1 << 20,
        // The 65,536 phones come round again: serve them again, as after a reboot.
        cooldown: Duration::ZERO,
        rate_limit: RateLimit { burst: u32::MAX, per_second: 1e9, max_sources: 1 << 20 },
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config).expect("an engine");
    let t0 = Instant::now();
    let selector = Selector { vendor: "Grandstream".into(), model: None };
    engine.set_default(t0, &selector, Some(Assignment::Url("http://192.168.5.110/gspnp/".into()))).expect("a URL");
    let subscribes: Vec<Vec<u8>> = (0..65_536).map(gspnp_bench::subscribe).collect();
    let mut n = 0usize;
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));
    group.bench_function("handshake", |b| {
        b.iter(|| {
            let phone = SocketAddrV4::new(Ipv4Addr::from(0x0a00_0000 + n as u32), 5080);
            let now = t0 + Duration::from_micros(n as u64);
            engine.handle_datagram(now, phone, LOCAL, black_box(&subscribes[n % subscribes.len()]));
            let _answer = engine.poll_transmit().expect("an answer");
            let notify = engine.poll_transmit().expect("a NOTIFY");
            engine.handle_datagram(now, phone, LOCAL, &gspnp_bench::ok_to(&notify.payload));
            while engine.poll_event().is_some() {}
            n += 1;
        })
    });
    group.finish();
}

criterion_group!(benches, handshakes);
criterion_main!(benches);
