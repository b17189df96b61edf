//! From a byte offset in the config file to a line, a column and the key there, and
//! from a key path back to its place in the file.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::path::{KeyPath, Step};

/// A line and column, both counted from 1 (the column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// From 1.
    pub line: usize,
    /// From 1, in characters.
    pub column: usize,
}

/// The line and column of byte `offset` in `text` (clamped to the text).
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Position { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
}

/// The deepest key or array element whose key or value covers byte `offset`.
pub fn path_at(table: &DeTable<'_>, offset: usize) -> KeyPath {
    let mut path = KeyPath::root();
    descend_table(table, offset, &mut path);
    path
}

fn covers(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset < span.end.max(span.start + 1)
}

fn descend_table(table: &DeTable<'_>, offset: usize, path: &mut KeyPath) {
    for (key, value) in table.iter() {
        if covers(&key.span(), offset) {
            *path = path.key(key.get_ref());
            return;
        }
        if covers(&value.span(), offset) || contains(value, offset) {
            *path = path.key(key.get_ref());
            descend_value(value, offset, path);
            return;
        }
    }
}

fn descend_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut KeyPath) {
    match value.get_ref() {
        DeValue::Table(table) => descend_table(table, offset, path),
        DeValue::Array(array) => {
            for (index, element) in array.iter().enumerate() {
                if covers(&element.span(), offset) || contains(element, offset) {
                    *path = path.index(index);
                    descend_value(element, offset, path);
                    return;
                }
            }
        }
        _ => {}
    }
}

/// Whether anything inside `value` covers `offset`. A table written as `[section]`
/// spans only its header, so its keys are searched too.
fn contains(value: &Spanned<DeValue<'_>>, offset: usize) -> bool {
    match value.get_ref() {
        DeValue::Table(table) => table.iter().any(|(key, inner)| {
            covers(&key.span(), offset) || covers(&inner.span(), offset) || contains(inner, offset)
        }),
        DeValue::Array(array) => {
            array.iter().any(|element| covers(&element.span(), offset) || contains(element, offset))
        }
        _ => false,
    }
}

/// Where the value (or, for a table, the key) at `path` is written; None when the file
/// does not have it (a default was used), in which case the nearest enclosing entry is
/// given.
pub fn span_of(table: &Spanned<DeTable<'_>>, path: &KeyPath) -> Range<usize> {
    let mut best = table.span();
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for step in path.steps() {
        let next = match (step, current.map(Spanned::get_ref)) {
            (Step::Key(key), None) => find_key(table.get_ref(), key, &mut best),
            (Step::Key(key), Some(DeValue::Table(inner))) => find_key(inner, key, &mut best),
            (Step::Index(index), Some(DeValue::Array(array))) => array.get(*index),
            _ => None,
        };
        let Some(next) = next else { break };
        if !matches!(step, Step::Key(_)) || !matches!(next.get_ref(), DeValue::Table(_) | DeValue::Array(_)) {
            best = next.span();
        }
        current = Some(next);
    }
    best
}

/// The value of `key` in `table`; `best` becomes the key's span.
fn find_key<'t, 'i>(table: &'t DeTable<'i>, key: &str, best: &mut Range<usize>) -> Option<&'t Spanned<DeValue<'i>>> {
    let (found_key, value) = table.iter().find(|(candidate, _)| candidate.get_ref() == key)?;
    *best = found_key.span();
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str =
        "[sip]\nport = 5060\n\n[[phone]]\nmac = \"a\"\n\n[[phone]]\nmac = \"b\"\n[[phone.account]]\nuser = \"1001\"\n";

    fn offset_of(needle: &str) -> usize {
        DOCUMENT.find(needle).unwrap()
    }

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        assert_eq!(position("ab\ncd", 0), Position { line: 1, column: 1 });
        assert_eq!(position("ab\ncd", 4), Position { line: 2, column: 2 });
        assert_eq!(position("é\nx", 1), Position { line: 1, column: 1 });
        assert_eq!(position("x", 99), Position { line: 1, column: 2 });
    }

    #[test]
    fn an_offset_names_the_key_written_there() {
        let table = DeTable::parse(DOCUMENT).unwrap();
        assert_eq!(path_at(table.get_ref(), offset_of("5060")).to_string(), "sip.port");
        assert_eq!(path_at(table.get_ref(), offset_of("\"b\"")).to_string(), "phone[1].mac");
        assert_eq!(path_at(table.get_ref(), offset_of("\"1001\"")).to_string(), "phone[1].account[0].user");
    }

    #[test]
    fn a_path_leads_back_to_its_line() {
        let table = DeTable::parse(DOCUMENT).unwrap();
        let line_of = |path: KeyPath| position(DOCUMENT, span_of(&table, &path).start).line;
        assert_eq!(line_of(KeyPath::root().key("sip").key("port")), 2);
        assert_eq!(line_of(KeyPath::root().key("phone").index(1).key("mac")), 8);
        assert_eq!(line_of(KeyPath::root().key("phone").index(1).key("account").index(0).key("user")), 10);
        // A key the file lacks: the nearest entry that is there.
        assert_eq!(line_of(KeyPath::root().key("phone").index(0).key("model")), 4);
    }
}
