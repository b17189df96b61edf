//! The usual shape of a parameter list, checked in one pass: `;name`,
//! `;name=plain` or `;name="quoted"` repeated, with no white space. Every list of
//! that shape is well formed; any other goes to the whole grammar.

use super::lex::quoted_string;
use super::params::{Param, NAME_BYTES, PLAIN_VALUE_BYTES};

/// True when `raw` is empty or a list of the usual shape; then `visit` has seen
/// each parameter in order, as [`Params::iter`](super::Params::iter) gives them.
pub(super) fn each_simple<'a>(raw: &'a str, mut visit: impl FnMut(Param<'a>)) -> bool {
    let mut rest = raw;
    while !rest.is_empty() {
        let Some(after_semicolon) = rest.strip_prefix(';') else {
            return false;
        };
        let name_len = NAME_BYTES.prefix_len(after_semicolon.as_bytes());
        let after_name = after_semicolon.get(name_len..).unwrap_or_default();
        let name = after_semicolon.get(..name_len).unwrap_or_default();
        if name_len == 0 {
            return false;
        }
        let (value, after) = match after_name.strip_prefix('=') {
            None => (None, after_name),
            Some(value) if value.starts_with('"') => match quoted_string(value) {
                Ok((after, quoted)) => (Some(quoted), after),
                Err(_) => return false,
            },
            Some(value) => {
                let value_len = PLAIN_VALUE_BYTES.prefix_len(value.as_bytes());
                if value_len == 0 {
                    return false;
                }
                (value.get(..value_len), value.get(value_len..).unwrap_or_default())
            }
        };
        visit(Param { name, value });
        rest = after;
    }
    true
}
