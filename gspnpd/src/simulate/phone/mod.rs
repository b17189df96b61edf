//! One simulated GRP26xx, as a state machine: the runner feeds it time, datagrams and
//! the result of its download; it says what to send and what to fetch. Its boot is
//! here; what it does once provisioned (stay, resync NOTIFYs, reboot) is in [`later`],
//! its REGISTER in [`registering`].

mod later;
mod registering;

use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use super::account::FileAccount;
use super::digest::{Algorithm, Qop};
use super::loss::Rng;
use super::notify_auth::NotifyGuard;
use super::options::Until;
use super::register::Registration;
use super::sip::{self, notify_url, resync_of, Message, PhoneIdentity, StartLine};

pub use later::Later;

/// How phones behave, the same for all.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Between SUBSCRIBEs.
    pub interval: Duration,
    /// SUBSCRIBEs at most.
    pub attempts: u32,
    /// After the last SUBSCRIBE (or the answer to one), how long to wait for a NOTIFY.
    pub notify_wait: Duration,
    /// Datagram loss rate in each direction.
    pub loss: f64,
    /// What ends a phone's run.
    pub until: Until,
    /// After provisioning, how long the phone stays alive (0: it ends there).
    pub stay: Duration,
    /// Whether it registers with its file's account once provisioned.
    pub register: bool,
    /// How it challenges resync NOTIFYs.
    pub auth: (Algorithm, Qop),
}

/// How a phone ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its file was fetched and checked.
    Provisioned,
    /// It was notified (the run stops phones there with [`Until::Notify`]).
    Notified,
    /// Its SUBSCRIBE was answered 2xx or echoed (with [`Until::Answer`]).
    Answered,
    /// The injected loss dropped every SUBSCRIBE it sent.
    Unreachable,
    /// Anything else; the reason is a short word such as `no_answer` or `http_404`.
    Failed(String),
}

/// Something the runner must do for a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this datagram there.
    Send(Vec<u8>, SocketAddrV4),
    /// Download the config file from this folder URL.
    Fetch(String),
    /// Route datagrams with this Call-ID to the phone too (a reboot's, a REGISTER's).
    Listen(String),
}

/// A download that worked: the file's account 1 and, when the phone registers, where
/// its REGISTERs go (resolved by the download thread) or why nowhere.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Account 1 of the file.
    pub account: FileAccount,
    /// The registrar, when asked for.
    pub registrar: Option<Result<SocketAddrV4, String>>,
}

/// One phone.
#[derive(Debug)]
pub struct Phone {
    /// Who it is.
    pub identity: PhoneIdentity,
    /// Which of the runner's sockets it uses.
    pub socket: usize,
    subscribe: Vec<u8>,
    target: SocketAddrV4,
    rng: Rng,
    sent: u32,
    delivered: u32,
    next_subscribe: Option<Instant>,
    give_up_at: Option<Instant>,
    answer: Option<u16>,
    url: Option<String>,
    /// When it sent its first SUBSCRIBE.
    pub first_sent: Option<Instant>,
    /// When the first final answer to a SUBSCRIBE (or its echo) arrived.
    pub answered_at: Option<Instant>,
    /// When its first usable NOTIFY arrived.
    pub notified_at: Option<Instant>,
    /// When its file was checked.
    pub provisioned_at: Option<Instant>,
    /// How it ended, once it has.
    pub outcome: Option<Outcome>,
    /// Datagrams it sent, and how many of them the loss dropped.
    pub sent_datagrams: (u64, u64),
    /// Datagrams for it that arrived, and how many of them the loss dropped.
    pub received_datagrams: (u64, u64),
    /// Draws nonces, tags and Call-IDs (apart from `rng`, so that the loss stays the
    /// seed's).
    secrets: Rng,
    /// How often it has rebooted.
    boots: u32,
    /// Account 1 of the file it fetched last.
    account: Option<FileAccount>,
    /// Where it registers, from its last download.
    registrar: Option<Result<SocketAddrV4, String>>,
    /// Challenges resync NOTIFYs (made at the first).
    guard: Option<NotifyGuard>,
    /// Its registration under way.
    registration: Option<Registration>,
    /// With `--stay`: alive until then.
    stay_until: Option<Instant>,
    /// A check-sync re-fetch is under way.
    refetching: bool,
    /// What happened after provisioning.
    pub later: Later,
}

