//! From a SIP message (or a raw datagram) to a [`DeviceInfo`].

use std::borrow::Cow;
use std::net::SocketAddrV4;

use super::error::DecodeError;
use super::info::DeviceInfo;
use super::mac_user::mac_from_uri;
use super::sanitize::sanitize;
use super::user_agent::ProductWords;
use crate::mac::Mac;
use crate::sip::{parse, CSeq, EventHeader, HeaderName, Message, Method, NameAddr, Via};

/// The Event package of Plug and Play provisioning.
const UA_PROFILE: &str = "ua-profile";

/// Event parameters that carry each field, in order of preference.
const VENDOR_PARAMS: &[&str] = &["vendor", "vender"];
const MODEL_PARAMS: &[&str] = &["model"];
const FIRMWARE_PARAMS: &[&str] = &["version"];
const PROFILE_TYPE_PARAMS: &[&str] = &["profile-type"];

/// Parses `datagram` and decodes it with [`decode_subscribe`].
pub fn decode_datagram(datagram: &[u8], source: SocketAddrV4) -> Result<DeviceInfo, DecodeError> {
    decode_subscribe(&parse(datagram)?, source)
}

/// Decodes a ua-profile SUBSCRIBE that arrived from `source`: [`SubscribeHeaders::read`]
/// then [`SubscribeHeaders::device_info`].
pub fn decode_subscribe(message: &Message<'_>, source: SocketAddrV4) -> Result<DeviceInfo, DecodeError> {
    Ok(SubscribeHeaders::read(message)?.device_info(message, source))
}

/// The headers of a ua-profile SUBSCRIBE a PnP server reads, each parsed once and
/// borrowed from the message: reading them allocates nothing.
#[derive(Debug, Clone)]
pub struct SubscribeHeaders<'m> {
    /// Event, package `ua-profile`.
    pub event: EventHeader<'m>,
    /// Call-ID, not empty.
    pub call_id: Cow<'m, str>,
    /// CSeq, method SUBSCRIBE.
    pub cseq: CSeq<'m>,
    /// From.
    pub from: NameAddr<'m>,
    /// To.
    pub to: NameAddr<'m>,
    /// The topmost Via.
    pub top_via: Via<'m>,
    /// The MAC in the user part of the Request-URI, else From, else To.
    pub mac: Mac,
}

impl<'m> SubscribeHeaders<'m> {
    /// Reads them, checking in this order: a SUBSCRIBE request
    /// ([`DecodeError::NotSubscribe`]), Event package `ua-profile` in any case
    /// ([`DecodeError::NotUaProfile`]), usable Call-ID, CSeq (method SUBSCRIBE), From,
    /// To and topmost Via ([`DecodeError::MissingHeader`]), and a MAC in the user part
    /// of the Request-URI, else From, else To ([`DecodeError::NoMac`]).
    pub fn read(message: &'m Message<'_>) -> Result<SubscribeHeaders<'m>, DecodeError> {
        if message.method() != Some(Method::Subscribe) {
            return Err(DecodeError::NotSubscribe);
        }
        let event = message.event().filter(|event| event.is_package(UA_PROFILE)).ok_or(DecodeError::NotUaProfile)?;
        let call_id =
            message.call_id().filter(|call_id| !call_id.is_empty()).ok_or(DecodeError::MissingHeader("Call-ID"))?;
        let cseq =
            message.cseq().filter(|cseq| cseq.method == Method::Subscribe).ok_or(DecodeError::MissingHeader("CSeq"))?;
        // Lenient where phones are: a From/To URI without a host (snom) still identifies
        // the dialog; the MAC then comes from the Request-URI.
        let name_addr = |name| message.first_value(name).and_then(|value| NameAddr::parse_hostless(value).ok());
        let from = name_addr(HeaderName::From).ok_or(DecodeError::MissingHeader("From"))?;
        let to = name_addr(HeaderName::To).ok_or(DecodeError::MissingHeader("To"))?;
        let top_via = message.vias().next().and_then(Result::ok).ok_or(DecodeError::MissingHeader("Via"))?;
        let mac = [message.request_uri(), Some(from.uri), Some(to.uri)]
            .iter()
            .flatten()
            .find_map(mac_from_uri)
            .ok_or(DecodeError::NoMac)?;
        Ok(SubscribeHeaders { event, call_id, cseq, from, to, top_via, mac })
    }

    /// What these headers and the rest of `message` (User-Agent, Contact) say about the
    /// phone that sent it from `source`, every string sanitised.
    pub fn device_info(&self, message: &Message<'_>, source: SocketAddrV4) -> DeviceInfo {
        let user_agent = message.header(HeaderName::UserAgent).unwrap_or_default();
        let product = ProductWords::from_user_agent(&user_agent);
        let contact = match message.contact() {
            Some(contact) => Cow::Borrowed(contact.uri_raw()),
            None => message.header(HeaderName::Contact).unwrap_or_default(),
        };
        let event = &self.event;
        DeviceInfo {
            mac: self.mac,
            vendor: event_param_or(event, VENDOR_PARAMS, product.vendor),
            model: event_param_or(event, MODEL_PARAMS, product.model),
            firmware: event_param_or(event, FIRMWARE_PARAMS, product.firmware),
            profile_type: event_param_or(event, PROFILE_TYPE_PARAMS, None),
            user_agent: sanitize(&user_agent),
            contact: sanitize(&contact),
            source,
        }
    }
}

