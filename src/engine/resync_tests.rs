//! Re-provisioning with a fake clock and a scripted phone that challenges.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use super::*;
use crate::provision::{Account, Format, Profile};
use crate::sip::digest::{Challenge, Credentials};

const PHONE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 175), 5060);
const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 5062);

fn mac() -> Mac {
    "000b82f55284".parse().unwrap()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.split("\r\n").find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")))
}

/// A phone's answer to `request`: `code` with its Via/From/To/Call-ID/CSeq, and `extra` lines.
fn answer(request: &str, code: u16, extra: &str) -> Vec<u8> {
    let mut text = format!("SIP/2.0 {code} Whatever\r\n");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        text += &format!("{name}: {}\r\n", header(request, name).unwrap());
    }
    text += extra;
    text += "Content-Length: 0\r\n\r\n";
    text.into_bytes()
}

const CHALLENGE: &str =
    "WWW-Authenticate: Digest realm=\"grandstream\", nonce=\"abc123\", qop=\"auth\", opaque=\"op\"\r\n";

struct Lab {
    engine: Engine,
    t0: Instant,
}

impl Lab {
    fn new() -> Lab {
        let engine = Engine::with_random(EngineConfig::default(), Box::new(SeededRandom::new(3))).unwrap();
        Lab { engine, t0: Instant::now() }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn sent(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.engine.poll_transmit())
            .map(|t| {
                assert_eq!(t.destination, PHONE);
                String::from_utf8(t.payload).unwrap()
            })
            .collect()
    }

    fn phone_says(&mut self, ms: u64, datagram: &[u8]) -> Vec<String> {
        self.engine.handle_datagram(self.at(ms), PHONE, LOCAL, datagram);
        self.sent()
    }

    fn results(&mut self) -> Vec<ResyncOutcome> {
        std::iter::from_fn(|| self.engine.poll_event())
            .filter_map(|e| match e {
                Event::ResyncResult(result) => Some(result.outcome),
                _ => None,
            })
            .collect()
    }

    fn resync(&mut self, credentials: ResyncCredentials, kind: ResyncKind) -> String {
        let request = ResyncRequest { kind, credentials, destination: Some(PHONE), local: Some(LOCAL) };
        self.engine.resync(self.at(0), mac(), request).unwrap();
        let sent = self.sent();
        assert_eq!(sent.len(), 1);
        sent[0].clone()
    }
}

fn given(user: &str, password: &str) -> ResyncCredentials {
    ResyncCredentials::Given(Credentials { username: user.into(), password: password.into() })
}

/// Checks an Authorization value as the phone would, with its own copy of the secret.
fn phone_accepts(request: &str, user: &str, password: &str) -> bool {
    let Some(authorization) = header(request, "Authorization") else { return false };
    let challenge = Challenge::parse(CHALLENGE.trim_end().strip_prefix("WWW-Authenticate: ").unwrap()).unwrap();
    let field = |name: &str| {
        authorization.split(", ").find_map(|part| {
            let part = part.strip_prefix("Digest ").unwrap_or(part);
            part.strip_prefix(name)?.strip_prefix('=').map(|v| v.trim_matches('"'))
        })
    };
    let uri = field("uri").unwrap();
    let cnonce = field("cnonce").unwrap();
    let expected =
        challenge.answer(&Credentials { username: user.into(), password: password.into() }, "NOTIFY", uri, cnonce);
    expected.is_some_and(|value| value == authorization)
}

#[test]
fn a_check_sync_is_a_bodyless_notify_outside_any_dialog() {
    let mut lab = Lab::new();
    let notify = lab.resync(given("1001", "pw"), ResyncKind::CheckSync);
    assert!(notify.starts_with("NOTIFY sip:1001@192.0.2.175:5060 SIP/2.0\r\n"), "{notify}");
    assert_eq!(header(&notify, "Event"), Some("check-sync"));
    assert_eq!(header(&notify, "Content-Length"), Some("0"));
    assert_eq!(header(&notify, "CSeq"), Some("1 NOTIFY"));
    assert!(header(&notify, "Via").unwrap().starts_with("SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK"));
    assert!(header(&notify, "From").unwrap().starts_with("<sip:192.0.2.10:5062>;tag="));
    assert!(notify.ends_with("\r\n\r\n"));
    lab.phone_says(100, &answer(&notify, 200, ""));
    assert_eq!(lab.results(), [ResyncOutcome::Accepted(200)]);
    let reboot = lab.resync(ResyncCredentials::None, ResyncKind::Reboot);
    assert_eq!(header(&reboot, "Event"), Some("check-sync;reboot=true"));
    assert!(reboot.starts_with("NOTIFY sip:192.0.2.175:5060 SIP/2.0"), "no user known: {reboot}");
    assert_eq!(header(&lab.resync(ResyncCredentials::None, ResyncKind::Resync), "Event"), Some("resync"));
}

