//! The lines of a datagram, each without its LF or CRLF, and whether each is
//! text without a CR (known from one UTF-8 validation of the datagram and a
//! search for the line's first CR or LF).

use super::error::ParseError;
use super::limits::MAX_LINE_LEN;

/// The lines of a datagram, in order.
pub(super) struct Lines<'a> {
    data: &'a [u8],
    /// The longest prefix of `data` that is UTF-8, validated once for all lines.
    text: &'a str,
    line_ends: LineEnds,
    position: usize,
}

/// One line without its line end.
pub(super) struct Line<'a> {
    pub(super) bytes: &'a [u8],
    /// The line as text when it is known to be UTF-8 without a CR in it.
    pub(super) clean: Option<&'a str>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(data: &'a [u8]) -> Lines<'a> {
        let text = match std::str::from_utf8(data) {
            Ok(text) => text,
            Err(error) => {
                data.get(..error.valid_up_to()).and_then(|valid| std::str::from_utf8(valid).ok()).unwrap_or_default()
            }
        };
        Lines { data, text, line_ends: LineEnds::new(), position: 0 }
    }

    /// The next line; `Ok(None)` at the end of the datagram; [`ParseError::Truncated`]
    /// for a last line with no line end, [`ParseError::LineTooLong`] past the limit
    /// (an LF is looked for in the [`MAX_LINE_LEN`] + 2 bytes after the line start).
    pub(super) fn next_line(&mut self) -> Result<Option<Line<'a>>, ParseError> {
        let start = self.position;
        let rest = self.remaining();
        if rest.is_empty() {
            return Ok(None);
        }
        // The first CR or LF ends the line when it is LF or CR LF; any other CR is
        // inside the line, which then ends at the next LF.
        let first_break = self.line_ends.find(rest.get(..MAX_LINE_LEN + 2).unwrap_or(rest));
        let (length, line_end) = match first_break.map(|offset| (offset, rest.get(offset..offset + 2))) {
            Some((offset, Some([b'\n', ..]))) => (offset, 1),
            Some((offset, None)) if rest.last() == Some(&b'\n') => (offset, 1),
            Some((offset, Some(b"\r\n"))) => (offset, 2),
            _ => return self.next_line_with_bare_cr(rest),
        };
        if length > MAX_LINE_LEN {
            return Err(ParseError::LineTooLong);
        }
        self.position += length + line_end;
        let bytes = rest.get(..length).unwrap_or_default();
        Ok(Some(Line { bytes, clean: self.text.get(start..start + length) }))
    }

    /// [`Lines::next_line`] for a line with a CR that does not end it, or no line end.
    fn next_line_with_bare_cr(&mut self, rest: &'a [u8]) -> Result<Option<Line<'a>>, ParseError> {
        let window = rest.get(..MAX_LINE_LEN + 2).unwrap_or(rest);
        let Some(newline) = memchr::memchr(b'\n', window) else {
            return Err(if rest.len() > MAX_LINE_LEN + 1 { ParseError::LineTooLong } else { ParseError::Truncated });
        };
        self.position += newline + 1;
        let line = rest.get(..newline).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE_LEN {
            return Err(ParseError::LineTooLong);
        }
        Ok(Some(Line { bytes: line, clean: None }))
    }

    /// The bytes after the last line read.
    pub(super) fn remaining(&self) -> &'a [u8] {
        self.data.get(self.position..).unwrap_or_default()
    }
}

/// A search for the first CR or LF, with AVX2 when the CPU has it (chosen once per
/// datagram rather than on every search).
struct LineEnds {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::Two>,
}

impl LineEnds {
    fn new() -> LineEnds {
        LineEnds {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::Two::new(b'\r', b'\n'),
        }
    }

    /// The offset of the first CR or LF in `haystack`.
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = &self.avx2 {
            return avx2.find(haystack);
        }
        memchr::memchr2(b'\r', b'\n', haystack)
    }
}

#[cfg(test)]
mod tests {
    use super::super::corpus_tests::corpus_and_mutations;
    use super::*;

    /// The line splitting `Lines` replaced: each line, or the error that ends them.
    fn reference_lines(data: &[u8]) -> Vec<Result<&[u8], ParseError>> {
        let (mut lines, mut position) = (Vec::new(), 0);
        while let Some(rest) = data.get(position..).filter(|rest| !rest.is_empty()) {
            let window = rest.get(..MAX_LINE_LEN + 2).unwrap_or(rest);
            let Some(newline) = window.iter().position(|&byte| byte == b'\n') else {
                lines.push(Err(if rest.len() > MAX_LINE_LEN + 1 {
                    ParseError::LineTooLong
                } else {
                    ParseError::Truncated
                }));
                break;
            };
            position += newline + 1;
            let line = &rest[..newline];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > MAX_LINE_LEN {
                lines.push(Err(ParseError::LineTooLong));
                break;
            }
            lines.push(Ok(line));
        }
        lines
    }

    fn all_lines(data: &[u8]) -> Vec<Result<&[u8], ParseError>> {
        let mut lines = Lines::new(data);
        let mut all = Vec::new();
        loop {
            match lines.next_line() {
                Ok(Some(line)) => {
                    if let Some(text) = line.clean {
                        assert!(text.as_bytes() == line.bytes && !text.contains('\r'), "{data:?}");
                    }
                    all.push(Ok(line.bytes));
                }
                Ok(None) => return all,
                Err(error) => {
                    all.push(Err(error));
                    return all;
                }
            }
        }
    }

    #[test]
    fn lines_are_split_as_before_at_every_kind_of_line_end() {
        let long = |extra: &[u8], at: usize| [vec![b'a'; at], extra.to_vec(), b"b\r\nc\n".to_vec()].concat();
        let mut datagrams = corpus_and_mutations(3_000);
        for ending in [&b"\r"[..], b"\n", b"\r\n", b"\r\r\n", b"\n\r", b"\r\r", b"\xff\r\n"] {
            datagrams.push([b"abc".as_slice(), ending].concat());
            datagrams.push([b"abc".as_slice(), ending, b"def\r\n"].concat());
            for at in MAX_LINE_LEN - 2..MAX_LINE_LEN + 3 {
                datagrams.push(long(ending, at));
            }
        }
        for datagram in &datagrams {
            let text = String::from_utf8_lossy(datagram.get(..200).unwrap_or(datagram)).into_owned();
            assert_eq!(all_lines(datagram), reference_lines(datagram), "{} bytes: {text:?}", datagram.len());
        }
    }
}
