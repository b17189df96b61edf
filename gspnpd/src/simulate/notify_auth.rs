//! How a GRP with P4428=0 ("Disable SIP NOTIFY Authentication": no) treats a resync
//! NOTIFY: challenged with a digest 401 of its own realm and nonce, accepted only when
//! retried with account 1's credentials. A retransmission (same top Via branch and
//! CSeq) gets the answer the original got, and is judged only once.

use std::collections::VecDeque;

use super::account::FileAccount;
use super::digest::{Algorithm, Authorization, Challenge, Qop};
use super::loss::Rng;
use super::sip::Message;

/// Nonces a phone honours at once (newest last); an older one is answered `stale=true`.
const NONCES: usize = 4;
/// Answers remembered for retransmissions.
const ANSWERS: usize = 8;
/// Call-IDs remembered as challenged (a retry without credentials is then refused).
const CHALLENGED: usize = 4;

/// How the phone judged a resync NOTIFY; each carries the answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A retransmission: the same answer again, nothing more.
    Repeat(Vec<u8>),
    /// No credentials yet, or a stale nonce: 401 with a fresh challenge.
    Challenged(Vec<u8>),
    /// Wrong or missing credentials on a retry: 401 again, and counted as refused.
    Refused(Vec<u8>),
    /// Right credentials: 200, and the phone acts.
    Accepted(Vec<u8>),
}

impl Verdict {
    /// The answer to send.
    pub fn answer(&self) -> &[u8] {
        match self {
            Verdict::Repeat(answer)
            | Verdict::Challenged(answer)
            | Verdict::Refused(answer)
            | Verdict::Accepted(answer) => answer,
        }
    }
}

/// The challenge side of one phone.
#[derive(Debug)]
pub struct NotifyGuard {
    realm: String,
    opaque: String,
    algorithm: Algorithm,
    qop: Qop,
    /// The To tag of its answers.
    tag: String,
    nonces: VecDeque<String>,
    answers: VecDeque<((String, u32), Vec<u8>)>,
    challenged: VecDeque<String>,
}

impl NotifyGuard {
    /// A guard with `realm`, challenging with `algorithm` and `qop`; `rng` draws its
    /// opaque, tag and nonces.
    pub fn new(realm: String, algorithm: Algorithm, qop: Qop, rng: &mut Rng) -> NotifyGuard {
        NotifyGuard {
            realm,
            opaque: format!("{:016x}", rng.next_u64()),
            algorithm,
            qop,
            tag: format!("{:x}", rng.next_u64()),
            nonces: VecDeque::new(),
            answers: VecDeque::new(),
            challenged: VecDeque::new(),
        }
    }

    /// Judges a resync NOTIFY against `account` (None: no file yet, so nothing is
    /// accepted) and says what to answer.
    pub fn judge(&mut self, notify: &Message, account: Option<&FileAccount>, rng: &mut Rng) -> Verdict {
        let key = (notify.top_branch().unwrap_or_default().to_owned(), notify.cseq_number().unwrap_or(0));
        if let Some((_, answer)) = self.answers.iter().find(|(seen, _)| *seen == key) {
            return Verdict::Repeat(answer.clone());
        }
        let call_id = notify.call_id().unwrap_or_default().to_owned();
        let verdict = match notify.header("Authorization").map(Authorization::parse) {
            None if !self.challenged.contains(&call_id) => Verdict::Challenged(self.challenge(notify, false, rng)),
            None | Some(Err(_)) => Verdict::Refused(self.challenge(notify, false, rng)),
            Some(Ok(authorization)) => match self.check(notify, &authorization, account) {
                Check::Right => Verdict::Accepted(notify.answer_with(200, "OK", Some(&self.tag), &[])),
                Check::Stale => Verdict::Challenged(self.challenge(notify, true, rng)),
                Check::Wrong => Verdict::Refused(self.challenge(notify, false, rng)),
            },
        };
        // A Call-ID stays challenged until it is accepted: its next request without
        // credentials is a retry that left them out.
        if matches!(verdict, Verdict::Accepted(_)) {
            self.challenged.retain(|challenged| *challenged != call_id);
        } else if !self.challenged.contains(&call_id) {
            remember(&mut self.challenged, call_id, CHALLENGED);
        }
        remember(&mut self.answers, (key, verdict.answer().to_vec()), ANSWERS);
        verdict
    }

