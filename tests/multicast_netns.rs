//! A phone and a PBX in two network namespaces joined by a veth pair: the phone
//! multicasts its SUBSCRIBE to 224.0.1.75 exactly as a GRP26xx does at boot, and the
//! server (on the PBX side, joined on its veth) answers, notifies, and hears the 200.
//! Needs root and iproute2 (CI has both); packets never leave the namespaces.

mod lab;

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, Event, NotifyOutcome};
use gspnp::runtime::{Server, ServerConfig, ServerEvent};
use lab::{Lab, PBX_IP, PHONE_IP};

const URL: &str = "http://192.0.2.1:8080/gspnp/lab/";

/// A server joined on the PBX side's veth, its socket and threads in that namespace.
fn start_on_the_pbx_side(lab: &Lab) -> Server {
    let (pbx, pbx_link) = (lab.pbx.clone(), lab.pbx_link.clone());
    std::thread::spawn(move || {
        Lab::enter(&pbx);
        let config = ServerConfig { interfaces: vec![pbx_link], ..ServerConfig::default() };
        Server::start(config, None).expect("the server starts in the PBX namespace")
    })
    .join()
    .expect("the starting thread")
}

#[test]
fn phone_in_another_namespace_is_provisioned_over_multicast() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let server = start_on_the_pbx_side(&lab);
    server.assign("000b82f55284".parse().unwrap(), Assignment::Url(URL.into())).unwrap();

    let phone_ns = lab.phone.clone();
    let phone = std::thread::spawn(move || {
        Lab::enter(&phone_ns);
        let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5080)).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buffer = [0u8; 4096];
        let mut received = Vec::new();
        // Up to five SUBSCRIBEs, like the phone, until the answer and the NOTIFY are in.
        for _ in 0..5 {
            socket.send_to(lab::phone_subscribe("000B82F55284").as_bytes(), "224.0.1.75:5060").unwrap();
            while let Ok((len, from)) = socket.recv_from(&mut buffer) {
                let text = String::from_utf8_lossy(&buffer[..len]).into_owned();
                if text.starts_with("NOTIFY") {
                    socket.send_to(lab::phone_acknowledgement(&text).as_bytes(), from).unwrap();
                }
                received.push((from, text));
                if received.len() >= 2 {
                    return received;
                }
            }
        }
        received
    })
    .join()
    .unwrap();

    assert_eq!(phone.len(), 2, "the phone got {phone:?}");
    let (from, answer) = &phone[0];
    // From the unicast socket, never from the group's port 5060 (a PBX's port).
    let unicast_port = server.port().unwrap();
    assert_eq!(*from, std::net::SocketAddr::from(SocketAddrV4::new(PBX_IP, unicast_port)));
    assert!(answer.starts_with("SIP/2.0 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains(&format!("\r\nContact: <sip:192.0.2.1:{unicast_port}>\r\n")),
        "the server answers from the veth's address and its unicast port: {answer}"
    );
    let notify = &phone[1].1;
    assert!(notify.starts_with("NOTIFY sip:192.0.2.2:5080 SIP/2.0\r\n"), "{notify}");
    assert!(notify.ends_with(URL));

    let deadline = Instant::now() + Duration::from_secs(5);
    let mut acknowledged = false;
    let mut discovered_from = None;
    // Lanes are not ordered with each other: the result may come before the discovery.
    while Instant::now() < deadline && !(acknowledged && discovered_from.is_some()) {
        match server.next_event(Duration::from_millis(200)) {
            Ok(ServerEvent::Event(Event::Discovered(info))) => discovered_from = Some(info.source),
            Ok(ServerEvent::Event(Event::NotifyResult(result))) => {
                acknowledged = result.outcome == NotifyOutcome::Acknowledged(200);
            }
            _ => {}
        }
    }
    assert_eq!(discovered_from, Some(SocketAddrV4::new(PHONE_IP, 5080)));
    assert!(acknowledged, "the server saw the phone's 200");
    server.stop().unwrap();
}

#[test]
fn an_interface_that_disappears_while_running_neither_crashes_the_server_nor_its_stop() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let server = start_on_the_pbx_side(&lab);
    // The veth pair goes away under the running server (both ends are deleted).
    lab::ip(&["-n", &lab.pbx, "link", "del", &lab.pbx_link]);
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.devices().is_ok(), "the network thread still answers the host");
    assert_eq!(server.stats().receive_errors, 0);
    server.stop().expect("stop returns cleanly");
    assert!(server.devices().is_err(), "and then the server is stopped");
}
