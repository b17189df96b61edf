//! The parser against real messages (the reference captures), the RFC 4475
//! torture corpus, and hostile input: truncations at every offset, random
//! bytes, mutations. Every message that parses is also walked through every
//! accessor, which must not panic either.

use std::borrow::Cow;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::testdata::{capture, capture_lf, torture, CAPTURES, TORTURE};
use super::{parse, HeaderName, Host, Message, Method, NameAddr, ParseError, StartLine, Uri};

/// Calls every accessor of `message` and of what they return.
fn exercise(message: &Message<'_>) {
    let source = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 5060);
    let _ = (message.is_request(), message.method(), message.status_code(), message.content_length());
    if let Some(uri) = message.request_uri() {
        let _ = (uri.raw(), uri.user_unescaped());
    }
    for field in message.header_fields() {
        let _ = (message.header(field.name), message.headers(field.name).count());
    }
    let _ = (message.call_id(), message.cseq());
    for via in message.vias().flatten() {
        let _ = (via.branch(), via.rport(), via.received(), via.for_response(source).to_string());
    }
    let contacts = message.headers(HeaderName::Contact).collect::<Vec<_>>();
    let name_addrs = contacts.iter().filter_map(|contact| NameAddr::parse(contact).ok());
    for name_addr in name_addrs.chain(message.from()).chain(message.to()) {
        let _ = (name_addr.display_name_unquoted(), name_addr.tag(), name_addr.uri.user_unescaped());
        let _ =
            name_addr.params.iter().chain(name_addr.uri.as_sip().into_iter().flat_map(|uri| uri.params.iter())).count();
    }
    if let Some(event) = message.event() {
        let _ = (event.param("vendor"), event.params.iter().count());
    }
}

/// Parses and, when that succeeds, exercises; returns whether it parsed.
fn parse_and_exercise(datagram: &[u8]) -> bool {
    match parse(datagram) {
        Ok(message) => {
            exercise(&message);
            true
        }
        Err(_) => false,
    }
}

fn uri_user(uri: Option<Uri<'_>>) -> Option<String> {
    uri.and_then(|uri| uri.user_unescaped().map(Cow::into_owned))
}

#[test]
fn the_grandstream_grp2612w_subscribe_has_the_exact_fields() {
    let datagram = capture("grandstream-grp2612w-subscribe");
    let message = parse(&datagram).unwrap();
    assert_eq!(
        message.start,
        StartLine::Request { method: Method::Subscribe, uri: "sip:MAC%3AC074AD112233@224.0.1.75", version: "SIP/2.0" }
    );
    let request_uri = message.request_uri().unwrap();
    let sip_uri = request_uri.as_sip().unwrap();
    assert_eq!((sip_uri.user, sip_uri.host), (Some("MAC%3AC074AD112233"), Host::Ipv4(Ipv4Addr::new(224, 0, 1, 75))));
    let vias: Vec<_> = message.vias().collect::<Result<_, _>>().unwrap();
    assert_eq!(vias.len(), 1);
    assert_eq!((vias[0].transport, vias[0].sent_by, vias[0].rport()), ("UDP", "192.168.1.2:5080", Some(None)));
    assert_eq!(vias[0].branch().as_deref(), Some("z9hG4bK1611133778"));
    let from = message.from().unwrap();
    assert_eq!((from.uri_raw(), from.tag().as_deref()), ("sip:MAC%3AC074AD112233@224.0.1.75", Some("395400190")));
    let to = message.to().unwrap();
    assert_eq!((to.raw, to.tag()), ("<sip:MAC%3AC074AD112233@224.0.1.75>", None));
    assert_eq!(message.call_id().as_deref(), Some("490431573-5080-1@BJC.BGI.IG.DA"));
    let cseq = message.cseq().unwrap();
    assert_eq!((cseq.number, cseq.method), (20000, Method::Subscribe));
    assert_eq!(message.contact().map(|contact| contact.uri_raw()), Some("sip:192.168.1.2:5080"));
    assert_eq!(message.header(HeaderName::MaxForwards).as_deref(), Some("70"));
    assert_eq!(message.header(HeaderName::UserAgent).as_deref(), Some("Grandstream GRP2612W 1.0.5.67"));
    assert_eq!(message.header(HeaderName::Expires).as_deref(), Some("0"));
    assert_eq!(message.headers(HeaderName::Supported).collect::<Vec<_>>(), ["replaces", "path"]);
    assert_eq!(message.header(HeaderName::Accept).as_deref(), Some("application/url"));
    assert_eq!(message.headers(HeaderName::Allow).count(), 11);
    let event = message.event().unwrap();
    assert_eq!(event.package, "ua-profile");
    assert_eq!(
        ["profile-type", "vendor", "model", "version"].map(|name| event.param(name).map(Cow::into_owned)),
        ["device", "Grandstream", "GRP2612W", "1.0.5.67"].map(|value| Some(value.to_owned()))
    );
    assert_eq!((message.content_length(), message.body), (Some(0), &b""[..]));
    assert_eq!(message.header_fields().len(), 14);
}

