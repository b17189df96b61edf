//! From a header name as sent (full or compact form, any case) to its row in
//! the table of known headers, in at most a few comparisons: the spellings are
//! bucketed by length and first letter when the crate is compiled.

use super::header::KNOWN_HEADERS;

const BUCKETS: usize = 128;
const SLOTS: usize = 3;
const EMPTY: u8 = u8::MAX;
/// The longest canonical spelling that can be folded.
const MAX_LEN: usize = 24;

/// The rows whose canonical spelling falls in each bucket.
static BY_BUCKET: [[u8; SLOTS]; BUCKETS] = by_bucket();
/// The row of each byte that is a compact form, in either case.
static BY_COMPACT_FORM: [u8; 256] = by_compact_form();
/// The canonical spelling of each row, folded.
static FOLDED: [Folded; KNOWN_HEADERS.len()] = folded();

/// A spelling folded for an ASCII case-insensitive compare: its bytes in lower
/// case, and the case bit (0x20) of each of its letters. A byte `b` matches the
/// spelling's byte `k` exactly when `b | case bit == lower(k)`.
struct Folded {
    len: usize,
    lower: [u8; MAX_LEN],
    case_bits: [u8; MAX_LEN],
}

impl Folded {
    const fn of(spelling: &str) -> Folded {
        let bytes = spelling.as_bytes();
        assert!(bytes.len() <= MAX_LEN, "a known header name is too long to fold");
        let mut folded = Folded { len: bytes.len(), lower: [0; MAX_LEN], case_bits: [0; MAX_LEN] };
        let mut index = 0;
        while index < bytes.len() {
            folded.lower[index] = bytes[index].to_ascii_lowercase();
            if bytes[index].is_ascii_alphabetic() {
                folded.case_bits[index] = 0x20;
            }
            index += 1;
        }
        folded
    }

    /// True when `name` is this spelling in any case.
    fn matches(&self, name: &[u8]) -> bool {
        let differences = name.iter().zip(&self.lower).zip(&self.case_bits).map(|((b, l), c)| (b | c) ^ l);
        name.len() == self.len && differences.fold(0, |all, difference| all | difference) == 0
    }
}

/// The bucket of a spelling of `len` bytes starting with `first` (any case).
const fn bucket(len: usize, first: u8) -> usize {
    ((first.to_ascii_lowercase() as usize) * 5 + len * 3) % BUCKETS
}

const fn by_bucket() -> [[u8; SLOTS]; BUCKETS] {
    assert!(KNOWN_HEADERS.len() < EMPTY as usize);
    let mut table = [[EMPTY; SLOTS]; BUCKETS];
    let mut row = 0;
    while row < KNOWN_HEADERS.len() {
        let bytes = KNOWN_HEADERS[row].canonical.as_bytes();
        let slots = &mut table[bucket(bytes.len(), bytes[0])];
        let mut slot = 0;
        while slot < SLOTS && slots[slot] != EMPTY {
            slot += 1;
        }
        assert!(slot < SLOTS, "a bucket of known header names is full");
        slots[slot] = row as u8;
        row += 1;
    }
    table
}

const fn by_compact_form() -> [u8; 256] {
    let mut table = [EMPTY; 256];
    let mut row = 0;
    while row < KNOWN_HEADERS.len() {
        if let Some(compact) = KNOWN_HEADERS[row].compact {
            let byte = compact.as_bytes()[0];
            table[byte.to_ascii_lowercase() as usize] = row as u8;
            table[byte.to_ascii_uppercase() as usize] = row as u8;
        }
        row += 1;
    }
    table
}

const fn folded() -> [Folded; KNOWN_HEADERS.len()] {
    let mut table = [const { Folded { len: 0, lower: [0; MAX_LEN], case_bits: [0; MAX_LEN] } }; KNOWN_HEADERS.len()];
    let mut row = 0;
    while row < KNOWN_HEADERS.len() {
        table[row] = Folded::of(KNOWN_HEADERS[row].canonical);
        row += 1;
    }
    table
}

/// The row of [`KNOWN_HEADERS`] that `name` spells (canonical or compact form,
/// ASCII case-insensitive), if any.
pub(super) fn row_of_wire_name(name: &str) -> Option<usize> {
    let bytes = name.as_bytes();
    let first = *bytes.first()?;
    let row = if bytes.len() == 1 {
        BY_COMPACT_FORM.get(usize::from(first)).copied()
    } else {
        let slots = BY_BUCKET.get(bucket(bytes.len(), first))?;
        slots.iter().copied().find(|&row| FOLDED.get(usize::from(row)).is_some_and(|folded| folded.matches(bytes)))
    };
    row.filter(|&row| row != EMPTY).map(usize::from)
}

#[cfg(test)]
mod tests {
    use super::super::header::KnownHeader;
    use super::*;

    /// The lookup by scanning every row, as the table must answer.
    fn by_scanning(name: &str) -> Option<usize> {
        let spells = |known: &KnownHeader| {
            known.canonical.eq_ignore_ascii_case(name) || known.compact.is_some_and(|c| c.eq_ignore_ascii_case(name))
        };
        KNOWN_HEADERS.iter().position(spells)
    }

    #[test]
    fn the_table_agrees_with_a_scan_of_every_row() {
        let mut names: Vec<String> = vec![String::new(), "X-Grandstream-PBX".into(), "é".into(), "Via ".into()];
        for known in KNOWN_HEADERS {
            for spelling in std::iter::once(known.canonical).chain(known.compact) {
                names.push(spelling.to_owned());
                names.push(spelling.to_ascii_uppercase());
                names.push(spelling.to_ascii_lowercase());
                names.push(format!("{spelling}x"));
                names.push(spelling.get(1..).unwrap_or("").to_owned());
                names.push(spelling.replace('-', "_"));
            }
        }
        for letter in 0..=u8::MAX {
            names.push(String::from_utf8_lossy(&[letter]).into_owned());
            // Bytes that equal a letter or `-` but for the case bit must not match.
            names.push(format!("Call{}ID", char::from(letter & 0x7f)));
            names.push(format!("{}ia", char::from(letter & 0x7f)));
        }
        for name in &names {
            assert_eq!(row_of_wire_name(name), by_scanning(name), "{name:?}");
        }
    }
}
