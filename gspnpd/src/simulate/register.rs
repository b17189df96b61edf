//! A phone's REGISTER after provisioning, with the account its file names: one RFC 3261
//! non-INVITE client transaction over UDP (timer E doubling from T1 to T2, timer F),
//! and one answer to a 401/407 digest challenge (MD5 or SHA-256, qop auth or none).

use std::net::{SocketAddrV4, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::account::FileAccount;
use super::digest::{echoable, Challenge};
use super::sip::{Message, StartLine};

/// RFC 3261 T1 and T2.
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
/// Timer F: a transaction unanswered this long has timed out.
const TIMER_F: Duration = Duration::from_secs(32);
/// The registration lifetime asked for.
const EXPIRES: u32 = 3600;

/// Where the account's REGISTERs go: its outbound proxy if set, else its server
/// (`host[:port]`, port 5060 by default), resolved to IPv4. Blocking (DNS): call it
/// off the SIP thread.
pub fn registrar_address(account: &FileAccount) -> Result<SocketAddrV4, String> {
    if account.server.is_empty() || account.user.is_empty() {
        return Err("register_no_account".to_owned());
    }
    let via = if account.proxy.is_empty() { &account.server } else { &account.proxy };
    let (host, port) = match via.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().map_err(|_| "register_bad_server")?),
        None => (via.as_str(), 5060),
    };
    (host, port)
        .to_socket_addrs()
        .map_err(|_| "register_resolve")?
        .find_map(|address| match address {
            std::net::SocketAddr::V4(v4) => Some(v4),
            std::net::SocketAddr::V6(_) => None,
        })
        .ok_or_else(|| "register_resolve".to_owned())
}

/// Who registers, from where.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// Account 1 of the phone's file.
    pub account: FileAccount,
    /// Where the datagrams go.
    pub registrar: SocketAddrV4,
    /// The phone's address, for Via and Contact.
    pub local: SocketAddrV4,
    /// The registration's Call-ID.
    pub call_id: String,
    /// Its From tag.
    pub tag: String,
    /// Branches are this plus the CSeq.
    pub branch_prefix: String,
    /// `Grandstream GRP2614 1.0.5.15`.
    pub user_agent: String,
}

/// One registration attempt, from the first REGISTER to a final result.
#[derive(Debug)]
pub struct Registration {
    request: RegisterRequest,
    cseq: u32,
    datagram: Vec<u8>,
    next_send: Instant,
    interval: Duration,
    deadline: Instant,
    authorized: bool,
    /// Registered, or why not (`register_timeout`, `register_403`, …).
    pub result: Option<Result<(), String>>,
}

impl Registration {
    /// A registration whose first REGISTER is due `now`; an error when the account
    /// cannot be written into a REGISTER.
    pub fn start(request: RegisterRequest, now: Instant) -> Result<Registration, String> {
        let account = &request.account;
        if ![&account.user, &account.server].iter().all(|text| is_uri_part(text)) {
            return Err("register_bad_account".to_owned());
        }
        let mut registration = Registration {
            request,
            cseq: 1,
            datagram: Vec::new(),
            next_send: now,
            interval: T1,
            deadline: now + TIMER_F,
            authorized: false,
            result: None,
        };
        registration.datagram = registration.build(None);
        Ok(registration)
    }

    /// Where its datagrams go.
    pub fn registrar(&self) -> SocketAddrV4 {
        self.request.registrar
    }

    /// When it next has something to do; None once it has a result.
    pub fn wake_at(&self) -> Option<Instant> {
        self.result.is_none().then(|| self.next_send.min(self.deadline))
    }

    /// The REGISTER to send now (first or retransmitted), if any; times out at timer F.
    pub fn on_timer(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self.result.is_some() {
            return None;
        }
        if now >= self.deadline {
            self.result = Some(Err("register_timeout".to_owned()));
            return None;
        }
        if now < self.next_send {
            return None;
        }
        self.next_send = now + self.interval;
        self.interval = (self.interval * 2).min(T2);
        Some(self.datagram.clone())
    }

