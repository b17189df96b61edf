//! The header fields of a parsed message, kept inline up to a phone's usual count so
//! that parsing a datagram allocates nothing; a message with more moves them to the heap.
//!
//! Unlike a `Vec` (or `SmallVec`), this needs no `Drop` of its own, so a `Message` may
//! be dropped after the datagram it borrows, as before.

use std::borrow::Cow;
use std::fmt;

use super::header::{Header, HeaderName};

/// Header fields kept without an allocation: a GRP26xx SUBSCRIBE has 15.
pub const INLINE_HEADERS: usize = 16;

/// An append-only list of header fields.
#[derive(Clone)]
pub struct HeaderList<'a> {
    inline: [Header<'a>; INLINE_HEADERS],
    inline_len: usize,
    /// Every field, once there are more than [`INLINE_HEADERS`].
    spilled: Vec<Header<'a>>,
}

/// What an unused inline slot holds.
const UNUSED: Header<'static> = Header { name: HeaderName::Other(""), value: Cow::Borrowed("") };

impl<'a> HeaderList<'a> {
    /// An empty list.
    pub fn new() -> HeaderList<'a> {
        HeaderList { inline: std::array::from_fn(|_| UNUSED), inline_len: 0, spilled: Vec::new() }
    }

    /// Appends `field`.
    pub fn push(&mut self, field: Header<'a>) {
        if self.spilled.is_empty() {
            if let Some(slot) = self.inline.get_mut(self.inline_len) {
                *slot = field;
                self.inline_len += 1;
                return;
            }
            self.spilled.reserve(INLINE_HEADERS * 2);
            self.spilled.extend(self.inline.iter_mut().map(|slot| std::mem::replace(slot, UNUSED)));
            self.inline_len = 0;
        }
        self.spilled.push(field);
    }

    /// The fields in the order pushed.
    pub fn as_slice(&self) -> &[Header<'a>] {
        if self.spilled.is_empty() {
            self.inline.get(..self.inline_len).unwrap_or_default()
        } else {
            &self.spilled
        }
    }

    /// The last field pushed, for changing.
    pub fn last_mut(&mut self) -> Option<&mut Header<'a>> {
        if self.spilled.is_empty() {
            self.inline_len.checked_sub(1).and_then(|last| self.inline.get_mut(last))
        } else {
            self.spilled.last_mut()
        }
    }
}

impl<'a> std::ops::Deref for HeaderList<'a> {
    type Target = [Header<'a>];

    fn deref(&self) -> &[Header<'a>] {
        self.as_slice()
    }
}

impl PartialEq for HeaderList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for HeaderList<'_> {}

impl fmt::Debug for HeaderList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: usize) -> Header<'static> {
        Header { name: HeaderName::Other("X"), value: Cow::Owned(n.to_string()) }
    }

    #[test]
    fn fields_stay_in_order_inline_and_after_moving_to_the_heap() {
        let mut list = HeaderList::new();
        assert!(list.is_empty() && list.last_mut().is_none());
        for n in 0..INLINE_HEADERS * 3 {
            list.push(field(n));
            let values: Vec<String> = list.iter().map(|f| f.value.to_string()).collect();
            let expected: Vec<String> = (0..n).map(|k| format!("{k}!")).chain([n.to_string()]).collect();
            assert_eq!(values, expected, "earlier fields keep their change");
            list.last_mut().unwrap().value.to_mut().push('!');
            assert_eq!(list.last().unwrap().value, format!("{n}!"));
        }
        let copy = list.clone();
        assert_eq!(copy, list);
        assert_eq!(format!("{copy:?}"), format!("{:?}", list.as_slice()));
    }
}