#[test]
fn the_snom_subscribe_has_an_escaped_lower_case_mac_a_domain_and_no_branch() {
    let datagram = capture("snom-oem-subscribe");
    let message = parse(&datagram).unwrap();
    let request_uri = message.request_uri().unwrap();
    assert_eq!(request_uri.as_sip().map(|uri| uri.host), Some(Host::Name("intern.snom.de")));
    assert_eq!(uri_user(Some(request_uri)).as_deref(), Some("MAC:00135E874B49"));
    let via = message.vias().next().unwrap().unwrap();
    assert_eq!((via.branch(), via.rport(), via.port), (None, Some(None), Some(5060)));
    assert_eq!(message.cseq().map(|cseq| cseq.number), Some(1));
    assert_eq!(message.event().and_then(|event| event.param("vendor")).as_deref(), Some("OEM"));
    assert_eq!(message.header(HeaderName::UserAgent), None);
}

#[test]
fn the_yealink_subscribe_has_a_bare_mac_and_port_5059() {
    let datagram = capture("yealink-w52p-subscribe");
    let message = parse(&datagram).unwrap();
    assert_eq!(message.request_uri().and_then(|uri| uri.user()), Some("MAC001565f4f9e1"));
    assert_eq!(message.vias().next().unwrap().unwrap().port, Some(5059));
    assert_eq!(message.contact().map(|contact| contact.uri_raw()), Some("sip:MAC001565f4f9e1@10.1.3.239:5059"));
    assert_eq!(message.header(HeaderName::UserAgent).as_deref(), Some("Yealink W52P 25.81.0.10"));
    assert_eq!(message.event().and_then(|event| event.param("vendor")).as_deref(), Some("yealink"));
}

#[test]
fn the_notify_captures_carry_their_url_bodies() {
    for (name, body, cseq) in [
        ("audiocodes-440hd-provserver-notify", &b"tftp://10.13.4.121"[..], 1),
        ("gs-tools-gspnp-responder-notify", b"http://192.168.1.10/gs/\r\n", 1),
        ("snompnpd-notify", b"http://172.16.18.5", 3),
    ] {
        let datagram = capture(name);
        let message = parse(&datagram).unwrap();
        assert_eq!(message.method(), Some(Method::Notify), "{name}");
        assert_eq!(message.body, body, "{name}");
        assert_eq!(message.content_length(), Some(body.len()), "{name}");
        assert_eq!(message.cseq().map(|c| (c.number, c.method)), Some((cseq, Method::Notify)), "{name}");
        assert_eq!(message.header(HeaderName::ContentType).as_deref(), Some("application/url"), "{name}");
    }
    let audiocodes = capture("audiocodes-440hd-provserver-notify");
    let message = parse(&audiocodes).unwrap();
    assert_eq!(message.header(HeaderName::SubscriptionState).as_deref(), Some("terminated;reason=timeout"));
    assert_eq!(message.event().and_then(|event| event.param("profile-type")).as_deref(), Some("application"));
}

#[test]
fn the_200_ok_captures_parse_and_a_hostless_uri_is_refused() {
    let gs_tools = capture("gs-tools-gspnp-responder-200ok");
    let message = parse(&gs_tools).unwrap();
    assert_eq!(message.start, StartLine::Response { version: "SIP/2.0", code: 200, reason: "OK" });
    assert_eq!(message.content_length(), None);
    assert_eq!(message.from().and_then(|from| from.tag()).as_deref(), Some("395400190"));
    let snompnpd = capture("snompnpd-200ok");
    let message = parse(&snompnpd).unwrap();
    assert_eq!(message.header(HeaderName::From).as_deref(), Some("<sip:MAC%3a00135E874B49>;tag=658512961"));
    // `sip:MAC%3a00135E874B49` has no host: the '%' cannot be part of one.
    assert_eq!(message.from(), None);
    let contact = message.contact().unwrap();
    let uri = contact.uri.as_sip().unwrap();
    assert_eq!((uri.port, uri.params.value("handler").as_deref()), (Some(53465), Some("dum")));
}

