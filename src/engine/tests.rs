//! Engine tests with a fake clock: every datagram in and out is checked as text.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use super::*;

const PHONE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 175), 5080);
const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 5060);
const MAC: &str = "000b82f55284";
const URL: &str = "http://192.0.2.10:8080/cfg/";

/// A GRP2614 SUBSCRIBE as in the vendor's guide, for `mac` (upper case on the wire).
fn subscribe_for(mac: &str, branch: &str, call_id: &str) -> Vec<u8> {
    let upper = mac.to_ascii_uppercase();
    format!(
        "SUBSCRIBE sip:MAC%3A{upper}@224.0.1.75 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.175:5080;branch={branch};rport\r\n\
         From: <sip:MAC%3A{upper}@224.0.1.75>;tag=1990948743\r\n\
         To: <sip:MAC%3A{upper}@224.0.1.75>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:192.0.2.175:5080>\r\n\
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

fn subscribe() -> Vec<u8> {
    subscribe_for(MAC, "z9hG4bK1686351121", "1848599395-5080-1@BJC.BGI.F.BHF")
}

fn mac() -> Mac {
    MAC.parse().unwrap()
}

/// The value of the first header `name` in a message we sent.
fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .split("\r\n")
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")))
        .unwrap_or_else(|| panic!("no {name} in\n{message}"))
}

/// What a phone answers to our NOTIFY: `code`, with its Via, From, To, Call-ID, CSeq.
fn phone_answer(notify: &[u8], code: u16) -> Vec<u8> {
    let text = std::str::from_utf8(notify).unwrap();
    let mut answer = format!("SIP/2.0 {code} Whatever\r\n");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        answer += &format!("{name}: {}\r\n", header(text, name));
    }
    answer += "Content-Length: 0\r\n\r\n";
    answer.into_bytes()
}

struct Harness {
    engine: Engine,
    t0: Instant,
}

impl Harness {
    fn new(config: EngineConfig) -> Harness {
        Harness { engine: Engine::new(config).unwrap(), t0: Instant::now() }
    }

    fn provisioning() -> Harness {
        let mut harness = Harness::new(EngineConfig::default());
        harness.engine.assign(harness.t0, mac(), Assignment::Url(URL.into())).unwrap();
        harness
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn receive(&mut self, ms: u64, datagram: &[u8]) -> Vec<String> {
        self.engine.handle_datagram(self.at(ms), PHONE, LOCAL, datagram);
        self.sent()
    }

    fn tick(&mut self, ms: u64) -> Vec<String> {
        self.engine.handle_timeout(self.at(ms));
        self.sent()
    }

    fn sent(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.engine.poll_transmit())
            .map(|t| {
                assert_eq!(t.destination, PHONE, "replies go only to the datagram's source");
                String::from_utf8(t.payload).unwrap()
            })
            .collect()
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.engine.poll_event()).filter(|e| !matches!(e, Event::Log(..))).collect()
    }

    fn notify_results(&mut self) -> Vec<NotifyOutcome> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::NotifyResult(result) => Some(result.outcome),
                _ => None,
            })
            .collect()
    }

    /// Fires timers every 10 ms up to `until_ms`; returns when each NOTIFY went out.
    fn notify_times(&mut self, from_ms: u64, until_ms: u64) -> Vec<u64> {
        let mut times = Vec::new();
        for ms in (from_ms..=until_ms).step_by(10) {
            times.extend(self.tick(ms).iter().filter(|m| m.starts_with("NOTIFY")).map(|_| ms));
        }
        times
    }
}

