//! Everything the engine reads from, and writes as, SIP: the only file of the engine
//! that knows the shape of the `sip` module.

use std::net::SocketAddrV4;

use crate::device::SubscribeHeaders;
use crate::sip::{HeaderName, Message, MessageWriter, Method};

/// What an answer and an in-dialog NOTIFY need from a SUBSCRIBE, owned so that it can
/// wait for the host. Every value was checked to hold no control character, so it can
/// be echoed safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFacts {
    /// Identifies the transaction across retransmissions.
    pub key: String,
    /// The Via values for the answer, the top one with received/rport (RFC 3581).
    pub vias: Vec<String>,
    /// The From value as sent (with the phone's tag).
    pub from: String,
    /// The To value as sent.
    pub to: String,
    /// The URI inside To.
    pub to_uri: String,
    /// The To tag, if the SUBSCRIBE already had one (a refresh inside a dialog).
    pub to_tag: Option<String>,
    /// Call-ID.
    pub call_id: String,
    /// The CSeq value as sent.
    pub cseq: String,
}

/// What the engine needs from a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFacts {
    /// The status code.
    pub code: u16,
    /// The branch of the top Via: ours, if it answers our NOTIFY.
    pub branch: String,
    /// Whether its CSeq names NOTIFY.
    pub is_notify: bool,
}

/// Printable text only (HTAB allowed): what may be copied into a message we send.
fn clean(value: &str) -> Option<String> {
    (!value.chars().any(|c| c.is_control() && c != '\t')).then(|| value.to_string())
}

/// Writes the key of the SUBSCRIBE transaction of `headers` into `key` (cleared first),
/// allocating nothing once `key` has grown. The datagram's source is part of the key:
/// another host reusing a phone's branch starts its own transaction instead of taking
/// over the phone's.
pub fn transaction_key(headers: &SubscribeHeaders<'_>, source: SocketAddrV4, key: &mut String) {
    use std::fmt::Write as _;
    key.clear();
    let top = &headers.top_via;
    // Writing into a String cannot fail.
    let _ = match top.branch() {
        Some(branch) if branch.starts_with("z9hG4bK") => write!(key, "b|{branch}|{}|{source}", top.sent_by),
        _ => {
            let tag = headers.from.tag().unwrap_or_default();
            write!(key, "c|{}|{}|{tag}|{source}", headers.call_id, headers.cseq.number)
        }
    };
}

/// Reads the dialog and transaction facts of a SUBSCRIBE from `source` whose headers
/// are `headers` and [`transaction_key`] is `key`; None when a Via below the top one or
/// the CSeq is malformed, or a value holds a control character.
pub fn subscribe_facts(
    message: &Message<'_>,
    headers: &SubscribeHeaders<'_>,
    source: SocketAddrV4,
    key: &str,
) -> Option<SubscribeFacts> {
    let mut vias = vec![clean(&headers.top_via.for_response(source).to_string())?];
    for via in message.vias().skip(1) {
        vias.push(clean(via.ok()?.raw)?);
    }
    let (from, to) = (&headers.from, &headers.to);
    Some(SubscribeFacts {
        key: key.to_owned(),
        vias,
        from: clean(from.raw)?,
        to: clean(to.raw)?,
        to_uri: clean(to.uri_raw())?,
        to_tag: to.tag().map(|tag| clean(&tag)).unwrap_or(None),
        call_id: clean(&headers.call_id)?,
        cseq: clean(message.header(HeaderName::CSeq)?.as_ref())?,
    })
}

/// Reads a response's status, top branch and CSeq method.
pub fn response_facts(message: &Message<'_>) -> Option<ResponseFacts> {
    let code = message.status_code()?;
    let top = message.vias().next()?.ok()?;
    let branch = top.branch()?.into_owned();
    let is_notify = message.cseq().is_some_and(|cseq| cseq.method == Method::Notify);
    Some(ResponseFacts { code, branch, is_notify })
}

/// Writes the answer to a SUBSCRIBE: its Vias, From, To with our tag, Call-ID and CSeq
/// copied; our Contact; `Expires: 0`. None only if a value cannot be written (never for
/// facts from [`subscribe_facts`]).
pub fn write_answer(
    facts: &SubscribeFacts,
    local_tag: &str,
    (code, reason): (u16, &str),
    local: SocketAddrV4,
    server: &str,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(640);
    let mut writer = MessageWriter::response(&mut out, code, reason).ok()?;
    for via in &facts.vias {
        writer.header(HeaderName::Via, via).ok()?;
    }
    writer.header(HeaderName::From, &facts.from).ok()?;
    if facts.to_tag.is_some() {
        writer.header(HeaderName::To, &facts.to).ok()?;
    } else {
        writer.header_display(HeaderName::To, format_args!("{};tag={local_tag}", facts.to)).ok()?;
    }
    writer.header(HeaderName::CallId, &facts.call_id).ok()?;
    writer.header(HeaderName::CSeq, &facts.cseq).ok()?;
    writer.header_display(HeaderName::Contact, format_args!("<sip:{local}>")).ok()?;
    writer.header(HeaderName::Expires, "0").ok()?;
    writer.header(HeaderName::Server, server).ok()?;
    writer.finish(b"");
    Some(out)
}

/// The dialog headers of a NOTIFY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyHeaders {
    from: String,
    to: String,
    call_id: String,
}