    /// A 401 with a fresh nonce.
    fn challenge(&mut self, notify: &Message, stale: bool, rng: &mut Rng) -> Vec<u8> {
        let nonce = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
        remember(&mut self.nonces, nonce.clone(), NONCES);
        let challenge = Challenge {
            realm: self.realm.clone(),
            nonce,
            opaque: Some(self.opaque.clone()),
            algorithm: self.algorithm,
            qop: self.qop,
            stale,
        };
        notify.answer_with(401, "Unauthorized", Some(&self.tag), &[("WWW-Authenticate", &challenge.to_header())])
    }

    fn check(&self, notify: &Message, authorization: &Authorization, account: Option<&FileAccount>) -> Check {
        let Some(account) = account else { return Check::Wrong };
        let fits = authorization.realm == self.realm
            && authorization.algorithm == self.algorithm
            && authorization.opaque.as_deref() == Some(self.opaque.as_str())
            && authorization.qop.is_some() == (self.qop == Qop::Auth)
            && authorization.uri == notify.request_uri
            && account.is_named(&authorization.username)
            && authorization.is_right(&account.password, "NOTIFY");
        match (fits, self.nonces.contains(&authorization.nonce)) {
            (true, true) => Check::Right,
            (true, false) => Check::Stale,
            (false, _) => Check::Wrong,
        }
    }
}

enum Check {
    Right,
    Stale,
    Wrong,
}

