//! Making phone-supplied text safe to keep, log and echo.

/// The most bytes [`sanitize`] keeps.
pub const MAX_FIELD_LEN: usize = 128;

/// Invisible formatting characters that can disguise text in logs and user
/// interfaces: zero-width characters, bidirectional overrides and isolates,
/// invisible operators and the byte-order mark (inclusive ranges).
const INVISIBLE: &[(char, char)] = &[
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{feff}', '\u{feff}'),
];

fn is_unsafe(c: char) -> bool {
    c.is_control() || INVISIBLE.iter().any(|&(first, last)| (first..=last).contains(&c))
}

/// `text` without control characters (C0, DEL, C1) or invisible formatting
/// characters, trimmed, and cut to at most [`MAX_FIELD_LEN`] bytes on a
/// character boundary.
pub fn sanitize(text: &str) -> String {
    let mut kept = String::with_capacity(text.len().min(MAX_FIELD_LEN));
    for c in text.trim_start().chars().filter(|&c| !is_unsafe(c)) {
        if kept.len() + c.len_utf8() > MAX_FIELD_LEN {
            break;
        }
        kept.push(c);
    }
    let trimmed_len = kept.trim_end().len();
    kept.truncate(trimmed_len);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_kept() {
        assert_eq!(sanitize("Grandstream GRP2614 1.0.0.31"), "Grandstream GRP2614 1.0.0.31");
        assert_eq!(sanitize("  padded \t"), "padded");
        assert_eq!(sanitize(""), "");
    }

    #[test]
    fn control_and_invisible_characters_are_removed() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{7}\u{7f}\0b"), "a[31mredb");
        assert_eq!(sanitize("x\u{85}y\u{9b}z"), "xyz");
        assert_eq!(sanitize("evil\u{202e}txt.exe\u{200b}\u{feff}"), "eviltxt.exe");
        assert_eq!(sanitize("tab\tand newline\r\n"), "taband newline");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(sanitize(&"a".repeat(1000)), "a".repeat(MAX_FIELD_LEN));
        let accents = sanitize(&"é".repeat(100));
        assert_eq!((accents.len(), accents.chars().count()), (128, 64));
        let shifted = sanitize(&format!("a{}", "€".repeat(100)));
        assert!(shifted.len() <= MAX_FIELD_LEN && shifted.len() > MAX_FIELD_LEN - 3);
    }
}
