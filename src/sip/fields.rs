//! Finding a message's fields by name: where the first field of each known
//! header is, and which fields a name matches, without string comparisons for
//! known names.

use std::fmt;

use super::header::{Header, HeaderName, KNOWN_HEADERS};
use super::limits::MAX_HEADERS;

// Positions are stored plus one in a byte.
const _: () = assert!(MAX_HEADERS < u8::MAX as usize);

/// For each known header, the positions of its first and last fields, plus one
/// (0: none).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct FirstFields {
    first: [u8; KNOWN_HEADERS.len()],
    last: [u8; KNOWN_HEADERS.len()],
}

impl FirstFields {
    /// The index of `headers`, which holds at most [`MAX_HEADERS`] fields.
    pub(super) fn of(headers: &[Header<'_>]) -> FirstFields {
        let mut index = FirstFields { first: [0; KNOWN_HEADERS.len()], last: [0; KNOWN_HEADERS.len()] };
        for (position, field) in headers.iter().enumerate() {
            let Some(row) = field.name.named_row() else { continue };
            let (Some(first), Some(last), Ok(mark)) =
                (index.first.get_mut(row), index.last.get_mut(row), u8::try_from(position + 1))
            else {
                continue;
            };
            if *first == 0 {
                *first = mark;
            }
            *last = mark;
        }
        index
    }

    /// The fields of `headers` (those indexed) that `name` matches, in order.
    pub(super) fn fields<'s, 'a>(&self, headers: &'s [Header<'a>], name: HeaderName<'s>) -> Fields<'s, 'a> {
        let matcher = Matcher::new(name);
        let span = match matcher {
            Matcher::Known(row) => match (self.first.get(row), self.last.get(row)) {
                (Some(&first), Some(&last)) if first > 0 => headers.get(usize::from(first - 1)..usize::from(last)),
                _ => None,
            },
            Matcher::Other(_) => Some(headers),
        };
        Fields { rest: span.unwrap_or_default().iter(), matcher }
    }
}

impl fmt::Debug for FirstFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FirstFields")
    }
}

/// What a field name is compared with: a known header's row, or an unknown name.
#[derive(Debug, Clone, Copy)]
enum Matcher<'n> {
    Known(usize),
    Other(&'n str),
}

impl<'n> Matcher<'n> {
    fn new(name: HeaderName<'n>) -> Matcher<'n> {
        match name.row_number() {
            Some(row) => Matcher::Known(row),
            None => Matcher::Other(name.as_str()),
        }
    }

    /// True when a parsed field called `field` has this name. The parser maps every
    /// known spelling to its named variant, so a parsed `Other` is never a known header.
    fn matches(&self, field: &HeaderName<'_>) -> bool {
        match (self, field) {
            (Matcher::Known(row), field) => field.named_row() == Some(*row),
            (Matcher::Other(name), HeaderName::Other(field)) => name.eq_ignore_ascii_case(field),
            (Matcher::Other(_), _) => false,
        }
    }
}

/// The fields of a message with one name, in the order sent.
#[derive(Debug, Clone)]
pub(super) struct Fields<'s, 'a> {
    rest: std::slice::Iter<'s, Header<'a>>,
    matcher: Matcher<'s>,
}

impl<'s, 'a> Iterator for Fields<'s, 'a> {
    type Item = &'s Header<'a>;

    fn next(&mut self) -> Option<&'s Header<'a>> {
        let matcher = self.matcher;
        self.rest.find(|field| matcher.matches(&field.name))
    }
}
