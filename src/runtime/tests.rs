//! The runtime end to end over loopback: a simulated phone, a Rust host, real threads.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Sender};

use super::*;
use crate::device::DeviceInfo;
use crate::engine::{NotifyOutcome, NotifyResult};
use crate::mac::Mac;

const URL: &str = "http://127.0.0.1:8080/cfg/";

/// A phone on loopback that speaks like a GRP2614.
pub(crate) struct Phone {
    pub socket: UdpSocket,
    pub mac: String,
}

impl Phone {
    pub fn new(mac: &str) -> Phone {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Phone { socket, mac: mac.to_ascii_uppercase() }
    }

    pub fn subscribe(&self, to: SocketAddrV4, branch: &str) {
        let port = self.socket.local_addr().unwrap().port();
        let mac = &self.mac;
        let message = format!(
            "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\n\
             From: <sip:MAC%3A{mac}@224.0.1.75>;tag=42\r\n\
             To: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
             Call-ID: {branch}@phone\r\n\
             CSeq: 20000 SUBSCRIBE\r\n\
             Contact: <sip:127.0.0.1:{port}>\r\n\
             User-Agent: Grandstream GRP2614 1.0.0.31\r\n\
             Expires: 0\r\n\
             Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\r\n\
             Accept: application/url\r\n\
             Content-Length: 0\r\n\r\n"
        );
        self.socket.send_to(message.as_bytes(), to).unwrap();
    }

    /// The next datagram, as text.
    pub fn receive(&self) -> String {
        let mut buffer = [0u8; 65_535];
        let (len, _) = self.socket.recv_from(&mut buffer).expect("the server answered in time");
        String::from_utf8_lossy(&buffer[..len]).into_owned()
    }

    /// Answers a NOTIFY with 200 OK, copying its headers.
    pub fn acknowledge(&self, notify: &str, to: SocketAddrV4) {
        let mut answer = "SIP/2.0 200 OK\r\n".to_string();
        for line in notify.split("\r\n") {
            if ["Via:", "From:", "To:", "Call-ID:", "CSeq:"].iter().any(|h| line.starts_with(h)) {
                answer += line;
                answer += "\r\n";
            }
        }
        answer += "Content-Length: 0\r\n\r\n";
        self.socket.send_to(answer.as_bytes(), to).unwrap();
    }
}

/// What the test host saw.
#[derive(Debug)]
enum Seen {
    Device(DeviceInfo, bool),
    Result(NotifyResult),
}

/// A host that reports to the test and assigns a URL to each new phone from inside the
/// discovery callback, as a PBX with an account for it would.
struct TestHost {
    seen: Sender<Seen>,
    server: Arc<parking_lot::Mutex<Option<Arc<Server>>>>,
    stopped: Arc<AtomicBool>,
}

impl Host for TestHost {
    fn device(&self, info: &DeviceInfo, is_new: bool) {
        assert!(!self.stopped.load(Ordering::SeqCst), "a callback ran after stop returned");
        if let Some(server) = self.server.lock().as_ref() {
            server.assign(info.mac, Assignment::Url(URL.into())).unwrap();
            assert!(matches!(server.stop(), Err(RuntimeError::CalledFromCallback)));
        }
        let _ = self.seen.send(Seen::Device(info.clone(), is_new));
    }

    fn notify_result(&self, result: &NotifyResult) {
        assert!(!self.stopped.load(Ordering::SeqCst), "a callback ran after stop returned");
        let _ = self.seen.send(Seen::Result(result.clone()));
    }
}

fn loopback_config() -> ServerConfig {
    ServerConfig { port: 0, multicast: false, ..ServerConfig::default() }
}

#[test]
fn phone_on_loopback_is_discovered_assigned_from_the_callback_and_acknowledges() {
    let (seen_sender, seen) = unbounded();
    let slot = Arc::new(parking_lot::Mutex::new(None));
    let stopped = Arc::new(AtomicBool::new(false));
    let host = TestHost { seen: seen_sender, server: slot.clone(), stopped: stopped.clone() };
    let server = Arc::new(Server::start(loopback_config(), Some(Box::new(host))).unwrap());
    *slot.lock() = Some(server.clone());
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap());

    let phone = Phone::new("000b82f55284");
    phone.subscribe(target, "z9hG4bKfirst");
    let Seen::Device(info, true) = seen.recv_timeout(Duration::from_secs(5)).unwrap() else { panic!("no discovery") };
    assert_eq!(info.mac, "000b82f55284".parse::<Mac>().unwrap());
    // The SUBSCRIBE waited for the assignment made in the callback and is answered now.
    let answer = phone.receive();
    assert!(answer.starts_with("SIP/2.0 200 OK"), "{answer}");
    assert!(answer.contains("Contact: <sip:127.0.0.1:"), "{answer}");
    let notify = phone.receive();
    assert!(notify.starts_with("NOTIFY sip:127.0.0.1:"), "{notify}");
    assert!(notify.ends_with(URL));
    phone.acknowledge(&notify, target);
    let Seen::Result(result) = seen.recv_timeout(Duration::from_secs(5)).unwrap() else { panic!("no result") };
    assert_eq!(result.outcome, NotifyOutcome::Acknowledged(200));

    slot.lock().take();
    server.stop().unwrap();
    stopped.store(true, Ordering::SeqCst);
    // More traffic after stop reaches no callback (the host asserts that).
    phone.subscribe(target, "z9hG4bKafter");
    std::thread::sleep(Duration::from_millis(100));
    assert!(matches!(server.assign(info.mac, Assignment::Url(URL.into())), Err(RuntimeError::Stopped)));
    server.stop().unwrap();
}

