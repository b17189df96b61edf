//! A parsed SIP message: a borrowed view of one datagram with typed accessors
//! for the headers a PnP server reads.

use std::borrow::Cow;
use std::ops::Range;

use super::cseq::CSeq;
use super::error::ParseError;
use super::event::EventHeader;
use super::fields::{Fields, FirstFields};
use super::header::{Header, HeaderName};
use super::header_list::HeaderList;
use super::lex::{find_top_level, is_wsp, trim_wsp};
use super::method::Method;
use super::name_addr::NameAddr;
use super::uri::Uri;
use super::via::Via;

/// The first line of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `Method SP Request-URI SP SIP-Version`.
    Request {
        /// The method.
        method: Method<'a>,
        /// The Request-URI as sent; [`Message::request_uri`] parses it.
        uri: &'a str,
        /// The version as sent (`SIP/2.0`).
        version: &'a str,
    },
    /// `SIP-Version SP Status-Code SP Reason-Phrase`.
    Response {
        /// The version as sent (`SIP/2.0`).
        version: &'a str,
        /// The status code, 100 to 699.
        code: u16,
        /// The reason phrase, possibly empty.
        reason: &'a str,
    },
}

/// One SIP message, borrowing the datagram it was parsed from (see
/// [`parse`](super::parse())). Header lookups are by [`HeaderName`], so compact
/// and full names and any letter case find the same fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// The request line or status line.
    pub start: StartLine<'a>,
    /// The body: Content-Length bytes, or the rest of the datagram without one.
    pub body: &'a [u8],
    headers: HeaderList<'a>,
    first_fields: FirstFields,
    content_length: Option<usize>,
}

impl<'a> Message<'a> {
    /// A message with `start` and nothing else yet; only the parser builds one, filling
    /// [`Message::header_list`] in place (the list is inline: moving it costs a copy)
    /// and then calling [`Message::finish`].
    pub(super) fn begin(start: StartLine<'a>) -> Message<'a> {
        let headers = HeaderList::new();
        Message { start, body: &[], first_fields: FirstFields::of(&headers), headers, content_length: None }
    }

    /// Where the parser puts the header fields.
    pub(super) fn header_list(&mut self) -> &mut HeaderList<'a> {
        &mut self.headers
    }

    /// Indexes the fields and sets the body.
    pub(super) fn finish(&mut self, content_length: Option<usize>, body: &'a [u8]) {
        self.first_fields = FirstFields::of(&self.headers);
        self.content_length = content_length;
        self.body = body;
    }

    /// True for a request, false for a response.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request { .. })
    }

    /// The method of a request.
    pub fn method(&self) -> Option<Method<'a>> {
        match self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The parsed Request-URI of a request; `None` for a response or when the
    /// URI does not parse (the raw text stays in [`Message::start`]).
    pub fn request_uri(&self) -> Option<Uri<'a>> {
        match self.start {
            StartLine::Request { uri, .. } => Uri::parse(uri).ok(),
            StartLine::Response { .. } => None,
        }
    }

    /// The status code of a response.
    pub fn status_code(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    /// Every header field in the order sent.
    pub fn header_fields(&self) -> &[Header<'a>] {
        &self.headers
    }

    /// The whole value of the first field called `name` (a list header is not split).
    pub fn header(&self, name: HeaderName<'_>) -> Option<Cow<'a, str>> {
        self.fields(name).next().map(|field| field.value.clone())
    }

    /// Every value of `name` across all its fields, in order. List headers (Via,
    /// Contact, Allow, ...) are split at commas outside quoted strings and `<...>`,
    /// trimmed, and empty items skipped; other headers yield each whole field value.
    pub fn headers<'s>(&'s self, name: HeaderName<'s>) -> HeaderValues<'s, 'a> {
        HeaderValues { fields: self.fields(name), current: None }
    }

    /// The Call-ID.
    pub fn call_id(&self) -> Option<Cow<'a, str>> {
        self.header(HeaderName::CallId)
    }

    /// The CSeq; `None` when absent or malformed.
    pub fn cseq(&self) -> Option<CSeq<'_>> {
        self.first_value(HeaderName::CSeq).and_then(|value| CSeq::parse(value).ok())
    }

    /// Every Via value, topmost first, each parsed on its own.
    pub fn vias(&self) -> impl Iterator<Item = Result<Via<'_>, ParseError>> + '_ {
        self.items(HeaderName::Via).map(Via::parse)
    }

    /// The From value; `None` when absent or malformed.
    pub fn from(&self) -> Option<NameAddr<'_>> {
        self.first_value(HeaderName::From).and_then(|value| NameAddr::parse(value).ok())
    }

    /// The To value; `None` when absent or malformed.
    pub fn to(&self) -> Option<NameAddr<'_>> {
        self.first_value(HeaderName::To).and_then(|value| NameAddr::parse(value).ok())
    }

    /// The first Contact value; `None` when absent, `*` or malformed.
    pub fn contact(&self) -> Option<NameAddr<'_>> {
        self.items(HeaderName::Contact).next().and_then(|value| NameAddr::parse(value).ok())
    }

    /// The Event value; `None` when absent or malformed.
    pub fn event(&self) -> Option<EventHeader<'_>> {
        self.first_value(HeaderName::Event).and_then(|value| EventHeader::parse(value).ok())
    }

    /// The Content-Length, when the message has one (the parser has checked it).
    pub fn content_length(&self) -> Option<usize> {
        self.content_length
    }

    /// The fields called `name`, in order.
    fn fields<'s>(&'s self, name: HeaderName<'s>) -> Fields<'s, 'a> {
        self.first_fields.fields(&self.headers, name)
    }

    /// The first field value of `name`, borrowed from the message.
    pub fn first_value<'s>(&'s self, name: HeaderName<'s>) -> Option<&'s str> {
        self.fields(name).next().map(|field| field.value.as_ref())
    }

    /// Like [`Message::headers`], borrowing from the message.
    fn items<'s>(&'s self, name: HeaderName<'s>) -> impl Iterator<Item = &'s str> + 's {
        self.fields(name).flat_map(|field| {
            let text: &'s str = &field.value;
            ItemRanges::new(text, field.name.is_list()).filter_map(move |range| text.get(range))
        })
    }
}