impl NotifyHeaders {
    /// Inside the SUBSCRIBE's dialog: From is its To with our tag, To is its From.
    pub fn in_dialog(facts: &SubscribeFacts, local_tag: &str) -> NotifyHeaders {
        let from = match &facts.to_tag {
            Some(_) => facts.to.clone(),
            None => format!("<{}>;tag={local_tag}", facts.to_uri),
        };
        NotifyHeaders { from, to: facts.from.clone(), call_id: facts.call_id.clone() }
    }

    /// Outside any dialog (a deferred assignment), as Grandstream's UCM sends it.
    pub fn out_of_dialog(local: SocketAddrV4, destination: SocketAddrV4, tag: &str, call_id: &str) -> NotifyHeaders {
        NotifyHeaders {
            from: format!("<sip:{local}>;tag={tag}"),
            to: format!("<sip:{destination}>"),
            call_id: format!("{call_id}@{}", local.ip()),
        }
    }
}

/// Writes the NOTIFY that carries `url` (`Event: ua-profile`, `Content-Type:
/// application/url`) to `destination`. None only if a value cannot be written.
pub fn write_notify(
    destination: SocketAddrV4,
    local: SocketAddrV4,
    branch: &str,
    headers: &NotifyHeaders,
    url: &str,
    user_agent: &str,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(640 + url.len());
    let request_uri = format!("sip:{destination}");
    let mut writer = MessageWriter::request(&mut out, Method::Notify, &request_uri).ok()?;
    writer.header_display(HeaderName::Via, format_args!("SIP/2.0/UDP {local};branch={branch};rport")).ok()?;
    writer.header(HeaderName::MaxForwards, "70").ok()?;
    writer.header(HeaderName::From, &headers.from).ok()?;
    writer.header(HeaderName::To, &headers.to).ok()?;
    writer.header(HeaderName::CallId, &headers.call_id).ok()?;
    writer.header(HeaderName::CSeq, "1 NOTIFY").ok()?;
    writer.header_display(HeaderName::Contact, format_args!("<sip:{local}>")).ok()?;
    writer.header(HeaderName::Event, "ua-profile").ok()?;
    writer.header(HeaderName::SubscriptionState, "terminated;reason=timeout").ok()?;
    writer.header(HeaderName::ContentType, "application/url").ok()?;
    writer.header(HeaderName::UserAgent, user_agent).ok()?;
    writer.finish(url.as_bytes());
    Some(out)
}

/// The dialog headers of a re-provisioning NOTIFY, the same for each of its tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResyncHeaders {
    from: String,
    to: String,
    call_id: String,
}

impl ResyncHeaders {
    /// From us (with our tag) to the Request-URI, under a fresh Call-ID.
    pub fn new(local: SocketAddrV4, request_uri: &str, tag: &str, call_id: &str) -> ResyncHeaders {
        ResyncHeaders {
            from: format!("<sip:{local}>;tag={tag}"),
            to: format!("<{request_uri}>"),
            call_id: format!("{call_id}@{}", local.ip()),
        }
    }
}

/// One try of a re-provisioning NOTIFY.
#[derive(Debug)]
pub struct ResyncTry<'a> {
    /// `sip:user@host:port` or `sip:host:port`.
    pub request_uri: &'a str,
    /// Our address (Via, Contact).
    pub local: SocketAddrV4,
    /// This try's Via branch.
    pub branch: &'a str,
    /// From, To, Call-ID.
    pub headers: &'a ResyncHeaders,
    /// 1, then 2 for the authenticated retry.
    pub cseq: u32,
    /// The Event value.
    pub event: &'a str,
    /// `Authorization` or `Proxy-Authorization` and its value, after a challenge.
    pub authorization: Option<(HeaderName<'static>, &'a str)>,
}

/// Whether `user` can stand as the user part of a SIP URI unescaped (RFC 3261
/// unreserved and user-unreserved characters).
pub fn is_uri_user(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 64
        && user.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,;?/".contains(&b))
}

/// Writes a re-provisioning NOTIFY outside any dialog: no body (`Content-Length: 0`),
/// `Subscription-State: terminated`. None only if a value cannot be written.
pub fn write_resync(attempt: &ResyncTry<'_>, user_agent: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(768);
    let mut writer = MessageWriter::request(&mut out, Method::Notify, attempt.request_uri).ok()?;
    let (local, branch) = (attempt.local, attempt.branch);
    writer.header_display(HeaderName::Via, format_args!("SIP/2.0/UDP {local};branch={branch};rport")).ok()?;
    writer.header(HeaderName::MaxForwards, "70").ok()?;
    writer.header(HeaderName::From, &attempt.headers.from).ok()?;
    writer.header(HeaderName::To, &attempt.headers.to).ok()?;
    writer.header(HeaderName::CallId, &attempt.headers.call_id).ok()?;
    writer.header_display(HeaderName::CSeq, format_args!("{} NOTIFY", attempt.cseq)).ok()?;
    writer.header_display(HeaderName::Contact, format_args!("<sip:{local}>")).ok()?;
    writer.header(HeaderName::Event, attempt.event).ok()?;
    writer.header(HeaderName::SubscriptionState, "terminated").ok()?;
    if let Some((name, value)) = attempt.authorization {
        writer.header(name, value).ok()?;
    }
    writer.header(HeaderName::UserAgent, user_agent).ok()?;
    writer.finish(b"");
    Some(out)
}