#[test]
fn phone_with_an_assigned_url_gets_an_answer_and_a_notify_in_its_dialog() {
    let mut h = Harness::provisioning();
    let sent = h.receive(0, &subscribe());
    assert_eq!(sent.len(), 2, "{sent:?}");
    let (answer, notify) = (&sent[0], &sent[1]);

    assert!(answer.starts_with("SIP/2.0 200 OK\r\n"), "{answer}");
    assert_eq!(
        header(answer, "Via"),
        "SIP/2.0/UDP 192.0.2.175:5080;branch=z9hG4bK1686351121;rport=5080;received=192.0.2.175"
    );
    assert_eq!(header(answer, "From"), "<sip:MAC%3A000B82F55284@224.0.1.75>;tag=1990948743");
    let to = header(answer, "To");
    let our_tag = to.strip_prefix("<sip:MAC%3A000B82F55284@224.0.1.75>;tag=").expect(to);
    assert!(our_tag.len() >= 8);
    assert_eq!(header(answer, "Call-ID"), "1848599395-5080-1@BJC.BGI.F.BHF");
    assert_eq!(header(answer, "CSeq"), "20000 SUBSCRIBE");
    assert_eq!(header(answer, "Contact"), "<sip:192.0.2.10:5060>");
    assert_eq!(header(answer, "Expires"), "0");
    assert_eq!(header(answer, "Content-Length"), "0");

    assert!(notify.starts_with("NOTIFY sip:192.0.2.175:5080 SIP/2.0\r\n"), "{notify}");
    let via = header(notify, "Via");
    assert!(via.starts_with("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK") && via.ends_with(";rport"), "{via}");
    assert_eq!(header(notify, "From"), format!("<sip:MAC%3A000B82F55284@224.0.1.75>;tag={our_tag}"));
    assert_eq!(header(notify, "To"), "<sip:MAC%3A000B82F55284@224.0.1.75>;tag=1990948743");
    assert_eq!(header(notify, "Call-ID"), "1848599395-5080-1@BJC.BGI.F.BHF");
    assert_eq!(header(notify, "CSeq"), "1 NOTIFY");
    assert_eq!(header(notify, "Event"), "ua-profile");
    assert_eq!(header(notify, "Subscription-State"), "terminated;reason=timeout");
    assert_eq!(header(notify, "Content-Type"), "application/url");
    assert_eq!(header(notify, "Content-Length"), URL.len().to_string());
    assert!(notify.ends_with(&format!("\r\n\r\n{URL}")));

    h.receive(40, &phone_answer(notify.as_bytes(), 200));
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Acknowledged);
    let events = h.events();
    assert!(matches!(&events[0], Event::Discovered(info) if info.mac == mac() && info.model == "GRP2614"));
    assert!(
        matches!(&events[1], Event::NotifyResult(r) if r.outcome == NotifyOutcome::Acknowledged(200) && r.in_dialog && r.url == URL)
    );
}

#[test]
fn unanswered_notify_is_retransmitted_per_timer_e_then_times_out_at_timer_f() {
    let mut h = Harness::provisioning();
    h.receive(0, &subscribe());
    let times = h.notify_times(10, 40_000);
    // T1 = 500 ms doubling to T2 = 4 s: 0.5, 1.5, 3.5, 7.5, then every 4 s until 32 s.
    assert_eq!(times, [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    assert_eq!(h.notify_results(), [NotifyOutcome::TimedOut]);
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Failed(FailReason::Timeout));
    assert_eq!(h.engine.stats().notifies_timed_out, 1);
}

#[test]
fn phone_gets_url_after_two_lost_notifies() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    assert_eq!(h.notify_times(10, 2000), [500, 1500]);
    let answered = h.receive(2100, &phone_answer(first[1].as_bytes(), 200));
    assert!(answered.is_empty());
    assert_eq!(h.notify_times(2110, 40_000), Vec::<u64>::new(), "no retransmission after the 200");
    assert_eq!(h.notify_results(), [NotifyOutcome::Acknowledged(200)]);
}

#[test]
fn a_provisional_answer_slows_retransmission_to_t2() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    h.receive(100, &phone_answer(first[1].as_bytes(), 100));
    assert_eq!(h.notify_times(110, 9000), [500, 4500, 8500]);
}

#[test]
fn rejected_notify_is_reported_with_the_phone_status() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    h.receive(30, &phone_answer(first[1].as_bytes(), 489));
    assert_eq!(h.notify_results(), [NotifyOutcome::Rejected(489)]);
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Failed(FailReason::Rejected(489)));
}

#[test]
fn retransmitted_subscribe_gets_the_identical_answer_and_no_second_notify() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    let again = h.receive(300, &subscribe());
    assert_eq!(again, [first[0].clone()]);
    assert_eq!(h.engine.stats().answers_repeated, 1);
    assert_eq!(h.engine.stats().notifies_sent, 1);
}