/// The values [`Message::headers`] yields. Each borrows the datagram unless its
/// field was folded.
#[derive(Debug, Clone)]
pub struct HeaderValues<'s, 'a> {
    fields: Fields<'s, 'a>,
    current: Option<(&'s Cow<'a, str>, ItemRanges<'s>)>,
}

impl<'a> Iterator for HeaderValues<'_, 'a> {
    type Item = Cow<'a, str>;

    fn next(&mut self) -> Option<Cow<'a, str>> {
        loop {
            if let Some((value, ranges)) = &mut self.current {
                match ranges.next() {
                    Some(range) => match slice_cow(value, range) {
                        Some(item) => return Some(item),
                        None => continue,
                    },
                    None => self.current = None,
                }
            }
            let field = self.fields.next()?;
            self.current = Some((&field.value, ItemRanges::new(&field.value, field.name.is_list())));
        }
    }
}

/// `value[range]`, still borrowing the datagram when `value` does.
fn slice_cow<'a>(value: &Cow<'a, str>, range: Range<usize>) -> Option<Cow<'a, str>> {
    match value {
        Cow::Borrowed(text) => {
            let text: &'a str = text;
            text.get(range).map(Cow::Borrowed)
        }
        Cow::Owned(text) => text.get(range).map(|item| Cow::Owned(item.to_owned())),
    }
}

/// The byte ranges of the values in one field value: the whole trimmed value,
/// or for a list header each trimmed, non-empty comma-separated item.
#[derive(Debug, Clone)]
struct ItemRanges<'t> {
    text: &'t str,
    next_start: Option<usize>,
    split: bool,
}

impl<'t> ItemRanges<'t> {
    fn new(text: &'t str, split: bool) -> Self {
        ItemRanges { text, next_start: Some(0), split }
    }
}

