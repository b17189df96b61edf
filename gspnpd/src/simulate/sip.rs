//! The phone's side of the SIP exchange, written independently of gspnp's SIP code so
//! that the simulator checks a server rather than agreeing with it: the SUBSCRIBE a
//! GRP26xx sends, a lenient reader for what comes back (that still refuses hostile
//! datagrams: control characters, too many headers), and the answers a phone sends.

use std::net::SocketAddrV4;

use gspnp::Mac;

/// Who a phone is on the wire.
#[derive(Debug, Clone)]
pub struct PhoneIdentity {
    /// Its MAC.
    pub mac: Mac,
    /// `GRP2614`.
    pub model: String,
    /// `1.0.5.15`.
    pub firmware: String,
    /// Its address and port as it puts them in Via and Contact.
    pub local: SocketAddrV4,
    /// Its Call-ID.
    pub call_id: String,
    /// Its From tag.
    pub tag: String,
    /// The Via branch of its SUBSCRIBE.
    pub branch: String,
}

/// The SUBSCRIBE a GRP26xx multicasts at boot (after the guide's capture), addressed to
/// `target`. Retransmissions are this same datagram.
pub fn subscribe(phone: &PhoneIdentity, target: SocketAddrV4) -> Vec<u8> {
    let user = format!("MAC%3A{}", phone.mac.to_string().to_ascii_uppercase());
    let host = target.ip();
    let local = phone.local;
    format!(
        "SUBSCRIBE sip:{user}@{host} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
         From: <sip:{user}@{host}>;tag={tag}\r\n\
         To: <sip:{user}@{host}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:{local}>\r\n\
         X-Grandstream-PBX: true\r\n\
         Max-Forwards: 70\r\n\
         User-Agent: Grandstream {model} {firmware}\r\n\
         Expires: 0\r\n\
         Supported: replaces, path\r\n\
         Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"{model}\";version=\"{firmware}\"\r\n\
         Accept: application/url\r\n\
         Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE\r\n\
         Content-Length: 0\r\n\r\n",
        branch = phone.branch,
        tag = phone.tag,
        call_id = phone.call_id,
        model = phone.model,
        firmware = phone.firmware,
    )
    .into_bytes()
}

/// The start line of a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// A request: its method.
    Request(String),
    /// A response: its status code.
    Response(u16),
}

/// The most header lines a message may have (a NOTIFY has about a dozen).
const MOST_HEADERS: usize = 64;

/// A received SIP message, read leniently.
#[derive(Debug, Clone)]
pub struct Message {
    /// Request or response.
    pub start: StartLine,
    /// A request's Request-URI; empty for a response.
    pub request_uri: String,
    /// Header lines (name, value) in order, compact names expanded.
    pub headers: Vec<(String, String)>,
    /// The body, as far as Content-Length (or the datagram) goes.
    pub body: String,
}

/// Long names of the compact header forms (RFC 3261 §7.3.3, RFC 6665 `o`).
fn expand(name: &str) -> &str {
    match name.to_ascii_lowercase().as_str() {
        "i" => "Call-ID",
        "f" => "From",
        "t" => "To",
        "v" => "Via",
        "l" => "Content-Length",
        "c" => "Content-Type",
        "m" => "Contact",
        "o" => "Event",
        _ => name,
    }
}