#[test]
fn a_new_transaction_of_the_same_boot_in_the_cooldown_is_answered_without_a_new_notify() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    h.receive(50, &phone_answer(first[1].as_bytes(), 200));
    // The same boot (Call-ID) retrying with a new branch: stop it, do not notify again.
    let retry = h.receive(5_000, &subscribe_for(MAC, "z9hG4bK2", "1848599395-5080-1@BJC.BGI.F.BHF"));
    assert_eq!(retry.len(), 1);
    assert!(retry[0].starts_with("SIP/2.0 200 OK"));
    assert_eq!(h.engine.stats().cooldown_answers, 1);
    // Long after, a reboot is provisioned again.
    let reboot = h.receive(40_000, &subscribe_for(MAC, "z9hG4bK3", "third@phone"));
    assert_eq!(reboot.len(), 2);
    assert!(reboot[1].starts_with("NOTIFY"));
}

#[test]
fn a_phone_rebooting_within_the_cooldown_is_provisioned_again() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    h.receive(50, &phone_answer(first[1].as_bytes(), 200));
    // A reboot draws a new Call-ID and From tag: a new boot, not a retry.
    let reboot = h.receive(2_000, &subscribe_for(MAC, "z9hG4bK2", "second-boot@phone"));
    assert_eq!(reboot.len(), 2, "{reboot:?}");
    assert!(reboot[0].starts_with("SIP/2.0 200 OK"));
    assert!(reboot[1].starts_with("NOTIFY") && header(&reboot[1], "Call-ID") == "second-boot@phone");
    assert_eq!(h.engine.stats().cooldown_answers, 0);
}

#[test]
fn a_new_boot_is_served_while_the_notify_of_an_older_one_is_still_retransmitted() {
    let mut h = Harness::provisioning();
    h.receive(0, &subscribe());
    let reboot = h.receive(1_000, &subscribe_for(MAC, "z9hG4bK2", "second-boot@phone"));
    assert_eq!(reboot.len(), 2, "{reboot:?}");
    h.receive(1_100, &phone_answer(reboot[1].as_bytes(), 200));
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Acknowledged);
    assert!(h.notify_results().contains(&NotifyOutcome::Acknowledged(200)));
}

#[test]
fn a_forged_subscribe_from_another_address_neither_cancels_nor_stalls_the_phone() {
    let mut h = Harness::provisioning();
    let forger = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 66), 5080);
    let forged = subscribe_for(MAC, "z9hG4bKforged", "forged@elsewhere");
    h.engine.handle_datagram(h.at(0), forger, LOCAL, &forged);
    let to_forger: Vec<Transmit> = std::iter::from_fn(|| h.engine.poll_transmit()).collect();
    assert!(to_forger.iter().all(|t| t.destination == forger), "replies only to the datagram's source");
    // The real phone boots 2 s later, while the forged exchange waits for its NOTIFY's answer.
    let sent = h.receive(2_000, &subscribe());
    assert_eq!(sent.len(), 2, "the phone gets its answer and its NOTIFY: {sent:?}");
    assert!(sent[1].starts_with("NOTIFY sip:192.0.2.175:5080"));
    h.receive(2_100, &phone_answer(sent[1].as_bytes(), 200));
    assert!(h.notify_results().contains(&NotifyOutcome::Acknowledged(200)));
    // A forged SUBSCRIBE with the same branch and Call-ID as the phone's, from elsewhere,
    // opens an exchange of its own: the phone's retransmission still gets its answer.
    h.engine.handle_datagram(h.at(2_200), forger, LOCAL, &subscribe());
    while h.engine.poll_transmit().is_some() {}
    assert_eq!(h.receive(2_300, &subscribe()), [sent[0].clone()]);
}

#[test]
fn forget_drops_the_phone_and_every_exchange_with_it() {
    let mut h = Harness::provisioning();
    let sent = h.receive(0, &subscribe());
    assert!(h.engine.forget(mac()));
    assert!(h.engine.device(&mac()).is_none() && h.engine.snapshot(&mac()).is_none());
    assert!(h.tick(40_000).is_empty(), "its NOTIFY is no longer retransmitted");
    assert!(h.receive(40_100, &phone_answer(sent[1].as_bytes(), 200)).is_empty());
    assert_eq!(h.engine.stats().stray_responses, 1);
    assert!(!h.engine.forget(mac()), "a second forget finds nothing");
    // What was assigned stays: the phone is served when it boots again.
    assert_eq!(h.receive(50_000, &subscribe_for(MAC, "z9hG4bK5", "again@phone")).len(), 2);
}

