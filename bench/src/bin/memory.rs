//! Memory figures for BENCHMARKS.md: bytes per tracked device with 100,000 devices, the
//! peak resident set of a flood of 1,000,000 distinct MACs from forged sources, and the
//! heap allocations the engine makes per handshake and per datagram it drops or repeats.
//! Run: `cargo run --release -p gspnp-bench --bin memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, Engine, EngineConfig, Mode, RateLimit, Selector};
use gspnp_bench::LOCAL;

/// Counts live heap bytes, and allocations made.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|line| line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()))
        .unwrap_or(0)
}

fn phone(n: u32) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::from(0x0a00_0000 + n), 5080)
}

/// Live heap bytes per device once `devices` phones have been seen and the engine has
/// settled (transactions expired), in `mode`.
fn bytes_per_device(devices: u32, mode: Mode) -> (f64, f64) {
    let t0 = Instant::now();
    let before = LIVE.load(Ordering::Relaxed);
    let config = EngineConfig { mode, max_devices: devices as usize, ..gspnp_bench::unlimited_config() };
    let mut engine = gspnp_bench::serving_engine(config);
    for n in 0..devices {
        engine.handle_datagram(t0, phone(n), LOCAL, &gspnp_bench::subscribe(n));
        let _answer = engine.poll_transmit();
        if let Some(notify) = engine.poll_transmit() {
            engine.handle_datagram(t0, phone(n), LOCAL, &gspnp_bench::ok_to(&notify.payload));
        }
        while engine.poll_event().is_some() {}
    }
    let busy = LIVE.load(Ordering::Relaxed) - before;
    engine.handle_timeout(t0 + Duration::from_secs(120));
    let settled = LIVE.load(Ordering::Relaxed) - before;
    assert_eq!(engine.devices().count(), devices as usize);
    drop(engine);
    (busy as f64 / f64::from(devices), settled as f64 / f64::from(devices))
}

/// Floods an engine with `macs` distinct MACs from `macs` forged sources, with a real
/// phone every 10,000th datagram; returns how many real phones were answered.
fn flood(macs: u32) -> (u32, u32) {
    let t0 = Instant::now();
    let mut engine = Engine::new(EngineConfig::default()).expect("an engine");
    let selector = Selector { vendor: "Grandstream".into(), model: Some("GRP2614".into()) };
    engine.set_default(t0, &selector, Some(Assignment::Url("http://192.168.5.110/gspnp/".into()))).expect("a URL");
    let (mut real, mut served) = (0, 0);
    for n in 0..macs {
        let now = t0 + Duration::from_micros(u64::from(n));
        if n % 10_000 == 0 {
            real += 1;
            let source = SocketAddrV4::new(Ipv4Addr::new(192, 168, 7, (real % 250) as u8 + 1), 5080);
            engine.handle_datagram(now, source, LOCAL, &gspnp_bench::subscribe(0xf0_0000 + real));
            let answered = std::iter::from_fn(|| engine.poll_transmit()).count();
            served += u32::from(answered == 2);
        } else {
            // Not a GRP2614: recorded but never answered.
            let forged = String::from_utf8(gspnp_bench::subscribe(n)).expect("ASCII").replace("GRP2614", "GRP9999");
            engine.handle_datagram(now, phone(n), LOCAL, forged.as_bytes());
        }
        while engine.poll_event().is_some() {}
        if n % 4096 == 0 {
            engine.handle_timeout(now);
        }
    }
    (real, served)
}

/// Allocations and bytes allocated so far.
fn allocated() -> (usize, usize) {
    (ALLOCATIONS.load(Ordering::Relaxed), ALLOCATED.load(Ordering::Relaxed))
}

/// Sends what the engine wants sent as the runtime does (the payloads go back for
/// reuse) and takes its events; returns the phone's 200 to the last datagram.
fn drain(engine: &mut Engine) -> Option<Vec<u8>> {
    let mut answer = None;
    while let Some(transmit) = engine.poll_transmit() {
        if answer.is_none() && transmit.payload.starts_with(b"NOTIFY") {
            answer = Some(gspnp_bench::ok_to(&transmit.payload));
        }
        engine.recycle(transmit.payload);
    }
    while engine.poll_event().is_some() {}
    answer
}

