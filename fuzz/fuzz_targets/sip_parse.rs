//! The SIP parser on arbitrary bytes: it must never panic, and what it yields must keep
//! the promises the engine relies on when it echoes values into replies.
#![no_main]

use std::net::{Ipv4Addr, SocketAddrV4};

use gspnp::sip::{self, HeaderName, NameAddr, Via};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = sip::parse(data) else { return };
    let source = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 7), 5080);

    // The body is part of the datagram, framed by Content-Length when there is one.
    let range = data.as_ptr_range();
    assert!(message.body.is_empty() || range.contains(&message.body.as_ptr()));
    if let Some(length) = message.content_length() {
        assert_eq!(message.body.len(), length);
    }
    // No header value can carry a line break or NUL: echoing one cannot inject a header.
    for field in message.header_fields() {
        assert!(!field.value.contains(['\r', '\n']), "{:?}", field.value);
        for value in message.headers(field.name) {
            assert!(!value.contains(['\r', '\n']));
        }
    }
    let _ = (message.method(), message.status_code(), message.request_uri(), message.call_id(), message.cseq());
    if let Some(uri) = message.request_uri() {
        let _ = (uri.user_unescaped(), uri.userinfo());
    }
    // The Via the engine writes into an answer parses again, as the same Via.
    for via in message.vias().flatten() {
        let written = via.for_response(source).to_string();
        let again = Via::parse(&written).unwrap_or_else(|e| panic!("{written:?} from {:?}: {e}", via.raw));
        assert_eq!((again.transport, again.sent_by), (via.transport, via.sent_by));
        assert_eq!(again.branch(), via.branch());
        let received = source.ip().to_string();
        if via.params.contains("rport") {
            assert_eq!(again.rport(), Some(Some(source.port())));
            assert_eq!(again.received().as_deref(), Some(received.as_str()));
        }
    }
    // From, To and Contact values re-parse from their raw text.
    let contacts: Vec<_> = message.headers(HeaderName::Contact).collect();
    let addresses = contacts.iter().filter_map(|c| NameAddr::parse(c).ok()).chain(message.from()).chain(message.to());
    for address in addresses {
        assert_eq!(NameAddr::parse(address.raw), Ok(address));
        let _ = (address.display_name_unquoted(), address.tag(), address.uri.user_unescaped());
    }
    if let Some(event) = message.event() {
        let _ = (event.param("vendor"), event.is_package("ua-profile"));
    }
    // What the decoder keeps is sanitised.
    if let Ok(info) = gspnp::device::decode_subscribe(&message, source) {
        for text in [&info.vendor, &info.model, &info.firmware, &info.profile_type, &info.user_agent, &info.contact] {
            assert!(text.len() <= gspnp::device::MAX_FIELD_LEN);
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
        assert_eq!(info.source, source);
    }
});