#[test]
fn a_challenge_is_answered_once_with_a_new_branch_and_the_next_cseq() {
    let mut lab = Lab::new();
    let first = lab.resync(given("1001", "s3cret"), ResyncKind::CheckSync);
    let retry = lab.phone_says(100, &answer(&first, 401, CHALLENGE));
    assert_eq!(retry.len(), 1);
    let retry = &retry[0];
    assert_eq!(header(retry, "CSeq"), Some("2 NOTIFY"));
    assert_eq!(header(retry, "Call-ID"), header(&first, "Call-ID"));
    assert_eq!(header(retry, "From"), header(&first, "From"));
    assert_ne!(header(retry, "Via"), header(&first, "Via"), "a new branch");
    assert!(phone_accepts(retry, "1001", "s3cret"), "{retry}");
    assert!(!phone_accepts(retry, "1001", "wrong"));
    let authorization = header(retry, "Authorization").unwrap();
    assert!(authorization.contains("opaque=\"op\"") && authorization.contains("nc=00000001"));
    assert!(authorization.contains("realm=\"grandstream\"") && authorization.contains("algorithm=MD5"));
    // Retransmissions of the retry keep its branch.
    lab.engine.handle_timeout(lab.at(700));
    let resent = lab.sent();
    assert_eq!(resent.len(), 1);
    assert_eq!(header(&resent[0], "Via"), header(retry, "Via"));
    lab.phone_says(800, &answer(retry, 200, ""));
    assert_eq!(lab.results(), [ResyncOutcome::Accepted(200)]);
    assert_eq!(lab.engine.stats().resync_challenges_answered, 1);
}

#[test]
fn a_proxy_challenge_is_answered_with_proxy_authorization() {
    let mut lab = Lab::new();
    let first = lab.resync(given("1001", "pw"), ResyncKind::CheckSync);
    let challenge = CHALLENGE.replace("WWW-Authenticate", "Proxy-Authenticate");
    let retry = lab.phone_says(100, &answer(&first, 407, &challenge));
    assert!(header(&retry[0], "Proxy-Authorization").is_some() && header(&retry[0], "Authorization").is_none());
}

