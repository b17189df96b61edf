//! Independent judges of re-provisioning (issue #12) on loopback: SIPp plays a
//! GRP26xx with P4428=0 (tests/sipp/phone_check_sync_auth.xml: the first NOTIFY gets a
//! digest 401, the retry is checked with SIPp's own `verifyauth`), a gspnp [`Server`]
//! re-provisions it through the public Rust API, and tshark records the exchange:
//! no packet Wireshark finds malformed or flags with a warning, and every retry is a
//! new transaction of the same call carrying Authorization.

#[path = "judges/tshark.rs"]
mod tshark;

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gspnp::engine::{EngineConfig, Event, ResyncCredentials, ResyncKind, ResyncOutcome, ResyncRequest, ResyncResult};
use gspnp::runtime::{RuntimeError, Server, ServerConfig, ServerEvent};
use gspnp::sip::digest::Credentials;
use gspnp::Mac;

const USER: &str = "1001";
const PASSWORD: &str = "sipp-resync-secret";

/// A server on a free loopback port, no multicast, events pulled by the test.
fn server() -> Server {
    let config = ServerConfig { engine: EngineConfig::default(), port: 0, multicast: false, ..ServerConfig::default() };
    Server::start(config, None).expect("a loopback server starts")
}

/// A UDP port on 127.0.0.1 nobody holds at the moment.
fn free_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

/// SIPp running the P4428=0 phone scenario once on 127.0.0.1:`port`, checking the
/// retry against `user`/`password`.
struct SippPhone {
    child: Child,
    work: PathBuf,
}