/// Appends `item`, forgetting the oldest beyond `most`.
fn remember<T>(items: &mut VecDeque<T>, item: T, most: usize) {
    if items.len() == most {
        items.pop_front();
    }
    items.push_back(item);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::sip::StartLine;

    const URI: &str = "sip:1001@192.0.2.2:40000";

    fn account() -> FileAccount {
        FileAccount { user: "1001".into(), password: "pw-1001".into(), ..FileAccount::default() }
    }

    fn notify(branch: &str, cseq: u32, authorization: Option<&str>) -> Message {
        let authorization = authorization.map(|value| format!("Authorization: {value}\r\n")).unwrap_or_default();
        let text = format!(
            "NOTIFY {URI} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch={branch}\r\n\
             From: <sip:pbx@192.0.2.1>;tag=p\r\nTo: <{URI}>\r\nCall-ID: r1@pbx\r\nCSeq: {cseq} NOTIFY\r\n\
             Event: check-sync\r\n{authorization}Content-Length: 0\r\n\r\n"
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    fn challenge_in(answer: &[u8]) -> Challenge {
        let message = Message::parse(answer).unwrap();
        assert_eq!(message.start, StartLine::Response(401));
        assert!(message.header("To").unwrap().contains(";tag="), "an answer outside a dialog is tagged");
        Challenge::parse(message.header("WWW-Authenticate").unwrap()).unwrap()
    }

    fn guard(algorithm: Algorithm, qop: Qop) -> (NotifyGuard, Rng) {
        let mut rng = Rng::for_phone(9, 1);
        (NotifyGuard::new("GRP2614-000b82000001".into(), algorithm, qop, &mut rng), rng)
    }

    #[test]
    fn the_right_credentials_after_a_challenge_are_accepted_in_every_algorithm_and_qop() {
        for (algorithm, qop) in
            [(Algorithm::Md5, Qop::Auth), (Algorithm::Sha256, Qop::Auth), (Algorithm::Sha256, Qop::None)]
        {
            let (mut guard, mut rng) = guard(algorithm, qop);
            let first = guard.judge(&notify("z9hG4bK1", 1, None), Some(&account()), &mut rng);
            let Verdict::Challenged(answer) = &first else { panic!("{first:?}") };
            let challenge = challenge_in(answer);
            assert_eq!((challenge.algorithm, challenge.qop, challenge.stale), (algorithm, qop, false));
            assert!(challenge.opaque.is_some());
            let header = challenge.answer("1001", "pw-1001", "NOTIFY", URI, "cn0").unwrap();
            let retry = guard.judge(&notify("z9hG4bK2", 2, Some(&header)), Some(&account()), &mut rng);
            assert!(
                matches!(&retry, Verdict::Accepted(a) if a.starts_with(b"SIP/2.0 200 OK")),
                "{algorithm:?} {qop:?}"
            );
        }
    }

    #[test]
    fn wrong_or_missing_credentials_on_a_retry_are_refused() {
        let (mut guard, mut rng) = guard(Algorithm::Md5, Qop::Auth);
        let Verdict::Challenged(answer) = guard.judge(&notify("z9hG4bK1", 1, None), Some(&account()), &mut rng) else {
            panic!()
        };
        let challenge = challenge_in(&answer);
        let wrong_password = challenge.answer("1001", "guess", "NOTIFY", URI, "c").unwrap();
        let wrong_user = challenge.answer("1002", "pw-1001", "NOTIFY", URI, "c").unwrap();
        let wrong_uri = challenge.answer("1001", "pw-1001", "NOTIFY", "sip:other@192.0.2.2", "c").unwrap();
        let no_opaque = wrong_password.replace(&format!(", opaque=\"{}\"", challenge.opaque.clone().unwrap()), "");
        let cases = [
            Some(wrong_password.as_str()),
            Some(&wrong_user),
            Some(&wrong_uri),
            Some(&no_opaque),
            Some("Digest junk"),
            None,
        ];
        for (cseq, authorization) in (2..).zip(cases) {
            let verdict =
                guard.judge(&notify(&format!("z9hG4bK{cseq}"), cseq, authorization), Some(&account()), &mut rng);
            assert!(matches!(&verdict, Verdict::Refused(a) if a.starts_with(b"SIP/2.0 401")), "{authorization:?}");
        }
        let right = challenge.answer("1001", "pw-1001", "NOTIFY", URI, "c").unwrap();
        let unprovisioned = guard.judge(&notify("z9hG4bK9", 9, Some(&right)), None, &mut rng);
        assert!(matches!(unprovisioned, Verdict::Refused(_)), "no file, nothing accepted");
    }

    #[test]
    fn retransmissions_get_the_same_answer_and_an_old_nonce_is_stale() {
        let (mut guard, mut rng) = guard(Algorithm::Md5, Qop::Auth);
        let first = guard.judge(&notify("z9hG4bK1", 1, None), Some(&account()), &mut rng);
        let again = guard.judge(&notify("z9hG4bK1", 1, None), Some(&account()), &mut rng);
        assert_eq!(again, Verdict::Repeat(first.answer().to_vec()));
        let old = challenge_in(first.answer());
        for cseq in 2..2 + NONCES as u32 {
            guard.judge(&notify(&format!("z9hG4bK{cseq}"), cseq, None), Some(&account()), &mut rng);
        }
        let late = old.answer("1001", "pw-1001", "NOTIFY", URI, "c").unwrap();
        let verdict = guard.judge(&notify("z9hG4bKlate", 20, Some(&late)), Some(&account()), &mut rng);
        let Verdict::Challenged(answer) = verdict else { panic!("{verdict:?}") };
        assert!(challenge_in(&answer).stale, "right credentials on a forgotten nonce: stale=true");
        let still_stale = guard.judge(&notify("z9hG4bK21", 21, Some(&late)), Some(&account()), &mut rng);
        let repeated = guard.judge(&notify("z9hG4bK21", 21, Some(&late)), Some(&account()), &mut rng);
        assert!(matches!(still_stale, Verdict::Challenged(_)) && matches!(repeated, Verdict::Repeat(_)));
    }
}
