//! Amplification toward a forged source, measured per datagram kind (issue #14): gspnpd
//! runs in the PBX namespace of the lab with a default profile and its default
//! per-source rate limit; each kind of datagram comes from its own address in the
//! phone namespace (a forged source on a LAN is just an address the attacker names),
//! and the socket there counts every byte gspnpd sends back until the NOTIFY
//! retransmissions stop (Timer F, 32 s). The figures are printed (run with
//! `--no-capture`) and go into SECURITY.md; the test holds what must not change: a
//! SUBSCRIBE draws one answer and at most eleven copies of one NOTIFY, a retransmitted
//! SUBSCRIBE one answer, SUBSCRIBEs over the rate limit and answers to NOTIFYs nothing.

mod common;
#[path = "../../tests/lab/mod.rs"]
mod lab;

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use common::{gspnpd_in, Daemon, Scratch};
use lab::{Lab, PBX_IP};
use nix::sys::signal::Signal;

/// The vendor guide's GRP2614 SUBSCRIBE (Figure 1) for `mac`, from `from`.
fn full_subscribe(from: Ipv4Addr, mac: &str) -> String {
    format!(
        "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {from}:5080;branch=z9hG4bK1686351121;rport\r\n\
         From: <sip:MAC%3A{mac}@224.0.1.75>;tag=1990948743\r\n\
         To: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
         Call-ID: 1848599395-5080-1@BJC.BGI.F.BHF\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:{from}:5080>\r\n\
         X-Grandstream-PBX: true\r\n\
         Max-Forwards: 70\r\n\
         User-Agent: Grandstream GRP2614 1.0.0.31\r\n\
         Expires: 0\r\n\
         Supported: replaces, path\r\n\
         Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\r\n\
         Accept: application/url\r\n\
         Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// The shortest SUBSCRIBE gspnp serves: compact header names, only what it needs.
fn compact_subscribe(from: Ipv4Addr, mac: &str) -> String {
    format!(
        "SUBSCRIBE sip:MAC{mac}@{PBX_IP} SIP/2.0\r\n\
         v: SIP/2.0/UDP {from}:5080;branch=z9hG4bK{mac}\r\n\
         f: <sip:x@y>;tag=1\r\n\
         t: <sip:x@y>\r\n\
         i: {mac}\r\n\
         CSeq: 1 SUBSCRIBE\r\n\
         o: ua-profile;vendor=Grandstream;model=GRP2614\r\n\
         l: 0\r\n\r\n"
    )
}

/// A phone's 200 to a NOTIFY it never received, naming a call gspnp does not have.
fn notify_answer(from: Ipv4Addr) -> String {
    format!(
        "SIP/2.0 200 OK\r\n\
         Via: SIP/2.0/UDP {PBX_IP}:5062;branch=z9hG4bK0123456789abcdef;rport\r\n\
         From: <sip:{PBX_IP}>;tag=0123456789abcdef\r\n\
         To: <sip:{from}:5080>;tag=1\r\n\
         Call-ID: 0123456789abcdef@{PBX_IP}\r\n\
         CSeq: 1 NOTIFY\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// What one forged source received.
#[derive(Debug, Default, Clone, Copy)]
struct Drawn {
    sent_bytes: usize,
    sent_datagrams: usize,
    answers: usize,
    notifies: usize,
    bytes: usize,
}

impl Drawn {
    fn datagrams(&self) -> usize {
        self.answers + self.notifies
    }

    fn factor(&self) -> f64 {
        self.bytes as f64 / self.sent_bytes as f64
    }
}

/// The daemon's unicast port: where a forger on the LAN sends (the multicast group's
/// port only hears datagrams sent to the group).
const UNICAST_PORT: u16 = 5062;

/// Sends `datagrams` from `source`:5080 (in the phone namespace), `gap` apart, then counts
/// what comes back until nothing has for 2 s after Timer F (34 s in all).
fn forge(lab_phone: &str, source: Ipv4Addr, datagrams: Vec<String>, gap: Duration) -> Drawn {
    Lab::enter(lab_phone);
    let socket = UdpSocket::bind(SocketAddrV4::new(source, 5080)).expect("the lab address");
    socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut drawn = Drawn::default();
    for datagram in &datagrams {
        socket.send_to(datagram.as_bytes(), (PBX_IP, UNICAST_PORT)).unwrap();
        drawn.sent_bytes += datagram.len();
        drawn.sent_datagrams += 1;
        std::thread::sleep(gap);
    }
    let deadline = Instant::now() + Duration::from_secs(34);
    let mut buffer = [0u8; 65_536];
    while Instant::now() < deadline {
        let Ok(len) = socket.recv(&mut buffer) else { continue };
        drawn.bytes += len;
        if buffer.starts_with(b"SIP/2.0 ") {
            drawn.answers += 1;
        } else if buffer.starts_with(b"NOTIFY ") {
            drawn.notifies += 1;
        }
    }
    drawn
}

#[test]
fn forged_sources_get_at_most_one_answer_and_one_notify_per_subscribe_and_nothing_over_the_rate_limit() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let scratch = Scratch::new("amplification");
    let config = scratch.write(
        "gspnpd.toml",
        format!(
            r#"
[sip]
interfaces = ["{link}"]
unicast_port = {UNICAST_PORT}
[http]
listen = "{PBX_IP}:8080"
public_url = "http://{PBX_IP}:8080/prov/"
{profile}"#,
            link = lab.pbx_link,
            profile = common::default_profile_tables(PBX_IP, "amplification-secret")
        ),
    );
    let daemon = Daemon::start(gspnpd_in(&lab.pbx, &["run", "--config", config.to_str().unwrap()]));

    lab.add_phone_addresses(10, 5);
    let source = |n: u8| Ipv4Addr::new(192, 0, 2, n);
    let burst: Vec<String> = (0..60).map(|k| compact_subscribe(source(13), &format!("000B82AA{k:04X}"))).collect();
    let kinds: Vec<(&str, Ipv4Addr, Vec<String>, Duration)> = vec![
        (
            "SUBSCRIBE, full form (GRP2614)",
            source(10),
            vec![full_subscribe(source(10), "000B82AA0001")],
            Duration::ZERO,
        ),
        ("SUBSCRIBE, compact form", source(11), vec![compact_subscribe(source(11), "000B82AA0002")], Duration::ZERO),
        (
            "SUBSCRIBE + its retransmission",
            source(12),
            vec![full_subscribe(source(12), "000B82AA0003"), full_subscribe(source(12), "000B82AA0003")],
            Duration::from_millis(300),
        ),
        ("60 compact SUBSCRIBEs at once", source(13), burst, Duration::ZERO),
        ("answer to a NOTIFY", source(14), vec![notify_answer(source(14))], Duration::ZERO),
    ];
    let phone = lab.phone.clone();
    let threads: Vec<_> = kinds
        .into_iter()
        .map(|(name, from, datagrams, gap)| {
            let phone = phone.clone();
            (name, std::thread::spawn(move || forge(&phone, from, datagrams, gap)))
        })
        .collect();
    let results: Vec<(&str, Drawn)> =
        threads.into_iter().map(|(name, thread)| (name, thread.join().unwrap())).collect();
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");

    println!("| datagram kind | sent | drew (datagrams: answers + NOTIFYs) | bytes back | factor |");
    for (name, drawn) in &results {
        println!(
            "| {name} | {} B in {} | {} ({} + {}) | {} | {:.1}x |",
            drawn.sent_bytes,
            drawn.sent_datagrams,
            drawn.datagrams(),
            drawn.answers,
            drawn.notifies,
            drawn.bytes,
            drawn.factor()
        );
    }
    let [full, compact, retransmitted, burst, answer] = [0, 1, 2, 3, 4].map(|i| results[i].1);
    // The NOTIFY goes out once and is retransmitted at most ten times (Timer F).
    for one in [full, compact] {
        assert_eq!(one.answers, 1, "{results:#?}");
        assert!((1..=11).contains(&one.notifies), "{results:#?}");
    }
    // A retransmission draws the same answer again and no second NOTIFY.
    assert_eq!(retransmitted.answers, 2, "{results:#?}");
    assert!(retransmitted.notifies <= 11, "{results:#?}");
    // Only the burst of the per-source limit is served; the rest draws nothing.
    assert!((40..=41).contains(&burst.answers), "{results:#?}");
    assert!(burst.notifies <= 11 * burst.answers, "{results:#?}");
    assert_eq!(answer.bytes, 0, "an answer to no NOTIFY draws nothing: {results:#?}");
}