#[test]
fn a_snapshot_says_what_the_host_needs_to_rebuild_its_list() {
    let mut h = Harness::provisioning();
    let sent = h.receive(0, &subscribe());
    h.receive(40, &phone_answer(sent[1].as_bytes(), 200));
    let snapshot = h.engine.snapshot(&mac()).unwrap();
    assert_eq!((snapshot.info.model.as_str(), snapshot.info.source), ("GRP2614", PHONE));
    assert_eq!(snapshot.state, DeviceState::Acknowledged);
    assert!(snapshot.assigned);
    assert_eq!(snapshot.last_notify, Some(NotifyOutcome::Acknowledged(200)));
    assert_eq!((snapshot.first_seen, snapshot.last_seen), (h.t0, h.t0));
    assert_eq!(h.engine.snapshots(), [snapshot]);
}

#[test]
fn while_not_admitting_a_new_boot_is_left_to_retry_and_an_exchange_under_way_goes_on() {
    let mut h = Harness::provisioning();
    let sent = h.receive(0, &subscribe());
    h.engine.set_admitting(false);
    assert_eq!(h.receive(100, &subscribe()), [sent[0].clone()], "retransmissions are still answered");
    h.receive(200, &phone_answer(sent[1].as_bytes(), 200));
    assert!(h.notify_results().contains(&NotifyOutcome::Acknowledged(200)));
    let other = "000b82000001";
    assert!(h.receive(300, &subscribe_for(other, "z9hG4bKo", "o@phone")).is_empty());
    assert_eq!(h.engine.stats().host_busy, 1);
    assert!(h.engine.device(&other.parse().unwrap()).is_none(), "not even recorded: no event to deliver");
    h.engine.set_admitting(true);
    h.engine.assign(h.at(400), other.parse().unwrap(), Assignment::Url(URL.into())).unwrap();
    assert_eq!(h.receive(1_300, &subscribe_for(other, "z9hG4bKo2", "o@phone")).len(), 2, "served when it retries");
}

#[test]
fn lines_below_the_log_level_are_never_produced() {
    let quiet = EngineConfig { log_level: LogLevel::Warn, ..EngineConfig::default() };
    let mut h = Harness::new(quiet);
    h.engine.assign(h.t0, mac(), Assignment::Url(URL.into())).unwrap();
    h.receive(0, &subscribe());
    h.tick(40_000);
    let lines: Vec<(LogLevel, String)> = std::iter::from_fn(|| h.engine.poll_event())
        .filter_map(|e| match e {
            Event::Log(level, line) => Some((level, line)),
            _ => None,
        })
        .collect();
    assert!(!lines.is_empty() && lines.iter().all(|(level, _)| *level <= LogLevel::Warn), "{lines:?}");
}

#[test]
fn a_seeded_engine_sends_the_same_bytes_twice() {
    let run = || {
        let mut engine = Engine::with_random(EngineConfig::default(), Box::new(SeededRandom::new(42))).unwrap();
        engine.assign(Instant::now(), mac(), Assignment::Url(URL.into())).unwrap();
        engine.handle_datagram(Instant::now(), PHONE, LOCAL, &subscribe());
        std::iter::from_fn(|| engine.poll_transmit()).map(|t| t.payload).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn mode_off_records_nothing_and_sends_nothing() {
    let mut h = Harness::provisioning();
    h.engine.set_mode(Mode::Off);
    assert!(h.receive(0, &subscribe()).is_empty());
    assert!(h.events().is_empty());
    assert!(h.engine.device(&mac()).is_none());
    assert_eq!(h.engine.stats().mode_off, 1);
}

#[test]
fn discover_mode_reports_the_phone_but_never_answers() {
    let mut h = Harness::provisioning();
    h.engine.set_mode(Mode::Discover);
    assert!(h.receive(0, &subscribe()).is_empty());
    assert!(matches!(h.events()[..], [Event::Discovered(_)]));
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Seen);
    assert_eq!(h.engine.stats().discover_only, 1);
}

#[test]
fn a_phone_with_nothing_assigned_is_reported_and_left_unanswered() {
    let mut h = Harness::new(EngineConfig::default());
    assert!(h.receive(0, &subscribe()).is_empty());
    assert!(matches!(h.events()[..], [Event::Discovered(_)]));
    let again = h.receive(1_000, &subscribe_for(MAC, "z9hG4bK9", "other@phone"));
    assert!(again.is_empty());
    assert!(matches!(h.events()[..], [Event::Updated(_)]));
    assert_eq!(h.engine.stats().unserved, 2);
}

#[test]
fn assignment_while_the_subscribe_waits_answers_it_in_its_dialog() {
    let mut h = Harness::new(EngineConfig::default());
    h.receive(0, &subscribe());
    h.engine.assign(h.at(200), mac(), Assignment::Url(URL.into())).unwrap();
    let sent = h.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].starts_with("SIP/2.0 200 OK"));
    assert_eq!(header(&sent[1], "Call-ID"), "1848599395-5080-1@BJC.BGI.F.BHF");
}