impl Phone {
    /// A phone that boots at `boot` (or when [`Phone::boot`] is called), sending its
    /// SUBSCRIBE to `target` from socket `socket`; `rng` draws its losses, `secrets` its
    /// nonces and identifiers.
    pub fn new(
        identity: PhoneIdentity,
        socket: usize,
        target: SocketAddrV4,
        rng: Rng,
        secrets: Rng,
        boot: Option<Instant>,
    ) -> Phone {
        Phone {
            subscribe: sip::subscribe(&identity, target),
            identity,
            socket,
            target,
            rng,
            sent: 0,
            delivered: 0,
            next_subscribe: boot,
            give_up_at: None,
            answer: None,
            url: None,
            first_sent: None,
            answered_at: None,
            notified_at: None,
            provisioned_at: None,
            outcome: None,
            sent_datagrams: (0, 0),
            received_datagrams: (0, 0),
            secrets,
            boots: 0,
            account: None,
            registrar: None,
            guard: None,
            registration: None,
            stay_until: None,
            refetching: false,
            later: Later::default(),
        }
    }

    /// Boots a phone that was made without a boot time; its first SUBSCRIBE is due `at`.
    pub fn boot(&mut self, at: Instant) {
        if self.first_sent.is_none() && self.outcome.is_none() {
            self.next_subscribe = Some(at);
        }
    }

    /// When it next has something to do on its own.
    pub fn wake_at(&self) -> Option<Instant> {
        let booting = if self.outcome.is_none() { [self.next_subscribe, self.give_up_at] } else { [None, None] };
        let registering = self.registration.as_ref().and_then(Registration::wake_at);
        booting.into_iter().chain([self.stay_until, registering]).flatten().min()
    }

    /// Whether it is done: its boot ended and nothing keeps it alive (a stay, a
    /// registration, a re-fetch).
    pub fn settled(&self) -> bool {
        self.outcome.is_some() && !self.alive()
    }

    /// Whether it still acts after its boot ended.
    fn alive(&self) -> bool {
        self.stay_until.is_some() || self.registration.is_some() || self.refetching
    }

    /// Whether it is on at all (booting, or alive after its boot).
    fn on(&self) -> bool {
        self.outcome.is_none() || self.alive()
    }

    /// How often it rebooted.
    pub fn boots(&self) -> u32 {
        self.boots
    }

    /// Sends `datagram` unless the loss drops it; whether it went.
    fn send(&mut self, datagram: Vec<u8>, to: SocketAddrV4, timing: &Timing, actions: &mut Vec<Action>) -> bool {
        self.sent_datagrams.0 += 1;
        if self.rng.chance(timing.loss) {
            self.sent_datagrams.1 += 1;
            return false;
        }
        actions.push(Action::Send(datagram, to));
        true
    }

    /// Whether the loss drops a datagram that arrived for it.
    pub fn drops_incoming(&mut self, timing: &Timing) -> bool {
        self.received_datagrams.0 += 1;
        let dropped = self.rng.chance(timing.loss);
        if dropped {
            self.received_datagrams.1 += 1;
        }
        dropped
    }

