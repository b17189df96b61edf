//! The RFC 4475 torture messages against the public API, driven by one table.
//!
//! For each of the 49 messages (bit-exact, `src/sip/testdata/torture/`):
//! - the parser and every accessor finish in bounded time without a panic, on the
//!   message and on every prefix of it;
//! - a valid message parses and its fields read as the RFC describes them; an invalid
//!   one is refused by the parser, or accepted where that is harmless, and the table
//!   says which and why;
//! - the message goes into an [`Engine`] as a datagram from a fake phone; none of
//!   them carries a MAC, so none may draw a reply;
//! - then the same message made into a ua-profile SUBSCRIBE (start line replaced by
//!   `SUBSCRIBE sip:MAC%3A<mac>@224.0.1.75 <its version>`, `Event: ua-profile` added,
//!   each CSeq method made `SUBSCRIBE`; every other header and the body kept as they
//!   are) goes in with a URL assigned to its MAC. Every datagram the engine sends in
//!   answer must re-parse with [`gspnp::sip::parse`], go to the datagram's source and
//!   carry the right dialog headers; the table says whether it is answered.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gspnp::engine::{Assignment, Engine, EngineConfig, Event, NotifyOutcome, Transmit};
use gspnp::sip::{self, HeaderName, Message, ParseError, StartLine};
use gspnp::Mac;

