//! Boot storms against a real server with a host that is fast or slow: nothing a phone
//! or the host needs is lost (issue 11, findings 2 and 3).
//!
//! - 2,000 phones booting at once on loopback, a host taking microseconds or a
//!   millisecond per callback: every phone is provisioned, every file offer and every
//!   NOTIFY result reaches the host, and the counters equal what the host saw;
//! - the same in feed mode: every datagram gspnp sends reaches `transmit`;
//! - a host whose `device` takes a second: other phones' files are not held up.
//!
//! Phones are simulated by a few sockets, each speaking for many MACs; a phone not
//! answered retransmits its SUBSCRIBE every second, as a GRP26xx does.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gspnp::device::DeviceInfo;
use gspnp::engine::{
    Assignment, ConfigFile, EngineConfig, LogLevel, NotifyOutcome, NotifyResult, ProfileAssignment, RateLimit,
    Selector, Transmit,
};
use gspnp::provision::{Account, Format, Profile};
use gspnp::runtime::{Decision, DroppedKind, Host, Server, ServerConfig};
use gspnp::sip::{self, HeaderName, Method};

mod phones;
use phones::{answer_to, eventually, subscribe_text};

/// The storms load both cores: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

const PHONES: usize = 2_000;
/// Phones per simulated source socket.
const PER_SOURCE: usize = 50;
/// How long a storm may take before the test gives up on the phones left.
const STORM_LIMIT: Duration = Duration::from_secs(25);

/// What the host saw, counted.
#[derive(Debug, Default)]
struct Seen {
    discovered: AtomicU64,
    offers: AtomicU64,
    acknowledged: AtomicU64,
    other_results: AtomicU64,
    transmits: AtomicU64,
    log_lines: AtomicU64,
    dropped_reported: AtomicU64,
}

/// A host that accepts every file and takes `delay` in each callback.
struct Counting {
    seen: Arc<Seen>,
    delay: Duration,
    /// Feed mode: where `transmit` hands datagrams to the simulated network.
    wire: Option<crossbeam_channel::Sender<Transmit>>,
}

impl Counting {
    fn work(&self) {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
    }
}

