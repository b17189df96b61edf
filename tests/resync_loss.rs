//! Re-provisioning through the runtime with 30% datagram loss both ways (issue #12): a
//! scripted P4428=0 phone on loopback drops three datagrams in ten, in and out, with a
//! seeded generator, challenges every first try with a digest 401 (MD5, qop=auth),
//! checks the retry's response itself (md-5, not gspnp's code) and answers 200,
//! answering every retransmission of a transaction as it answered the first. Every
//! re-provisioning is accepted; the retransmissions of a try carry its branch, the
//! authenticated retry a new one.

#[path = "common/random.rs"]
mod random;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gspnp::engine::{EngineConfig, Event, NotifyTimers, ResyncCredentials, ResyncKind, ResyncOutcome, ResyncRequest};
use gspnp::runtime::{RuntimeError, Server, ServerConfig, ServerEvent};
use gspnp::sip::digest::Credentials;
use gspnp::Mac;
use md5::{Digest, Md5};
use random::Random;

const USER: &str = "1001";
const PASSWORD: &str = "loss-secret";
const REALM: &str = "Grandstream GRP2614";
const RESYNCS: u64 = 20;
const LOSS_PERCENT: u64 = 30;

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// `name="value"` or `name=value` of a digest header.
fn digest_param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let value = value.strip_prefix("Digest ")?;
    value.split(',').find_map(|part| {
        let (key, item) = part.trim().split_once('=')?;
        (key.trim() == name).then(|| item.trim().trim_matches('"'))
    })
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The RFC 2617 qop=auth response the phone expects for `nonce` (MD5).
fn expected_response(authorization: &str, nonce: &str) -> Option<String> {
    let uri = digest_param(authorization, "uri")?;
    let (nc, cnonce) = (digest_param(authorization, "nc")?, digest_param(authorization, "cnonce")?);
    let ha1 = md5_hex(&format!("{USER}:{REALM}:{PASSWORD}"));
    let ha2 = md5_hex(&format!("NOTIFY:{uri}"));
    Some(md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")))
}

/// One NOTIFY as the phone received it.
#[derive(Debug, Clone)]
struct Received {
    call_id: String,
    cseq: u32,
    branch: String,
    authorized: Option<bool>,
}

/// The scripted phone's answer to `notify`: 401 to a first try, 200 to a retry whose
/// response verifies, 403 otherwise.
fn answer(notify: &str, nonce: &str) -> (Vec<u8>, Received) {
    let via = header(notify, "Via").unwrap_or_default();
    let branch = via.split(';').find_map(|p| p.trim().strip_prefix("branch=")).unwrap_or_default().to_owned();
    let call_id = header(notify, "Call-ID").unwrap_or_default().to_owned();
    let cseq_line = header(notify, "CSeq").unwrap_or_default();
    let cseq = cseq_line.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let authorized = header(notify, "Authorization").map(|value| {
        digest_param(value, "username") == Some(USER)
            && digest_param(value, "nonce") == Some(nonce)
            && expected_response(value, nonce).as_deref() == digest_param(value, "response")
    });
    let (status, extra) = match authorized {
        None => (
            "401 Unauthorized",
            format!("WWW-Authenticate: Digest realm=\"{REALM}\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"\r\n"),
        ),
        Some(true) => ("200 OK", String::new()),
        Some(false) => ("403 Forbidden", String::new()),
    };
    let mut text = format!("SIP/2.0 {status}\r\n");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        text.push_str(&format!("{name}: {}\r\n", header(notify, name).unwrap_or_default()));
    }
    text.push_str(&extra);
    text.push_str("Content-Length: 0\r\n\r\n");
    (text.into_bytes(), Received { call_id, cseq, branch, authorized })
}

/// Runs the lossy phone on `socket` until `stop`; returns every NOTIFY it let through.
fn lossy_phone(socket: UdpSocket, seed: u64, stop: Arc<AtomicBool>) -> Vec<Received> {
    let mut random = Random(seed);
    let mut received = Vec::new();
    let mut buffer = [0u8; 65_536];
    socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let Ok((len, from)) = socket.recv_from(&mut buffer) else { continue };
        if random.chance(LOSS_PERCENT) {
            continue;
        }
        let notify = String::from_utf8_lossy(&buffer[..len]).into_owned();
        // One nonce per call, as a phone keeps it for the challenge it sent.
        let nonce = md5_hex(header(&notify, "Call-ID").unwrap_or_default());
        let (reply, seen) = answer(&notify, &nonce);
        received.push(seen);
        if !random.chance(LOSS_PERCENT) {
            socket.send_to(&reply, from).unwrap();
        }
    }
    received
}