/// One field of a parsed message and what it must read.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// The method token as sent.
    Method(&'static str),
    /// The Request-URI as sent.
    Uri(&'static str),
    /// The `?headers` part of a SIP Request-URI.
    UriHeaders(&'static str),
    /// The SIP-Version of the start line.
    Version(&'static str),
    /// The status code of a response.
    Status(u16),
    /// The (first) Call-ID; None when absent.
    CallId(Option<&'static str>),
    /// The Call-ID begins with this (for the very long ones).
    CallIdStarts(&'static str),
    /// The CSeq number and method; None when absent or refused.
    CSeq(Option<(u32, &'static str)>),
    /// How many Via values there are, each of which parses.
    Vias(usize),
    /// At least one Via value is refused.
    ViaRefused,
    /// The To URI as sent; None when To is absent or refused.
    ToUri(Option<&'static str>),
    /// The To tag.
    ToTag(Option<&'static str>),
    /// The From URI as sent; None when From is absent or refused.
    FromUri(Option<&'static str>),
    /// The From tag.
    FromTag(Option<&'static str>),
    /// The first Contact URI; None when absent or refused.
    Contact(Option<&'static str>),
    /// The body length.
    Body(usize),
}

/// What the parser must do with a message.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Syntactically valid: it must parse, with these fields.
    Valid(&'static [Field]),
    /// Refused as a whole, with this error.
    Rejected(ParseError),
    /// Invalid (or valid syntax that RFC 3261 semantics reject) but harmless to
    /// accept: it parses, and these fields show that the bad part is refused or
    /// never used.
    Tolerated(&'static [Field]),
}

/// What the engine does with the message made into a ua-profile SUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Served {
    /// Answered (200) and notified.
    Answered,
    /// Dropped without a word.
    Dropped,
    /// A response: there is no SUBSCRIBE to make of it.
    NotARequest,
}

struct Case {
    file: &'static str,
    bytes: &'static [u8],
    expect: Expect,
    served: Served,
    why: &'static str,
}

macro_rules! case {
    ($file:literal, $expect:expr, $served:expr, $why:literal) => {
        Case {
            file: $file,
            bytes: include_bytes!(concat!("../src/sip/testdata/torture/", $file, ".dat")),
            expect: $expect,
            served: $served,
            why: $why,
        }
    };
}

use Expect::{Rejected, Tolerated, Valid};
use Field::*;
use Served::{Answered, Dropped, NotARequest};

const INVITE: &str = "INVITE";
const OPTIONS: &str = "OPTIONS";
const REGISTER: &str = "REGISTER";

/// The table: every RFC 4475 message, what the parser does with it, what the engine
/// does with it as a ua-profile SUBSCRIBE, and why.
const CASES: &[Case] = &[
    // 3.1.1: valid messages; a parser must accept them.
    case!(
        "wsinv",
        Valid(&[
            Method(INVITE),
            Uri("sip:vivekg@chair-dnrc.example.com;unknownparam"),
            CallId(Some("wsinv.ndaksdj@192.0.2.1")),
            CSeq(Some((9, INVITE))),
            Vias(3),
            ToUri(Some("sip:vivekg@chair-dnrc.example.com")),
            ToTag(Some("1918181833n")),
            FromUri(Some("sip:jdrosen@example.com")),
            FromTag(Some("98asjd8")),
            Contact(Some("sip:jdrosen@example.com")),
            Body(150),
        ]),
        Answered,
        "folding and odd white space everywhere; the To already has a tag, so the answer keeps it"
    ),
    case!(
        "intmeth",
        Valid(&[
            Method("!interesting-Method0123456789_*+`.%indeed'~"),
            CallId(Some("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")),
            CSeq(Some((139122385, "!interesting-Method0123456789_*+`.%indeed'~"))),
            Vias(1),
            ToUri(Some("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com")),
            FromUri(Some("sip:mundane@example.com")),
            FromTag(Some("_token~1'+`*%!-.")),
            Body(0),
        ]),
        Dropped,
        "valid, but the To display name holds BEL, NUL and DEL: the engine never echoes a control character"
    ),
    case!(
        "esc01",
        Valid(&[
            Method(INVITE),
            Uri("sip:sips%3Auser%40example.com@example.net"),
            CallId(Some("esc01.239409asdfakjkn23onasd0-3234")),
            CSeq(Some((234234, INVITE))),
            Vias(1),
            ToUri(Some("sip:%75se%72@example.com")),
            ToTag(None),
            FromUri(Some("sip:I%20have%20spaces@example.net")),
            FromTag(Some("938")),
            Contact(Some("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31")),
            Body(150),
        ]),
        Answered,
        "escapes are kept as sent when echoed"
    ),
    case!(
        "escnull",
        Valid(&[
            Method(REGISTER),
            CallId(Some("escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd")),
            CSeq(Some((14398234, REGISTER))),
            Vias(1),
            ToUri(Some("sip:null-%00-null@example.com")),
            FromTag(Some("839923423")),
            Contact(Some("sip:%00@host5.example.com")),
            Body(0),
        ]),
        Answered,
        "%00 stays three characters on the wire; nothing cuts at a NUL"
    ),
    case!(
        "esc02",
        Valid(&[
            Method("RE%47IST%45R"),
            Uri("sip:registrar.example.com"),
            CallId(Some("esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf")),
            CSeq(Some((29344, "RE%47IST%45R"))),
            Vias(1),
            ToUri(Some("sip:resource@example.com")),
            FromTag(Some("f232jadfj23")),
            Contact(Some("sip:alias1@host1.example.com")),
        ]),
        Answered,
        "'%' in a method or header name is not an escape"
    ),
    case!(
        "lwsdisp",
        Valid(&[
            Method(OPTIONS),
            CallId(Some("lwsdisp.1234abcd@funky.example.com")),
            CSeq(Some((60, OPTIONS))),
            Vias(1),
            ToUri(Some("sip:user@example.com")),
            FromUri(Some("sip:caller@example.com")),
            FromTag(Some("323")),
        ]),
        Answered,
        "a token display name right before '<'"
    ),
    case!(
        "longreq",
        Valid(&[
            Method(INVITE),
            Uri("sip:user@example.com"),
            CallIdStarts("longreq.onereallyreally"),
            CSeq(Some((3882340, INVITE))),
            Vias(34),
            Contact(Some("sip:amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylongcallername@host5.example.net")),
        ]),
        Answered,
        "34 Vias and long values: all echoed, none cut"
    ),
    case!(
        "dblreq",
        Valid(&[
            Method(REGISTER),
            Uri("sip:example.com"),
            CallId(Some("dblreq.0ha0isndaksdj99sdfafnl3lk233412")),
            CSeq(Some((8, REGISTER))),
            Vias(1),
            ToUri(Some("sip:j.user@example.com")),
            FromTag(Some("43251j3j324")),
            Body(0),
        ]),
        Answered,
        "the INVITE after Content-Length: 0 is trailing octets, ignored"
    ),
    case!(
        "semiuri",
        Valid(&[
            Method(OPTIONS),
            Uri("sip:user;par=u%40example.net@example.com"),
            CallId(Some("semiuri.0ha0isndaksdj")),
            CSeq(Some((8, OPTIONS))),
            Vias(1),
            ToUri(Some("sip:j_user@example.com")),
            FromTag(Some("33242")),
        ]),
        Answered,
        "';' before '@' belongs to the user part"
    ),
    case!(
        "transports",
        Valid(&[
            Method(OPTIONS),
            CallId(Some("transports.kijh4akdnaqjkwendsasfdj")),
            CSeq(Some((60, OPTIONS))),
            Vias(5),
            FromTag(Some("323")),
        ]),
        Answered,
        "unknown transports are tokens; all five Vias are echoed"
    ),
    case!(
        "mpart01",
        Valid(&[
            Method("MESSAGE"),
            Uri("sip:kumiko@example.org"),
            CallId(Some("3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..")),
            CSeq(Some((1, "MESSAGE"))),
            Vias(1),
            ToUri(Some("sip:kumiko@example.org")),
            FromTag(Some("2fb0dcc9")),
            Body(553),
        ]),
        Answered,
        "binary body with bare CR, LF and NUL: framed by Content-Length, never echoed"
    ),
    case!(
        "unreason",
        Valid(&[Status(200), CallId(Some("unreason.1234ksdfak3j2erwedfsASdf")), CSeq(Some((35, INVITE))), Vias(1), ToTag(Some("2229")), FromTag(Some("11141343")), Body(154)]),
        NotARequest,
        "UTF-8 reason phrase"
    ),
    case!(
        "noreason",
        Valid(&[Status(100), CallId(Some("noreason.asndj203insdf99223ndf")), CSeq(Some((35, INVITE))), Vias(1), ToTag(Some("902jndnke3")), FromTag(Some("39ansfi3")), Body(0)]),
        NotARequest,
        "empty reason phrase"
    ),
    // 3.1.2: invalid messages.
    case!(
        "badinv01",
        Tolerated(&[Method(INVITE), CallId(Some("badinv01.0ha0isndaksdjasdf3234nas")), ViaRefused, Contact(None)]),
        Dropped,
        "header values are parsed when read: the empty Via and Contact parameters are refused there, so nothing is answered"
    ),
    case!("clerr", Rejected(ParseError::BodyTooShort), Dropped, "Content-Length 9999 cannot be framed in the datagram"),
    case!("ncl", Rejected(ParseError::BadContentLength), Dropped, "a negative Content-Length is not a number"),
    case!(
        "scalar02",
        Tolerated(&[Method(REGISTER), CSeq(None), CallId(Some("scalar02.23o0pd9vanlq3wnrlnewofjas9ui32"))]),
        Dropped,
        "the CSeq number overflows 32 bits and is refused; Max-Forwards and Expires are never read as numbers"
    ),
    case!(
        "scalarlg",
        Tolerated(&[Status(503), CSeq(None), Vias(1)]),
        NotARequest,
        "a response matches none of our NOTIFYs and is dropped; its CSeq overflows and is refused"
    ),
    case!(
        "quotbal",
        Tolerated(&[Method(INVITE), ToUri(None), FromUri(Some("sip:caller@example.net")), FromTag(Some("93334"))]),
        Dropped,
        "the unterminated quoted To is refused when read, so no answer can be built"
    ),
    case!("ltgtruri", Rejected(ParseError::BadStartLine), Answered, "'<' is not allowed in a Request-URI"),
    case!("lwsruri", Rejected(ParseError::BadStartLine), Answered, "white space inside the Request-URI"),
    case!("lwsstart", Rejected(ParseError::BadStartLine), Answered, "two spaces between start line elements"),
    case!("trws", Rejected(ParseError::BadStartLine), Answered, "spaces after the version"),
    case!(
        "escruri",
        Tolerated(&[Method(INVITE), Uri("sip:user@example.com?Route=%3Csip:example.com%3E"), UriHeaders("Route=%3Csip:example.com%3E")]),
        Answered,
        "headers in a Request-URI are never acted on: replies go to the datagram source only"
    ),
    case!(
        "baddate",
        Tolerated(&[Method(INVITE), CallId(Some("baddate.239423mnsadf3j23lj42--sedfnm234")), Vias(1)]),
        Answered,
        "gspnp never reads Date"
    ),
    case!(
        "regbadct",
        Tolerated(&[Method(REGISTER), Contact(None), Vias(1)]),
        Answered,
        "the unbracketed Contact with '?' is refused; Contact is only reported, never used to reply"
    ),
    case!(
        "badaspec",
        Tolerated(&[Method(OPTIONS), ToUri(None), FromUri(Some("sip:a.g.bell@example.com")), FromTag(Some("433423"))]),
        Dropped,
        "LWS inside <> in To is refused when read, so no answer can be built"
    ),
    case!(
        "baddn",
        Tolerated(&[Method(OPTIONS), FromUri(None), ToUri(None), CallId(Some("baddn.31415@c.example.com"))]),
        Dropped,
        "unquoted display names with ',' are refused when read; (the file has no final empty line, which is tolerated)"
    ),
    case!(
        "badvers",
        Tolerated(&[Method(OPTIONS), Version("SIP/7.0"), Vias(1)]),
        Dropped,
        "the parser keeps the version for the application; the engine answers SIP/2.0 requests only (RFC 3261 would say 505; a PnP server stays silent)"
    ),
    case!(
        "mismatch01",
        Tolerated(&[Method(OPTIONS), CSeq(Some((8, INVITE)))]),
        Answered,
        "the decoder wants the CSeq method SUBSCRIBE; as sent (OPTIONS) it is dropped anyway"
    ),
    case!(
        "mismatch02",
        Tolerated(&[Method("NEWMETHOD"), CSeq(Some((8, INVITE))), Body(138)]),
        Answered,
        "as mismatch01"
    ),
    case!("bigcode", Rejected(ParseError::BadStartLine), NotARequest, "a status code of more than three digits"),
    // 3.2 to 3.4: valid syntax; the transaction or application layer decides.
    case!(
        "badbranch",
        Valid(&[Method(OPTIONS), Vias(1), CallId(Some("badbranch.sadonfo23i420jv0as0derf3j3n")), CSeq(Some((8, OPTIONS)))]),
        Answered,
        "a bare magic cookie as branch still identifies the transaction with its sent-by"
    ),
    case!(
        "insuf",
        Tolerated(&[Method(INVITE), CallId(None), ToUri(None), FromUri(None), CSeq(Some((193942, INVITE))), Vias(1)]),
        Dropped,
        "To, From and Call-ID are missing: the decoder refuses it"
    ),
    case!(
        "unkscm",
        Valid(&[Method(OPTIONS), Uri("nobodyKnowsThisScheme:totallyopaquecontent"), Vias(1)]),
        Answered,
        "any scheme is kept raw"
    ),
    case!("novelsc", Valid(&[Method(OPTIONS), Uri("soap.beep://192.0.2.103:3002"), Vias(1)]), Answered, "as unkscm"),
    case!(
        "unksm2",
        Valid(&[Method(REGISTER), ToUri(Some("isbn:2983792873")), FromUri(Some("http://www.example.com")), FromTag(Some("3234233")), Contact(Some("name:John_Smith"))]),
        Answered,
        "other schemes in To and From are echoed as sent"
    ),
    case!(
        "bext01",
        Valid(&[Method(OPTIONS), Vias(1), CallId(Some("bext01.0ha0isndaksdj"))]),
        Answered,
        "Require is not read: a ua-profile SUBSCRIBE needs no extension"
    ),
    case!("invut", Valid(&[Method(INVITE), Vias(1), Body(40)]), Answered, "the body of a SUBSCRIBE is never read"),
    case!("regaut01", Valid(&[Method(REGISTER), Vias(1)]), Answered, "Authorization is not read"),
    case!(
        "multi01",
        Tolerated(&[Method(INVITE), CallId(Some("multi01.98asdh@192.0.2.1")), CSeq(Some((5, INVITE))), ToUri(Some("sip:user@example.com")), FromTag(Some("3413415"))]),
        Answered,
        "the first of each repeated header is used, consistently in the answer and the NOTIFY, which go only to the source"
    ),
    case!("mcl01", Rejected(ParseError::ConflictingContentLength), Dropped, "two different Content-Lengths cannot frame a body"),
    case!("bcast", Valid(&[Status(200), Vias(2)]), NotARequest, "responses are never forwarded, so the broadcast Via is inert"),
    case!("zeromf", Valid(&[Method(OPTIONS), Vias(1)]), Answered, "we are the UAS: Max-Forwards 0 is fine"),
    case!(
        "cparam01",
        Valid(&[Method(REGISTER), Contact(Some("sip:+19725552222@gw1.example.net"))]),
        Answered,
        "the unbracketed Contact's parameter belongs to the header"
    ),
    case!(
        "cparam02",
        Valid(&[Method(REGISTER), Contact(Some("sip:+19725552222@gw1.example.net;unknownparam"))]),
        Answered,
        "the bracketed Contact's parameter belongs to the URI"
    ),
    case!(
        "regescrt",
        Valid(&[Method(REGISTER), Contact(Some("sip:user@example.com?Route=%3Csip:sip.example.com%3E"))]),
        Answered,
        "the escaped header in the Contact URI is kept, never acted on"
    ),
    case!("sdp01", Valid(&[Method(INVITE), Vias(1), Body(150)]), Answered, "Accept is not read"),
    case!(
        "inv2543",
        Valid(&[Method(INVITE), Vias(1), FromTag(None), CallId(Some("inv2543.1717@ift.client.example.com"))]),
        Answered,
        "RFC 2543 style: no branch and no From tag; the transaction is keyed by Call-ID and CSeq"
    ),
];

// -------------------------------------------------------------------------------
// The parser.

fn method_text(message: &Message<'_>) -> Option<String> {
    message.method().map(|method| method.as_str().to_string())
}

/// Checks one field; returns a description of the mismatch.
fn check_field(message: &Message<'_>, field: Field) -> Result<(), String> {
    let ok = match field {
        Method(expected) => method_text(message).as_deref() == Some(expected),
        Uri(expected) => matches!(message.start, StartLine::Request { uri, .. } if uri == expected),
        UriHeaders(expected) => {
            message.request_uri().and_then(|uri| uri.as_sip().and_then(|sip| sip.headers)) == Some(expected)
        }
        Version(expected) => matches!(message.start, StartLine::Request { version, .. } if version == expected),
        Status(expected) => message.status_code() == Some(expected),
        CallId(expected) => message.call_id().as_deref() == expected,
        CallIdStarts(prefix) => message.call_id().is_some_and(|id| id.starts_with(prefix)),
        CSeq(expected) => message.cseq().map(|cseq| (cseq.number, cseq.method.as_str())) == expected,
        Vias(count) => {
            let vias: Vec<_> = message.vias().collect();
            vias.len() == count && vias.iter().all(Result::is_ok)
        }
        ViaRefused => message.vias().any(|via| via.is_err()),
        ToUri(expected) => message.to().map(|to| to.uri_raw()) == expected,
        ToTag(expected) => message.to().and_then(|to| to.tag().map(|t| t.into_owned())).as_deref() == expected,
        FromUri(expected) => message.from().map(|from| from.uri_raw()) == expected,
        FromTag(expected) => message.from().and_then(|from| from.tag().map(|t| t.into_owned())).as_deref() == expected,
        Contact(expected) => message.contact().map(|contact| contact.uri_raw()) == expected,
        Body(length) => message.body.len() == length,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{field:?} does not hold"))
    }
}

/// Every accessor of a parsed message, so that none of them may panic or loop.
fn read_everything(message: &Message<'_>) {
    let source = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 99), 5060);
    let _ = (message.method(), message.status_code(), message.request_uri(), message.content_length());
    for field in message.header_fields() {
        let _ = message.headers(field.name).count();
    }
    for via in message.vias().flatten() {
        let _ = (via.branch(), via.rport(), via.received(), via.for_response(source).to_string());
    }
    let _ = (message.call_id(), message.cseq(), message.from(), message.to(), message.contact(), message.event());
    let _ = gspnp::device::decode_subscribe(message, source);
}

/// Parses and reads everything in `datagram` and in each of its prefixes; the time taken.
fn parse_all_prefixes(datagram: &[u8]) -> Duration {
    let started = Instant::now();
    for end in 0..=datagram.len() {
        if let Ok(message) = sip::parse(&datagram[..end]) {
            read_everything(&message);
        }
    }
    started.elapsed()
}

#[test]
fn the_table_covers_the_49_messages_once_each() {
    assert_eq!(CASES.len(), 49);
    let mut names: Vec<_> = CASES.iter().map(|case| case.file).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 49);
    let listed = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/sip/testdata/torture")).unwrap();
    let mut on_disk: Vec<String> = listed
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".dat").map(str::to_string))
        .collect();
    on_disk.sort_unstable();
    assert_eq!(on_disk, names);
}

#[test]
fn no_message_or_prefix_makes_the_parser_panic_or_hang() {
    // On a thread, so that a hang fails the test instead of stalling it.
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let slowest = CASES.iter().map(|case| (parse_all_prefixes(case.bytes), case.file)).max();
        done.send(slowest).unwrap();
    });
    let (slowest, file) = finished
        .recv_timeout(Duration::from_secs(120))
        .expect("parsing every prefix of the 49 messages finished within two minutes")
        .unwrap();
    // Each message has up to 3.5 kB, so this is thousands of parses, in a debug build.
    assert!(slowest < Duration::from_secs(20), "{file}: {slowest:?}");
}

#[test]
fn every_message_is_parsed_or_refused_as_the_table_says() {
    let mut failures = Vec::new();
    for case in CASES {
        match (case.expect, sip::parse(case.bytes)) {
            (Valid(fields) | Tolerated(fields), Ok(message)) => {
                read_everything(&message);
                for field in fields {
                    if let Err(why) = check_field(&message, *field) {
                        failures.push(format!("{}: {why} ({})", case.file, case.why));
                    }
                }
            }
            (Rejected(expected), Err(error)) if error == expected => {}
            (expect, outcome) => {
                failures.push(format!("{}: expected {expect:?}, got {:?} ({})", case.file, outcome.err(), case.why))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// -------------------------------------------------------------------------------
// The engine.

const URL: &str = "http://192.0.2.10/gspnp/torture/";
const LOCAL: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), 5060);

fn phone(index: usize) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 1 + index as u8), 5080 + index as u16)
}

fn mac_for(index: usize) -> String {
    format!("000B82{index:06X}")
}

/// The end of the start line (its line end included) and the line end used.
fn first_line(datagram: &[u8]) -> Option<(usize, &'static [u8])> {
    let newline = datagram.iter().position(|&byte| byte == b'\n')?;
    let eol: &[u8] = if newline > 0 && datagram[newline - 1] == b'\r' { b"\r\n" } else { b"\n" };
    Some((newline + 1, eol))
}

/// The message made into a ua-profile SUBSCRIBE for `mac` (see the module comment);
/// None for a response.
fn as_ua_profile_subscribe(datagram: &[u8], mac: &str) -> Option<Vec<u8>> {
    if datagram.starts_with(b"SIP/") {
        return None;
    }
    let (start_end, eol) = first_line(datagram)?;
    let start = String::from_utf8_lossy(&datagram[..start_end]);
    let version = start.split_whitespace().last().filter(|v| v.starts_with("SIP/")).unwrap_or("SIP/2.0");
    let mut out = format!("SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 {version}").into_bytes();
    out.extend_from_slice(eol);
    out.extend_from_slice(b"Event: ua-profile");
    out.extend_from_slice(eol);
    let rest = &datagram[start_end..];
    let header_end = find(rest, b"\r\n\r\n").or_else(|| find(rest, b"\n\n")).unwrap_or(rest.len());
    let (headers, body) = rest.split_at(header_end);
    out.extend_from_slice(&cseq_methods_to_subscribe(headers));
    out.extend_from_slice(body);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The header section with the last token of each CSeq field (which may sit on a
/// continuation line) replaced by SUBSCRIBE.
fn cseq_methods_to_subscribe(headers: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = headers.split_inclusive(|&byte| byte == b'\n').collect();
    let mut out = Vec::with_capacity(headers.len() + 16);
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let name = line.split(|&byte| byte == b':').next().unwrap_or_default();
        let is_cseq = line.contains(&b':') && String::from_utf8_lossy(name).trim().eq_ignore_ascii_case("cseq");
        let mut end = index + 1;
        while is_cseq && end < lines.len() && matches!(lines[end].first(), Some(b' ' | b'\t')) {
            end += 1;
        }
        if !is_cseq {
            out.extend_from_slice(line);
            index += 1;
            continue;
        }
        // The method is the last token of the field's last line.
        out.extend(lines[index..end - 1].concat());
        let last = lines[end - 1];
        let text_end = last.iter().rposition(|byte| !byte.is_ascii_whitespace()).map_or(0, |i| i + 1);
        let token_start = last[..text_end].iter().rposition(|&byte| byte == b' ' || byte == b'\t' || byte == b':');
        let token_start = token_start.map_or(0, |i| i + 1);
        out.extend_from_slice(&last[..token_start]);
        out.extend_from_slice(b"SUBSCRIBE");
        out.extend_from_slice(&last[text_end..]);
        index = end;
    }
    out
}

/// What an answer and a NOTIFY must repeat from the SUBSCRIBE.
struct Dialog {
    call_id: String,
    cseq: String,
    from: String,
    via_count: usize,
    to_tag: Option<String>,
}

impl Dialog {
    fn of(subscribe: &Message<'_>) -> Dialog {
        Dialog {
            call_id: subscribe.call_id().unwrap().into_owned(),
            cseq: subscribe.header(HeaderName::CSeq).unwrap().into_owned(),
            from: subscribe.from().unwrap().raw.to_string(),
            via_count: subscribe.vias().count(),
            to_tag: subscribe.to().and_then(|to| to.tag()).map(|tag| tag.into_owned()),
        }
    }
}

/// Checks every datagram sent for one SUBSCRIBE: an answer, then a NOTIFY.
fn check_replies(file: &str, source: SocketAddrV4, dialog: &Dialog, sent: &[Transmit]) -> Result<(), String> {
    let [answer, notify] = sent else { return Err(format!("{file}: sent {} datagrams, not 2", sent.len())) };
    for transmit in sent {
        if transmit.destination != source {
            return Err(format!("{file}: sent to {} instead of the source {source}", transmit.destination));
        }
    }
    let text = |t: &Transmit| String::from_utf8_lossy(&t.payload).into_owned();
    let answer_message = sip::parse(&answer.payload).map_err(|e| format!("{file}: answer: {e}\n{}", text(answer)))?;
    let notify_message = sip::parse(&notify.payload).map_err(|e| format!("{file}: NOTIFY: {e}\n{}", text(notify)))?;
    let failed = |what: &str| format!("{file}: {what}\n{}\n{}", text(answer), text(notify));

    // The answer.
    if answer_message.status_code() != Some(200) {
        return Err(failed("the answer is not a 200"));
    }
    if answer_message.call_id().as_deref() != Some(dialog.call_id.as_str())
        || answer_message.header(HeaderName::CSeq).as_deref() != Some(dialog.cseq.as_str())
        || answer_message.from().map(|from| from.raw) != Some(dialog.from.as_str())
    {
        return Err(failed("the answer does not copy Call-ID, CSeq and From"));
    }
    let vias: Vec<_> = answer_message.vias().collect::<Result<_, _>>().map_err(|_| failed("a Via does not parse"))?;
    let top = vias.first().ok_or_else(|| failed("no Via"))?;
    let received = source.ip().to_string();
    if vias.len() != dialog.via_count || top.received().as_deref() != Some(received.as_str()) {
        return Err(failed("the answer's Vias are not the SUBSCRIBE's with received="));
    }
    let our_tag = answer_message.to().and_then(|to| to.tag()).ok_or_else(|| failed("no To tag in the answer"))?;
    if dialog.to_tag.as_deref().is_some_and(|theirs| theirs != our_tag) {
        return Err(failed("the answer changed the To tag the SUBSCRIBE had"));
    }
    if answer_message.content_length() != Some(0) || !answer_message.body.is_empty() {
        return Err(failed("the answer has a body"));
    }

    // The NOTIFY.
    if notify_message.method() != Some(sip::Method::Notify)
        || notify_message.request_uri().map(|uri| uri.raw().to_string()) != Some(format!("sip:{source}"))
    {
        return Err(failed("not a NOTIFY to the source"));
    }
    if notify_message.call_id().as_deref() != Some(dialog.call_id.as_str())
        || notify_message.from().and_then(|from| from.tag()) != Some(our_tag.clone())
        || notify_message.to().map(|to| to.raw) != Some(dialog.from.as_str())
    {
        return Err(failed("the NOTIFY is not in the SUBSCRIBE's dialog"));
    }
    let cseq = notify_message.cseq().ok_or_else(|| failed("no CSeq in the NOTIFY"))?;
    let event = notify_message.event().ok_or_else(|| failed("no Event in the NOTIFY"))?;
    if (cseq.number, cseq.method) != (1, sip::Method::Notify)
        || !event.is_package("ua-profile")
        || notify_message.header(HeaderName::ContentType).as_deref() != Some("application/url")
        || notify_message.content_length() != Some(URL.len())
        || notify_message.body != URL.as_bytes()
    {
        return Err(failed("the NOTIFY does not carry the URL as application/url"));
    }
    let branch = notify_message.vias().next().and_then(Result::ok).and_then(|via| via.branch());
    if !branch.is_some_and(|branch| branch.starts_with("z9hG4bK") && branch.len() > 7) {
        return Err(failed("the NOTIFY has no RFC 3261 branch of its own"));
    }
    Ok(())
}

/// What the phone answers to a NOTIFY: 200 with its Via, From, To, Call-ID and CSeq.
fn phone_200(notify: &[u8]) -> Vec<u8> {
    let message = sip::parse(notify).unwrap();
    let mut answer = String::from("SIP/2.0 200 OK\r\n");
    for name in [HeaderName::Via, HeaderName::From, HeaderName::To, HeaderName::CallId, HeaderName::CSeq] {
        answer += &format!("{name}: {}\r\n", message.header(name).unwrap());
    }
    answer += "Content-Length: 0\r\n\r\n";
    answer.into_bytes()
}

fn drain(engine: &mut Engine) -> Vec<Transmit> {
    std::iter::from_fn(|| engine.poll_transmit()).collect()
}

#[test]
fn no_torture_message_draws_a_reply_from_the_engine() {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let now = Instant::now();
    for (index, case) in CASES.iter().enumerate() {
        // A URL for every MAC the message could carry: none of them carries one.
        if let Ok(info) = gspnp::device::decode_datagram(case.bytes, phone(index)) {
            engine.assign(now, info.mac, Assignment::Url(URL.into())).unwrap();
        }
        engine.handle_datagram(now, phone(index), LOCAL, case.bytes);
        assert!(drain(&mut engine).is_empty(), "{} drew a reply", case.file);
    }
    engine.handle_timeout(now + Duration::from_secs(60));
    assert!(drain(&mut engine).is_empty());
    let stats = engine.stats();
    assert_eq!(stats.datagrams, 49);
    let dropped = stats.malformed + stats.unexpected_method + stats.stray_responses;
    assert_eq!(dropped, 49, "{stats:?}");
}

#[test]
fn as_ua_profile_subscribes_they_are_answered_correctly_or_dropped_as_the_table_says() {
    let t0 = Instant::now();
    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        // One engine per message: several messages of the corpus share a Via branch and
        // sent-by, which one engine would take for retransmissions (tests/faults.rs
        // covers that on its own).
        let mut engine = Engine::new(EngineConfig::default()).unwrap();
        let mac_text = mac_for(index);
        let Some(subscribe) = as_ua_profile_subscribe(case.bytes, &mac_text) else {
            if case.served != NotARequest {
                failures.push(format!("{}: a response, but the table says {:?}", case.file, case.served));
            }
            continue;
        };
        let mac: Mac = mac_text.parse().unwrap();
        engine.assign(t0, mac, Assignment::Url(URL.into())).unwrap();
        let source = phone(index);
        engine.handle_datagram(t0, source, LOCAL, &subscribe);
        let sent = drain(&mut engine);
        let served = if sent.is_empty() { Dropped } else { Answered };
        if served != case.served {
            failures.push(format!("{}: {served:?}, the table says {:?} ({})", case.file, case.served, case.why));
            continue;
        }
        if served == Dropped {
            continue;
        }
        let parsed = sip::parse(&subscribe).unwrap();
        let dialog = Dialog::of(&parsed);
        if let Err(why) = check_replies(case.file, source, &dialog, &sent) {
            failures.push(why);
            continue;
        }
        // A retransmission gets the identical answer and no second NOTIFY.
        engine.handle_datagram(t0 + Duration::from_millis(100), source, LOCAL, &subscribe);
        let again = drain(&mut engine);
        if again.len() != 1 || again[0].payload != sent[0].payload {
            failures.push(format!("{}: the retransmission drew {} datagrams", case.file, again.len()));
        }
        // The phone's 200 ends the NOTIFY transaction.
        engine.handle_datagram(t0 + Duration::from_millis(200), source, LOCAL, &phone_200(&sent[1].payload));
        let acknowledged = std::iter::from_fn(|| engine.poll_event()).any(|event| {
            matches!(event, Event::NotifyResult(result) if result.mac == mac && result.outcome == NotifyOutcome::Acknowledged(200))
        });
        if !acknowledged {
            failures.push(format!("{}: the phone's 200 did not acknowledge the NOTIFY", case.file));
        }
        // Nothing is left to retransmit.
        engine.handle_timeout(t0 + Duration::from_secs(120));
        if !drain(&mut engine).is_empty() {
            failures.push(format!("{}: a retransmission after the 200", case.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