#[test]
fn deferred_assignment_notifies_the_phone_outside_any_dialog() {
    let mut h = Harness::new(EngineConfig::default());
    h.receive(0, &subscribe());
    h.tick(60_000);
    h.engine.assign(h.at(60_000), mac(), Assignment::Url(URL.into())).unwrap();
    let sent = h.sent();
    assert_eq!(sent.len(), 1, "no answer: the SUBSCRIBE transaction is over");
    let notify = &sent[0];
    assert!(notify.starts_with("NOTIFY sip:192.0.2.175:5080 SIP/2.0\r\n"));
    assert_ne!(header(notify, "Call-ID"), "1848599395-5080-1@BJC.BGI.F.BHF");
    assert_eq!(header(notify, "To"), "<sip:192.0.2.175:5080>");
    assert!(header(notify, "From").starts_with("<sip:192.0.2.10:5060>;tag="));
    h.receive(60_100, &phone_answer(notify.as_bytes(), 200));
    let events = h.events();
    assert!(
        matches!(events.last(), Some(Event::NotifyResult(r)) if !r.in_dialog && r.outcome == NotifyOutcome::Acknowledged(200))
    );
}

#[test]
fn a_default_for_the_vendor_serves_phones_without_their_own_assignment() {
    let mut h = Harness::new(EngineConfig::default());
    let selector = Selector { vendor: "grandstream".into(), model: Some("grp2614".into()) };
    h.engine.set_default(h.t0, &selector, Some(Assignment::Url(URL.into()))).unwrap();
    assert_eq!(h.receive(0, &subscribe()).len(), 2);
}

#[test]
fn deny_rules_win_and_allow_rules_restrict() {
    let mut h = Harness::provisioning();
    let mut access = AccessList::default();
    access.add(Verdict::Allow, Rule::Vendor("Grandstream".into()));
    access.add(Verdict::Deny, Rule::Oui([0x00, 0x0b, 0x82]));
    h.engine.config.access = access;
    assert!(h.receive(0, &subscribe()).is_empty());
    assert_eq!(h.engine.stats().denied, 1);
    let mut only_yealink = AccessList::default();
    only_yealink.add(Verdict::Allow, Rule::Vendor("Yealink".into()));
    h.engine.config.access = only_yealink;
    assert!(h.receive(10, &subscribe_for(MAC, "z9hG4bK5", "x@y")).is_empty());
    assert_eq!(h.engine.stats().denied, 2);
}

#[test]
fn one_source_over_its_rate_limit_is_dropped() {
    let rate_limit = RateLimit { burst: 3, per_second: 0.001, max_sources: 16 };
    let mut h = Harness::new(EngineConfig { rate_limit, ..EngineConfig::default() });
    for i in 0..10 {
        let mac = format!("000b82{i:06x}");
        h.receive(i, &subscribe_for(&mac, &format!("z9hG4bK{i}"), &format!("{i}@x")));
    }
    assert_eq!(h.engine.stats().rate_limited, 7);
    assert_eq!(h.engine.devices().count(), 3);
}

#[test]
fn the_device_table_forgets_the_least_recently_seen_phone() {
    let rate_limit = RateLimit { burst: 1000, ..RateLimit::default() };
    let mut h = Harness::new(EngineConfig { max_devices: 4, rate_limit, ..EngineConfig::default() });
    for i in 0..10u64 {
        let mac = format!("000b82{i:06x}");
        h.receive(i, &subscribe_for(&mac, &format!("z9hG4bK{i}"), &format!("{i}@x")));
    }
    assert_eq!(h.engine.devices().count(), 4);
    assert_eq!(h.engine.stats().devices_evicted, 6);
    assert!(h.engine.device(&"000b82000009".parse().unwrap()).is_some());
    assert!(h.engine.device(&"000b82000000".parse().unwrap()).is_none());
}