/// Heap allocations (count, bytes) per call of `datagram` for `n` calls, after a warm-up.
fn allocations_per(engine: &mut Engine, n: u32, mut datagram: impl FnMut(&mut Engine, u32)) -> (f64, f64) {
    for i in 0..64 {
        datagram(engine, i);
    }
    let (count, bytes) = allocated();
    for i in 64..64 + n {
        datagram(engine, i);
    }
    let (count_after, bytes_after) = allocated();
    ((count_after - count) as f64 / f64::from(n), (bytes_after - bytes) as f64 / f64::from(n))
}

/// Allocations of a full handshake, and of datagrams that change nothing.
fn allocations() {
    const N: u32 = 10_000;
    let t0 = Instant::now();
    let subscribes: Vec<Vec<u8>> = (0..N + 64).map(gspnp_bench::subscribe).collect();
    let mut engine = gspnp_bench::serving_engine(gspnp_bench::unlimited_config());
    let mut answers = Vec::new();
    let mut phone_side = (0usize, 0usize);
    let handshake = allocations_per(&mut engine, N, |engine, i| {
        engine.handle_datagram(t0, phone(i), LOCAL, &subscribes[i as usize]);
        // The phone's 200 is the bench's allocation, not the engine's.
        let before = allocated();
        let ok = drain(engine).expect("a NOTIFY");
        let after = allocated();
        phone_side = (phone_side.0 + after.0 - before.0, phone_side.1 + after.1 - before.1);
        engine.handle_datagram(t0, phone(i), LOCAL, &ok);
        drain(engine);
        answers.push(ok);
    });
    let per_phone = |total: usize| total as f64 / f64::from(N + 64);
    let handshake = (handshake.0 - per_phone(phone_side.0), handshake.1 - per_phone(phone_side.1));
    println!("allocations: full handshake {:.1} ({:.0} B)", handshake.0, handshake.1);
    let repeated = allocations_per(&mut engine, N, |engine, i| {
        let n = i % 64;
        engine.handle_datagram(t0, phone(n), LOCAL, &subscribes[n as usize]);
        drain(engine);
    });
    println!("allocations: SUBSCRIBE retransmission answered again {:.1} ({:.0} B)", repeated.0, repeated.1);
    let garbage = b"\x16\x03\x01 not SIP at all\r\n\r\n";
    let malformed = allocations_per(&mut engine, N, |engine, i| {
        engine.handle_datagram(t0, phone(i), LOCAL, garbage);
        drain(engine);
    });
    println!("allocations: malformed datagram {:.1} ({:.0} B)", malformed.0, malformed.1);
    let options = b"OPTIONS sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
    let other = allocations_per(&mut engine, N, |engine, i| {
        engine.handle_datagram(t0, phone(i), LOCAL, options);
        drain(engine);
    });
    println!("allocations: another SIP request (OPTIONS) {:.1} ({:.0} B)", other.0, other.1);
    let limited_config = EngineConfig {
        rate_limit: RateLimit { burst: 1, per_second: 0.001, max_sources: 16 },
        ..EngineConfig::default()
    };
    let mut limited = Engine::new(limited_config).expect("an engine");
    let flood = allocations_per(&mut limited, N, |engine, i| {
        engine.handle_datagram(t0, phone(0), LOCAL, &subscribes[i as usize]);
        drain(engine);
    });
    println!("allocations: rate-limited SUBSCRIBE {:.1} ({:.0} B)", flood.0, flood.1);
}

fn main() {
    // The flood first: the peak resident set is the process's high-water mark.
    let (real, served) = flood(1_000_000);
    let peak = peak_rss_kib();
    println!("flood: 1000000 MACs, default limits: real phones served {served}/{real}; peak RSS {peak} KiB");
    for mode in [Mode::Discover, Mode::Provision] {
        let (busy, settled) = bytes_per_device(100_000, mode);
        println!("{mode:?}: 100000 devices: {busy:.0} B/device with transactions, {settled:.0} B/device settled");
    }
    allocations();
}
