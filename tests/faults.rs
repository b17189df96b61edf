//! Faults and security properties, on the public Rust API.
//!
//! Faults (real threads and sockets on loopback; phones are simulated by the test):
//! - 30% datagram loss both ways: every phone whose SUBSCRIBE got through at least once
//!   is provisioned;
//! - a host callback that panics or blocks for seconds: phones already taken on are
//!   still served, new ones are left unanswered (counted) until the host catches up,
//!   nothing but log lines is dropped, drops are counted and reported, and `stop`
//!   returns (it waits for a callback in progress: that is its bound); slow hosts under
//!   storms are in `tests/host_storm.rs`;
//! - `Server::start` on a taken port or a missing interface: a clear error, no thread
//!   left behind, the host dropped;
//! - `stop` in the middle of a 5,000-phone storm: no panic, no callback after it returns.
//!
//! Security properties (mostly on the sans-IO engine):
//! - replies go only to the datagram's source, whatever the message names;
//! - per-device URL tokens have at least 128 bits;
//! - no password or token in a log line or in the Debug output of events;
//! - phone-supplied text is sanitised before it is kept, logged or echoed;
//! - host values with CR/LF (URLs, profile values, tokens, templates) are refused.
//!
//! Some tests here found library defects (see SECURITY.md); they stay as guards.

#[path = "common/random.rs"]
mod random;

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gspnp::device::DeviceInfo;
use gspnp::engine::{
    Assignment, ConfigFile, Engine, EngineConfig, EngineError, Event, LogLevel, NotifyOutcome, NotifyResult,
    NotifyTimers, ProfileAssignment, RateLimit, Selector, Transmit,
};
use gspnp::provision::{Account, Format, Key, KeyKind, Profile};
use gspnp::runtime::{Decision, DroppedKind, Host, RuntimeError, Server, ServerConfig, ServerEvent};
use gspnp::sip::{self, Method};
use gspnp::Mac;
use random::Random;

mod phones;
use phones::{answer_to, eventually, subscribe_text};

/// Every test here runs alone: several count threads or load the machine.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

const URL: &str = "http://127.0.0.1:8080/gspnp/faults/";

/// A phone on a loopback address of its own.
struct Phone {
    socket: UdpSocket,
    address: SocketAddrV4,
    mac: String,
}

impl Phone {
    fn new(ip: Ipv4Addr, mac: &str) -> Phone {
        let socket = UdpSocket::bind(SocketAddrV4::new(ip, 0)).unwrap();
        let SocketAddr::V4(address) = socket.local_addr().unwrap() else { unreachable!() };
        Phone { socket, address, mac: mac.to_ascii_uppercase() }
    }

    fn mac(&self) -> Mac {
        self.mac.parse().unwrap()
    }

    fn subscribe(&self, server: SocketAddrV4, branch: &str) {
        self.socket.send_to(subscribe_text(&self.mac, self.address, branch).as_bytes(), server).unwrap();
    }

    /// The next datagram, or None after `timeout`.
    fn receive(&self, timeout: Duration) -> Option<Vec<u8>> {
        self.socket.set_read_timeout(Some(timeout.max(Duration::from_millis(1)))).unwrap();
        let mut buffer = vec![0u8; 65_535];
        let (len, _) = self.socket.recv_from(&mut buffer).ok()?;
        buffer.truncate(len);
        Some(buffer)
    }

    /// Waits for the 200 and the NOTIFY; the NOTIFY's body.
    fn expect_served(&self, within: Duration) -> Result<String, String> {
        let deadline = Instant::now() + within;
        let (mut answered, mut url) = (false, None);
        while !(answered && url.is_some()) {
            let left = deadline.saturating_duration_since(Instant::now());
            let datagram =
                self.receive(left).ok_or_else(|| format!("{}: answered {answered}, url {url:?}", self.mac))?;
            let message = sip::parse(&datagram).map_err(|e| e.to_string())?;
            match (message.status_code(), message.method()) {
                (Some(200), _) => answered = true,
                (_, Some(Method::Notify)) => url = Some(String::from_utf8_lossy(message.body).into_owned()),
                _ => {}
            }
        }
        Ok(url.unwrap_or_default())
    }
}

fn server_address(server: &Server) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap())
}

fn loopback(engine: EngineConfig) -> ServerConfig {
    ServerConfig { engine, port: 0, multicast: false, ..ServerConfig::default() }
}

fn fast_timers() -> NotifyTimers {
    NotifyTimers { t1: Duration::from_millis(20), t2: Duration::from_millis(160), timeout: Duration::from_secs(4) }
}

/// The threads of this process that gspnp started (named `gspnp-*`), from
/// /proc/self/task: counting all of them would count the test harness's too.
fn threads() -> usize {
    let tasks = std::fs::read_dir("/proc/self/task").unwrap();
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("gspnp-"))
        .count()
}

// -------------------------------------------------------------------------------
// Loss.