    /// Takes a response for its Call-ID; returns the authenticated REGISTER to send
    /// when it answers a challenge. Responses of an earlier transaction are ignored.
    pub fn on_response(&mut self, now: Instant, response: &Message, cnonce: &str) -> Option<Vec<u8>> {
        let StartLine::Response(code) = response.start else { return None };
        let current = response.cseq_number() == Some(self.cseq)
            && response.cseq_method() == Some("REGISTER")
            && response.top_branch() == Some(self.branch().as_str());
        if self.result.is_some() || !current {
            return None;
        }
        match code {
            100..=199 => self.interval = T2,
            200..=299 => self.result = Some(Ok(())),
            401 | 407 if !self.authorized => return self.answer_challenge(now, response, code, cnonce),
            _ => self.result = Some(Err(format!("register_{code}"))),
        }
        None
    }

    fn answer_challenge(&mut self, now: Instant, response: &Message, code: u16, cnonce: &str) -> Option<Vec<u8>> {
        let (asked, answered) = if code == 401 {
            ("WWW-Authenticate", "Authorization")
        } else {
            ("Proxy-Authenticate", "Proxy-Authorization")
        };
        // RFC 7616 §3.7: the first challenge the phone can answer.
        let challenge = response.headers_named(asked).find_map(|value| Challenge::parse(value).ok());
        let account = &self.request.account;
        let header = challenge.ok_or("register_bad_challenge").and_then(|challenge| {
            challenge
                .answer(account.digest_user(), &account.password, "REGISTER", &self.request_uri(), cnonce)
                .map_err(|_| "register_bad_account")
        });
        match header {
            Ok(header) => {
                self.authorized = true;
                self.cseq += 1;
                self.datagram = self.build(Some((answered, &header)));
                self.next_send = now;
                self.interval = T1;
                self.deadline = now + TIMER_F;
                self.on_timer(now)
            }
            Err(reason) => {
                self.result = Some(Err(reason.to_owned()));
                None
            }
        }
    }

    fn branch(&self) -> String {
        format!("{}.{}", self.request.branch_prefix, self.cseq)
    }

    fn request_uri(&self) -> String {
        format!("sip:{}", self.request.account.server)
    }