#[test]
fn every_capture_parses_with_crlf_and_with_bare_lf_alike() {
    for (name, _) in CAPTURES {
        let crlf = capture(name);
        let lf = capture_lf(name);
        let from_crlf = parse(&crlf).unwrap_or_else(|error| panic!("{name}: {error}"));
        exercise(&from_crlf);
        match parse(&lf) {
            Ok(from_lf) => {
                assert_eq!(from_lf.start, from_crlf.start, "{name}");
                assert_eq!(from_lf.header_fields(), from_crlf.header_fields(), "{name}");
            }
            // Its Content-Length counts a CRLF after the URL, one byte more than LF.
            Err(error) => assert_eq!((*name, error), ("gs-tools-gspnp-responder-notify", ParseError::BodyTooShort)),
        }
    }
}

#[test]
fn captures_without_their_final_empty_line_still_parse() {
    let datagram = capture("grandstream-grp2612w-subscribe");
    let without = datagram.strip_suffix(b"\r\n").unwrap();
    assert_eq!(parse(without).unwrap(), parse(&datagram).unwrap());
}

#[test]
fn truncating_any_message_at_any_offset_never_panics() {
    let captures = CAPTURES.iter().map(|(name, _)| capture(name));
    let tortures = TORTURE.iter().map(|(_, bytes)| bytes.to_vec());
    for datagram in captures.chain(tortures) {
        for end in 0..=datagram.len() {
            parse_and_exercise(&datagram[..end]);
            parse_and_exercise(&datagram[end..]);
        }
    }
}

/// xorshift64*: a small deterministic generator, so failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn sixty_four_kib_of_garbage_is_refused_without_panicking() {
    let mut random = Random(0x5eed_1234_abcd_0001);
    for datagram in [random.bytes(65_535), vec![0; 65_535], vec![0xff; 65_535], vec![b'\n'; 65_535], vec![b' '; 65_535]]
    {
        assert!(!parse_and_exercise(&datagram));
    }
    assert_eq!(parse(&random.bytes(65_536)), Err(ParseError::DatagramTooLarge));
}

