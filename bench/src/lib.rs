//! Inputs shared by the benchmarks and the memory probe: the messages a storm is made
//! of, a phone's answer to a NOTIFY, and a GRP2614 profile.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Instant;

use gspnp::engine::{Assignment, Engine, EngineConfig, RateLimit, Selector};
use gspnp::provision::{Account, Key, KeyKind, KeyMode, Profile};

/// The PBX's address in every bench.
pub const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 168, 5, 110), 5060);

/// The engine's defaults without its limits: room for a million phones, no rate limit.
pub fn unlimited_config() -> EngineConfig {
    EngineConfig {
        max_devices: 1 << 20,
        rate_limit: RateLimit { burst: u32::MAX, per_second: 1e9, max_sources: 1 << 20 },
        ..EngineConfig::default()
    }
}

/// An engine with `config` that serves every Grandstream phone a URL.
pub fn serving_engine(config: EngineConfig) -> Engine {
    let mut engine = Engine::new(config).expect("an engine");
    let selector = Selector { vendor: "Grandstream".into(), model: None };
    let url = Assignment::Url("http://192.168.5.110/gspnp/".into());
    engine.set_default(Instant::now(), &selector, Some(url)).expect("a URL");
    engine
}

/// One full handshake of phone `n` at `now`: `subscribe` in, the answer and the NOTIFY
/// out, the phone's 200 in, due timers fired, everything else drained.
pub fn handshake(engine: &mut Engine, n: u32, now: Instant, subscribe: &[u8]) {
    let phone = SocketAddrV4::new(Ipv4Addr::from(0x0a00_0000 + n), 5080);
    engine.handle_datagram(now, phone, LOCAL, subscribe);
    let _answer = engine.poll_transmit().expect("an answer");
    let notify = engine.poll_transmit().expect("a NOTIFY");
    engine.handle_datagram(now, phone, LOCAL, &ok_to(&notify.payload));
    // The pending NOTIFYs' retransmission timers fire as time goes on.
    engine.handle_timeout(now);
    while let Some(transmit) = engine.poll_transmit() {
        engine.recycle(transmit.payload);
    }
    while engine.poll_event().is_some() {}
}

/// The GRP2614 SUBSCRIBE of Grandstream's guide, for phone number `n` (CRLF).
pub fn subscribe(n: u32) -> Vec<u8> {
    let mac = format!("000B82{:06X}", n & 0xff_ffff);
    format!(
        "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.168.5.175:5080;branch=z9hG4bK{n}x1686351121;rport\r\n\
         From: <sip:MAC%3A{mac}@224.0.1.75>;tag=1990948743\r\n\
         To: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
         Call-ID: {n}-1848599395-5080-1@BJC.BGI.F.BHF\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:192.168.5.175:5080>\r\n\
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
    .into_bytes()
}

/// What a phone answers to `notify`: 200 OK with its Via, From, To, Call-ID and CSeq.
pub fn ok_to(notify: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(notify);
    let mut answer = String::from("SIP/2.0 200 OK\r\n");
    for line in text.split("\r\n") {
        if ["Via:", "From:", "To:", "Call-ID:", "CSeq:"].iter().any(|name| line.starts_with(name)) {
            answer.push_str(line);
            answer.push_str("\r\n");
        }
    }
    answer.push_str("Content-Length: 0\r\n\r\n");
    answer.into_bytes()
}

/// A GRP2614 with its 4 accounts, codecs, and 16 VPKs (4 lines, then BLF and speed dial).
pub fn grp2614_profile() -> Profile {
    let mut profile = Profile::new();
    for n in 1..=4u8 {
        let mut account = Account::new();
        account.set_sip_server("pbx.example.com:5060").expect("valid");
        account.set_user_id(&format!("10{n:02}")).expect("valid");
        account.set_password("s3cret-p4ss").expect("valid");
        account.set_display_name(&format!("Desk {n}")).expect("valid");
        account.set_codecs(["G.722", "PCMA", "PCMU", "Opus"]).expect("valid");
        profile.set_account(n, account).expect("valid");
    }
    for k in 1..=16u8 {
        let (mode, account) = match k {
            1..=4 => (KeyMode::LINE, k),
            _ if k % 2 == 1 => (KeyMode::BLF, 1),
            _ => (KeyMode::SPEED_DIAL, 1),
        };
        let value = format!("20{k:02}");
        profile.set_key(KeyKind::Vpk, k, Key::new(mode, account, &value, &value).expect("valid")).expect("valid");
    }
    profile
}