#[test]
fn sha_256_and_no_qop_challenges_are_answered() {
    let mut lab = Lab::new();
    let first = lab.resync(given("1001", "pw"), ResyncKind::CheckSync);
    let sha = "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=SHA-256\r\n";
    let retry = lab.phone_says(100, &answer(&first, 401, sha));
    let authorization = header(&retry[0], "Authorization").unwrap();
    assert!(authorization.contains("algorithm=SHA-256") && !authorization.contains("qop="), "{authorization}");
    let response = authorization.split("response=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(response.len(), 64, "a SHA-256 digest");
}

#[test]
fn a_second_challenge_ends_it_unless_the_nonce_was_stale() {
    let mut lab = Lab::new();
    let first = lab.resync(given("1001", "wrong"), ResyncKind::CheckSync);
    let retry = lab.phone_says(100, &answer(&first, 401, CHALLENGE));
    assert!(lab.phone_says(200, &answer(&retry[0], 401, CHALLENGE)).is_empty());
    assert_eq!(lab.results(), [ResyncOutcome::AuthRefused(401)]);

    let first = lab.resync(given("1001", "pw"), ResyncKind::CheckSync);
    let retry = lab.phone_says(100, &answer(&first, 401, CHALLENGE));
    let stale = CHALLENGE.replace("nonce=\"abc123\"", "nonce=\"fresh\", stale=true");
    let third = lab.phone_says(200, &answer(&retry[0], 401, &stale));
    assert_eq!(third.len(), 1, "a stale nonce is answered once more");
    assert_eq!(header(&third[0], "CSeq"), Some("3 NOTIFY"));
    assert!(lab.phone_says(300, &answer(&third[0], 401, &stale)).is_empty());
    assert_eq!(lab.results(), [ResyncOutcome::AuthRefused(401)]);
}

#[test]
fn without_credentials_a_challenge_is_reported_not_answered() {
    let mut lab = Lab::new();
    let first = lab.resync(ResyncCredentials::None, ResyncKind::CheckSync);
    assert!(lab.phone_says(100, &answer(&first, 401, CHALLENGE)).is_empty());
    assert_eq!(lab.results(), [ResyncOutcome::NoCredentials(401)]);
}

#[test]
fn hostile_challenges_are_refused_and_never_echoed() {
    let hostile = [
        format!("WWW-Authenticate: Digest realm=\"{}\", nonce=\"n\"\r\n", "r".repeat(4000)),
        "WWW-Authenticate: Digest realm=\"r\u{1}\", nonce=\"n\"\r\n".to_string(),
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"a\\\"X-Evil: 1\"\r\n".to_string(),
        "WWW-Authenticate: Digest nonce=\"n\"\r\n".to_string(),
        "WWW-Authenticate: Basic realm=\"r\"\r\n".to_string(),
        "WWW-Authenticate: \r\n".to_string(),
        String::new(),
    ];
    for challenge in hostile {
        let mut lab = Lab::new();
        let first = lab.resync(given("1001", "pw"), ResyncKind::CheckSync);
        let sent = lab.phone_says(100, &answer(&first, 401, &challenge));
        assert!(sent.is_empty(), "{challenge:?} drew {sent:?}");
        assert_eq!(lab.results(), [ResyncOutcome::AuthRefused(401)], "{challenge:?}");
    }
}

#[test]
fn a_phone_that_is_gone_times_out_at_timer_f_after_retransmissions() {
    let mut lab = Lab::new();
    let first = lab.resync(given("1001", "pw"), ResyncKind::CheckSync);
    let mut resent = 0;
    for ms in (10..=40_000).step_by(10) {
        lab.engine.handle_timeout(lab.at(ms));
        for again in lab.sent() {
            assert_eq!(again, first, "a retransmission is the same request");
            resent += 1;
        }
    }
    assert_eq!(resent, 10);
    assert_eq!(lab.results(), [ResyncOutcome::TimedOut]);
}

#[test]
fn account_credentials_come_from_the_profile_gspnp_holds() {
    let mut lab = Lab::new();
    let mut account = Account::new();
    account.set_user_id("1007").unwrap();
    account.set_auth_id("auth1007").unwrap();
    account.set_password("from-profile").unwrap();
    let mut profile = Profile::new();
    profile.set_account(1, account).unwrap();
    let assignment = ProfileAssignment { profile, format: Format::V1, token: None };
    lab.engine.assign(lab.at(0), mac(), Assignment::Profile(std::sync::Arc::new(assignment))).unwrap();
    let first = lab.resync(ResyncCredentials::Account(1), ResyncKind::CheckSync);
    assert!(first.starts_with("NOTIFY sip:1007@192.0.2.175:5060"), "{first}");
    let retry = lab.phone_says(100, &answer(&first, 401, CHALLENGE));
    assert!(phone_accepts(&retry[0], "auth1007", "from-profile"));
}

#[test]
fn unusable_requests_are_refused_before_anything_is_sent() {
    let mut lab = Lab::new();
    assert!(matches!(
        lab.engine.resync(lab.at(0), mac(), ResyncRequest::new(ResyncKind::CheckSync)),
        Err(EngineError::UnknownDevice(_))
    ));
    let bad_account = ResyncRequest {
        credentials: ResyncCredentials::Account(0),
        destination: Some(PHONE),
        local: Some(LOCAL),
        ..ResyncRequest::new(ResyncKind::CheckSync)
    };
    assert!(matches!(lab.engine.resync(lab.at(0), mac(), bad_account), Err(EngineError::BadRequest(_))));
    let control = ResyncRequest {
        credentials: given("10\r\n01", "pw"),
        destination: Some(PHONE),
        local: Some(LOCAL),
        ..ResyncRequest::new(ResyncKind::CheckSync)
    };
    assert!(matches!(lab.engine.resync(lab.at(0), mac(), control), Err(EngineError::BadRequest(_))));
    assert!(lab.sent().is_empty());
}

#[test]
fn no_password_or_digest_response_in_any_log_line_or_debug_output() {
    let mut lab = Lab::new();
    let first = lab.resync(given("1001", "s3cret-pw"), ResyncKind::CheckSync);
    let retry = lab.phone_says(100, &answer(&first, 401, CHALLENGE));
    let response = header(&retry[0], "Authorization")
        .unwrap()
        .split("response=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    lab.phone_says(200, &answer(&retry[0], 200, ""));
    let text: Vec<String> = std::iter::from_fn(|| lab.engine.poll_event()).map(|e| format!("{e:?}")).collect();
    let text = text.join("\n") + &format!("{:?}", lab.engine);
    assert!(text.contains("check-sync accepted"), "{text}");
    assert!(!text.contains("s3cret-pw") && !text.contains(&response), "{text}");
}