#[test]
fn bad_datagrams_are_dropped_counted_and_never_answered() {
    let mut h = Harness::provisioning();
    let good = subscribe();
    let text = String::from_utf8(good.clone()).unwrap();
    let mut bad: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0u8; 65_535],
        (0..65_535u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(),
        text.replace("SUBSCRIBE sip:", "OPTIONS sip:").into_bytes(),
        text.replace("Event: ua-profile", "Event: presence").into_bytes(),
        text.replace("Call-ID: 1848599395-5080-1@BJC.BGI.F.BHF\r\n", "").into_bytes(),
        text.replace("MAC%3A000B82F55284", "nobody").into_bytes(),
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKnothing\r\nCSeq: 1 NOTIFY\r\n\r\n".to_vec(),
    ];
    // Cut mid-line: a cut at a line end can still be a complete, valid SUBSCRIBE.
    bad.extend(
        (0..good.len()).step_by(7).map(|cut| good[..cut].to_vec()).filter(|prefix| prefix.last() != Some(&b'\n')),
    );
    for datagram in &bad {
        assert!(h.receive(0, datagram).is_empty(), "answered {:?}", String::from_utf8_lossy(datagram));
    }
    let stats = h.engine.stats();
    assert_eq!(stats.datagrams, bad.len() as u64);
    assert_eq!(stats.answers_sent + stats.notifies_sent, 0);
    assert_eq!(
        stats.malformed + stats.unexpected_method + stats.not_ua_profile + stats.undecodable + stats.stray_responses,
        bad.len() as u64
    );
}

#[test]
fn a_200_from_another_address_does_not_acknowledge_the_notify() {
    let mut h = Harness::provisioning();
    let first = h.receive(0, &subscribe());
    let forged = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 66), 5080);
    h.engine.handle_datagram(h.at(10), forged, LOCAL, &phone_answer(first[1].as_bytes(), 200));
    assert_eq!(h.engine.stats().stray_responses, 1);
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Notified);
}

#[test]
fn bad_urls_and_weak_tokens_are_refused_before_anything_changes() {
    let mut h = Harness::new(EngineConfig::default());
    for url in ["ftp:/x/", "http://h/cfg.xml", "http://h/a\r\nb/"] {
        assert!(matches!(h.engine.assign(h.t0, mac(), Assignment::Url(url.into())), Err(EngineError::BadUrl(_))));
    }
    h.receive(0, &subscribe());
    assert!(h.sent().is_empty());
    let bad_template = EngineConfig { url_template: "http://{ip}/{nope}/".into(), ..EngineConfig::default() };
    assert!(matches!(Engine::new(bad_template), Err(EngineError::BadUrl(_))));
}

fn profile_assignment(token: Option<&str>) -> Assignment {
    use crate::provision::{Account, Format, Profile};
    let mut account = Account::new();
    account.set_sip_server("192.0.2.10").unwrap();
    account.set_user_id("1001").unwrap();
    account.set_password("s3cret").unwrap();
    let mut profile = Profile::new();
    profile.set_account(1, account).unwrap();
    let token = token.map(str::to_string);
    Assignment::Profile(std::sync::Arc::new(ProfileAssignment { profile, format: Format::V2, token }))
}

fn config_ready(events: Vec<Event>) -> ConfigFile {
    events
        .into_iter()
        .find_map(|e| match e {
            Event::ConfigReady(file) => Some(file),
            _ => None,
        })
        .expect("a ConfigReady event")
}

#[test]
fn a_profile_is_rendered_offered_to_the_host_and_notified_once_accepted() {
    let mut h = Harness::new(EngineConfig::default());
    h.engine.assign(h.t0, mac(), profile_assignment(None)).unwrap();
    assert!(h.receive(0, &subscribe()).is_empty(), "nothing is sent before the host decides");
    let file = config_ready(h.events());
    assert_eq!(file.file_name, "cfg000b82f55284.xml");
    assert_eq!(file.token.len(), 32);
    assert_eq!(file.url, format!("http://192.0.2.10/gspnp/{}/", file.token));
    let xml = String::from_utf8(file.contents.clone()).unwrap();
    assert!(xml.contains("s3cret") && xml.contains(&format!("192.0.2.10/gspnp/{}", file.token)), "{xml}");
    // Retransmissions wait with it.
    assert!(h.receive(500, &subscribe()).is_empty());
    h.engine.decide(h.at(600), file.ticket, true).unwrap();
    let sent = h.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].starts_with("SIP/2.0 200 OK"));
    assert!(sent[1].ends_with(&file.url));
    assert_eq!(h.engine.device(&mac()).unwrap().token.as_deref(), Some(file.token.as_str()));
    assert!(matches!(h.engine.decide(h.at(700), file.ticket, true), Err(EngineError::UnknownTicket(_))));
}

