//! tests/sipp/phone_check_sync_auth.xml, the SIPp phone that will judge gspnp's
//! re-provision NOTIFYs, is itself checked here on 127.0.0.1 with a scripted PBX
//! (tests/simulate_peer): it challenges the first check-sync NOTIFY with a 401, answers
//! a retry with the right credentials 200 and exits 0, and fails (exit not 0, 403) on
//! a wrong password — so a passing SIPp run means the digest really verified.

mod simulate_peer;

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Output};

use simulate_peer::{authorize, header, notify_uri, Peer};

/// Runs the scenario as the phone (user 1001, password `secret`) while the scripted
/// PBX sends a check-sync NOTIFY, then its retry with `password`. SIPp's output and the
/// answer to the retry.
fn run(password: &str) -> (Output, String) {
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let phone: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let work = std::env::temp_dir().join(format!("gspnpd-sipp-phone-{}-{password}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sipp/phone_check_sync_auth.xml");
    let sipp = Command::new("sipp")
        .arg("-sf")
        .arg(scenario)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-key",
            "user",
            "1001",
            "-key",
            "password",
            "secret",
        ])
        .args(["-timeout", "15s", "-timeout_error", "-nostdin", "-trace_err"])
        .current_dir(&work)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sipp (sip-tester) is installed");
    let peer = Peer::start(String::new());
    // Retransmitted until SIPp is up and answers.
    let challenge = peer.send_until(&peer.resync_notify(phone, "check-sync", "sipp1", 1, None), phone, "SIP/2.0 401 ");
    let www = header(&challenge, "WWW-Authenticate").unwrap();
    let authorization = authorize(&www, "NOTIFY", &notify_uri(phone), "1001", password);
    peer.send(&peer.resync_notify(phone, "check-sync", "sipp1", 2, Some(&authorization)), phone);
    let (answer, _) = peer.expect("SIP/2.0 ");
    let output = sipp.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&work);
    (output, answer)
}

#[test]
fn the_sipp_phone_accepts_a_check_sync_retried_with_the_right_credentials() {
    let (output, answer) = run("secret");
    assert!(answer.starts_with("SIP/2.0 200 OK"), "{answer}");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn the_sipp_phone_challenges_a_wrong_password_again_and_fails() {
    let (output, answer) = run("guess");
    // As a GRP does: a wrong answer draws a second challenge.
    assert!(answer.starts_with("SIP/2.0 401"), "{answer}");
    assert!(!output.status.success());
}