    /// Sends the next SUBSCRIBE when it is due, and gives up when the wait is over;
    /// retransmits its REGISTER; ends its stay.
    pub fn on_timer(&mut self, now: Instant, timing: &Timing, actions: &mut Vec<Action>) {
        self.registration_step(timing, actions, |registration| registration.on_timer(now));
        if self.stay_until.is_some_and(|until| until <= now) {
            self.stay_until = None;
        }
        if self.outcome.is_some() {
            return;
        }
        if self.next_subscribe.is_some_and(|due| due <= now) {
            self.sent += 1;
            self.first_sent.get_or_insert(now);
            if self.send(self.subscribe.clone(), self.target, timing, actions) {
                self.delivered += 1;
            }
            if self.sent < timing.attempts {
                self.next_subscribe = Some(now + timing.interval);
            } else {
                self.next_subscribe = None;
                // Nothing left the phone: one more interval for form's sake, then done.
                let wait = if self.delivered == 0 { timing.interval } else { timing.notify_wait };
                self.give_up_at = Some(now + wait);
            }
        }
        if self.url.is_none() && self.give_up_at.is_some_and(|due| due <= now) {
            self.give_up();
        }
    }

    /// Ends a phone that got no usable NOTIFY, saying why; at the end of the run, ends
    /// whatever keeps it alive too.
    pub fn give_up(&mut self) {
        self.stay_until = None;
        self.refetching = false;
        if self.registration.take().is_some() {
            self.later.registered = Some(Err("register_unfinished".to_owned()));
        }
        if self.outcome.is_some() {
            return;
        }
        self.outcome = Some(match (self.delivered, self.answer, &self.url) {
            (_, _, Some(_)) => Outcome::Failed("timeout_fetching".to_owned()),
            (0, _, None) => Outcome::Unreachable,
            (_, Some(code), None) if (200..300).contains(&code) => Outcome::Failed("no_notify".to_owned()),
            (_, Some(code), None) => Outcome::Failed(format!("subscribe_{code}")),
            (_, None, None) => Outcome::Failed("no_answer".to_owned()),
        });
    }

    /// Handles a message from `source` that was meant for this phone.
    pub fn on_message(
        &mut self,
        now: Instant,
        message: &Message,
        source: SocketAddrV4,
        timing: &Timing,
        actions: &mut Vec<Action>,
    ) {
        match &message.start {
            StartLine::Response(code) if *code >= 200 && message.cseq_method() == Some("SUBSCRIBE") => {
                self.on_final_answer(now, *code, timing);
            }
            StartLine::Response(_) if message.cseq_method() == Some("REGISTER") => {
                let cnonce = format!("{:016x}", self.secrets.next_u64());
                self.registration_step(timing, actions, |registration| registration.on_response(now, message, &cnonce));
            }
            StartLine::Request(method) if method == "SUBSCRIBE" && timing.until == Until::Answer => {
                // Its own SUBSCRIBE, echoed.
                self.on_final_answer(now, 200, timing);
            }
            StartLine::Request(method) if method == "NOTIFY" => match resync_of(message) {
                Some(resync) if self.on() => self.on_resync(now, message, source, resync, timing, actions),
                Some(_) => {}
                None => self.on_notify(now, message, source, timing, actions),
            },
            StartLine::Request(method) if method == "OPTIONS" && self.on() => {
                self.send(message.answer(200, "OK"), source, timing, actions);
            }
            _ => {}
        }
    }

    fn on_final_answer(&mut self, now: Instant, code: u16, timing: &Timing) {
        if self.answer.is_some() {
            return;
        }
        self.answered_at.get_or_insert(now);
        if timing.until == Until::Answer {
            self.answer = Some(code);
            self.next_subscribe = None;
            self.give_up_at = None;
            let answered = (200..300).contains(&code);
            self.outcome.get_or_insert(if answered {
                Outcome::Answered
            } else {
                Outcome::Failed(format!("subscribe_{code}"))
            });
            return;
        }
        // The guide: the phone stops on a 200 or a 500 and ignores 3xx and 4xx.
        if (200..300).contains(&code) || code == 500 {
            self.answer = Some(code);
            self.next_subscribe = None;
            if self.url.is_none() {
                self.give_up_at = Some(now + timing.notify_wait);
            }
            if code == 500 && self.url.is_none() {
                self.give_up();
            }
        }
    }