#[test]
fn every_resync_is_accepted_through_30_percent_loss_retransmissions_keep_their_branch_the_retry_gets_a_new_one() {
    let engine = EngineConfig {
        timers: NotifyTimers {
            t1: Duration::from_millis(20),
            t2: Duration::from_millis(160),
            timeout: Duration::from_secs(4),
        },
        ..EngineConfig::default()
    };
    let server =
        Server::start(ServerConfig { engine, port: 0, multicast: false, ..ServerConfig::default() }, None).unwrap();
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let SocketAddr::V4(phone) = socket.local_addr().unwrap() else { unreachable!() };
    let stop = Arc::new(AtomicBool::new(false));
    let phone_thread = std::thread::spawn({
        let stop = stop.clone();
        move || lossy_phone(socket, 0x5eed_0012, stop)
    });

    let kinds = [ResyncKind::CheckSync, ResyncKind::Reboot, ResyncKind::Resync];
    for n in 0..RESYNCS {
        let mac = Mac::from_hex12(format!("000b82ee{n:04x}").as_bytes()).unwrap();
        let request = ResyncRequest {
            kind: kinds[n as usize % kinds.len()],
            credentials: ResyncCredentials::Given(Credentials { username: USER.into(), password: PASSWORD.into() }),
            destination: Some(SocketAddrV4::new(*phone.ip(), phone.port())),
            local: None,
        };
        server.resync(mac, request).unwrap();
    }
    let mut outcomes = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while outcomes.len() < RESYNCS as usize && Instant::now() < deadline {
        match server.next_event(Duration::from_millis(200)) {
            Ok(ServerEvent::Event(Event::ResyncResult(result))) => {
                assert!(outcomes.insert(result.mac, result.outcome).is_none(), "one outcome per resync");
            }
            Ok(_) | Err(RuntimeError::Timeout) => {}
            Err(error) => panic!("{error}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let received = phone_thread.join().unwrap();

    assert_eq!(outcomes.len(), RESYNCS as usize, "every outcome reaches the host: {outcomes:?}");
    assert!(outcomes.values().all(|o| *o == ResyncOutcome::Accepted(200)), "{outcomes:?}");
    let mut calls: BTreeMap<&str, Vec<&Received>> = BTreeMap::new();
    for notify in &received {
        calls.entry(notify.call_id.as_str()).or_default().push(notify);
    }
    assert_eq!(calls.len(), RESYNCS as usize, "a Call-ID per resync: {received:#?}");
    let mut retransmissions = 0;
    for (call_id, notifies) in &calls {
        let branches = |cseq: u32| -> BTreeSet<&str> {
            notifies.iter().filter(|n| n.cseq == cseq).map(|n| n.branch.as_str()).collect()
        };
        let (first, retry) = (branches(1), branches(2));
        assert_eq!(first.len(), 1, "{call_id}: every copy of the first try has its branch: {notifies:#?}");
        assert_eq!(retry.len(), 1, "{call_id}: every copy of the retry has its branch: {notifies:#?}");
        assert!(first.is_disjoint(&retry), "{call_id}: the authenticated retry has a new branch");
        for notify in notifies {
            let expected = if notify.cseq == 1 { None } else { Some(true) };
            assert_eq!(notify.authorized, expected, "{call_id}: credentials only on the retry, and right: {notify:?}");
        }
        assert!(notifies.iter().all(|n| n.cseq == 1 || n.cseq == 2), "{call_id}: one retry only");
        retransmissions += notifies.len() - 2;
    }
    assert!(retransmissions > 0, "30% loss must have caused retransmissions");
    let stats = server.stats().engine;
    assert_eq!((stats.resyncs_accepted, stats.resync_challenges_answered), (RESYNCS, RESYNCS));
}