impl Iterator for ItemRanges<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        loop {
            let start = self.next_start?;
            let rest = self.text.get(start..)?;
            let len = if self.split { find_top_level(rest, b',') } else { rest.len() };
            let end = start + len;
            self.next_start = (end < self.text.len()).then_some(end + 1);
            let item = rest.get(..len)?;
            let leading = item.len().saturating_sub(item.trim_start_matches(is_wsp).len());
            let trimmed = trim_wsp(item);
            if self.split && trimmed.is_empty() {
                continue;
            }
            return Some(start + leading..start + leading + trimmed.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn multiple_vias_in_one_field_and_across_fields_come_out_in_order() {
        let datagram = b"OPTIONS sip:a@b SIP/2.0\r\n\
            Via: SIP/2.0/UDP one;branch=1 , SIP/2.0/UDP two;branch=\"2,x\"\r\n\
            v: SIP/2.0/UDP three;branch=3\r\n\
            \r\n";
        let message = parse(datagram).unwrap();
        let hosts: Vec<String> = message.vias().map(|via| via.unwrap().host.to_string()).collect();
        assert_eq!(hosts, ["one", "two", "three"]);
        let raw: Vec<Cow<str>> = message.headers(HeaderName::Via).collect();
        assert_eq!(raw, ["SIP/2.0/UDP one;branch=1", "SIP/2.0/UDP two;branch=\"2,x\"", "SIP/2.0/UDP three;branch=3"]);
        assert!(raw.iter().all(|value| matches!(value, Cow::Borrowed(_))));
        assert_eq!(
            message.header(HeaderName::Via).as_deref(),
            Some("SIP/2.0/UDP one;branch=1 , SIP/2.0/UDP two;branch=\"2,x\"")
        );
    }

    #[test]
    fn contact_lists_respect_quotes_and_brackets() {
        let datagram = b"REGISTER sip:b SIP/2.0\r\n\
            Contact: \"Doe, \\\"J\\\"\" <sip:a,b@c;x=1>;q=0.5, <sip:c@d>,,\r\n\
            \r\n";
        let message = parse(datagram).unwrap();
        let contacts: Vec<Cow<str>> = message.headers(HeaderName::Contact).collect();
        assert_eq!(contacts, ["\"Doe, \\\"J\\\"\" <sip:a,b@c;x=1>;q=0.5", "<sip:c@d>"]);
        let first = message.contact().unwrap();
        assert_eq!(first.display_name_unquoted().as_deref(), Some("Doe, \"J\""));
        assert_eq!(first.params.value("q").as_deref(), Some("0.5"));
    }

    #[test]
    fn values_of_folded_fields_are_owned_and_unknown_headers_are_not_split() {
        let datagram = b"OPTIONS sip:a@b SIP/2.0\r\n\
            Allow: INVITE,\r\n  ACK\r\n\
            X-List: a, b\r\n\
            Subject:\r\n\
            \r\n";
        let message = parse(datagram).unwrap();
        let allow: Vec<Cow<str>> = message.headers(HeaderName::Allow).collect();
        assert_eq!(allow, ["INVITE", "ACK"]);
        assert!(allow.iter().all(|value| matches!(value, Cow::Owned(_))));
        assert_eq!(message.headers(HeaderName::Other("x-list")).collect::<Vec<_>>(), ["a, b"]);
        assert_eq!(message.headers(HeaderName::Subject).collect::<Vec<_>>(), [""]);
        assert_eq!(message.headers(HeaderName::Route).count(), 0);
    }

    #[test]
    fn the_index_of_fields_finds_what_a_scan_finds() {
        let known = super::super::header::KNOWN_HEADERS.iter().map(|row| row.name);
        let others = [HeaderName::Other("v"), HeaderName::Other("CALL-id"), HeaderName::Other("x-grandstream-pbx")];
        let names: Vec<HeaderName<'_>> = known.chain(others).collect();
        for datagram in super::super::corpus_tests::corpus_and_mutations(1_000) {
            let Ok(message) = parse(&datagram) else { continue };
            for name in names.iter().copied().chain(message.header_fields().iter().map(|field| field.name)) {
                let scanned: Vec<&Header<'_>> = message.headers.iter().filter(|field| field.name == name).collect();
                assert_eq!(message.fields(name).collect::<Vec<_>>(), scanned, "{name}");
            }
        }
    }

    #[test]
    fn accessors_answer_none_for_the_other_kind_of_message() {
        let response = parse(b"SIP/2.0 200 OK\r\n\r\n").unwrap();
        assert!(!response.is_request());
        assert_eq!((response.method(), response.request_uri(), response.status_code()), (None, None, Some(200)));
        let request = parse(b"NOTIFY sip:192.168.1.2:5080 SIP/2.0\r\n\r\n").unwrap();
        assert_eq!((request.method(), request.status_code()), (Some(Method::Notify), None));
        assert_eq!(request.request_uri().map(|uri| uri.raw()), Some("sip:192.168.1.2:5080"));
        assert_eq!((request.call_id(), request.cseq(), request.from(), request.event()), (None, None, None, None));
        assert_eq!(request.vias().count(), 0);
    }
}