    fn on_notify(
        &mut self,
        now: Instant,
        message: &Message,
        source: SocketAddrV4,
        timing: &Timing,
        actions: &mut Vec<Action>,
    ) {
        match notify_url(message) {
            Ok(url) => {
                self.send(message.answer(200, "OK"), source, timing, actions);
                if self.url.is_none() && self.outcome.is_none() {
                    self.notified_at.get_or_insert(now);
                    self.next_subscribe = None;
                    self.give_up_at = None;
                    if timing.until == Until::Notify {
                        self.outcome = Some(Outcome::Notified);
                    } else {
                        actions.push(Action::Fetch(url.clone()));
                    }
                    self.url = Some(url);
                }
            }
            Err((status, reason)) => {
                self.send(message.answer(status, "Not Acceptable Here"), source, timing, actions);
                if self.url.is_none() && self.outcome.is_none() {
                    self.outcome = Some(Outcome::Failed(reason.to_owned()));
                }
            }
        }
    }

    /// The result of its download: the file checked, or why not. Provisioned, it
    /// stays (`--stay`) and registers (`--register`).
    pub fn on_fetched(
        &mut self,
        now: Instant,
        result: Result<Fetched, String>,
        timing: &Timing,
        actions: &mut Vec<Action>,
    ) {
        if self.refetching {
            self.on_refetched(now, result, timing, actions);
            return;
        }
        if self.outcome.is_some() {
            return;
        }
        match result {
            Ok(fetched) => {
                self.take_file(fetched);
                self.provisioned_at.get_or_insert(now);
                self.outcome = Some(Outcome::Provisioned);
                self.stay_until = (!timing.stay.is_zero()).then(|| now + timing.stay);
                if timing.register {
                    self.start_registration(now, timing, actions);
                }
            }
            Err(reason) => self.outcome = Some(Outcome::Failed(reason)),
        }
    }