impl Host for Counting {
    fn device(&self, _info: &DeviceInfo, is_new: bool) {
        self.work();
        if is_new {
            self.seen.discovered.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn config_ready(&self, _file: &ConfigFile) -> Decision {
        self.work();
        self.seen.offers.fetch_add(1, Ordering::SeqCst);
        Decision::Accept
    }

    fn notify_result(&self, result: &NotifyResult) {
        self.work();
        let counter = match result.outcome {
            NotifyOutcome::Acknowledged(_) => &self.seen.acknowledged,
            _ => &self.seen.other_results,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn log(&self, _level: LogLevel, _line: &str) {
        self.work();
        self.seen.log_lines.fetch_add(1, Ordering::SeqCst);
    }

    fn transmit(&self, transmit: &Transmit) {
        self.seen.transmits.fetch_add(1, Ordering::SeqCst);
        if let Some(wire) = &self.wire {
            let _ = wire.send(transmit.clone());
        }
    }

    fn events_dropped(&self, kind: DroppedKind, count: u64) {
        assert_eq!(kind, DroppedKind::LogLine, "only log lines are ever dropped");
        self.seen.dropped_reported.fetch_add(count, Ordering::SeqCst);
    }
}

fn profile() -> Assignment {
    let mut account = Account::new();
    account.set_sip_server("192.0.2.10").unwrap();
    account.set_user_id("1001").unwrap();
    let mut profile = Profile::new();
    profile.set_account(1, account).unwrap();
    Assignment::Profile(Arc::new(ProfileAssignment { profile, format: Format::V2, token: None }))
}

fn grandstream() -> Selector {
    Selector { vendor: "Grandstream".into(), model: None }
}

fn storm_engine() -> EngineConfig {
    EngineConfig {
        rate_limit: RateLimit { burst: 100_000, per_second: 100_000.0, ..RateLimit::default() },
        url_template: "http://127.0.0.1:8080/gspnp/{token}/".into(),
        ..EngineConfig::default()
    }
}

fn mac_of(index: usize) -> String {
    format!("000B82{index:06X}")
}

/// The MAC a phone's Call-ID (`z9hG4bK<mac>@ip`) names.
fn mac_in_call_id(message: &sip::Message<'_>) -> Option<String> {
    let call_id = message.header(HeaderName::CallId)?;
    Some(call_id.strip_prefix("z9hG4bK")?.split('@').next()?.to_string())
}

/// What the simulated phones of one storm went through.
#[derive(Debug, Default)]
struct Crowd {
    answered: HashSet<String>,
    notified: HashSet<String>,
}

/// What one phone does with a datagram from the server: note a 200 to its SUBSCRIBE,
/// answer a NOTIFY with 200. Returns the answer to send, if any.
fn phone_reacts(crowd: &mut Crowd, datagram: &[u8]) -> Option<Vec<u8>> {
    let message = sip::parse(datagram).ok()?;
    let mac = mac_in_call_id(&message)?;
    match (message.status_code(), message.method()) {
        (Some(200), _) => {
            crowd.answered.insert(mac);
            None
        }
        (_, Some(Method::Notify)) => {
            crowd.notified.insert(mac);
            Some(answer_to(datagram, 200))
        }
        _ => None,
    }
}

/// `PHONES` phones over sockets on 127.0.21.x boot at once against `server` and retransmit
/// every second until notified, for at most `STORM_LIMIT`.
fn socket_storm(server: SocketAddrV4) -> Crowd {
    let sources = PHONES / PER_SOURCE;
    let threads: Vec<_> = (0..sources)
        .map(|source| {
            std::thread::spawn(move || {
                let socket =
                    UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::new(127, 0, 21, source as u8 + 1), 0)).unwrap();
                let SocketAddr::V4(address) = socket.local_addr().unwrap() else { unreachable!() };
                socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
                let macs: Vec<String> = (0..PER_SOURCE).map(|k| mac_of(source * PER_SOURCE + k)).collect();
                let mut crowd = Crowd::default();
                let deadline = Instant::now() + STORM_LIMIT;
                let mut next_round = Instant::now();
                let mut buffer = vec![0u8; 65_535];
                while crowd.notified.len() < macs.len() && Instant::now() < deadline {
                    if Instant::now() >= next_round {
                        for mac in macs.iter().filter(|mac| !crowd.notified.contains(*mac)) {
                            let text = subscribe_text(mac, address, &format!("z9hG4bK{mac}"));
                            let _ = socket.send_to(text.as_bytes(), server);
                        }
                        next_round = Instant::now() + Duration::from_secs(1);
                    }
                    if let Ok((len, _)) = socket.recv_from(&mut buffer) {
                        if let Some(answer) = phone_reacts(&mut crowd, &buffer[..len]) {
                            socket.send_to(&answer, server).unwrap();
                        }
                    }
                }
                crowd
            })
        })
        .collect();
    threads.into_iter().map(|thread| thread.join().unwrap()).fold(Crowd::default(), |mut all, crowd| {
        all.answered.extend(crowd.answered);
        all.notified.extend(crowd.notified);
        all
    })
}

/// Runs a socket-mode storm against a host taking `delay` per callback, with
/// `event_queue` as the host's backlog mark, and checks that every phone was
/// provisioned and the host saw every phone, offer, result and drop.
fn socket_storm_with_host_delay(delay: Duration, event_queue: usize) {
    let _serial = serial();
    let seen = Arc::new(Seen::default());
    let host = Counting { seen: seen.clone(), delay, wire: None };
    let config =
        ServerConfig { engine: storm_engine(), port: 0, multicast: false, event_queue, ..ServerConfig::default() };
    let server = Server::start(config, Some(Box::new(host))).unwrap();
    server.set_default(grandstream(), Some(profile())).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    let crowd = socket_storm(SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap()));
    let took = started.elapsed();
    let every = PHONES as u64;
    // The last results reach a slow host after the last phone acknowledged.
    eventually(Duration::from_secs(15), || seen.acknowledged.load(Ordering::SeqCst) >= every);
    let stats = server.stats();
    eprintln!(
        "storm, host {delay:?} per callback: {} of {PHONES} notified in {took:?}; host saw {seen:?}; {stats:?}",
        crowd.notified.len()
    );
    assert_eq!(crowd.notified.len(), PHONES, "every phone was notified");
    assert_eq!(stats.engine.notifies_acknowledged, every, "every NOTIFY was acknowledged");
    assert_eq!(seen.acknowledged.load(Ordering::SeqCst), every, "every acknowledged result reached the host");
    assert_eq!(seen.other_results.load(Ordering::SeqCst), 0);
    assert_eq!(seen.offers.load(Ordering::SeqCst), every, "one offer per phone reached the host");
    assert_eq!(stats.engine.files_refused, 0, "no offer was refused for the host");
    assert!(eventually(Duration::from_secs(15), || seen.discovered.load(Ordering::SeqCst) == every));
    assert!(
        eventually(Duration::from_secs(5), || seen.dropped_reported.load(Ordering::SeqCst)
            == server.stats().log_lines_dropped),
        "every dropped log line was reported"
    );
    server.stop().unwrap();
}

#[test]
fn two_thousand_phones_booting_at_once_are_all_provisioned_and_a_fast_host_sees_every_result() {
    socket_storm_with_host_delay(Duration::ZERO, ServerConfig::default().event_queue);
}

#[test]
fn two_thousand_phones_booting_at_once_are_all_provisioned_and_a_host_taking_a_millisecond_sees_every_result() {
    // A small backlog mark: the server pauses admission and phones retry.
    socket_storm_with_host_delay(Duration::from_millis(1), 256);
}

/// Feed mode: the test is the PBX's SIP stack. It feeds `PHONES` SUBSCRIBEs in one
/// burst, answers every NOTIFY that `transmit` hands it, and re-feeds the SUBSCRIBE of
/// a phone not notified after a second.
fn feed_storm_with_host_delay(delay: Duration) {
    let _serial = serial();
    let seen = Arc::new(Seen::default());
    let (wire, sent) = crossbeam_channel::unbounded();
    let host = Counting { seen: seen.clone(), delay, wire: Some(wire) };
    let config = ServerConfig { engine: storm_engine(), feed_mode: true, ..ServerConfig::default() };
    let server = Server::start(config, Some(Box::new(host))).unwrap();
    server.set_default(grandstream(), Some(profile())).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let local = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 5060);
    let phone_address =
        |index: usize| SocketAddrV4::new(Ipv4Addr::new(10, 1, (index / 250) as u8, (index % 250) as u8 + 1), 5060);
    let mut crowd = Crowd::default();
    let mut datagrams_seen = 0u64;
    let deadline = Instant::now() + STORM_LIMIT;
    let mut next_round = Instant::now();
    let started = Instant::now();
    while crowd.notified.len() < PHONES && Instant::now() < deadline {
        if Instant::now() >= next_round {
            for index in 0..PHONES {
                let mac = mac_of(index);
                if !crowd.notified.contains(&mac) {
                    let text = subscribe_text(&mac, phone_address(index), &format!("z9hG4bK{mac}"));
                    server.feed(text.as_bytes(), phone_address(index), local).unwrap();
                }
            }
            next_round = Instant::now() + Duration::from_secs(1);
        }
        if let Ok(transmit) = sent.recv_timeout(Duration::from_millis(50)) {
            datagrams_seen += 1;
            if let Some(answer) = phone_reacts(&mut crowd, &transmit.payload) {
                server.feed(&answer, transmit.destination, local).unwrap();
            }
        }
    }
    let took = started.elapsed();
    let every = PHONES as u64;
    eventually(Duration::from_secs(15), || seen.acknowledged.load(Ordering::SeqCst) >= every);
    while let Ok(_late) = sent.recv_timeout(Duration::from_millis(200)) {
        datagrams_seen += 1;
    }
    let stats = server.stats();
    eprintln!(
        "feed storm, host {delay:?} per callback: {} of {PHONES} notified in {took:?}; {datagrams_seen} datagrams \
         reached transmit; host saw {seen:?}; {stats:?}",
        crowd.notified.len()
    );
    assert_eq!(crowd.notified.len(), PHONES, "every phone was notified");
    let engine = stats.engine;
    let counted = engine.answers_sent
        + engine.answers_repeated
        + engine.notifies_sent
        + engine.notify_retransmissions
        + engine.cooldown_answers;
    assert_eq!(datagrams_seen, counted, "every datagram gspnp counted as sent reached on_transmit");
    assert_eq!(seen.acknowledged.load(Ordering::SeqCst), every, "every acknowledged result reached the host");
    assert_eq!(seen.offers.load(Ordering::SeqCst), every, "one offer per phone reached the host");
    server.stop().unwrap();
}