#[test]
fn pathological_but_valid_headers_stay_cheap() {
    let noise = ["<<<<", "\"\\\"", ",,,,", ";;;;", "%%%%", "@@@@", "::::", "=\"=\""];
    let mut datagram = b"SUBSCRIBE sip:a@b SIP/2.0\r\n".to_vec();
    for index in 0..120 {
        let name = ["Via", "Contact", "From", "To", "Event", "CSeq", "X-Noise", "Allow"][index % 8];
        let value = noise[index % noise.len()].repeat(120);
        datagram.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    datagram.extend_from_slice(b"Via: ");
    datagram.extend_from_slice(",".repeat(8_000).as_bytes());
    datagram.extend_from_slice(b"\r\n\r\n");
    assert!(datagram.len() < 65_535);
    assert!(parse_and_exercise(&datagram));
}

/// The captures and torture messages, then `rounds` random mutations of them
/// (bytes replaced, inserted or removed), reproducibly.
pub(super) fn corpus_and_mutations(rounds: usize) -> Vec<Vec<u8>> {
    let mut random = Random(0x0dd_ba11_cafe_f00d);
    let seeds: Vec<Vec<u8>> =
        CAPTURES.iter().map(|(name, _)| capture(name)).chain(TORTURE.iter().map(|(_, bytes)| bytes.to_vec())).collect();
    let interesting = b"\r\n \t:;,=\"<>\\%@/[]0";
    let mut all = seeds.clone();
    for round in 0..rounds {
        let mut datagram = seeds[round % seeds.len()].clone();
        for _ in 0..1 + random.next() % 8 {
            let position = (random.next() as usize) % datagram.len().max(1);
            let byte = interesting[(random.next() as usize) % interesting.len()];
            match random.next() % 3 {
                0 if position < datagram.len() => datagram[position] = byte,
                1 => datagram.insert(position.min(datagram.len()), byte),
                _ if position < datagram.len() => {
                    datagram.remove(position);
                }
                _ => {}
            }
        }
        all.push(datagram);
    }
    all
}

#[test]
fn random_mutations_of_real_messages_never_panic() {
    for datagram in corpus_and_mutations(3_000) {
        parse_and_exercise(&datagram);
    }
}

#[test]
fn every_torture_message_is_handled_without_panic() {
    assert_eq!(TORTURE.len(), 49);
    for (name, bytes) in TORTURE {
        if let Err(error) = parse(bytes) {
            assert!(!error.to_string().is_empty(), "{name}");
        }
        parse_and_exercise(bytes);
    }
}

#[test]
fn the_valid_torture_messages_and_those_the_application_judges_parse() {
    let valid = "wsinv intmeth esc01 escnull esc02 lwsdisp longreq dblreq semiuri transports mpart01 unreason noreason";
    let application_decides = "badbranch insuf unkscm novelsc unksm2 bext01 invut regaut01 multi01 bcast zeromf \
        cparam01 cparam02 regescrt sdp01 inv2543";
    for name in valid.split_whitespace().chain(application_decides.split_whitespace()) {
        assert!(parse(torture(name)).is_ok(), "{name}: {:?}", parse(torture(name)).err());
    }
}

#[test]
fn wsinv_folding_odd_white_space_and_compact_names() {
    let message = parse(torture("wsinv")).unwrap();
    assert_eq!(message.method(), Some(Method::Invite));
    let to = message.to().unwrap();
    assert_eq!((to.uri_raw(), to.tag().as_deref()), ("sip:vivekg@chair-dnrc.example.com", Some("1918181833n")));
    let from = message.from().unwrap();
    assert_eq!(from.display_name_unquoted().as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag().as_deref(), Some("98asjd8"));
    assert_eq!(message.header(HeaderName::MaxForwards).as_deref(), Some("0068"));
    assert_eq!(message.cseq().map(|cseq| (cseq.number, cseq.method)), Some((9, Method::Invite)));
    let vias: Vec<_> = message.vias().collect::<Result<_, _>>().unwrap();
    let summary: Vec<_> =
        vias.iter().map(|via| (via.transport, via.host.to_string(), via.branch().map(Cow::into_owned))).collect();
    assert_eq!(
        summary,
        [
            ("UDP", "192.0.2.2".to_owned(), Some("390skdjuw".to_owned())),
            ("TCP", "spindle.example.com".to_owned(), Some("z9hG4bK9ikj8".to_owned())),
            ("UDP", "192.168.255.111".to_owned(), Some("z9hG4bK30239".to_owned())),
        ]
    );
    assert_eq!(
        message.header(HeaderName::Other("newfangledheader")).as_deref(),
        Some("newfangled value continued newfangled value")
    );
    assert_eq!(message.header(HeaderName::Other("UnknownHeaderWithUnusualValue")).as_deref(), Some(";;,,;;,;"));
    assert_eq!(message.header(HeaderName::Subject).as_deref(), Some(""));
    let contact = message.contact().unwrap();
    assert_eq!(contact.display_name_unquoted().as_deref(), Some("Quoted string \"\""));
    assert_eq!(contact.params.value("newparam").as_deref(), Some("newvalue"));
    assert!(contact.params.contains("secondparam"));
    assert_eq!(contact.params.value("q").as_deref(), Some("0.33"));
    assert_eq!(message.body.len(), 150);
}

#[test]
fn intmeth_unusual_method_uri_and_quoted_controls() {
    let message = parse(torture("intmeth")).unwrap();
    let method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert_eq!(message.method(), Some(Method::Other(method)));
    assert_eq!(message.cseq().map(|cseq| (cseq.number, cseq.method)), Some((139122385, Method::Other(method))));
    let request_uri = message.request_uri().unwrap();
    let uri = request_uri.as_sip().unwrap();
    assert_eq!(uri.user, Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"));
    assert_eq!(uri.password, Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
    assert_eq!(uri.host, Host::Name("example.com"));
    let to = message.to().unwrap();
    assert_eq!(to.display_name_unquoted().as_deref(), Some("BEL:\u{7} NUL:\0 DEL:\u{7f}"));
    let from = message.from().unwrap();
    assert_eq!(from.display_name, Some("token1~` token2'+_ token3*%!.-"));
    assert_eq!(from.tag().as_deref(), Some("_token~1'+`*%!-."));
    assert_eq!(
        from.params.value("fromParam''~+*_!.-%").as_deref(),
        Some("\u{440}\u{430}\u{431}\u{43e}\u{442}\u{430}\u{44e}\u{449}\u{438}\u{439}")
    );
    assert_eq!(
        message.header(HeaderName::Other("extensionHeader-!.%*+_`'~")).as_deref(),
        Some("\u{feff}\u{5927}\u{505c}\u{96fb}")
    );
    assert_eq!(message.call_id().as_deref(), Some("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"));
}

#[test]
fn esc01_and_escnull_escapes_decode_only_on_request() {
    let message = parse(torture("esc01")).unwrap();
    let request_uri = message.request_uri();
    assert_eq!(request_uri.and_then(|uri| uri.user()), Some("sips%3Auser%40example.com"));
    assert_eq!(uri_user(request_uri).as_deref(), Some("sips:user@example.com"));
    assert_eq!(uri_user(message.to().map(|to| to.uri)).as_deref(), Some("user"));
    assert_eq!(uri_user(message.from().map(|from| from.uri)).as_deref(), Some("I have spaces"));
    let contact = message.contact().unwrap();
    let params = contact.uri.as_sip().unwrap().params;
    assert!(params.contains("%6C%72"));
    assert_eq!(params.value("n%61me").as_deref(), Some("v%61lue%25%34%31"));
    assert_eq!(message.header(HeaderName::ContentType).as_deref(), Some("application/sdp"));

    let message = parse(torture("escnull")).unwrap();
    assert_eq!(uri_user(message.to().map(|to| to.uri)).as_deref(), Some("null-\0-null"));
    let contacts: Vec<_> = message.headers(HeaderName::Contact).collect();
    let users: Vec<_> = contacts.iter().map(|contact| uri_user(NameAddr::parse(contact).ok().map(|c| c.uri))).collect();
    assert_eq!(users, [Some("\0".to_owned()), Some("\0\0".to_owned())]);
}

#[test]
fn esc02_percent_in_a_method_or_header_name_is_not_an_escape() {
    let message = parse(torture("esc02")).unwrap();
    assert_eq!(message.method(), Some(Method::Other("RE%47IST%45R")));
    assert_eq!(message.headers(HeaderName::Contact).count(), 2);
    assert_eq!(message.header(HeaderName::Other("c%6fntact")).as_deref(), Some("<sip:alias2@host2.example.com>"));
    assert_eq!(message.to().and_then(|to| to.display_name_unquoted()).as_deref(), Some("%Z%45"));
}

#[test]
fn lwsdisp_semiuri_longreq_and_dblreq() {
    let message = parse(torture("lwsdisp")).unwrap();
    let from = message.from().unwrap();
    assert_eq!((from.display_name, from.tag().as_deref()), (Some("caller"), Some("323")));

    let message = parse(torture("semiuri")).unwrap();
    let request_uri = message.request_uri().unwrap();
    assert_eq!(request_uri.user(), Some("user;par=u%40example.net"));
    assert_eq!(request_uri.as_sip().map(|uri| uri.host), Some(Host::Name("example.com")));
    assert_eq!(message.headers(HeaderName::Accept).count(), 6);

    let message = parse(torture("longreq")).unwrap();
    let vias: Vec<_> = message.vias().collect::<Result<_, _>>().unwrap();
    assert_eq!(vias.len(), 34);
    assert_eq!(vias[0].host, Host::Name("sip33.example.com"));
    assert_eq!(vias[33].received().as_deref(), Some("192.0.2.5"));
    assert!(message.to().unwrap().display_name_unquoted().unwrap().ends_with("proportion"));
    assert!(message.from().unwrap().tag().unwrap().len() > 100);

    let message = parse(torture("dblreq")).unwrap();
    assert_eq!((message.method(), message.body), (Some(Method::Register), &b""[..]));
}

#[test]
fn responses_with_unusual_reasons_and_bodies() {
    let message = parse(torture("noreason")).unwrap();
    assert_eq!(message.start, StartLine::Response { version: "SIP/2.0", code: 100, reason: "" });
    let message = parse(torture("unreason")).unwrap();
    match message.start {
        StartLine::Response { code: 200, reason, .. } => assert!(reason.starts_with("= 2**3 * 5**2 ")),
        other => panic!("{other:?}"),
    }
    let message = parse(torture("mpart01")).unwrap();
    assert_eq!(message.body.len(), 553);
    let message = parse(torture("transports")).unwrap();
    let transports: Vec<_> = message.vias().map(|via| via.unwrap().transport).collect();
    assert_eq!(transports, ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    let message = parse(torture("bcast")).unwrap();
    assert_eq!(message.vias().nth(1).unwrap().unwrap().host, Host::Ipv4(Ipv4Addr::BROADCAST));
}

#[test]
fn uri_schemes_and_contact_parameters_in_the_application_tests() {
    let message = parse(torture("unkscm")).unwrap();
    assert!(matches!(message.request_uri(), Some(Uri::Other(other)) if other.scheme == "nobodyKnowsThisScheme"));
    let message = parse(torture("unksm2")).unwrap();
    assert_eq!(message.to().map(|to| to.uri_raw()), Some("isbn:2983792873"));
    assert_eq!(message.from().map(|from| from.uri_raw()), Some("http://www.example.com"));
    assert_eq!(message.contact().map(|contact| contact.uri_raw()), Some("name:John_Smith"));

    let contact_params = |name| {
        let message = parse(torture(name)).unwrap();
        let contact = message.contact().unwrap();
        let uri = *contact.uri.as_sip().unwrap();
        (contact.params.contains("unknownparam"), uri.params.contains("unknownparam"))
    };
    assert_eq!(contact_params("cparam01"), (true, false));
    assert_eq!(contact_params("cparam02"), (false, true));

    let message = parse(torture("regescrt")).unwrap();
    let contact = message.contact().unwrap();
    assert_eq!(contact.uri.as_sip().and_then(|uri| uri.headers), Some("Route=%3Csip:sip.example.com%3E"));

    let message = parse(torture("inv2543")).unwrap();
    assert_eq!(message.content_length(), None);
    assert!(message.body.starts_with(b"v=0\r\n"));
    assert_eq!(message.vias().next().unwrap().unwrap().branch(), None);

    let message = parse(torture("insuf")).unwrap();
    assert_eq!((message.call_id(), message.from(), message.to()), (None, None, None));
}

#[test]
fn invalid_torture_messages_are_refused_where_the_parser_can_tell() {
    for (name, error) in [
        ("clerr", ParseError::BodyTooShort),
        ("ncl", ParseError::BadContentLength),
        ("mcl01", ParseError::ConflictingContentLength),
        ("bigcode", ParseError::BadStartLine),
        ("ltgtruri", ParseError::BadStartLine),
        ("lwsruri", ParseError::BadStartLine),
        ("lwsstart", ParseError::BadStartLine),
        ("trws", ParseError::BadStartLine),
    ] {
        assert_eq!(parse(torture(name)).err(), Some(error), "{name}");
    }
    let field_refused = |name: &str, check: fn(&Message<'_>) -> bool| {
        let message = parse(torture(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(check(&message), "{name}");
    };
    field_refused("quotbal", |message| message.to().is_none());
    field_refused("badaspec", |message| message.to().is_none());
    field_refused("baddn", |message| message.from().is_none() && message.to().is_none());
    field_refused("badinv01", |message| message.vias().any(|via| via.is_err()) && message.contact().is_none());
    field_refused("scalar02", |message| message.cseq().is_none());
    field_refused("scalarlg", |message| message.cseq().is_none());
    field_refused("regbadct", |message| message.contact().is_none());
}

#[test]
fn invalid_torture_messages_the_application_must_judge_still_show_the_problem() {
    let message = parse(torture("badvers")).unwrap();
    assert!(matches!(message.start, StartLine::Request { version: "SIP/7.0", .. }));
    assert_eq!(message.vias().next().unwrap().unwrap().version, "7.0");
    for name in ["mismatch01", "mismatch02"] {
        let message = parse(torture(name)).unwrap();
        assert_ne!(message.method(), message.cseq().map(|cseq| cseq.method), "{name}");
    }
    let message = parse(torture("escruri")).unwrap();
    assert!(message.request_uri().and_then(|uri| uri.as_sip().and_then(|sip| sip.headers)).is_some());
}