#[test]
fn a_refused_file_leaves_the_phone_unanswered() {
    let mut h = Harness::new(EngineConfig::default());
    h.engine.assign(h.t0, mac(), profile_assignment(None)).unwrap();
    h.receive(0, &subscribe());
    let file = config_ready(h.events());
    h.engine.decide(h.at(10), file.ticket, false).unwrap();
    assert!(h.sent().is_empty());
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Failed(FailReason::Vetoed));
    assert_eq!(h.engine.stats().files_refused, 1);
}

#[test]
fn a_file_the_host_never_decides_on_fails_after_the_decision_timeout() {
    let mut h = Harness::new(EngineConfig::default());
    h.engine.assign(h.t0, mac(), profile_assignment(None)).unwrap();
    h.receive(0, &subscribe());
    let file = config_ready(h.events());
    h.tick(10_000);
    assert_eq!(h.engine.device(&mac()).unwrap().state, DeviceState::Failed(FailReason::NoDecision));
    assert!(matches!(h.engine.decide(h.at(10_001), file.ticket, true), Err(EngineError::UnknownTicket(_))));
}

#[test]
fn a_host_kept_token_is_used_and_a_weak_one_refused() {
    let mut h = Harness::new(EngineConfig::default());
    let kept = "AbCdEfGhIjKlMnOpQrStUv-_09";
    h.engine.assign(h.t0, mac(), profile_assignment(Some(kept))).unwrap();
    h.receive(0, &subscribe());
    assert!(config_ready(h.events()).url.contains(kept));
    assert!(matches!(h.engine.assign(h.t0, mac(), profile_assignment(Some("short"))), Err(EngineError::BadUrl(_))));
}

#[test]
fn recycled_payload_buffers_carry_the_next_datagrams_unchanged() {
    let mut fresh = Harness::provisioning();
    let expected = fresh.receive(0, &subscribe());
    let mut h = Harness::provisioning();
    let spares: Vec<Vec<u8>> = (0..2).map(|_| b"stale bytes".repeat(100)).collect();
    let addresses: Vec<*const u8> = spares.iter().map(|spare| spare.as_ptr()).collect();
    for spare in spares {
        h.engine.recycle(spare);
    }
    h.engine.handle_datagram(h.at(0), PHONE, LOCAL, &subscribe());
    let sent: Vec<Vec<u8>> = std::iter::from_fn(|| h.engine.poll_transmit()).map(|t| t.payload).collect();
    let reused = sent.iter().filter(|payload| addresses.contains(&payload.as_ptr())).count();
    assert_eq!(reused, 2, "both datagrams were written into given-back buffers");
    let texts: Vec<String> = sent.into_iter().map(|payload| String::from_utf8(payload).unwrap()).collect();
    let strip_random = |text: &String| {
        text.lines()
            .filter(|l| {
                !l.contains("tag=") && !l.contains("branch=") && !l.starts_with("Call-ID") && !l.starts_with("http")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        texts.iter().map(strip_random).collect::<Vec<_>>(),
        expected.iter().map(strip_random).collect::<Vec<_>>()
    );
}

#[test]
fn exchanges_of_idle_phones_are_forgotten_by_one_housekeeping_timer_not_one_per_subscribe() {
    let rate_limit = RateLimit { burst: 10_000, ..RateLimit::default() };
    let mut h = Harness::new(EngineConfig { rate_limit, ..EngineConfig::default() });
    for i in 0..500u64 {
        let mac = format!("000b82{i:06x}");
        h.receive(i, &subscribe_for(&mac, &format!("z9hG4bK{i}"), &format!("{i}@x")));
    }
    assert_eq!(h.engine.transactions.len(), 500);
    assert!(h.engine.timers.len() <= 2, "{} timers for 500 unserved phones", h.engine.timers.len());
    h.tick(40_000);
    h.tick(80_000);
    assert_eq!(h.engine.transactions.len(), 0, "every idle phone's exchange is gone");
}