#[test]
fn pull_api_delivers_events_and_takes_decisions() {
    let server = Server::start(loopback_config(), None).unwrap();
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap());
    server.assign("000b82000001".parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    let phone = Phone::new("000b82000001");
    // The assignment is applied before the SUBSCRIBE is read: commands go first.
    std::thread::sleep(Duration::from_millis(50));
    phone.subscribe(target, "z9hG4bKpull");
    assert!(phone.receive().starts_with("SIP/2.0 200 OK"));
    let notify = phone.receive();
    phone.acknowledge(&notify, target);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut outcomes = Vec::new();
    while Instant::now() < deadline && outcomes.is_empty() {
        if let Ok(ServerEvent::Event(crate::engine::Event::NotifyResult(result))) =
            server.next_event(Duration::from_millis(200))
        {
            outcomes.push(result.outcome);
        }
    }
    assert_eq!(outcomes, [NotifyOutcome::Acknowledged(200)]);
    assert_eq!(server.stats().engine.notifies_acknowledged, 1);
    assert_eq!(server.devices().unwrap().len(), 1);
    server.stop().unwrap();
    assert!(matches!(server.next_event(Duration::ZERO), Err(RuntimeError::Stopped)));
}

#[test]
fn feed_mode_takes_datagrams_from_the_host_and_returns_what_to_send() {
    let config = ServerConfig { feed_mode: true, ..loopback_config() };
    let server = Server::start(config, None).unwrap();
    assert_eq!(server.port(), None);
    server.assign("000b82000002".parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    let phone = Phone::new("000b82000002");
    // Build the SUBSCRIBE by sending it to ourselves and feeding what arrived.
    let me = match phone.socket.local_addr().unwrap() {
        std::net::SocketAddr::V4(a) => a,
        _ => unreachable!(),
    };
    let relay = UdpSocket::bind("127.0.0.1:0").unwrap();
    relay.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let relay_addr = match relay.local_addr().unwrap() {
        std::net::SocketAddr::V4(a) => a,
        _ => unreachable!(),
    };
    phone.subscribe(relay_addr, "z9hG4bKfeed");
    let mut buffer = [0u8; 4096];
    let (len, _) = relay.recv_from(&mut buffer).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    server.feed(&buffer[..len], me, relay_addr).unwrap();
    let mut sent = Vec::new();
    while sent.len() < 2 {
        match server.next_event(Duration::from_secs(5)).unwrap() {
            ServerEvent::Transmit(transmit) => {
                assert_eq!(transmit.destination, me);
                assert_eq!(transmit.source, relay_addr);
                sent.push(String::from_utf8(transmit.payload).unwrap());
            }
            _ => continue,
        }
    }
    assert!(sent[0].starts_with("SIP/2.0 200 OK"));
    assert!(sent[1].starts_with("NOTIFY"));
    server.stop().unwrap();
}

#[test]
fn a_taken_unicast_port_is_a_clear_error() {
    let taken = UdpSocket::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let error = Server::start(ServerConfig { unicast_port: port, ..loopback_config() }, None).unwrap_err();
    assert!(matches!(error, RuntimeError::AddressInUse(p) if p == port), "{error}");
    assert!(error.to_string().contains(&format!("UDP port {port} (the unicast port) is in use")), "{error}");
}

#[test]
fn an_interface_that_does_not_exist_is_named_in_the_error() {
    let config = ServerConfig { interfaces: vec!["nosuch0".into()], multicast: true, ..loopback_config() };
    let error = Server::start(config, None).unwrap_err();
    assert!(error.to_string().contains("nosuch0"));
}

#[test]
fn a_datagram_longer_than_a_receive_slot_is_dropped_as_malformed_not_read_as_cut() {
    let server = Server::start(loopback_config(), None).unwrap();
    server.assign("000b82f55299".parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap());
    let phone = Phone::new("000b82f55299");
    let port = phone.socket.local_addr().unwrap().port();
    // A usable SUBSCRIBE whose header section ends exactly at the 16 KiB slot's end,
    // followed by a body: cut there, it would read as complete.
    // (In lines a header may have, few enough for the header limit.)
    let pad_line = format!("X-Pad: {}\r\n", "p".repeat(3_000));
    let head = |pad: usize| -> String {
        format!(
            "SUBSCRIBE sip:MAC%3A000B82F55299@224.0.1.75 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKhuge\r\n\
             From: <sip:MAC%3A000B82F55299@224.0.1.75>;tag=1\r\n\
             To: <sip:MAC%3A000B82F55299@224.0.1.75>\r\n\
             Call-ID: huge@phone\r\nCSeq: 1 SUBSCRIBE\r\n\
             Event: ua-profile;vendor=\"Grandstream\";model=\"GRP2614\"\r\n\
             {}X-Pad: {}\r\n\r\n",
            pad_line.repeat(pad / pad_line.len()),
            "a".repeat(pad % pad_line.len())
        )
    };
    let huge = head(16 * 1024 - head(0).len()) + &"b".repeat(4_000);
    assert_eq!(huge.find("\r\n\r\n").map(|end| end + 4), Some(16 * 1024));
    phone.socket.send_to(huge.as_bytes(), target).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.stats().engine.datagrams == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!((server.stats().engine.datagrams, server.stats().engine.malformed), (1, 1));
    phone.socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut buffer = [0u8; 2048];
    assert!(phone.socket.recv_from(&mut buffer).is_err(), "the cut SUBSCRIBE was not answered");
    server.stop().unwrap();
}

#[test]
fn feed_refuses_a_local_address_no_phone_could_answer_to_and_takes_nothing_from_it() {
    let server = Server::start(ServerConfig { feed_mode: true, ..loopback_config() }, None).unwrap();
    server.assign("000b82000003".parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    let phone = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 5080);
    let subscribe = |branch: &str| {
        format!(
            "SUBSCRIBE sip:MAC%3A000B82000003@224.0.1.75 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.2:5080;branch={branch}\r\n\
             From: <sip:MAC%3A000B82000003@224.0.1.75>;tag=1\r\nTo: <sip:MAC%3A000B82000003@224.0.1.75>\r\n\
             Call-ID: {branch}@phone\r\nCSeq: 1 SUBSCRIBE\r\n\
             Event: ua-profile;vendor=\"Grandstream\";model=\"GRP2614\"\r\nContent-Length: 0\r\n\r\n"
        )
    };
    // The group the SUBSCRIBE was sent to, the wildcard, broadcast, and no port.
    for local in ["224.0.1.75:5060", "0.0.0.0:5060", "255.255.255.255:5060", "192.0.2.1:0"] {
        let error = server.feed(subscribe("z9hG4bKbad").as_bytes(), phone, local.parse().unwrap()).unwrap_err();
        assert!(matches!(error, RuntimeError::InvalidArgument(_)), "{local}: {error:?}");
        assert!(error.to_string().contains(&format!("local {local} is not the host's unicast address")), "{error}");
    }
    let local = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 5060);
    server.feed(subscribe("z9hG4bKgood").as_bytes(), phone, local).unwrap();
    let ServerEvent::Transmit(answer) = std::iter::repeat_with(|| server.next_event(Duration::from_secs(5)).unwrap())
        .find(|event| matches!(event, ServerEvent::Transmit(_)))
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(answer.source, local, "sent from the address the host gave");
    assert_eq!(server.stats().engine.datagrams, 1, "none of the refused datagrams reached the engine");
    server.stop().unwrap();
}

