//! `gspnpd simulate --register`: once provisioned, a phone REGISTERs to the server and
//! account its file names, like a phone after its reboot. A scripted registrar on
//! 127.0.0.1 challenges it (401 SHA-256 with qop, or 407 MD5 without), checks the
//! digest with its own code and registers it; a registrar that challenges again gets the
//! phone counted as not registered and the run fails.

mod simulate_peer;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use simulate_peer::{answer, config_file, digest_parameters, header, is_right, parameter, simulate, summary, Peer};

const PASSWORD: &str = "reg-pw-0815";

/// A registrar socket on 127.0.0.1.
fn registrar() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    socket
}

/// The next REGISTER with CSeq `cseq` (retransmissions of earlier ones skipped).
fn register_with_cseq(socket: &UdpSocket, cseq: u32) -> (String, SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buffer = [0u8; 65536];
    while Instant::now() < deadline {
        if let Ok((length, from)) = socket.recv_from(&mut buffer) {
            let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
            if text.starts_with("REGISTER ") && header(&text, "CSeq") == Some(format!("{cseq} REGISTER")) {
                return (text, from);
            }
        }
    }
    panic!("no REGISTER with CSeq {cseq}");
}

/// Runs one phone against a registrar that answers the first REGISTER with `challenge`
/// (status, header line) and the authenticated one with `second`; returns the
/// authenticated REGISTER and the summary.
fn register_run(challenge: (&str, &str), second: impl Fn(&str) -> String) -> (String, Option<i32>, serde_json::Value) {
    let registrar = registrar();
    let server = registrar.local_addr().unwrap().to_string();
    let peer = Peer::start(config_file(PASSWORD, &server));
    let child = simulate(&peer.target(), &["--register"]);
    peer.provision(1);
    let (first, phone) = register_with_cseq(&registrar, 1);
    assert_eq!(first.lines().next(), Some(format!("REGISTER sip:{server} SIP/2.0").as_str()));
    assert_eq!(header(&first, "From").map(|from| from.starts_with(&format!("<sip:1001@{server}>"))), Some(true));
    assert!(header(&first, "Authorization").is_none());
    registrar.send_to(answer(&first, challenge.0, challenge.1).as_bytes(), phone).unwrap();
    let (authenticated, phone) = register_with_cseq(&registrar, 2);
    registrar.send_to(second(&authenticated).as_bytes(), phone).unwrap();
    let (code, json) = summary(child);
    (authenticated, code, json)
}

/// The registrar's answer to an authenticated REGISTER: 200 when the digest in header
/// `name` is right for the file's password, else 403.
fn verify(register: &str, name: &str) -> String {
    let authorization = header(register, name).unwrap_or_else(|| panic!("no {name}: {register}"));
    let status = if is_right(&authorization, "REGISTER", PASSWORD) { "200 OK" } else { "403 Forbidden" };
    answer(register, status, "")
}

#[test]
fn a_phone_answers_a_sha_256_challenge_with_its_files_account_and_is_registered() {
    let challenge = "WWW-Authenticate: Digest realm=\"asterisk\", nonce=\"1700000000/5eed\", opaque=\"0p4\", algorithm=SHA-256, qop=\"auth\"\r\n";
    let verified = |register: &str| verify(register, "Authorization");
    let (register, code, json) = register_run(("401 Unauthorized", challenge), verified);
    let parameters = digest_parameters(&header(&register, "Authorization").unwrap());
    assert_eq!(parameter(&parameters, "username"), Some("1001"));
    assert_eq!((parameter(&parameters, "algorithm"), parameter(&parameters, "opaque")), (Some("SHA-256"), Some("0p4")));
    assert_eq!((parameter(&parameters, "qop"), parameter(&parameters, "nc")), (Some("auth"), Some("00000001")));
    assert_eq!((code, json["registered"].as_u64()), (Some(0), Some(1)), "{json}");
}

#[test]
fn a_phone_answers_a_407_md5_challenge_without_qop_with_proxy_authorization() {
    let challenge = "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"abc123\"\r\n";
    let verified = |register: &str| verify(register, "Proxy-Authorization");
    let (register, code, json) = register_run(("407 Proxy Authentication Required", challenge), verified);
    assert!(!header(&register, "Proxy-Authorization").unwrap().contains("qop"));
    assert_eq!((code, json["registered"].as_u64()), (Some(0), Some(1)), "{json}");
}

#[test]
fn a_registrar_that_challenges_twice_leaves_the_phone_unregistered_and_the_run_failed() {
    let challenge = "WWW-Authenticate: Digest realm=\"asterisk\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n";
    let again = |register: &str| answer(register, "401 Unauthorized", challenge);
    let (_, code, json) = register_run(("401 Unauthorized", challenge), again);
    assert_eq!((code, json["registered"].as_u64()), (Some(1), Some(0)), "{json}");
    assert_eq!(json["register_failed_by_reason"]["register_401"].as_u64(), Some(1), "{json}");
    assert_eq!(json["provisioned"].as_u64(), Some(1), "provisioning itself worked");
}