impl SippPhone {
    /// Starts SIPp and returns once it listens on `port` (panics after 10 s).
    fn start(port: u16, user: &str, password: &str) -> SippPhone {
        let work = std::env::temp_dir().join(format!("gspnp-resync-sipp-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&work).unwrap();
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp/phone_check_sync_auth.xml");
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(scenario)
            .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-m", "1"])
            .args(["-key", "user", user, "-key", "password", password])
            .args(["-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err", "-trace_screen"])
            .current_dir(&work)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sipp (sip-tester) is installed");
        let deadline = Instant::now() + Duration::from_secs(10);
        // SIPp holds the port once binding it here fails.
        while UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            assert!(Instant::now() < deadline, "SIPp did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        SippPhone { child, work }
    }

    /// Waits for SIPp to end; its success and everything it printed or logged.
    fn finish(self) -> (bool, String) {
        let work = self.work.clone();
        let output = self.child.wait_with_output().expect("sipp ran");
        let logs: Vec<String> = std::fs::read_dir(&work)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .collect();
        let _ = std::fs::remove_dir_all(&work);
        let text = format!(
            "{}\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            logs.join("\n")
        );
        (output.status.success(), text)
    }
}

/// Asks `server` to re-provision the phone at 127.0.0.1:`port` with `kind`, answering a
/// challenge with `password`, and returns the outcome event (panics after 40 s).
fn resync(server: &Server, mac: Mac, port: u16, kind: ResyncKind, password: &str) -> ResyncResult {
    let request = ResyncRequest {
        kind,
        credentials: ResyncCredentials::Given(Credentials { username: USER.into(), password: password.into() }),
        destination: Some(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)),
        local: None,
    };
    server.resync(mac, request).expect("the request is accepted");
    let deadline = Instant::now() + Duration::from_secs(40);
    while Instant::now() < deadline {
        match server.next_event(Duration::from_millis(200)) {
            Ok(ServerEvent::Event(Event::ResyncResult(result))) => return result,
            Ok(_) | Err(RuntimeError::Timeout) => {}
            Err(error) => panic!("the server failed: {error}"),
        }
    }
    panic!("no ResyncResult within 40 s");
}

#[test]
fn sipp_phone_accepts_check_sync_reboot_and_resync_with_the_right_password_and_wireshark_finds_nothing_wrong() {
    let server = server();
    let port = free_port();
    let capture = tshark::Capture::start(None, "lo", &format!("udp port {port}"));
    let probe = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    capture.wait_until_recording(|| {
        let _ = probe.send_to(b"capture probe", (Ipv4Addr::LOCALHOST, port));
    });
    let mac: Mac = "000B82000201".parse().unwrap();
    for kind in [ResyncKind::CheckSync, ResyncKind::Reboot, ResyncKind::Resync] {
        let phone = SippPhone::start(port, USER, PASSWORD);
        let result = resync(&server, mac, port, kind, PASSWORD);
        let (passed, sipp) = phone.finish();
        assert_eq!(result.outcome, ResyncOutcome::Accepted(200), "{kind:?}:\n{sipp}");
        assert!(passed, "SIPp failed the {kind:?} NOTIFY:\n{sipp}");
        assert_eq!((result.mac, result.kind), (mac, kind));
    }
    let pcap = capture.finish();
    let flagged = tshark::flagged(&pcap, "Warning");
    assert!(flagged.trim().is_empty(), "Wireshark flags packets:\n{flagged}");

    let rows = tshark::sip_rows(
        &pcap,
        &[
            "sip.Method",
            "sip.Status-Code",
            "sip.Event",
            "sip.Call-ID",
            "sip.Via.branch",
            "sip.CSeq.seq",
            "sip.auth.username",
            "sip.Content-Length",
        ],
    );
    let notifies: Vec<&Vec<String>> = rows.iter().filter(|row| row[0] == "NOTIFY").collect();
    let answers: Vec<&str> = rows.iter().filter(|row| row[0].is_empty()).map(|row| row[1].as_str()).collect();
    assert_eq!(answers, ["401", "200", "401", "200", "401", "200"], "{rows:?}");
    assert_eq!(notifies.len(), 6, "one first try and one authenticated retry per kind: {rows:?}");
    let events: Vec<&str> = notifies.iter().map(|row| row[2].as_str()).collect();
    assert_eq!(
        events,
        ["check-sync", "check-sync", "check-sync;reboot=true", "check-sync;reboot=true", "resync", "resync"],
        "{rows:#?}"
    );
    for pair in notifies.chunks(2) {
        let (first, retry) = (pair[0], pair[1]);
        assert_eq!(first[3], retry[3], "the retry keeps the Call-ID: {pair:#?}");
        assert_ne!(first[4], retry[4], "the retry is a new transaction (branch): {pair:#?}");
        assert_eq!(first[5].parse::<u32>().unwrap() + 1, retry[5].parse::<u32>().unwrap(), "CSeq: {pair:#?}");
        let quoted_user = format!("\"{USER}\"");
        assert_eq!(
            (first[6].as_str(), retry[6].as_str()),
            ("", quoted_user.as_str()),
            "Authorization on the retry only: {pair:#?}"
        );
        assert_eq!((first[7].as_str(), retry[7].as_str()), ("0", "0"), "no body: {pair:#?}");
    }
    let call_ids: std::collections::HashSet<&str> = notifies.iter().map(|row| row[3].as_str()).collect();
    assert_eq!(call_ids.len(), 3, "a fresh Call-ID per re-provisioning: {rows:#?}");
    let _ = std::fs::remove_file(pcap);
}

#[test]
fn sipp_phone_challenges_a_wrong_password_again_and_the_host_hears_auth_refused() {
    let server = server();
    let port = free_port();
    let phone = SippPhone::start(port, USER, PASSWORD);
    let mac: Mac = "000B82000202".parse().unwrap();
    let result = resync(&server, mac, port, ResyncKind::CheckSync, "not-the-password");
    let (passed, sipp) = phone.finish();
    assert_eq!(result.outcome, ResyncOutcome::AuthRefused(401), "{sipp}");
    assert!(!passed, "SIPp must fail a retry with the wrong password:\n{sipp}");
    assert!(sipp.contains("does not verify against user 1001"), "SIPp's reason:\n{sipp}");
    assert_eq!(server.stats().engine.resyncs_failed, 1);
}
