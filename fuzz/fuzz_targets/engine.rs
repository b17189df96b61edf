//! The engine driven through whole exchanges. The input is a sequence of chunks
//! separated by `SEPARATOR`; each chunk is one control byte and a datagram:
//! - bits 0-1 of the control byte pick one of four phone addresses;
//! - bits 2-7 advance the fake clock by that many × 250 ms (timers fire then);
//! - an empty datagram makes that phone answer the last NOTIFY it got, with a status
//!   picked by the control byte (100, 200, 202, 481, 489 or 500).
//!
//! Every MAC a datagram carries is assigned a URL or, for every other MAC, a profile;
//! files offered are accepted or refused by ticket parity. Every datagram the engine
//! sends must go to a phone that sent us something, re-parse, and be a 200/202 answer
//! or a NOTIFY carrying one of our URLs.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, Engine, EngineConfig, Event, NotifyTimers, ProfileAssignment, RateLimit, Selector};
use gspnp::provision::{Account, Format, Profile};
use gspnp::sip::{self, HeaderName, Method, NameAddr};
use gspnp::Mac;
use libfuzzer_sys::fuzz_target;

const SEPARATOR: &[u8] = b"\xff\xfe\xfd";
const URL: &str = "http://192.0.2.10/gs/";
const DEFAULT_URL: &str = "http://192.0.2.10/default/";
const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 5060);

fn phone(index: u8) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 1 + index), 5080)
}

fn profile() -> Assignment {
    let mut account = Account::new();
    account.set_sip_server("192.0.2.10").unwrap();
    account.set_user_id("1001").unwrap();
    account.set_password("fuzz-secret").unwrap();
    let mut profile = Profile::new();
    profile.set_account(1, account).unwrap();
    Assignment::Profile(Arc::new(ProfileAssignment { profile, format: Format::V2, token: None }))
}

/// The phone's answer to `notify`: `code`, with its Via, From, To, Call-ID and CSeq.
fn answer(notify: &[u8], code: u16) -> Option<Vec<u8>> {
    let message = sip::parse(notify).ok()?;
    let mut text = format!("SIP/2.0 {code} Whatever\r\n");
    for name in [HeaderName::Via, HeaderName::From, HeaderName::To, HeaderName::CallId, HeaderName::CSeq] {
        text += &format!("{name}: {}\r\n", message.header(name)?);
    }
    text += "Content-Length: 0\r\n\r\n";
    Some(text.into_bytes())
}

struct Run {
    engine: Engine,
    now: Instant,
    assigned: HashSet<Mac>,
    senders: HashSet<SocketAddrV4>,
    last_notify: HashMap<SocketAddrV4, Vec<u8>>,
}

/// The tag of From or To as the phone wrote it: we echo the phone's own URI, which may
/// have no host (snom), so it is read as leniently as the engine read it.
fn tag_of(message: &sip::Message<'_>, name: HeaderName<'_>) -> Option<String> {
    let value = message.first_value(name)?;
    NameAddr::parse_hostless(value).ok()?.tag().map(|tag| tag.into_owned())
}

impl Run {
    fn check_output(&mut self) {
        while let Some(transmit) = self.engine.poll_transmit() {
            assert!(self.senders.contains(&transmit.destination), "sent to {} which never wrote", transmit.destination);
            let message = sip::parse(&transmit.payload).unwrap_or_else(|e| {
                panic!("{e}: {}", String::from_utf8_lossy(&transmit.payload));
            });
            match message.method() {
                Some(Method::Notify) => {
                    assert!(
                        message.body == URL.as_bytes()
                            || message.body == DEFAULT_URL.as_bytes()
                            || message.body.starts_with(b"http://192.0.2.10/gspnp/")
                    );
                    assert_eq!(message.content_length(), Some(message.body.len()));
                    assert!(message.event().is_some_and(|e| e.is_package("ua-profile")));
                    assert!(message.call_id().is_some() && tag_of(&message, HeaderName::From).is_some());
                    self.last_notify.insert(transmit.destination, transmit.payload);
                }
                Some(other) => panic!("sent a {other} request"),
                None => {
                    assert!(matches!(message.status_code(), Some(200 | 202)));
                    assert!(tag_of(&message, HeaderName::To).is_some());
                    assert!(message.vias().next().is_some_and(|via| via.is_ok()));
                    assert!(message.body.is_empty());
                }
            }
        }
        while let Some(event) = self.engine.poll_event() {
            if let Event::ConfigReady(file) = &event {
                let _ = self.engine.decide(self.now, file.ticket, file.ticket % 2 == 0);
            }
            let _ = format!("{event:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let config = EngineConfig {
        timers: NotifyTimers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            timeout: Duration::from_secs(32),
        },
        max_devices: 8,
        rate_limit: RateLimit { burst: 8, per_second: 2.0, max_sources: 3 },
        ..EngineConfig::default()
    };
    let mut run = Run {
        engine: Engine::new(config).unwrap(),
        now: Instant::now(),
        assigned: HashSet::new(),
        senders: HashSet::new(),
        last_notify: HashMap::new(),
    };
    let selector = Selector { vendor: "Grandstream".into(), model: None };
    run.engine.set_default(run.now, &selector, Some(Assignment::Url(DEFAULT_URL.into()))).unwrap();
    let mut rest = data;
    while !rest.is_empty() {
        let end = rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR).unwrap_or(rest.len());
        let chunk = &rest[..end];
        rest = rest.get(end + SEPARATOR.len()..).unwrap_or_default();
        let Some((&control, datagram)) = chunk.split_first() else { continue };
        let source = phone(control & 3);
        run.now += Duration::from_millis(250 * u64::from(control >> 2));
        run.engine.handle_timeout(run.now);
        run.check_output();
        if datagram.is_empty() {
            let code = [100, 200, 202, 481, 489, 500][usize::from(control >> 2) % 6];
            if let Some(reply) = run.last_notify.get(&source).and_then(|notify| answer(notify, code)) {
                run.engine.handle_datagram(run.now, source, LOCAL, &reply);
            }
        } else {
            run.senders.insert(source);
            if let Ok(info) = gspnp::device::decode_datagram(datagram, source) {
                if run.assigned.insert(info.mac) {
                    let assignment =
                        if info.mac.to_hex()[11] % 2 == 0 { Assignment::Url(URL.into()) } else { profile() };
                    run.engine.assign(run.now, info.mac, assignment).unwrap();
                    run.check_output();
                }
            }
            run.engine.handle_datagram(run.now, source, LOCAL, datagram);
        }
        run.check_output();
    }
    // Let every transaction run to its end.
    for _ in 0..20 {
        run.now += Duration::from_secs(4);
        run.engine.handle_timeout(run.now);
        run.check_output();
    }
    let stats = run.engine.stats();
    assert!(stats.notifies_acknowledged + stats.notifies_rejected + stats.notifies_timed_out <= stats.notifies_sent);
});