/// The first of the Event parameters `names` that has a non-empty value once
/// sanitised, else the sanitised `fallback`, else empty.
fn event_param_or(event: &EventHeader<'_>, names: &[&str], fallback: Option<&str>) -> String {
    names
        .iter()
        .filter_map(|name| event.param(name))
        .map(|value| sanitize(&value))
        .chain(fallback.map(sanitize))
        .find(|value| !value.is_empty())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::super::MAX_FIELD_LEN;
    use super::*;
    use crate::mac::Mac;
    use crate::sip::testdata::capture;
    use crate::sip::ParseError;

    /// Figure 1 of the Grandstream GRP26xx Plug and Play guide, written out as
    /// the CRLF datagram it shows (the Wireshark tree markers dropped).
    const GUIDE_SUBSCRIBE: &[u8] = include_bytes!("testdata/guide-figure1-subscribe.sip");

    fn source() -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::new(192, 168, 5, 175), 5080)
    }

    fn mac(text: &str) -> Mac {
        text.parse().unwrap()
    }

    /// The guide's SUBSCRIBE with lines replaced or removed: each edit names the
    /// start of a line and what replaces it (`None` removes it).
    fn guide_edited(edits: &[(&str, Option<&str>)]) -> Vec<u8> {
        let text = std::str::from_utf8(GUIDE_SUBSCRIBE).unwrap();
        let lines = text.split("\r\n").filter_map(|line| {
            match edits.iter().find(|(start, _)| !line.is_empty() && line.starts_with(start)) {
                Some((_, replacement)) => *replacement,
                None => Some(line),
            }
        });
        lines.collect::<Vec<_>>().join("\r\n").into_bytes()
    }

    /// Vendor, model and firmware.
    fn product(info: &DeviceInfo) -> (&str, &str, &str) {
        (&info.vendor, &info.model, &info.firmware)
    }

    fn decode(datagram: &[u8]) -> Result<DeviceInfo, DecodeError> {
        decode_datagram(datagram, source())
    }

    #[test]
    fn the_guide_subscribe_is_the_datagram_the_guide_shows() {
        // Wireshark lists frame 3048 as 720 bytes: 14 Ethernet + 20 IPv4 + 8 UDP + 678 SIP.
        assert_eq!(GUIDE_SUBSCRIBE.len(), 720 - 14 - 20 - 8);
        assert_eq!(
            decode(GUIDE_SUBSCRIBE),
            Ok(DeviceInfo {
                mac: mac("000b82f55284"),
                vendor: "Grandstream".into(),
                model: "GRP2614".into(),
                firmware: "1.0.0.31".into(),
                profile_type: "device".into(),
                user_agent: "Grandstream GRP2614 1.0.0.31".into(),
                contact: "sip:192.168.5.175:5080".into(),
                source: source(),
            })
        );
    }

    #[test]
    fn a_snom_from_without_a_host_decodes_with_the_mac_of_the_request_uri() {
        let text = String::from_utf8(capture("snom-oem-subscribe")).unwrap();
        let hostless = text
            .replace("From: <sip:MAC%3a00135E874B49@intern.snom.de>", "From: <sip:MAC%3a00135E874B49>")
            .replace("To: <sip:MAC%3a00135E874B49@intern.snom.de>", "To: <sip:MAC%3a00135E874B49>");
        assert!(hostless.contains("From: <sip:MAC%3a00135E874B49>;tag="), "{hostless}");
        assert_eq!(decode(hostless.as_bytes()).unwrap().mac, "00135e874b49".parse().unwrap());
        // Still refused: no MAC anywhere, or a From that is not a SIP URI at all.
        let no_mac = hostless.replace("MAC%3a00135E874B49", "anybody");
        assert_eq!(decode(no_mac.as_bytes()), Err(DecodeError::NoMac));
        let junk_from = hostless.replace("From: <sip:MAC%3a00135E874B49>", "From: <junk>");
        assert_eq!(decode(junk_from.as_bytes()), Err(DecodeError::MissingHeader("From")));
    }

    #[test]
    fn the_captured_subscribes_of_grandstream_yealink_and_snom() {
        for (name, mac_text, expected_product, contact, user_agent) in [
            (
                "grandstream-grp2612w-subscribe",
                "c074ad112233",
                ("Grandstream", "GRP2612W", "1.0.5.67"),
                "sip:192.168.1.2:5080",
                "Grandstream GRP2612W 1.0.5.67",
            ),
            (
                "yealink-w52p-subscribe",
                "001565f4f9e1",
                ("yealink", "W52P", "25.81.0.10"),
                "sip:MAC001565f4f9e1@10.1.3.239:5059",
                "Yealink W52P 25.81.0.10",
            ),
            // MAC%3a in lower case, host intern.snom.de, no Via branch, no User-Agent.
            ("snom-oem-subscribe", "00135e874b49", ("OEM", "OEM", "7.1.19"), "sip:192.168.10.67:5060", ""),
        ] {
            let info = decode(&capture(name)).unwrap();
            assert_eq!(info.mac, mac(mac_text), "{name}");
            assert_eq!(product(&info), expected_product, "{name}");
            let rest = (info.profile_type.as_str(), info.contact.as_str(), info.user_agent.as_str());
            assert_eq!(rest, ("device", contact, user_agent), "{name}");
        }
    }

    #[test]
    fn every_mac_form_in_the_request_uri_is_accepted() {
        for user in
            ["MAC%3A000B82F55284", "MAC%3a000b82f55284", "MAC:000B82F55284", "MAC=000b82F55284", "MAC000B82F55284"]
        {
            let start_line = format!("SUBSCRIBE sip:{user}@224.0.1.75 SIP/2.0");
            let datagram = guide_edited(&[
                ("SUBSCRIBE ", Some(&start_line)),
                ("From:", Some("From: <sip:224.0.1.75>;tag=1")),
                ("To:", Some("To: <sip:224.0.1.75>")),
            ]);
            assert_eq!(decode(&datagram).map(|info| info.mac), Ok(mac("000b82f55284")), "{user}");
        }
    }

    #[test]
    fn the_mac_is_looked_for_in_from_then_to_when_the_request_uri_has_none() {
        let plain_uri = ("SUBSCRIBE ", Some("SUBSCRIBE sip:224.0.1.75 SIP/2.0"));
        let from_only = guide_edited(&[plain_uri, ("To:", Some("To: <sip:lan>"))]);
        assert_eq!(decode(&from_only).map(|info| info.mac), Ok(mac("000b82f55284")));
        let to_only = guide_edited(&[
            plain_uri,
            ("From:", Some("From: <sip:anonymous@lan>;tag=1")),
            ("To:", Some("To: sip:MAC%3a0004132AABBC@lan")),
        ]);
        assert_eq!(decode(&to_only).map(|info| info.mac), Ok(mac("0004132aabbc")));
        let first_wins = guide_edited(&[("From:", Some("From: <sip:MAC:111111111111@lan>;tag=1"))]);
        assert_eq!(decode(&first_wins).map(|info| info.mac), Ok(mac("000b82f55284")));
    }

    #[test]
    fn no_mac_anywhere_like_audiocodes_is_no_mac() {
        let datagram = guide_edited(&[
            ("SUBSCRIBE ", Some("SUBSCRIBE sip:224.0.1.75 SIP/2.0")),
            ("From:", Some("From: <sip:10.13.4.121>;tag=1")),
            ("To:", Some("To: <sip:224.0.1.75>")),
            ("Event:", Some("Event: ua-profile;profile-type=\"application\";model=\"440HD\";version=\"2.2.2\"")),
        ]);
        assert_eq!(decode(&datagram), Err(DecodeError::NoMac));
        let malformed_mac = guide_edited(&[
            ("SUBSCRIBE ", Some("SUBSCRIBE sip:MAC%3A000B82F5528@224.0.1.75 SIP/2.0")),
            ("From:", Some("From: <sip:MAC%3A000B82F5528G@224.0.1.75>;tag=1")),
            ("To:", Some("To: <sip:MAC-000B82F55284@224.0.1.75>")),
        ]);
        assert_eq!(decode(&malformed_mac), Err(DecodeError::NoMac));
    }

    #[test]
    fn event_variants_panasonic_vender_no_space_compact_and_unquoted() {
        let panasonic = guide_edited(&[("Event:", Some("Event:ua-profile;vender=\"Panasonic\";model=KX-HDV130"))]);
        let info = decode(&panasonic).unwrap();
        assert_eq!((info.vendor.as_str(), info.model.as_str()), ("Panasonic", "KX-HDV130"));
        assert_eq!((info.firmware.as_str(), info.profile_type.as_str()), ("1.0.0.31", ""));
        let compact = guide_edited(&[("Event:", Some("o: UA-Profile;vendor=Fanvil"))]);
        assert_eq!(decode(&compact).map(|info| info.vendor), Ok("Fanvil".to_owned()));
    }

    #[test]
    fn vendor_model_and_firmware_fall_back_to_the_user_agent() {
        let bare_event = guide_edited(&[("Event:", Some("Event: ua-profile"))]);
        let info = decode(&bare_event).unwrap();
        assert_eq!(product(&info), ("Grandstream", "GRP2614", "1.0.0.31"));
        let empty_vendor = guide_edited(&[("Event:", Some("Event: ua-profile;vendor=\"\";model=\"X1\""))]);
        let info = decode(&empty_vendor).unwrap();
        assert_eq!((info.vendor.as_str(), info.model.as_str()), ("Grandstream", "X1"));
        let nothing = guide_edited(&[("Event:", Some("Event: ua-profile")), ("User-Agent:", None)]);
        let info = decode(&nothing).unwrap();
        assert_eq!((info.vendor.as_str(), info.model.as_str(), info.user_agent.as_str()), ("", "", ""));
    }

    #[test]
    fn other_events_methods_and_responses_are_refused() {
        let presence = guide_edited(&[("Event:", Some("Event: presence"))]);
        assert_eq!(decode(&presence), Err(DecodeError::NotUaProfile));
        let no_event = guide_edited(&[("Event:", None)]);
        assert_eq!(decode(&no_event), Err(DecodeError::NotUaProfile));
        let malformed_event = guide_edited(&[("Event:", Some("Event: ua-profile;;"))]);
        assert_eq!(decode(&malformed_event), Err(DecodeError::NotUaProfile));
        assert_eq!(decode(&capture("snompnpd-notify")), Err(DecodeError::NotSubscribe));
        assert_eq!(decode(&capture("gs-tools-gspnp-responder-200ok")), Err(DecodeError::NotSubscribe));
        let lower_case_method =
            guide_edited(&[("SUBSCRIBE ", Some("subscribe sip:MAC%3A000B82F55284@224.0.1.75 SIP/2.0"))]);
        assert_eq!(decode(&lower_case_method), Err(DecodeError::NotSubscribe));
        assert_eq!(decode(b"\xff\xfe garbage\r\n\r\n"), Err(DecodeError::Parse(ParseError::NotUtf8StartLine)));
        assert_eq!(decode(b""), Err(DecodeError::Parse(ParseError::MissingStartLine)));
    }

    #[test]
    fn each_required_header_is_checked() {
        for (line, name) in
            [("Call-ID:", "Call-ID"), ("CSeq:", "CSeq"), ("From:", "From"), ("To:", "To"), ("Via:", "Via")]
        {
            assert_eq!(decode(&guide_edited(&[(line, None)])), Err(DecodeError::MissingHeader(name)), "{name}");
        }
        for (line, replacement, name) in [
            ("CSeq:", "CSeq: 20000 NOTIFY", "CSeq"),
            ("CSeq:", "CSeq: 99999999999 SUBSCRIBE", "CSeq"),
            ("Call-ID:", "Call-ID:", "Call-ID"),
            ("From:", "From: \"unterminated <sip:a@b>", "From"),
            ("Via:", "Via: SIP/2.0/UDP", "Via"),
        ] {
            let datagram = guide_edited(&[(line, Some(replacement))]);
            assert_eq!(decode(&datagram), Err(DecodeError::MissingHeader(name)), "{replacement}");
        }
    }

    #[test]
    fn hostile_strings_are_cut_and_cleaned() {
        let long_agent = format!("User-Agent: Evil\u{1b}[2J\u{7} {} 1.0", "M".repeat(500));
        let event = format!("Event: ua-profile;vendor=\"Bad\u{7f}\\\u{1}Corp\u{202e}\";model=\"{}\"", "é".repeat(200));
        let contact = format!("Contact: <sip:{}@192.168.5.175:5080>", "u".repeat(300));
        let datagram =
            guide_edited(&[("User-Agent:", Some(&long_agent)), ("Event:", Some(&event)), ("Contact:", Some(&contact))]);
        let info = decode(&datagram).unwrap();
        assert_eq!(info.vendor, "BadCorp");
        assert_eq!(info.model, "é".repeat(MAX_FIELD_LEN / 2));
        assert!(info.user_agent.starts_with("Evil[2J MMM") && info.user_agent.len() == MAX_FIELD_LEN);
        assert!(info.contact.starts_with("sip:uuu") && info.contact.len() == MAX_FIELD_LEN);
        for text in [&info.vendor, &info.model, &info.firmware, &info.profile_type, &info.user_agent, &info.contact] {
            assert!(text.len() <= MAX_FIELD_LEN && !text.chars().any(char::is_control), "{text:?}");
        }
    }

    #[test]
    fn an_unparsable_contact_is_kept_raw_but_clean() {
        let datagram = guide_edited(&[("Contact:", Some("Contact: <sip:192.168.5.175:5080"))]);
        assert_eq!(decode(&datagram).map(|info| info.contact), Ok("<sip:192.168.5.175:5080".to_owned()));
    }

    #[test]
    fn truncated_subscribes_never_panic() {
        for end in 0..=GUIDE_SUBSCRIBE.len() {
            let _ = decode(&GUIDE_SUBSCRIBE[..end]);
        }
    }
}
