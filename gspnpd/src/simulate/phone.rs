//! One simulated GRP26xx, as a state machine: the runner feeds it time, datagrams and
//! the result of its download; it says what to send and what to fetch.

use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use super::loss::Rng;
use super::options::Until;
use super::sip::{notify_url, Message, PhoneIdentity, StartLine};

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
}

impl Phone {
    /// A phone that boots at `boot` (or when [`Phone::boot`] is called), sending
    /// `subscribe` to `target` from socket `socket`.
    pub fn new(
        identity: PhoneIdentity,
        socket: usize,
        subscribe: Vec<u8>,
        target: SocketAddrV4,
        rng: Rng,
        boot: Option<Instant>,
    ) -> Phone {
        Phone {
            identity,
            socket,
            subscribe,
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
        if self.outcome.is_some() {
            return None;
        }
        match (self.next_subscribe, self.give_up_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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

    /// Sends the next SUBSCRIBE when it is due, and gives up when the wait is over.
    pub fn on_timer(&mut self, now: Instant, timing: &Timing, actions: &mut Vec<Action>) {
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

    /// Ends a phone that got no usable NOTIFY, saying why.
    pub fn give_up(&mut self) {
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
            StartLine::Request(method) if method == "SUBSCRIBE" && timing.until == Until::Answer => {
                // Its own SUBSCRIBE, echoed.
                self.on_final_answer(now, 200, timing);
            }
            StartLine::Request(method) if method == "NOTIFY" => self.on_notify(now, message, source, timing, actions),
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
                    self.notified_at = Some(now);
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

    /// The result of its download: the file checked, or why not.
    pub fn on_fetched(&mut self, now: Instant, result: Result<(), String>) {
        if self.outcome.is_some() {
            return;
        }
        self.outcome = Some(match result {
            Ok(()) => {
                self.provisioned_at = Some(now);
                Outcome::Provisioned
            }
            Err(reason) => Outcome::Failed(reason),
        });
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
        Phone::new(identity, 0, b"SUBSCRIBE".to_vec(), target, Rng::for_phone(1, 0), boot)
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
        phone.on_fetched(boot, Ok(()));
        assert_eq!(phone.outcome, Some(Outcome::Provisioned));
        assert_eq!(phone.wake_at(), None);
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
