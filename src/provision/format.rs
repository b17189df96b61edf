//! The two Grandstream XML file formats, and how a value is spelled in each.

use std::borrow::Cow;

use super::error::ProvisionError;

/// Which Grandstream XML format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `<config version="1">` with one `<Pnnn>` element per P-value. Accounts 1-6 only.
    V1,
    /// `<config version="2">` with `<item name="alias">` elements. Any account index.
    V2,
}

impl Format {
    /// The format for a config version number (1 or 2).
    pub fn from_version(version: u32) -> Result<Format, ProvisionError> {
        match version {
            1 => Ok(Format::V1),
            2 => Ok(Format::V2),
            other => Err(ProvisionError::invalid(format!("config format version {other} does not exist; use 1 or 2"))),
        }
    }

    /// The config version number written into the file (1 or 2).
    pub fn version(self) -> u32 {
        match self {
            Format::V1 => 1,
            Format::V2 => 2,
        }
    }
}

/// A value whose spelling differs between the formats, e.g. `1` / `Yes`, `0` / `PCMU`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spelling {
    pub v1: &'static str,
    pub v2: &'static str,
}

impl Spelling {
    pub const YES: Spelling = Spelling { v1: "1", v2: "Yes" };
    pub const NO: Spelling = Spelling { v1: "0", v2: "No" };

    /// `Yes` or `No`, spelled for each format.
    pub fn flag(on: bool) -> Spelling {
        if on {
            Spelling::YES
        } else {
            Spelling::NO
        }
    }

    /// The text to write in `format`.
    pub fn pick(self, format: Format) -> &'static str {
        match format {
            Format::V1 => self.v1,
            Format::V2 => self.v2,
        }
    }
}

/// The value of one setting, ready to be written in either format; text is borrowed
/// from the profile, so that planning a file copies no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// The same text in both formats (names, addresses, …).
    Text(&'a str),
    /// The same number in both formats.
    Number(u32),
    /// Spelled differently per format (`1` / `Yes`, `18` / `G.729A/B`, …).
    Spelled(Spelling),
}

impl<'a> Value<'a> {
    pub fn text(text: &'a str) -> Value<'a> {
        Value::Text(text)
    }

    pub fn number(number: impl Into<u32>) -> Value<'a> {
        Value::Number(number.into())
    }

    pub fn flag(on: bool) -> Value<'a> {
        Value::Spelled(Spelling::flag(on))
    }

    /// The text to write in `format`.
    pub fn in_format(&self, format: Format) -> Cow<'a, str> {
        match *self {
            Value::Text(text) => Cow::Borrowed(text),
            Value::Number(number) => Cow::Owned(number.to_string()),
            Value::Spelled(spelling) => Cow::Borrowed(spelling.pick(format)),
        }
    }
}

/// Appends `number` in decimal to `out`, without going through `fmt`.
pub(crate) fn push_decimal(out: &mut Vec<u8>, number: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = number;
    loop {
        start -= 1;
        // rest % 10 < 10: the cast keeps it.
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    match &digits[start..] {
        [digit] => out.push(*digit),
        more => out.extend_from_slice(more),
    }
}

/// Lower-cases `name` and drops spaces, dots, dashes, underscores and slashes, so that
/// `G.729A/B`, `g729ab` and `Speed Dial` compare as `g729ab` and `speeddial`.
pub(crate) fn loose_name(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '_' | '/')).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip() {
        for format in [Format::V1, Format::V2] {
            assert_eq!(Format::from_version(format.version()), Ok(format));
        }
        assert!(Format::from_version(3).is_err());
    }

    #[test]
    fn decimals_match_display() {
        for number in [0, 7, 10, 99, 100, 1363, 23935, 65_535, 1_000_000_000, u32::MAX] {
            let mut out = b"P".to_vec();
            push_decimal(&mut out, number);
            assert_eq!(out, format!("P{number}").into_bytes());
        }
    }

    #[test]
    fn loose_names_ignore_case_and_punctuation() {
        assert_eq!(loose_name("G.729A/B"), "g729ab");
        assert_eq!(loose_name("Speed_Dial"), "speeddial");
    }
}