/// What one simulated phone saw.
#[derive(Debug)]
struct LossyOutcome {
    mac: Mac,
    subscribes_through: u32,
    url: Option<String>,
}

/// A GRP26xx at boot on a lossy network: up to 5 SUBSCRIBEs 250 ms apart until a 200
/// arrives (even phones retransmit the same request, odd ones send new ones), each
/// NOTIFY answered with 200; 30% of what it sends and of what it receives is lost.
fn lossy_phone(phone: Phone, server: SocketAddrV4, seed: u64, odd: bool) -> LossyOutcome {
    let mut random = Random(seed);
    let end = Instant::now() + Duration::from_secs(5);
    let (mut attempts, mut through, mut answered, mut url) = (0, 0, false, None);
    let mut next_attempt = Instant::now();
    while Instant::now() < end {
        if !answered && attempts < 5 && Instant::now() >= next_attempt {
            attempts += 1;
            let branch = if odd { format!("z9hG4bK{seed:x}x{attempts}") } else { format!("z9hG4bK{seed:x}") };
            if !random.chance(30) {
                phone.subscribe(server, &branch);
                through += 1;
            }
            next_attempt = Instant::now() + Duration::from_millis(250);
        }
        let Some(datagram) = phone.receive(Duration::from_millis(20)) else { continue };
        if random.chance(30) {
            continue;
        }
        let message = sip::parse(&datagram).unwrap();
        if message.status_code() == Some(200) {
            answered = true;
        } else if message.method() == Some(Method::Notify) {
            url = Some(String::from_utf8_lossy(message.body).into_owned());
            if !random.chance(30) {
                phone.socket.send_to(&answer_to(&datagram, 200), server).unwrap();
            }
        }
    }
    LossyOutcome { mac: phone.mac(), subscribes_through: through, url }
}

#[test]
fn with_30_percent_loss_both_ways_every_phone_heard_at_least_once_is_provisioned() {
    let _serial = serial();
    let config = EngineConfig { timers: fast_timers(), ..EngineConfig::default() };
    let server = Server::start(loopback(config), None).unwrap();
    let target = server_address(&server);
    let phones: Vec<Phone> =
        (1..=40u8).map(|k| Phone::new(Ipv4Addr::new(127, 0, 10, k), &format!("000b82aa00{k:02x}"))).collect();
    for phone in &phones {
        server.assign(phone.mac(), Assignment::Url(URL.into())).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    let runs: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(index, phone)| {
            let seed = 0x5eed_0000 + index as u64 * 7919;
            std::thread::spawn(move || lossy_phone(phone, target, seed, index % 2 == 1))
        })
        .collect();
    let outcomes: Vec<LossyOutcome> = runs.into_iter().map(|run| run.join().unwrap()).collect();
    let mut acknowledged = HashSet::new();
    while let Ok(event) = server.next_event(Duration::from_millis(200)) {
        if let ServerEvent::Event(Event::NotifyResult(result)) = event {
            if result.outcome == NotifyOutcome::Acknowledged(200) {
                acknowledged.insert(result.mac);
            }
        }
    }
    let heard: Vec<&LossyOutcome> = outcomes.iter().filter(|o| o.subscribes_through > 0).collect();
    let lost: Vec<&LossyOutcome> = outcomes.iter().filter(|o| o.subscribes_through == 0).collect();
    for outcome in &heard {
        assert_eq!(outcome.url.as_deref(), Some(URL), "{outcome:?}");
        assert!(acknowledged.contains(&outcome.mac), "the server never heard the 200 of {outcome:?}");
    }
    for outcome in &lost {
        assert_eq!(outcome.url, None, "{outcome:?}: nothing got through, yet it was notified");
    }
    let stats = server.stats().engine;
    eprintln!(
        "loss: {} of 40 phones heard and provisioned; {} NOTIFY retransmissions, {} answers repeated, {} cooldown answers",
        heard.len(),
        stats.notify_retransmissions,
        stats.answers_repeated,
        stats.cooldown_answers
    );
    assert!(heard.len() >= 30, "with 30% loss and 5 tries nearly every phone gets through");
    assert!(stats.notify_retransmissions > 0 && (stats.answers_repeated + stats.cooldown_answers) > 0);
    server.stop().unwrap();
}

// -------------------------------------------------------------------------------
// Hosts that panic, block or are slow.

/// What a test host records, shared with the test.
#[derive(Default)]
struct Record {
    calls: AtomicU64,
    after_stop: AtomicU64,
    dropped_reported: AtomicU64,
    stopped: AtomicBool,
}

