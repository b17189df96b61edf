//! Memory figures for BENCHMARKS.md: bytes per tracked device with 100,000 devices, and
//! the peak resident set of a flood of 1,000,000 distinct MACs from forged sources.
//! Run: `cargo run --release -p gspnp-bench --bin memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, Engine, EngineConfig, Mode, RateLimit, Selector};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
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

const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 168, 5, 110), 5060);

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
    let config = EngineConfig {
        mode,
        max_devices: devices as usize,
        rate_limit: RateLimit { burst: u32::MAX, per_second: 1e9, max_sources: 1 << 21 },
        ..EngineConfig::default()
    };
    let t0 = Instant::now();
    let before = LIVE.load(Ordering::Relaxed);
    let mut engine = Engine::new(config).expect("an engine");
    let selector = Selector { vendor: "Grandstream".into(), model: None };
    engine.set_default(t0, &selector, Some(Assignment::Url("http://192.168.5.110/gspnp/".into()))).expect("a URL");
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

fn main() {
    // The flood first: the peak resident set is the process's high-water mark.
    let (real, served) = flood(1_000_000);
    let peak = peak_rss_kib();
    println!("flood: 1000000 MACs, default limits: real phones served {served}/{real}; peak RSS {peak} KiB");
    for mode in [Mode::Discover, Mode::Provision] {
        let (busy, settled) = bytes_per_device(100_000, mode);
        println!("{mode:?}: 100000 devices: {busy:.0} B/device with transactions, {settled:.0} B/device settled");
    }
}