    /// The REGISTER of the current CSeq, with an authorization header if given.
    fn build(&self, authorization: Option<(&str, &str)>) -> Vec<u8> {
        let request = &self.request;
        let (user, domain, local) = (&request.account.user, &request.account.server, request.local);
        let mut text = format!(
            "REGISTER {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{domain}>;tag={tag}\r\n\
             To: <sip:{user}@{domain}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Contact: <sip:{user}@{local}>\r\n\
             Expires: {EXPIRES}\r\n\
             User-Agent: {user_agent}\r\n\
             Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE\r\n",
            uri = self.request_uri(),
            branch = self.branch(),
            tag = request.tag,
            call_id = request.call_id,
            cseq = self.cseq,
            user_agent = request.user_agent,
        );
        if let Some((name, value)) = authorization {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        text.into_bytes()
    }
}

/// Whether `text` can stand in a SIP URI as a user or host[:port] from a file: printable
/// ASCII without spaces, quotes, angle brackets or `@`.
fn is_uri_part(text: &str) -> bool {
    !text.is_empty() && echoable(text) && !text.contains([' ', '<', '>', '@', ';', ','])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::digest::Authorization;

    fn request() -> RegisterRequest {
        RegisterRequest {
            account: FileAccount {
                user: "1001".into(),
                auth_id: "a1001".into(),
                password: "pw-1001".into(),
                server: "192.0.2.1".into(),
                proxy: String::new(),
            },
            registrar: "192.0.2.1:5060".parse().unwrap(),
            local: "192.0.2.2:40000".parse().unwrap(),
            call_id: "reg1@sim".into(),
            tag: "t".into(),
            branch_prefix: "z9hG4bKr".into(),
            user_agent: "Grandstream GRP2614 1.0.5.15".into(),
        }
    }

    /// The registrar's answer to `register`, with `extra` header lines.
    fn answer(register: &[u8], status: &str, extra: &str) -> Message {
        let register = Message::parse(register).unwrap();
        let mut text = String::from_utf8(register.answer(0, "")).unwrap();
        text = text.replacen("SIP/2.0 0 ", &format!("SIP/2.0 {status}"), 1);
        text = text.replacen("Content-Length: 0", &format!("{extra}Content-Length: 0"), 1);
        Message::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn the_first_register_is_retransmitted_by_timer_e_until_timer_f() {
        let now = Instant::now();
        let mut registration = Registration::start(request(), now).unwrap();
        let mut sent = Vec::new();
        let mut at = now;
        while let Some(wake) = registration.wake_at() {
            at = wake;
            if let Some(datagram) = registration.on_timer(at) {
                sent.push((at - now, datagram));
            }
        }
        let times: Vec<u64> = sent.iter().map(|(offset, _)| offset.as_millis() as u64).collect();
        assert_eq!(&times[..6], &[0, 500, 1500, 3500, 7500, 11500]);
        assert!(sent.iter().all(|(_, datagram)| datagram == &sent[0].1), "retransmissions are the same datagram");
        assert_eq!((at - now, registration.result.clone()), (TIMER_F, Some(Err("register_timeout".into()))));
        let first = Message::parse(&sent[0].1).unwrap();
        assert_eq!(first.request_uri, "sip:192.0.2.1");
        assert_eq!(first.header("From"), Some("<sip:1001@192.0.2.1>;tag=t"));
    }

    #[test]
    fn a_challenge_is_answered_once_with_the_auth_id_and_a_second_one_fails() {
        for (code, asked, answered) in [
            ("401 Unauthorized", "WWW-Authenticate", "Authorization"),
            ("407 Proxy Authentication Required", "Proxy-Authenticate", "Proxy-Authorization"),
        ] {
            let now = Instant::now();
            let mut registration = Registration::start(request(), now).unwrap();
            let first = registration.on_timer(now).unwrap();
            // The first challenge offers only auth-int: the phone takes the next.
            let usable = format!("{asked}: Digest realm=\"x\", nonce=\"n0\", qop=\"auth-int\"\r\n{asked}: Digest realm=\"asterisk\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\", opaque=\"o\"\r\n");
            let retry = registration
                .on_response(now, &answer(&first, code, &usable), "cn1")
                .expect("an authenticated REGISTER");
            let retry = Message::parse(&retry).unwrap();
            assert_eq!((retry.cseq_number(), retry.top_branch()), (Some(2), Some("z9hG4bKr.2")));
            let authorization = Authorization::parse(retry.header(answered).unwrap()).unwrap();
            assert_eq!((authorization.username.as_str(), authorization.uri.as_str()), ("a1001", "sip:192.0.2.1"));
            assert_eq!((authorization.realm.as_str(), authorization.opaque.as_deref()), ("asterisk", Some("o")));
            assert!(authorization.is_right("pw-1001", "REGISTER"));
            let retry_bytes = registration.on_timer(now + T1).unwrap();
            assert_eq!(registration.on_response(now, &answer(&first, "200 OK", ""), "c"), None);
            assert_eq!(registration.result, None, "an answer to the first transaction is ignored");
            assert_eq!(registration.on_response(now, &answer(&retry_bytes, code, &usable), "cn2"), None);
            assert_eq!(registration.result, Some(Err(format!("register_{}", &code[..3]))));
        }
    }

    #[test]
    fn a_200_registers_and_a_403_fails() {
        let now = Instant::now();
        let mut registered = Registration::start(request(), now).unwrap();
        let first = registered.on_timer(now).unwrap();
        registered.on_response(now, &answer(&first, "100 Trying", ""), "c");
        assert_eq!(registered.result, None);
        registered.on_response(now, &answer(&first, "200 OK", ""), "c");
        assert_eq!((registered.result.clone(), registered.wake_at()), (Some(Ok(())), None));
        let mut refused = Registration::start(request(), now).unwrap();
        let first = refused.on_timer(now).unwrap();
        refused.on_response(now, &answer(&first, "403 Forbidden", ""), "c");
        assert_eq!(refused.result, Some(Err("register_403".into())));
    }

    #[test]
    fn an_unusable_account_is_refused_before_anything_is_sent() {
        let mut hostile = request();
        hostile.account.user = "1001>\"".into();
        assert_eq!(Registration::start(hostile, Instant::now()).unwrap_err(), "register_bad_account");
        let no_server = FileAccount { user: "1001".into(), ..FileAccount::default() };
        assert_eq!(registrar_address(&no_server).unwrap_err(), "register_no_account");
        let with_port = FileAccount { server: "127.0.0.1:5070".into(), ..no_server.clone() };
        assert_eq!(registrar_address(&with_port), Ok("127.0.0.1:5070".parse().unwrap()));
        let proxied = FileAccount { proxy: "127.0.0.2".into(), ..with_port };
        assert_eq!(registrar_address(&proxied), Ok("127.0.0.2:5060".parse().unwrap()));
    }
}