impl Message {
    /// Reads a datagram; None when it is not a SIP message, or when its head holds a
    /// control character other than tab (a lone CR or LF could smuggle a header into an
    /// answer that copies it) or more than [`MOST_HEADERS`] lines.
    pub fn parse(datagram: &[u8]) -> Option<Message> {
        let text = std::str::from_utf8(datagram).ok()?;
        let (head, body) = match text.find("\r\n\r\n") {
            Some(end) => (&text[..end], &text[end + 4..]),
            None => (text.trim_end(), ""),
        };
        let mut lines = head.split("\r\n");
        if lines.clone().any(|line| line.chars().any(|c| c.is_control() && c != '\t')) {
            return None;
        }
        if lines.clone().count() > MOST_HEADERS + 1 {
            return None;
        }
        let first = lines.next()?;
        let (start, request_uri) = if let Some(rest) = first.strip_prefix("SIP/2.0 ") {
            (StartLine::Response(rest.get(..3)?.parse().ok()?), String::new())
        } else {
            let (method, rest) = first.split_once(' ')?;
            let uri = rest.strip_suffix(" SIP/2.0")?;
            (StartLine::Request(method.to_owned()), uri.to_owned())
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // A folded continuation line.
                let (_, value) = headers.last_mut()?;
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((expand(name.trim()).to_owned(), value.trim().to_owned()));
        }
        let mut message = Message { start, request_uri, headers, body: String::new() };
        let length = message.header("Content-Length").and_then(|length| length.parse::<usize>().ok());
        let body = match length {
            Some(length) => body.get(..length).unwrap_or(body),
            None => body,
        };
        message.body = body.to_owned();
        Some(message)
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Every header called `name` (any case), in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The branch of the top Via: with the CSeq, what tells a retransmission apart.
    pub fn top_branch(&self) -> Option<&str> {
        let via = self.header("Via")?.split(',').next()?;
        via.split(';').skip(1).find_map(|parameter| {
            let (name, value) = parameter.split_once('=')?;
            name.trim().eq_ignore_ascii_case("branch").then_some(value.trim())
        })
    }

    /// The CSeq number.
    pub fn cseq_number(&self) -> Option<u32> {
        self.header("CSeq")?.split_whitespace().next()?.parse().ok()
    }

    /// The Call-ID.
    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID")
    }

    /// The CSeq method (`SUBSCRIBE`, `NOTIFY`).
    pub fn cseq_method(&self) -> Option<&str> {
        self.header("CSeq")?.split_whitespace().nth(1)
    }

    /// The MAC in the `MAC%3A…` user part of To (how a NOTIFY in the SUBSCRIBE's dialog
    /// names the phone), for telling phones apart on a shared socket.
    pub fn mac_in_to(&self) -> Option<Mac> {
        let to = self.header("To")?.to_ascii_uppercase();
        let at = to.find("MAC%3A")? + "MAC%3A".len();
        Mac::from_hex12(to.get(at..at + 12)?.as_bytes()).ok()
    }

    /// The 200 OK (or another status) a phone sends to this request: every Via, From,
    /// To, Call-ID and CSeq copied.
    pub fn answer(&self, status: u16, reason: &str) -> Vec<u8> {
        self.answer_with(status, reason, None, &[])
    }

    /// An answer as [`Message::answer`], with `to_tag` added to a To that has no tag
    /// (an answer to a request outside any dialog, RFC 3261 §8.2.6.2) and `extra`
    /// header lines (name, value) before Content-Length.
    pub fn answer_with(&self, status: u16, reason: &str, to_tag: Option<&str>, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut out = format!("SIP/2.0 {status} {reason}\r\n");
        for (name, value) in &self.headers {
            if ["Via", "From", "To", "Call-ID", "CSeq"].iter().any(|copied| copied.eq_ignore_ascii_case(name)) {
                out.push_str(&format!("{name}: {value}"));
                let untagged = !value.to_ascii_lowercase().contains(";tag=");
                if let Some(tag) = to_tag.filter(|_| name.eq_ignore_ascii_case("To") && untagged) {
                    out.push_str(&format!(";tag={tag}"));
                }
                out.push_str("\r\n");
            }
        }
        for (name, value) in extra {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("Content-Length: 0\r\n\r\n");
        out.into_bytes()
    }
}

/// What a resync NOTIFY asks of a provisioned phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resync {
    /// `Event: check-sync` or `Event: resync`: fetch the file again.
    Fetch,
    /// `Event: check-sync;reboot=true`: reboot (boot again, new SUBSCRIBEs).
    Reboot,
}