#[test]
fn in_feed_mode_two_thousand_phones_fed_at_once_get_every_answer_and_notify_through_a_fast_host() {
    feed_storm_with_host_delay(Duration::ZERO);
}

#[test]
fn in_feed_mode_two_thousand_phones_fed_at_once_get_every_answer_and_notify_through_a_host_taking_a_millisecond() {
    feed_storm_with_host_delay(Duration::from_millis(1));
}

/// A host whose `device` takes a second (a slow database), the 2 s case scaled
/// down: 200 phones boot; each file offer reaches `config_ready` without waiting behind
/// the discoveries, so every phone is notified well within the decision limit.
#[test]
fn a_host_whose_device_callback_takes_a_second_does_not_hold_up_other_phones_files() {
    let _serial = serial();
    struct SlowDevice(Arc<Seen>);
    impl Host for SlowDevice {
        fn device(&self, _info: &DeviceInfo, _is_new: bool) {
            std::thread::sleep(Duration::from_secs(1));
            self.0.discovered.fetch_add(1, Ordering::SeqCst);
        }

        fn config_ready(&self, _file: &ConfigFile) -> Decision {
            self.0.offers.fetch_add(1, Ordering::SeqCst);
            Decision::Accept
        }
    }
    const BOOTING: usize = 200;
    let seen = Arc::new(Seen::default());
    let config = ServerConfig { engine: storm_engine(), port: 0, multicast: false, ..ServerConfig::default() };
    let server = Server::start(config, Some(Box::new(SlowDevice(seen.clone())))).unwrap();
    server.set_default(grandstream(), Some(profile())).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap());
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let SocketAddr::V4(address) = socket.local_addr().unwrap() else { unreachable!() };
    socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    for index in 0..BOOTING {
        let mac = mac_of(index);
        socket.send_to(subscribe_text(&mac, address, &format!("z9hG4bK{mac}")).as_bytes(), target).unwrap();
    }
    let mut crowd = Crowd::default();
    let mut buffer = vec![0u8; 65_535];
    let deadline = Instant::now() + Duration::from_secs(8);
    while crowd.notified.len() < BOOTING && Instant::now() < deadline {
        if let Ok((len, _)) = socket.recv_from(&mut buffer) {
            if let Some(answer) = phone_reacts(&mut crowd, &buffer[..len]) {
                socket.send_to(&answer, target).unwrap();
            }
        }
    }
    eprintln!(
        "device() taking 1 s: {} of {BOOTING} phones notified; {} offers, {} discoveries delivered",
        crowd.notified.len(),
        seen.offers.load(Ordering::SeqCst),
        seen.discovered.load(Ordering::SeqCst)
    );
    assert_eq!(crowd.notified.len(), BOOTING, "every phone was notified while device() was slow");
    assert_eq!(server.stats().engine.files_refused, 0);
    let stopping = Instant::now();
    server.stop().unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(2), "stop waits only for the callback in progress");
}
