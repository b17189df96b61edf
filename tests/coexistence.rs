//! gspnp beside a PBX's own SIP socket on UDP 5060, in the two-namespace lab
//! (tests/lab): a phone boots and multicasts its SUBSCRIBE while another host sends the
//! PBX unicast REGISTERs and OPTIONS. Every one of those must reach the PBX, never
//! gspnp, whichever of the two binds 5060 first; where the kernel cannot let both bind,
//! the side that binds second fails with a clear error. Needs root and iproute2.

mod lab;

use std::collections::BTreeSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, Event, NotifyOutcome};
use gspnp::runtime::{RuntimeError, Server, ServerConfig, ServerEvent};
use lab::{Lab, PBX_IP};
use nix::sys::socket::{self, setsockopt, sockopt, AddressFamily, SockFlag, SockType, SockaddrIn};

const URL: &str = "http://192.0.2.1:8080/gspnp/lab/";
const MAC: &str = "000b82f55284";
/// Unicast requests sent to the PBX's 5060 while the phone is provisioned.
const TO_THE_PBX: usize = 20;

/// How the PBX's SIP socket shares 0.0.0.0:5060.
#[derive(Clone, Copy, Debug)]
struct Sharing {
    reuse_address: bool,
    reuse_port: bool,
}

/// Runs `work` on a thread inside namespace `namespace`; sockets it opens stay there.
fn inside<T: Send + 'static>(namespace: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let namespace = namespace.to_string();
    std::thread::spawn(move || {
        Lab::enter(&namespace);
        work()
    })
    .join()
    .expect("the thread in the namespace")
}

/// The PBX's SIP socket on 0.0.0.0:5060, in the PBX namespace.
fn bind_pbx(lab: &Lab, sharing: Sharing) -> io::Result<UdpSocket> {
    inside(&lab.pbx, move || {
        let fd = socket::socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)?;
        setsockopt(&fd, sockopt::ReuseAddr, &sharing.reuse_address)?;
        setsockopt(&fd, sockopt::ReusePort, &sharing.reuse_port)?;
        socket::bind(fd.as_raw_fd(), &SockaddrIn::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5060)))?;
        let socket = UdpSocket::from(fd);
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        Ok(socket)
    })
}

/// gspnp with its defaults (multicast port 5060, a free unicast port), joined on the PBX
/// side's veth.
fn start_gspnp(lab: &Lab) -> Result<Server, RuntimeError> {
    let link = lab.pbx_link.clone();
    inside(&lab.pbx, move || Server::start(ServerConfig { interfaces: vec![link], ..ServerConfig::default() }, None))
}

/// A REGISTER or an OPTIONS for the PBX, told apart by its Call-ID `pbx-<n>`.
fn request_for_the_pbx(n: usize) -> String {
    let method = if n % 2 == 0 { "REGISTER" } else { "OPTIONS" };
    format!(
        "{method} sip:192.0.2.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.2:5090;branch=z9hG4bKpbx{n};rport\r\n\
         From: <sip:1001@192.0.2.1>;tag=pbx{n}\r\n\
         To: <sip:1001@192.0.2.1>\r\n\
         Call-ID: pbx-{n}\r\n\
         CSeq: 1 {method}\r\n\
         Contact: <sip:1001@192.0.2.2:5090>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// In the phone namespace: a phone boots (up to five SUBSCRIBEs to the group, as a
/// GRP26xx does, until it has an answer and a NOTIFY, which it acknowledges) while a
/// softphone beside it sends [`TO_THE_PBX`] requests to the PBX's 5060. What the phone
/// received, with its sender.
fn boot_a_phone_beside_pbx_traffic(lab: &Lab) -> Vec<(SocketAddr, String)> {
    inside(&lab.phone, || {
        let phone = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5080)).unwrap();
        let softphone = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5090)).unwrap();
        phone.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let mut buffer = [0u8; 4096];
        let mut received = Vec::new();
        let mut sent_to_pbx = 0;
        for _ in 0..5 {
            phone.send_to(lab::phone_subscribe(&MAC.to_ascii_uppercase()).as_bytes(), "224.0.1.75:5060").unwrap();
            for _ in 0..4 {
                // The PBX's traffic goes on while the phone is being provisioned.
                for n in sent_to_pbx..(sent_to_pbx + TO_THE_PBX / 4).min(TO_THE_PBX) {
                    softphone.send_to(request_for_the_pbx(n).as_bytes(), (PBX_IP, 5060)).unwrap();
                }
                sent_to_pbx = (sent_to_pbx + TO_THE_PBX / 4).min(TO_THE_PBX);
                while let Ok((len, from)) = phone.recv_from(&mut buffer) {
                    let text = String::from_utf8_lossy(&buffer[..len]).into_owned();
                    if text.starts_with("NOTIFY") {
                        phone.send_to(lab::phone_acknowledgement(&text).as_bytes(), from).unwrap();
                    }
                    received.push((from, text));
                }
            }
            if received.len() >= 2 {
                break;
            }
        }
        assert_eq!(sent_to_pbx, TO_THE_PBX, "every request for the PBX was sent");
        received
    })
}