    /// Keeps what a download found.
    fn take_file(&mut self, fetched: Fetched) {
        self.account = Some(fetched.account);
        self.registrar = fetched.registrar;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMING: Timing = Timing {
        interval: Duration::from_secs(1),
        attempts: 5,
        notify_wait: Duration::from_secs(32),
        loss: 0.0,
        until: Until::File,
        stay: Duration::ZERO,
        register: false,
        auth: (Algorithm::Md5, Qop::Auth),
    };

    fn phone(boot: Instant) -> Phone {
        made(Some(boot))
    }

    fn unbooted() -> Phone {
        made(None)
    }

    fn made(boot: Option<Instant>) -> Phone {
        let identity = PhoneIdentity {
            mac: "000b82000001".parse().unwrap(),
            model: "GRP2614".into(),
            firmware: "1.0.5.15".into(),
            local: "192.0.2.2:40000".parse().unwrap(),
            call_id: "c@sim".into(),
            tag: "t".into(),
            branch: "z9hG4bKb".into(),
        };
        let target = "224.0.1.75:5060".parse().unwrap();
        Phone::new(identity, 0, target, Rng::for_phone(1, 0), Rng::for_phone(2, 0), boot)
    }

    fn notify(url: &str) -> Message {
        let text = format!(
            "NOTIFY sip:192.0.2.2:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKn\r\nCall-ID: c@sim\r\nCSeq: 1 NOTIFY\r\nEvent: ua-profile\r\nContent-Type: application/url\r\n\r\n{url}"
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn an_unanswered_phone_sends_five_subscribes_a_second_apart_then_gives_up() {
        let boot = Instant::now();
        let mut phone = phone(boot);
        let mut actions = Vec::new();
        for second in 0..5 {
            phone.on_timer(boot + Duration::from_secs(second), &TIMING, &mut actions);
        }
        assert_eq!(actions.len(), 5);
        phone.on_timer(boot + Duration::from_secs(20), &TIMING, &mut actions);
        assert_eq!((actions.len(), phone.outcome.clone()), (5, None), "still waiting for a NOTIFY");
        phone.on_timer(boot + Duration::from_secs(37), &TIMING, &mut actions);
        assert_eq!(phone.outcome, Some(Outcome::Failed("no_answer".into())));
    }

    #[test]
    fn a_phone_whose_subscribes_were_all_lost_is_unreachable() {
        let boot = Instant::now();
        let mut phone = phone(boot);
        let timing = Timing { loss: 1.0, ..TIMING };
        let mut actions = Vec::new();
        for second in 0..7 {
            phone.on_timer(boot + Duration::from_secs(second), &timing, &mut actions);
        }
        assert!(actions.is_empty());
        assert_eq!(phone.outcome, Some(Outcome::Unreachable));
    }

    #[test]
    fn a_notify_is_answered_every_time_and_fetched_once() {
        let boot = Instant::now();
        let mut phone = phone(boot);
        let mut actions = Vec::new();
        phone.on_timer(boot, &TIMING, &mut actions);
        let server = "192.0.2.1:5060".parse().unwrap();
        let ok = Message::parse(b"SIP/2.0 200 OK\r\nCall-ID: c@sim\r\nCSeq: 20000 SUBSCRIBE\r\n\r\n").unwrap();
        phone.on_message(boot, &ok, server, &TIMING, &mut actions);
        assert_eq!(phone.wake_at(), Some(boot + TIMING.notify_wait), "no more SUBSCRIBEs once answered");
        for _ in 0..3 {
            phone.on_message(boot, &notify("http://192.0.2.1/t/"), server, &TIMING, &mut actions);
        }
        let sent_200s =
            actions.iter().filter(|a| matches!(a, Action::Send(d, _) if d.starts_with(b"SIP/2.0 200"))).count();
        let fetches = actions.iter().filter(|a| matches!(a, Action::Fetch(_))).count();
        assert_eq!((sent_200s, fetches), (3, 1));
        phone.on_fetched(boot, Ok(fetched()), &TIMING, &mut actions);
        assert_eq!(phone.outcome, Some(Outcome::Provisioned));
        assert_eq!(phone.wake_at(), None);
        assert!(phone.settled(), "without --stay or --register a provisioned phone is done");
    }

    const SERVER: &str = "192.0.2.1:5060";

    fn fetched() -> Fetched {
        let account = FileAccount {
            user: "1001".into(),
            password: "pw-1001".into(),
            server: "192.0.2.1".into(),
            ..FileAccount::default()
        };
        Fetched { account, registrar: Some(Ok(SERVER.parse().unwrap())) }
    }

    /// A phone provisioned at `boot` with `timing`, and what it asked for on the way.
    fn provisioned(boot: Instant, timing: &Timing) -> (Phone, Vec<Action>) {
        let mut phone = phone(boot);
        let mut actions = Vec::new();
        phone.on_timer(boot, timing, &mut actions);
        phone.on_message(boot, &notify("http://192.0.2.1/t/"), SERVER.parse().unwrap(), timing, &mut actions);
        phone.on_fetched(boot, Ok(fetched()), timing, &mut actions);
        (phone, actions)
    }

    fn check_sync(event: &str, cseq: u32, authorization: Option<&str>) -> Message {
        let authorization = authorization.map(|value| format!("Authorization: {value}\r\n")).unwrap_or_default();
        let text = format!(
            "NOTIFY sip:1001@192.0.2.2:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcs{cseq}\r\n\
             From: <sip:pbx@192.0.2.1>;tag=p\r\nTo: <sip:1001@192.0.2.2:40000>\r\nCall-ID: cs@pbx\r\n\
             CSeq: {cseq} NOTIFY\r\nEvent: {event}\r\n{authorization}Content-Length: 0\r\n\r\n"
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    /// Sends `event` (CSeq `cseq`) with a challenge round; `password` answers it (CSeq
    /// `cseq + 1`). The last answer sent.
    fn resync(
        phone: &mut Phone,
        at: Instant,
        event: &str,
        password: &str,
        cseq: u32,
        actions: &mut Vec<Action>,
    ) -> Vec<u8> {
        let server = SERVER.parse().unwrap();
        phone.on_message(at, &check_sync(event, cseq, None), server, &STAYING, actions);
        let Some(Action::Send(answer, _)) = actions.last() else { panic!("{actions:?}") };
        let header = Message::parse(answer).unwrap().header("WWW-Authenticate").unwrap().to_owned();
        let challenge = crate::simulate::digest::Challenge::parse(&header).unwrap();
        let authorization = challenge.answer("1001", password, "NOTIFY", "sip:1001@192.0.2.2:40000", "cn").unwrap();
        phone.on_message(at, &check_sync(event, cseq + 1, Some(&authorization)), server, &STAYING, actions);
        let answer =
            actions.iter().rev().find_map(|action| if let Action::Send(a, _) = action { Some(a) } else { None });
        let answer = answer.expect("an answer").clone();
        assert!(answer.starts_with(b"SIP/2.0 "), "the phone answered");
        answer
    }

    const STAYING: Timing = Timing { stay: Duration::from_secs(30), ..TIMING };

    #[test]
    fn a_staying_phone_refetches_on_an_authenticated_check_sync_and_ends_after_its_stay() {
        let boot = Instant::now();
        let (mut phone, mut actions) = provisioned(boot, &STAYING);
        assert!(!phone.settled() && phone.wake_at() == Some(boot + STAYING.stay));
        actions.clear();
        let answer = resync(&mut phone, boot, "check-sync", "pw-1001", 1, &mut actions);
        assert!(answer.starts_with(b"SIP/2.0 200 OK"));
        assert_eq!(actions.iter().filter(|action| matches!(action, Action::Fetch(_))).count(), 1);
        phone.on_fetched(boot, Ok(fetched()), &STAYING, &mut actions);
        assert_eq!((phone.later.resyncs_done, phone.later.refetched), (1, 1));
        let refused = resync(&mut phone, boot, "resync", "guess", 3, &mut actions);
        assert!(refused.starts_with(b"SIP/2.0 401"));
        assert_eq!((phone.later.resyncs_done, phone.later.resyncs_refused), (1, 1));
        phone.on_timer(boot + STAYING.stay, &STAYING, &mut actions);
        assert!(phone.settled() && phone.wake_at().is_none());
        let count = actions.len();
        phone.on_message(boot, &check_sync("check-sync", 7, None), SERVER.parse().unwrap(), &STAYING, &mut actions);
        assert_eq!(actions.len(), count, "a phone whose stay ended is off");
    }

    #[test]
    fn a_reboot_boots_again_with_a_new_call_id_and_provisions_again() {
        let boot = Instant::now();
        let (mut phone, mut actions) = provisioned(boot, &STAYING);
        let first_call_id = phone.identity.call_id.clone();
        actions.clear();
        resync(&mut phone, boot, "check-sync;reboot=true", "pw-1001", 1, &mut actions);
        assert_eq!((phone.later.reboots, phone.outcome.clone()), (1, None));
        let call_id = actions
            .iter()
            .find_map(|action| if let Action::Listen(id) = action { Some(id.clone()) } else { None })
            .expect("the new Call-ID is routed to the phone");
        assert_ne!(call_id, first_call_id);
        let later = boot + Duration::from_secs(1);
        phone.on_timer(later, &STAYING, &mut actions);
        let Some(Action::Send(subscribe, _)) = actions.last() else { panic!() };
        let subscribe = Message::parse(subscribe).unwrap();
        assert_eq!(
            (subscribe.call_id(), subscribe.request_uri.starts_with("sip:MAC%3A")),
            (Some(call_id.as_str()), true)
        );
        phone.on_message(later, &notify("http://192.0.2.1/t/"), SERVER.parse().unwrap(), &STAYING, &mut actions);
        phone.on_fetched(later, Ok(fetched()), &STAYING, &mut actions);
        assert_eq!(phone.outcome, Some(Outcome::Provisioned));
        assert_eq!(phone.provisioned_at, Some(boot), "the figures are the first boot's");
        assert_eq!(phone.wake_at(), Some(later + STAYING.stay), "it stays again after the reboot");
    }

    #[test]
    fn a_registering_phone_registers_after_provisioning() {
        let boot = Instant::now();
        let timing = Timing { register: true, ..TIMING };
        let (mut phone, actions) = provisioned(boot, &timing);
        let Some(Action::Send(register, to)) = actions.last() else { panic!("{actions:?}") };
        assert_eq!(to, &SERVER.parse::<SocketAddrV4>().unwrap());
        let register = Message::parse(register).unwrap();
        assert_eq!(register.start, StartLine::Request("REGISTER".into()));
        assert!(actions
            .iter()
            .any(|action| matches!(action, Action::Listen(id) if Some(id.as_str()) == register.call_id())));
        assert!(!phone.settled(), "alive while registering");
        let ok = String::from_utf8(register.answer(200, "OK")).unwrap();
        phone.on_message(
            boot,
            &Message::parse(ok.as_bytes()).unwrap(),
            SERVER.parse().unwrap(),
            &timing,
            &mut Vec::new(),
        );
        assert_eq!(phone.later.registered, Some(Ok(())));
        assert!(phone.settled());
    }

    #[test]
    fn with_until_answer_a_202_or_an_echo_ends_the_phone_and_a_403_fails_it() {
        let boot = Instant::now();
        let timing = Timing { until: Until::Answer, ..TIMING };
        let server = "192.0.2.1:5060".parse().unwrap();
        let accepted =
            Message::parse(b"SIP/2.0 202 Accepted\r\nCall-ID: c@sim\r\nCSeq: 20000 SUBSCRIBE\r\n\r\n").unwrap();
        let echo =
            Message::parse(b"SUBSCRIBE sip:MAC%3A000B82000001@224.0.1.75 SIP/2.0\r\nCall-ID: c@sim\r\n\r\n").unwrap();
        let refused =
            Message::parse(b"SIP/2.0 403 Forbidden\r\nCall-ID: c@sim\r\nCSeq: 20000 SUBSCRIBE\r\n\r\n").unwrap();
        for (message, outcome) in [
            (&accepted, Outcome::Answered),
            (&echo, Outcome::Answered),
            (&refused, Outcome::Failed("subscribe_403".into())),
        ] {
            let mut phone = phone(boot);
            let mut actions = Vec::new();
            phone.on_timer(boot, &timing, &mut actions);
            phone.on_message(boot + Duration::from_millis(3), message, server, &timing, &mut actions);
            assert_eq!(phone.outcome, Some(outcome));
            assert_eq!(phone.answered_at, Some(boot + Duration::from_millis(3)));
            assert_eq!((phone.wake_at(), actions.len()), (None, 1), "one SUBSCRIBE, nothing after");
        }
    }

    #[test]
    fn with_until_notify_the_notify_is_answered_and_nothing_fetched() {
        let boot = Instant::now();
        let timing = Timing { until: Until::Notify, ..TIMING };
        let mut phone = phone(boot);
        let mut actions = Vec::new();
        phone.on_timer(boot, &timing, &mut actions);
        phone.on_message(
            boot,
            &notify("http://192.0.2.1/t/"),
            "192.0.2.1:5060".parse().unwrap(),
            &timing,
            &mut actions,
        );
        assert_eq!(phone.outcome, Some(Outcome::Notified));
        assert!(matches!(actions.last(), Some(Action::Send(answer, _)) if answer.starts_with(b"SIP/2.0 200")));
        assert!(!actions.iter().any(|action| matches!(action, Action::Fetch(_))));
    }

    #[test]
    fn a_phone_made_without_a_boot_time_waits_for_boot() {
        let boot = Instant::now();
        let mut phone = unbooted();
        assert_eq!(phone.wake_at(), None);
        phone.boot(boot);
        assert_eq!(phone.wake_at(), Some(boot));
    }
}
