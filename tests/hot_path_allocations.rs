//! The datagrams of a storm that create no state cost no heap allocation at all, parse
//! included: a retransmitted SUBSCRIBE answered again from its stored answer, a
//! SUBSCRIBE over the rate limit, a malformed datagram, another SIP request. Counted by a global allocator, per thread (the test harness
//! allocates on its own threads meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Instant;

use gspnp::engine::{Assignment, Engine, EngineConfig, RateLimit};
use gspnp::Mac;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Allocations this thread has made.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 5060);
const PHONE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 50), 5080);

fn subscribe(mac: &str, branch: &str) -> Vec<u8> {
    format!(
        "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.50:5080;branch={branch};rport\r\n\
         From: <sip:MAC%3A{mac}@224.0.1.75>;tag=1990948743\r\n\
         To: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
         Call-ID: {branch}@phone\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:192.0.2.50:5080>\r\n\
         Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.5.15\"\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

/// Feeds `datagram` 100 times after a warm-up; the allocations of the worst one.
fn allocations_of(engine: &mut Engine, datagram: &[u8]) -> usize {
    let mut worst = 0;
    for round in 0..110 {
        let before = allocations();
        engine.handle_datagram(Instant::now(), PHONE, LOCAL, datagram);
        while let Some(transmit) = engine.poll_transmit() {
            engine.recycle(transmit.payload);
        }
        while engine.poll_event().is_some() {}
        if round >= 10 {
            worst = worst.max(allocations() - before);
        }
    }
    worst
}

#[test]
fn datagrams_that_create_no_state_allocate_nothing() {
    let mac: Mac = "000b82f55284".parse().unwrap();
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.assign(Instant::now(), mac, Assignment::Url("http://192.0.2.10/gspnp/".into())).unwrap();
    let first = subscribe("000B82F55284", "z9hG4bK1");
    engine.handle_datagram(Instant::now(), PHONE, LOCAL, &first);
    let sent: Vec<_> = std::iter::from_fn(|| engine.poll_transmit()).collect();
    assert_eq!(sent.len(), 2, "answered and notified");
    assert_eq!(allocations_of(&mut engine, &first), 0, "a retransmission answered again");
    assert!(engine.stats().answers_repeated >= 100);

    assert_eq!(allocations_of(&mut engine, b"\x16\x03\x01\x02\x00 not SIP\r\n\r\n"), 0, "a malformed datagram");
    let options = b"OPTIONS sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bK9\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\n\r\n";
    assert_eq!(allocations_of(&mut engine, options), 0, "another request");

    let limited = EngineConfig {
        rate_limit: RateLimit { burst: 1, per_second: 1e-6, max_sources: 16 },
        ..EngineConfig::default()
    };
    let mut limited = Engine::new(limited).unwrap();
    limited.handle_datagram(Instant::now(), PHONE, LOCAL, &subscribe("000B82000001", "z9hG4bKa"));
    let flood = subscribe("000B82000002", "z9hG4bKb");
    assert_eq!(allocations_of(&mut limited, &flood), 0, "a SUBSCRIBE over the rate limit");
    assert!(limited.stats().rate_limited >= 100);
}