#[test]
fn read_back_lists_a_provisioned_phone_with_wall_clock_times_and_forget_removes_it() {
    let before = std::time::SystemTime::now();
    let server = Server::start(loopback_config(), None).unwrap();
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, server.port().unwrap());
    let mac: Mac = "000b82000003".parse().unwrap();
    server.assign(mac, Assignment::Url(URL.into())).unwrap();
    let phone = Phone::new("000b82000003");
    std::thread::sleep(Duration::from_millis(50));
    phone.subscribe(target, "z9hG4bKreadback");
    assert!(phone.receive().starts_with("SIP/2.0 200 OK"));
    let notify = phone.receive();
    phone.acknowledge(&notify, target);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.stats().engine.notifies_acknowledged == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }

    let devices = server.devices().unwrap();
    assert_eq!(devices.len(), 1);
    let device = server.device(mac).unwrap().expect("the phone is known");
    // (Each copy reads the clocks anew: times may differ by the reading's jitter.)
    assert_eq!((&devices[0].info, devices[0].state), (&device.info, device.state));
    assert_eq!(device.info.mac, mac);
    assert_eq!(device.info.model, "GRP2614");
    assert_eq!(
        device.info.source,
        match phone.socket.local_addr().unwrap() {
            std::net::SocketAddr::V4(a) => a,
            _ => unreachable!(),
        }
    );
    assert_eq!(device.state, crate::engine::DeviceState::Acknowledged);
    assert!(device.assigned);
    assert_eq!(device.last_notify, Some(NotifyOutcome::Acknowledged(200)));
    assert_eq!(device.subscribes, 1);
    let now = std::time::SystemTime::now();
    assert!(before <= device.first_seen && device.first_seen <= device.last_seen && device.last_seen <= now);

    assert_eq!(server.device("000b82999999".parse().unwrap()).unwrap(), None);
    assert!(server.forget(mac).unwrap());
    assert_eq!(server.device(mac).unwrap(), None);
    assert!(server.devices().unwrap().is_empty());
    assert!(!server.forget(mac).unwrap(), "a second forget finds nothing");
    server.stop().unwrap();
    assert!(matches!(server.devices(), Err(RuntimeError::Stopped)));
}