impl Record {
    fn call(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.stopped.load(Ordering::SeqCst) {
            self.after_stop.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A host that panics in every callback.
struct Panicking(Arc<Record>);

impl Host for Panicking {
    fn device(&self, _info: &DeviceInfo, _is_new: bool) {
        self.0.call();
        panic!("host bug in device()");
    }

    fn log(&self, _level: LogLevel, _line: &str) {
        self.0.call();
        panic!("host bug in log()");
    }

    fn notify_result(&self, _result: &NotifyResult) {
        self.0.call();
        panic!("host bug in notify_result()");
    }
}

#[test]
fn a_panicking_host_does_not_stop_the_network() {
    let _serial = serial();
    let record = Arc::new(Record::default());
    let server = Server::start(loopback(EngineConfig::default()), Some(Box::new(Panicking(record.clone())))).unwrap();
    let target = server_address(&server);
    let phones: Vec<Phone> =
        (1..=5u8).map(|k| Phone::new(Ipv4Addr::new(127, 0, 11, k), &format!("000b82bb00{k:02x}"))).collect();
    for phone in &phones {
        server.assign(phone.mac(), Assignment::Url(URL.into())).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    for phone in &phones {
        phone.subscribe(target, &format!("z9hG4bK{}", phone.mac));
        assert_eq!(phone.expect_served(Duration::from_secs(5)).unwrap(), URL);
    }
    assert!(eventually(Duration::from_secs(5), || server.stats().host_panics >= 5));
    let started = Instant::now();
    server.stop().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "stop took {:?}", started.elapsed());
}

/// A host whose first `device` call blocks until the test releases it (or `limit`
/// passes); it records every call.
struct Blocking {
    record: Arc<Record>,
    entered: mpsc::Sender<()>,
    release: Mutex<mpsc::Receiver<()>>,
    limit: Duration,
    blocked: AtomicBool,
}

impl Host for Blocking {
    fn device(&self, _info: &DeviceInfo, _is_new: bool) {
        self.record.call();
        if !self.blocked.swap(true, Ordering::SeqCst) {
            self.entered.send(()).unwrap();
            let _ = self.release.lock().unwrap().recv_timeout(self.limit);
        }
    }

    fn log(&self, _level: LogLevel, _line: &str) {
        self.record.call();
    }

    fn config_ready(&self, _file: &ConfigFile) -> Decision {
        self.record.call();
        Decision::Refuse
    }

    fn notify_result(&self, _result: &NotifyResult) {
        self.record.call();
    }

    fn events_dropped(&self, _kind: DroppedKind, count: u64) {
        self.record.call();
        self.record.dropped_reported.fetch_add(count, Ordering::SeqCst);
    }
}

fn blocking_host(limit: Duration) -> (Blocking, Arc<Record>, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let record = Arc::new(Record::default());
    let (entered_sender, entered) = mpsc::channel();
    let (release, release_receiver) = mpsc::channel();
    let host = Blocking {
        record: record.clone(),
        entered: entered_sender,
        release: Mutex::new(release_receiver),
        limit,
        blocked: AtomicBool::new(false),
    };
    (host, record, entered, release)
}

#[test]
fn a_blocked_host_leaves_new_phones_unanswered_until_it_catches_up_and_then_gets_every_phone() {
    let _serial = serial();
    const QUEUE: usize = 8;
    let (host, record, entered, release) = blocking_host(Duration::from_secs(20));
    let config = ServerConfig { event_queue: QUEUE, ..loopback(EngineConfig::default()) };
    let server = Server::start(config, Some(Box::new(host))).unwrap();
    let target = server_address(&server);
    server
        .set_default(Selector { vendor: "Grandstream".into(), model: None }, Some(Assignment::Url(URL.into())))
        .unwrap();
    let first = Phone::new(Ipv4Addr::new(127, 0, 12, 1), "000b82cc0001");
    std::thread::sleep(Duration::from_millis(50));
    first.subscribe(target, "z9hG4bKfirst");
    entered.recv_timeout(Duration::from_secs(5)).expect("the host is called and blocks");
    assert_eq!(first.expect_served(Duration::from_secs(5)).unwrap(), URL, "the network thread goes on");
    // The host is stuck; 30 more phones boot one after the other. Their discoveries
    // wait for the host; past QUEUE of them no new phone is answered.
    let phones: Vec<Phone> =
        (2..=31u8).map(|k| Phone::new(Ipv4Addr::new(127, 0, 12, k), &format!("000b82cc00{k:02x}"))).collect();
    let mut served = 1;
    for phone in &phones {
        phone.subscribe(target, &format!("z9hG4bK{}", phone.mac));
        served += usize::from(phone.expect_served(Duration::from_millis(300)).is_ok());
    }
    let stats = server.stats();
    eprintln!("blocked host: {served} of 31 phones served; {stats:?}");
    assert!(stats.admission_pauses >= 1, "new phones stopped being admitted");
    assert!(served <= QUEUE + 1, "{served} phones were taken on while the host was blocked");
    assert!(stats.host_backlog <= QUEUE as u64, "{} events wait for the host", stats.host_backlog);
    assert!(stats.engine.host_busy >= (31 - served) as u64, "the phones left unanswered are counted");
    // Released, the host gets every phone; the phones left out are served when they retry.
    release.send(()).unwrap();
    assert!(eventually(Duration::from_secs(5), || server.stats().host_backlog == 0));
    for phone in &phones {
        phone.subscribe(target, &format!("z9hG4bK{}", phone.mac));
        let _ = phone.expect_served(Duration::from_secs(2));
    }
    assert!(eventually(Duration::from_secs(5), || server.stats().engine.notifies_sent == 31), "every phone notified");
    let stats = server.stats();
    assert!(
        eventually(Duration::from_secs(5), || record.dropped_reported.load(Ordering::SeqCst)
            == stats.log_lines_dropped),
        "every dropped log line is reported, and only those"
    );
    server.stop().unwrap();
}

/// `stop` while a callback is blocked: it cannot return before the callback does, since
/// it promises that no callback runs after it and it drops the host last. Its bound is
/// the duration of the callback in progress; here 1.5 s.
#[test]
fn stop_waits_for_a_blocked_callback_and_no_callback_runs_after_it() {
    let _serial = serial();
    let block = Duration::from_millis(1_500);
    let (host, record, entered, _release) = blocking_host(block);
    let server = Server::start(loopback(EngineConfig::default()), Some(Box::new(host))).unwrap();
    let target = server_address(&server);
    let phone = Phone::new(Ipv4Addr::new(127, 0, 13, 1), "000b82dd0001");
    phone.subscribe(target, "z9hG4bKblock");
    entered.recv_timeout(Duration::from_secs(5)).unwrap();
    let entered_at = Instant::now();
    std::thread::sleep(Duration::from_millis(100));
    // More events wait behind the blocked callback; none may be delivered after stop.
    for k in 2..=20u8 {
        Phone::new(Ipv4Addr::new(127, 0, 13, k), &format!("000b82dd00{k:02x}")).subscribe(target, "z9hG4bKmore");
    }
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    server.stop().unwrap();
    let took = started.elapsed();
    record.stopped.store(true, Ordering::SeqCst);
    let blocked_for = entered_at.elapsed();
    eprintln!("stop with a callback blocked for {block:?}: returned after {took:?}");
    assert!(blocked_for >= block - Duration::from_millis(50), "stop returned before the callback did");
    assert!(took < block + Duration::from_secs(1), "stop took {took:?}");
    phone.subscribe(target, "z9hG4bKafter");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(record.after_stop.load(Ordering::SeqCst), 0, "a callback ran after stop returned");
}

// -------------------------------------------------------------------------------
// Start failures.

/// A host that says when it is dropped.
struct Dropped(Arc<AtomicBool>);

impl Host for Dropped {}

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn start_fails(config: ServerConfig) -> RuntimeError {
    let before = threads();
    let dropped = Arc::new(AtomicBool::new(false));
    let error = Server::start(config, Some(Box::new(Dropped(dropped.clone())))).unwrap_err();
    assert!(eventually(Duration::from_secs(1), || threads() == before), "{} threads left", threads() - before);
    assert!(dropped.load(Ordering::SeqCst), "the host was not dropped");
    error
}

#[test]
fn start_on_a_taken_unicast_port_is_a_clear_error_and_leaves_no_thread() {
    let _serial = serial();
    let taken = UdpSocket::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let error = start_fails(ServerConfig { unicast_port: port, ..loopback(EngineConfig::default()) });
    assert!(matches!(error, RuntimeError::AddressInUse(p) if p == port), "{error:?}");
    assert!(error.to_string().contains(&port.to_string()), "{error}");
}

#[test]
fn start_on_an_interface_that_does_not_exist_is_a_clear_error_and_leaves_no_thread() {
    let _serial = serial();
    let config =
        ServerConfig { interfaces: vec!["gspnp-nosuch0".into()], multicast: true, ..loopback(EngineConfig::default()) };
    let error = start_fails(config);
    assert!(matches!(&error, RuntimeError::NoSuchInterface(name) if name == "gspnp-nosuch0"), "{error:?}");
    assert!(error.to_string().contains("gspnp-nosuch0"), "{error}");
    let bad_template = EngineConfig { url_template: "http://{ip}/{nope}/".into(), ..EngineConfig::default() };
    assert!(matches!(start_fails(loopback(bad_template)), RuntimeError::Engine(EngineError::BadUrl(_))));
}

#[test]
fn a_server_that_starts_and_stops_leaves_no_thread() {
    let _serial = serial();
    let before = threads();
    let server = Server::start(loopback(EngineConfig::default()), Some(Box::new(Dropped(Arc::default())))).unwrap();
    // (A thread is named by itself once it runs.)
    assert!(eventually(Duration::from_secs(1), || threads() == before + 3), "a network and two callback threads");
    server.stop().unwrap();
    assert!(eventually(Duration::from_secs(1), || threads() == before));
}

// -------------------------------------------------------------------------------
// Stop during a storm.

/// Counts callbacks; any after `stopped` is set is a violation.
struct Counting(Arc<Record>);

impl Host for Counting {
    fn device(&self, _info: &DeviceInfo, _is_new: bool) {
        self.0.call();
    }

    fn log(&self, _level: LogLevel, _line: &str) {
        self.0.call();
    }

    fn notify_result(&self, _result: &NotifyResult) {
        self.0.call();
    }

    fn events_dropped(&self, _kind: DroppedKind, _count: u64) {
        self.0.call();
    }
}

#[test]
fn stop_in_the_middle_of_a_5000_phone_storm_returns_promptly_and_nothing_runs_after() {
    let _serial = serial();
    let record = Arc::new(Record::default());
    let engine =
        EngineConfig { rate_limit: RateLimit { burst: 100_000, ..RateLimit::default() }, ..EngineConfig::default() };
    let server = Server::start(loopback(engine), Some(Box::new(Counting(record.clone())))).unwrap();
    let target = server_address(&server);
    server
        .set_default(Selector { vendor: "Grandstream".into(), model: None }, Some(Assignment::Url(URL.into())))
        .unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    // 10 sources × 500 phones over 2.5 s; nobody reads the replies.
    let storm: Vec<_> = (0..10u8)
        .map(|k| {
            let sent = sent.clone();
            std::thread::spawn(move || {
                let source = Phone::new(Ipv4Addr::new(127, 0, 15, k + 1), "000000000000");
                for n in 0..500u32 {
                    let mac = format!("000B82{k:02X}{n:04X}");
                    let text = subscribe_text(&mac, source.address, &format!("z9hG4bK{k}s{n}"));
                    let _ = source.socket.send_to(text.as_bytes(), target);
                    sent.fetch_add(1, Ordering::SeqCst);
                    // 2,000 a second in all: what a debug build keeps up with.
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    assert!(eventually(Duration::from_secs(10), || sent.load(Ordering::SeqCst) >= 2_500));
    assert!(eventually(Duration::from_secs(10), || server.stats().engine.datagrams >= 500));
    assert!(record.calls.load(Ordering::SeqCst) > 0);
    let sent_at_stop = sent.load(Ordering::SeqCst);
    let started = Instant::now();
    server.stop().unwrap();
    let took = started.elapsed();
    record.stopped.store(true, Ordering::SeqCst);
    assert!(sent_at_stop < 5_000, "the storm was over before stop");
    for thread in storm {
        thread.join().unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let stats = server.stats();
    eprintln!(
        "storm: stop after {} of 5000 sent took {took:?}; {} datagrams handled, {} answers, {} callbacks",
        sent_at_stop,
        stats.engine.datagrams,
        stats.engine.answers_sent,
        record.calls.load(Ordering::SeqCst)
    );
    assert!(took < Duration::from_secs(2), "stop took {took:?}");
    assert_eq!(record.after_stop.load(Ordering::SeqCst), 0, "a callback ran after stop returned");
    assert_eq!(stats.host_panics, 0);
    assert!(matches!(
        server.assign("000b82000001".parse().unwrap(), Assignment::Url(URL.into())),
        Err(RuntimeError::Stopped)
    ));
    server.stop().unwrap();
}

// -------------------------------------------------------------------------------
// Security properties.

const PHONE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 175), 5080);
const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 5060);

fn drain(engine: &mut Engine) -> (Vec<Transmit>, Vec<Event>) {
    (std::iter::from_fn(|| engine.poll_transmit()).collect(), std::iter::from_fn(|| engine.poll_event()).collect())
}

/// A SUBSCRIBE whose Via, Contact, From and To all name a victim host.
fn subscribe_naming(victim: &str) -> String {
    format!(
        "SUBSCRIBE sip:MAC%3A000B82F55284@{victim} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {victim};branch=z9hG4bKaim\r\n\
         From: <sip:MAC%3A000B82F55284@{victim}>;tag=1\r\n\
         To: <sip:MAC%3A000B82F55284@{victim}>\r\n\
         Call-ID: aim@{victim}\r\n\
         CSeq: 1 SUBSCRIBE\r\n\
         Contact: <sip:{victim}>\r\n\
         Event: ua-profile;vendor=\"Grandstream\";model=\"GRP2614\"\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

#[test]
fn replies_go_only_to_the_datagram_source_in_the_engine() {
    let _serial = serial();
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let t0 = Instant::now();
    let mac: Mac = "000b82f55284".parse().unwrap();
    engine.assign(t0, mac, Assignment::Url(URL.into())).unwrap();
    engine.handle_datagram(t0, PHONE, LOCAL, subscribe_naming("203.0.113.66:5060").as_bytes());
    let (sent, _) = drain(&mut engine);
    assert_eq!(sent.len(), 2);
    // Retransmissions, and a deferred NOTIFY outside the dialog, go there too.
    engine.handle_timeout(t0 + Duration::from_millis(600));
    engine.handle_datagram(
        t0 + Duration::from_millis(700),
        PHONE,
        LOCAL,
        subscribe_naming("203.0.113.66:5060").as_bytes(),
    );
    engine.handle_datagram(t0 + Duration::from_millis(800), PHONE, LOCAL, &answer_to(&sent[1].payload, 200));
    engine.assign(t0 + Duration::from_secs(60), mac, Assignment::Url("http://127.0.0.1/other/".into())).unwrap();
    let (more, _) = drain(&mut engine);
    assert!(more.len() >= 3, "{}", more.len());
    for transmit in sent.iter().chain(&more) {
        assert_eq!(transmit.destination, PHONE);
        let text = String::from_utf8_lossy(&transmit.payload);
        if text.starts_with("NOTIFY") {
            assert!(text.starts_with(&format!("NOTIFY sip:{PHONE} SIP/2.0")), "{text}");
        }
    }
}

#[test]
fn replies_go_only_to_the_datagram_source_on_loopback() {
    let _serial = serial();
    let server = Server::start(loopback(EngineConfig::default()), None).unwrap();
    let target = server_address(&server);
    let attacker = Phone::new(Ipv4Addr::new(127, 0, 16, 1), "000b82f55284");
    let victim = Phone::new(Ipv4Addr::new(127, 0, 16, 2), "000000000000");
    server.assign(attacker.mac(), Assignment::Url(URL.into())).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    attacker.socket.send_to(subscribe_naming(&victim.address.to_string()).as_bytes(), target).unwrap();
    assert_eq!(attacker.expect_served(Duration::from_secs(5)).unwrap(), URL);
    assert_eq!(victim.receive(Duration::from_millis(700)), None, "the host named in the message got a datagram");
    server.stop().unwrap();
}

/// Two phones whose SUBSCRIBEs share a Via branch and sent-by (an attacker who copies a
/// phone's, or two old phones with fixed branches) must each be answered in their own
/// dialog: the transaction key includes the datagram's source, and a retransmission must
/// come from the same MAC (once, the second was sent the first phone's answer).
#[test]
fn a_subscribe_that_reuses_another_phones_branch_does_not_hijack_its_transaction() {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let t0 = Instant::now();
    let sent_by: SocketAddrV4 = "192.0.2.1:5080".parse().unwrap();
    let (first, second) = ("000B82000001", "000B82000002");
    for mac in [first, second] {
        engine.assign(t0, mac.parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    }
    let other_source: SocketAddrV4 = "192.0.2.99:5080".parse().unwrap();
    engine.handle_datagram(t0, PHONE, LOCAL, subscribe_text(first, sent_by, "z9hG4bKsame").as_bytes());
    let (to_first, _) = drain(&mut engine);
    assert_eq!(to_first.len(), 2);
    engine.handle_datagram(t0, other_source, LOCAL, subscribe_text(second, sent_by, "z9hG4bKsame").as_bytes());
    let (to_second, _) = drain(&mut engine);
    assert_ne!(
        to_second.first().map(|t| &t.payload),
        Some(&to_first[0].payload),
        "the first phone's answer was replayed"
    );
    assert_eq!(to_second.len(), 2, "the second phone is answered and notified in its own dialog");
}

fn secret_profile(password: &str, admin: &str) -> Assignment {
    let mut account = Account::new();
    account.set_sip_server("192.0.2.10").unwrap();
    account.set_user_id("1001").unwrap();
    account.set_password(password).unwrap();
    let mut profile = Profile::new();
    profile.set_account(1, account).unwrap();
    profile.globals_mut().set_admin_password(admin).unwrap();
    profile.globals_mut().set_config_server_credentials("prov", admin).unwrap();
    Assignment::Profile(Arc::new(ProfileAssignment { profile, format: Format::V2, token: None }))
}

/// Provisions one phone from a profile with secrets; returns every event, the token and
/// the engine.
fn provision_with_secrets(password: &str, admin: &str) -> (Vec<Event>, String, Engine, Vec<Transmit>) {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let t0 = Instant::now();
    let mac: Mac = "000b82f55284".parse().unwrap();
    engine.assign(t0, mac, secret_profile(password, admin)).unwrap();
    engine.handle_datagram(t0, PHONE, LOCAL, subscribe_text("000B82F55284", PHONE, "z9hG4bKsecret").as_bytes());
    let (_, mut events) = drain(&mut engine);
    let file = events
        .iter()
        .find_map(|event| match event {
            Event::ConfigReady(file) => Some(file.clone()),
            _ => None,
        })
        .expect("a file is offered");
    assert!(String::from_utf8_lossy(&file.contents).contains(password), "the file itself holds the password");
    engine.decide(t0, file.ticket, true).unwrap();
    let (sent, more) = drain(&mut engine);
    events.extend(more);
    assert_eq!(sent.len(), 2);
    assert!(String::from_utf8_lossy(&sent[1].payload).ends_with(&file.url));
    engine.handle_timeout(t0 + Duration::from_millis(600));
    engine.handle_datagram(t0 + Duration::from_millis(700), PHONE, LOCAL, &answer_to(&sent[1].payload, 200));
    let (_, more) = drain(&mut engine);
    events.extend(more);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::NotifyResult(r) if r.outcome == NotifyOutcome::Acknowledged(200))));
    (events, file.token, engine, sent)
}

#[test]
fn no_password_or_token_in_any_log_line_or_event_debug_output() {
    let _serial = serial();
    let (password, admin) = ("Pw-7f3a9c1e5d", "Adm-19c0ffee42");
    let (events, token, engine, _) = provision_with_secrets(password, admin);
    let mut shown = Vec::new();
    for event in &events {
        if let Event::Log(_, line) = event {
            shown.push(line.clone());
        }
        shown.push(format!("{event:?}"));
        shown.push(format!("{event:#?}"));
    }
    shown.push(format!("{engine:?} {:?}", engine.stats()));
    assert!(shown.iter().any(|text| text.contains("ConfigReady")), "the offer was looked at");
    for text in &shown {
        for secret in [password, admin, token.as_str()] {
            assert!(!text.contains(secret), "{secret} shows in: {text}");
        }
    }
}

/// The Debug output of a device record does not show its token, nor the NOTIFY that
/// carries it: a host that logs `{:?}` of what `Server::devices()` returns leaks nothing.
#[test]
fn no_token_in_the_debug_output_of_device_records() {
    let _serial = serial();
    let (_, token, engine, _) = provision_with_secrets("Pw-7f3a9c1e5d", "Adm-19c0ffee42");
    let records: Vec<String> = engine.devices().map(|record| format!("{record:?}")).collect();
    assert_eq!(records.len(), 1);
    assert!(!records[0].contains(&token), "the token shows in: {}", records[0]);
}

#[test]
fn url_tokens_have_at_least_128_random_bits() {
    let _serial = serial();
    let template = "http://{ip}/gspnp/{token}/";
    let mut engine = Engine::new(EngineConfig { url_template: template.into(), ..EngineConfig::default() }).unwrap();
    let t0 = Instant::now();
    let mut tokens = HashSet::new();
    for n in 0..200u32 {
        let mac = format!("000B82FF{n:04X}");
        let source = SocketAddrV4::new(Ipv4Addr::from(0xc633_6400 + n), 5080);
        engine.assign(t0, mac.parse().unwrap(), secret_profile("Pw-7f3a9c1e5d", "Adm-19c0ffee42")).unwrap();
        engine.handle_datagram(t0, source, LOCAL, subscribe_text(&mac, source, &format!("z9hG4bK{n}")).as_bytes());
        for event in drain(&mut engine).1 {
            if let Event::ConfigReady(file) = event {
                assert_eq!(file.url, format!("http://192.0.2.10/gspnp/{}/", file.token));
                tokens.insert(file.token);
            }
        }
    }
    assert_eq!(tokens.len(), 200, "every phone has its own token");
    let mut ones = 0u32;
    for token in &tokens {
        // 32 hex digits: 128 bits.
        assert_eq!(token.len(), 32, "{token}");
        assert!(token.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{token}");
        let value = u128::from_str_radix(token, 16).unwrap();
        ones += value.count_ones();
    }
    // 25,600 random bits: half of them set, within 4 standard deviations (80 each).
    assert!((12_480..=13_120).contains(&ones), "{ones} of 25,600 bits set");
    assert_eq!(gspnp::engine::TOKEN_BYTES * 8, 128);
    // A token the host keeps must be as strong.
    let weak =
        ProfileAssignment { profile: Profile::new(), format: Format::V2, token: Some("0123456789abcdef".into()) };
    assert!(engine.assign(t0, "000b82000001".parse().unwrap(), Assignment::Profile(Arc::new(weak))).is_err());
}

#[test]
fn phone_supplied_text_is_sanitised_before_it_is_kept_logged_or_echoed() {
    let _serial = serial();
    let template = "http://{ip}/p/{model}/{token}/";
    let mut engine = Engine::new(EngineConfig { url_template: template.into(), ..EngineConfig::default() }).unwrap();
    let t0 = Instant::now();
    let mac: Mac = "000b82f55284".parse().unwrap();
    engine.assign(t0, mac, secret_profile("Pw-7f3a9c1e5d", "Adm-19c0ffee42")).unwrap();
    let hostile_model = "GRP2614/../../x?\u{1b}[2J\u{202e}<b>%0d%0a";
    let subscribe = subscribe_text("000B82F55284", PHONE, "z9hG4bKhostile")
        .replace("model=\"GRP2614\"", &format!("model=\"{hostile_model}\""))
        .replace("User-Agent: Grandstream GRP2614", "User-Agent: Grandstream\u{7}\u{200b} GRP2614\u{7f}");
    engine.handle_datagram(t0, PHONE, LOCAL, subscribe.as_bytes());
    let (_, events) = drain(&mut engine);
    let mut file = None;
    for event in &events {
        match event {
            Event::Discovered(info) => {
                for text in [&info.model, &info.user_agent, &info.vendor, &info.firmware] {
                    assert!(
                        !text.chars().any(|c| c.is_control() || ('\u{200b}'..='\u{202e}').contains(&c)),
                        "{text:?}"
                    );
                }
                assert_eq!(info.user_agent, "Grandstream GRP2614 1.0.0.31");
            }
            Event::Log(_, line) => assert!(!line.chars().any(char::is_control), "{line:?}"),
            Event::ConfigReady(offered) => file = Some(offered.clone()),
            _ => {}
        }
    }
    let file = file.expect("a file is offered");
    engine.decide(t0, file.ticket, true).unwrap();
    let (sent, _) = drain(&mut engine);
    let notify = sip::parse(&sent[1].payload).unwrap();
    let url = std::str::from_utf8(notify.body).unwrap();
    // {model} keeps only letters and digits: no path, query, markup or escape gets in.
    let model_part = url.strip_prefix("http://192.0.2.10/p/").unwrap().split('/').next().unwrap();
    assert!(model_part.bytes().all(|c| c.is_ascii_alphanumeric()), "{url}");
    assert!(model_part.starts_with("grp2614"), "{url}");

    // Control characters in what would be echoed (Call-ID, From) draw no reply at all.
    for (from, to) in [("Call-ID: z9hG4bKctl@", "Call-ID: z9\u{1b}[31mctl@"), ("tag=1990948743", "tag=19\u{7}90")] {
        let bad = subscribe_text("000B82F55285", PHONE, "z9hG4bKctl").replace(from, to);
        engine.assign(t0, "000b82f55285".parse().unwrap(), Assignment::Url(URL.into())).unwrap();
        engine.handle_datagram(t0, PHONE, LOCAL, bad.as_bytes());
        assert!(drain(&mut engine).0.is_empty(), "{to:?} was echoed");
    }
}

#[test]
fn host_values_with_line_breaks_are_refused_with_a_status() {
    let _serial = serial();
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let t0 = Instant::now();
    let mac: Mac = "000b82f55284".parse().unwrap();
    for url in [
        "http://h/a\r\nVia: SIP/2.0/UDP evil/",
        "http://h/\nX: y/",
        "http://h/\0/",
        "http://h/a b/",
        "http://h/\u{85}/",
    ] {
        assert!(matches!(engine.assign(t0, mac, Assignment::Url(url.into())), Err(EngineError::BadUrl(_))), "{url:?}");
        let selector = Selector { vendor: "Grandstream".into(), model: None };
        assert!(engine.set_default(t0, &selector, Some(Assignment::Url(url.into()))).is_err(), "{url:?}");
    }
    let runtime = Server::start(ServerConfig { feed_mode: true, ..loopback(EngineConfig::default()) }, None).unwrap();
    assert!(matches!(
        runtime.assign(mac, Assignment::Url("http://h/\r\nX: y/".into())),
        Err(RuntimeError::Engine(EngineError::BadUrl(_)))
    ));
    runtime.stop().unwrap();
    let template = EngineConfig { url_template: "http://{ip}/\r\nX: y/{token}/".into(), ..EngineConfig::default() };
    assert!(matches!(Engine::new(template), Err(EngineError::BadUrl(_))));
    let injected_token = ProfileAssignment {
        profile: Profile::new(),
        format: Format::V2,
        token: Some("abcdefghijklmnopqrstuvwxyz\r\nX: y".into()),
    };
    assert!(engine.assign(t0, mac, Assignment::Profile(Arc::new(injected_token))).is_err());
    // Profile values: every setter refuses them (tests in src/provision cover each one).
    let mut account = Account::new();
    assert!(account.set_password("secret\r\nP2: 1").is_err());
    assert!(account.set_display_name("Anna\nB").is_err());
    let mut profile = Profile::new();
    assert!(profile.set_raw("P8467", "x\r\n<P2>1</P2>").is_err());
    assert!(profile.set_raw("P84\n67", "1").is_err());
    assert!(Key::parse("BLF", 1, "label\r\n", "201").is_err());
    assert!(profile.globals_mut().set_ntp_server("pool.ntp.org\r\n").is_err());
    let _ = KeyKind::Vpk;
    // A server User-Agent with a line break is refused when the engine is created (see
    // the next test).
}

/// A host User-Agent with a line break is refused when the engine is created, with a
/// status, like a bad URL template (rather than every answer failing to be written).
#[test]
fn a_user_agent_with_a_line_break_is_refused_when_the_engine_is_created() {
    let injected = EngineConfig { user_agent: "gspnp\r\nX-Injected: 1".into(), ..EngineConfig::default() };
    assert!(Engine::new(injected).is_err());
}