/// The Call-IDs of the REGISTERs and OPTIONS the PBX's socket received within 3 s.
fn requests_the_pbx_received(pbx: &UdpSocket) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(3);
    while seen.len() < TO_THE_PBX && Instant::now() < deadline {
        if let Ok(len) = pbx.recv(&mut buffer) {
            let text = String::from_utf8_lossy(&buffer[..len]);
            // (It may also get a copy of the multicast SUBSCRIBE: not counted.)
            if let Some(call_id) = text.split("\r\n").find_map(|line| line.strip_prefix("Call-ID: pbx-")) {
                seen.insert(call_id.to_string());
            }
        }
    }
    seen
}

/// Whether the server reported the phone's 200 to its NOTIFY within 5 s.
fn acknowledged(server: &Server) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(ServerEvent::Event(Event::NotifyResult(result))) = server.next_event(Duration::from_millis(200)) {
            return result.outcome == NotifyOutcome::Acknowledged(200);
        }
    }
    false
}

/// The PBX binds 5060 as `sharing` says, before or after gspnp starts; a phone is then
/// provisioned over multicast while the PBX gets all of its own unicast traffic.
fn pbx_keeps_its_traffic_while_a_phone_is_provisioned(sharing: Sharing, pbx_first: bool) {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let (pbx, server) = if pbx_first {
        let pbx = bind_pbx(&lab, sharing).expect("the PBX binds 5060");
        (pbx, start_gspnp(&lab).expect("gspnp starts beside the PBX"))
    } else {
        let server = start_gspnp(&lab).expect("gspnp starts");
        (bind_pbx(&lab, sharing).expect("the PBX binds 5060 beside gspnp"), server)
    };
    server.assign(MAC.parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    let unicast_port = server.port().expect("socket mode has a unicast port");

    let phone = boot_a_phone_beside_pbx_traffic(&lab);
    let pbx_saw = requests_the_pbx_received(&pbx);

    assert_eq!(pbx_saw.len(), TO_THE_PBX, "every unicast request reached the PBX: {pbx_saw:?}");
    assert_ne!(unicast_port, 5060, "gspnp answers from a port of its own");
    let stats = server.stats().engine;
    assert_eq!(stats.unexpected_method, 0, "gspnp received none of the PBX's requests: {stats:?}");
    assert_eq!(phone.len(), 2, "the phone got an answer and a NOTIFY: {phone:?}");
    let ours = SocketAddr::from(SocketAddrV4::new(PBX_IP, unicast_port));
    let (from, answer) = &phone[0];
    assert_eq!(*from, ours, "the answer comes from the unicast socket");
    assert!(answer.starts_with("SIP/2.0 200 OK\r\n"), "{answer}");
    assert!(answer.contains(&format!("\r\nContact: <sip:192.0.2.1:{unicast_port}>\r\n")), "{answer}");
    let (from, notify) = &phone[1];
    assert_eq!(*from, ours, "the NOTIFY comes from the unicast socket");
    assert!(notify.starts_with("NOTIFY sip:192.0.2.2:5080 SIP/2.0\r\n"), "{notify}");
    assert!(notify.contains(&format!("\r\nVia: SIP/2.0/UDP 192.0.2.1:{unicast_port};")), "{notify}");
    assert!(notify.ends_with(URL), "{notify}");
    assert!(acknowledged(&server), "the phone's 200 reached gspnp's unicast socket");
    server.stop().unwrap();
}

const REUSE_ADDRESS: Sharing = Sharing { reuse_address: true, reuse_port: false };
const REUSE_BOTH: Sharing = Sharing { reuse_address: true, reuse_port: true };

#[test]
fn a_pbx_on_5060_with_reuseaddr_started_first_gets_all_its_unicast_while_phones_are_provisioned() {
    pbx_keeps_its_traffic_while_a_phone_is_provisioned(REUSE_ADDRESS, true);
}

#[test]
fn a_pbx_on_5060_with_reuseaddr_started_after_gspnp_gets_all_its_unicast_while_phones_are_provisioned() {
    pbx_keeps_its_traffic_while_a_phone_is_provisioned(REUSE_ADDRESS, false);
}

#[test]
fn a_pbx_on_5060_with_reuseaddr_and_reuseport_started_first_gets_all_its_unicast() {
    pbx_keeps_its_traffic_while_a_phone_is_provisioned(REUSE_BOTH, true);
}

#[test]
fn a_pbx_on_5060_with_reuseaddr_and_reuseport_started_after_gspnp_gets_all_its_unicast() {
    pbx_keeps_its_traffic_while_a_phone_is_provisioned(REUSE_BOTH, false);
}

/// A PBX socket on 0.0.0.0:5060 without SO_REUSEADDR (none, or SO_REUSEPORT alone)
/// cannot share the port with gspnp's group socket: bound first, it makes gspnp's start
/// fail with an error naming the port and the remedies; bound after gspnp, its own bind
/// fails (EADDRINUSE) and gspnp runs on.
#[test]
fn a_pbx_socket_on_5060_without_reuseaddr_makes_whichever_side_binds_second_fail_clearly() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    for sharing in
        [Sharing { reuse_address: false, reuse_port: false }, Sharing { reuse_address: false, reuse_port: true }]
    {
        let pbx = bind_pbx(&lab, sharing).expect("the PBX binds 5060 first");
        let error = start_gspnp(&lab).expect_err("gspnp cannot bind the group beside it");
        assert!(matches!(error, RuntimeError::MulticastPortTaken(5060)), "{sharing:?}: {error:?}");
        let message = error.to_string();
        for needed in ["UDP port 5060", "224.0.1.75:5060", "SO_REUSEADDR", "feed mode"] {
            assert!(message.contains(needed), "{sharing:?}: {needed:?} missing from {message}");
        }
        drop(pbx);

        let server = start_gspnp(&lab).expect("gspnp starts on a free 5060");
        let error = bind_pbx(&lab, sharing).expect_err("the PBX binds second");
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse, "{sharing:?}");
        assert!(server.devices().is_ok(), "gspnp runs on");
        server.stop().unwrap();
    }
}

/// Two servers of one process on one multicast port would both answer every phone: the
/// second start is refused until the first stops; another namespace is another port.
#[test]
fn a_second_server_on_the_same_multicast_port_is_refused_until_the_first_stops() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let first = start_gspnp(&lab).expect("the first server starts");
    let error = start_gspnp(&lab).expect_err("a second one on 5060 in the same namespace");
    assert!(matches!(error, RuntimeError::AlreadyRunning(5060)), "{error:?}");
    assert!(error.to_string().contains("already listens on multicast port 5060"), "{error}");

    let elsewhere = Lab::new();
    let other = start_gspnp(&elsewhere).expect("5060 in another network namespace is another port");
    other.stop().unwrap();

    first.stop().unwrap();
    let second = start_gspnp(&lab).expect("the port was released by stop");
    second.stop().unwrap();
}