/// Whether `notify` is a resync request (Grandstream `check-sync`, with `reboot=true`
/// for a reboot, or `resync`), and which.
pub fn resync_of(notify: &Message) -> Option<Resync> {
    let mut parts = notify.header("Event")?.split(';');
    let package = parts.next()?.trim();
    if package.eq_ignore_ascii_case("resync") {
        return Some(Resync::Fetch);
    }
    if !package.eq_ignore_ascii_case("check-sync") {
        return None;
    }
    let reboot = parts.any(|parameter| {
        parameter.split_once('=').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("reboot") && value.trim().eq_ignore_ascii_case("true")
        })
    });
    Some(if reboot { Resync::Reboot } else { Resync::Fetch })
}

/// What a NOTIFY tells the phone: the folder URL, or why the phone refuses it (and the
/// status it answers with).
pub fn notify_url(notify: &Message) -> Result<String, (u16, &'static str)> {
    let event_ok = notify.header("Event").is_some_and(|event| {
        event.split(';').next().is_some_and(|package| package.trim().eq_ignore_ascii_case("ua-profile"))
    });
    if !event_ok {
        return Err((489, "bad_notify_event"));
    }
    let type_ok = notify.header("Content-Type").is_some_and(|kind| {
        kind.split(';').next().is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/url"))
    });
    if !type_ok {
        return Err((415, "bad_notify_content_type"));
    }
    let url = notify.body.trim();
    let scheme_ok = ["http://", "https://"].iter().any(|scheme| url.to_ascii_lowercase().starts_with(scheme));
    if !scheme_ok || url.contains(char::is_whitespace) {
        return Err((400, "bad_notify_url"));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> PhoneIdentity {
        PhoneIdentity {
            mac: "000b82f55284".parse().unwrap(),
            model: "GRP2614".into(),
            firmware: "1.0.5.15".into(),
            local: "192.0.2.2:40001".parse().unwrap(),
            call_id: "c1@sim".into(),
            tag: "t1".into(),
            branch: "z9hG4bKb1".into(),
        }
    }

    #[test]
    fn the_subscribe_is_what_gspnp_decodes_as_a_grp2614() {
        let datagram = subscribe(&identity(), "224.0.1.75:5060".parse().unwrap());
        let info = gspnp::device::decode_datagram(&datagram, "192.0.2.2:40001".parse().unwrap()).unwrap();
        assert_eq!(info.mac.to_string(), "000b82f55284");
        assert_eq!(
            (info.vendor.as_str(), info.model.as_str(), info.firmware.as_str()),
            ("Grandstream", "GRP2614", "1.0.5.15")
        );
    }

    const NOTIFY: &str = "NOTIFY sip:192.0.2.2:40001 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKn1;rport\r\n\
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKn0\r\n\
        f: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=srv\r\n\
        t: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=t1\r\n\
        i: c1@sim\r\n\
        CSeq: 1 NOTIFY\r\n\
        o: ua-profile\r\n\
        c: application/url\r\n\
        l: 23\r\n\r\n\
        http://192.0.2.1/x/y/\r\n";

    #[test]
    fn a_notify_is_read_and_answered_with_its_dialog_copied() {
        let notify = Message::parse(NOTIFY.as_bytes()).unwrap();
        assert_eq!(notify.start, StartLine::Request("NOTIFY".into()));
        assert_eq!((notify.call_id(), notify.cseq_method()), (Some("c1@sim"), Some("NOTIFY")));
        assert_eq!(notify.mac_in_to(), "000b82f55284".parse().ok());
        assert_eq!(notify_url(&notify), Ok("http://192.0.2.1/x/y/".to_owned()));
        let answer = String::from_utf8(notify.answer(200, "OK")).unwrap();
        assert!(answer.starts_with(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKn1;rport\r\nVia: SIP/2.0/UDP 10.0.0.1"
        ));
        assert!(
            answer.contains("\r\nTo: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=t1\r\n") && answer.ends_with("\r\n\r\n")
        );
    }

    #[test]
    fn notifies_a_phone_would_refuse_are_refused() {
        let wrong_type = NOTIFY.replace("c: application/url", "c: text/plain");
        assert_eq!(notify_url(&Message::parse(wrong_type.as_bytes()).unwrap()), Err((415, "bad_notify_content_type")));
        let no_url = NOTIFY.replace("http://192.0.2.1/x/y/", "tftp://192.0.2.1/x/");
        assert_eq!(notify_url(&Message::parse(no_url.as_bytes()).unwrap()).unwrap_err().0, 400);
    }

    #[test]
    fn resync_events_are_told_apart() {
        let with_event = |event: &str| NOTIFY.replace("o: ua-profile", &format!("Event: {event}"));
        let of = |event: &str| resync_of(&Message::parse(with_event(event).as_bytes()).unwrap());
        assert_eq!(of("check-sync"), Some(Resync::Fetch));
        assert_eq!(of("Check-Sync;reboot=false"), Some(Resync::Fetch));
        assert_eq!(of("check-sync;reboot=true"), Some(Resync::Reboot));
        assert_eq!(of("check-sync; reboot = TRUE"), Some(Resync::Reboot));
        assert_eq!(of("resync"), Some(Resync::Fetch));
        assert_eq!(of("ua-profile"), None);
        assert_eq!(of("message-summary"), None);
    }

    #[test]
    fn an_answer_outside_a_dialog_tags_to_and_carries_extra_headers() {
        let notify = Message::parse(NOTIFY.replace(";tag=t1", "").as_bytes()).unwrap();
        assert_eq!((notify.request_uri.as_str(), notify.top_branch()), ("sip:192.0.2.2:40001", Some("z9hG4bKn1")));
        assert_eq!(notify.cseq_number(), Some(1));
        let answer = notify.answer_with(401, "Unauthorized", Some("ph1"), &[("WWW-Authenticate", "Digest x=y")]);
        let answer = String::from_utf8(answer).unwrap();
        assert!(answer.contains("\r\nTo: <sip:MAC%3A000B82F55284@224.0.1.75>;tag=ph1\r\n"), "{answer}");
        assert!(answer.ends_with("WWW-Authenticate: Digest x=y\r\nContent-Length: 0\r\n\r\n"), "{answer}");
        let tagged = Message::parse(NOTIFY.as_bytes()).unwrap().answer_with(200, "OK", Some("ph1"), &[]);
        assert!(!String::from_utf8(tagged).unwrap().contains("ph1"), "a To with a tag keeps it");
    }

    #[test]
    fn hostile_datagrams_are_refused() {
        let lone_lf = NOTIFY.replace("CSeq: 1 NOTIFY", "CSeq: 1 NOTIFY\nX-Evil: 1");
        let nul = NOTIFY.replace("CSeq: 1 NOTIFY", "CSeq: 1 NOT\0IFY");
        let many = NOTIFY.replace("CSeq: 1 NOTIFY\r\n", &"X-Pad: 1\r\n".repeat(MOST_HEADERS + 1));
        for hostile in [lone_lf, nul, many] {
            assert!(Message::parse(hostile.as_bytes()).is_none());
        }
        let huge_value = NOTIFY.replace("CSeq: 1 NOTIFY", &format!("CSeq: 1 NOTIFY\r\nX-Big: {}", "a".repeat(6000)));
        assert!(
            Message::parse(huge_value.as_bytes()).is_some(),
            "a long header alone is harmless (the slot bounds it)"
        );
    }

    #[test]
    fn responses_and_garbage() {
        let ok = Message::parse(b"SIP/2.0 202 Accepted\r\nCall-ID: x\r\nCSeq: 20000 SUBSCRIBE\r\n\r\n").unwrap();
        assert_eq!((&ok.start, ok.cseq_method()), (&StartLine::Response(202), Some("SUBSCRIBE")));
        assert!(Message::parse(b"\xff\xfe").is_none());
        assert!(Message::parse(b"HELLO world\r\n\r\n").is_none());
    }
}
