//! The MAC address that names a phone everywhere in gspnp.

use std::fmt;
use std::str::FromStr;

/// A 48-bit MAC address. Displays as 12 lower-case hex digits (`000b82f55284`),
/// the form Grandstream uses in file names and HTTP User-Agents.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

/// The text was not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMac;

impl fmt::Display for BadMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a MAC address (want 12 hex digits, optionally separated by ':' or '-')")
    }
}

impl std::error::Error for BadMac {}

impl Mac {
    /// Parses exactly 12 hex digits in either case, with no separators.
    pub fn from_hex12(text: &[u8]) -> Result<Mac, BadMac> {
        if text.len() != 12 {
            return Err(BadMac);
        }
        let mut out = [0u8; 6];
        for (i, pair) in text.chunks_exact(2).enumerate() {
            out[i] = (hex_value(pair[0]).ok_or(BadMac)? << 4) | hex_value(pair[1]).ok_or(BadMac)?;
        }
        Ok(Mac(out))
    }

    /// The first three octets (the vendor's OUI) as 6 lower-case hex digits.
    pub fn oui(&self) -> [u8; 3] {
        [self.0[0], self.0[1], self.0[2]]
    }

    /// The 12 lower-case hex digits, without allocating.
    pub fn to_hex(&self) -> [u8; 12] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 12];
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = DIGITS[(byte >> 4) as usize];
            out[2 * i + 1] = DIGITS[(byte & 15) as usize];
        }
        out
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl FromStr for Mac {
    type Err = BadMac;

    /// Accepts `000b82f55284`, `000B82F55284`, `00:0b:82:f5:52:84` and `00-0b-82-f5-52-84`.
    fn from_str(text: &str) -> Result<Mac, BadMac> {
        let bytes = text.trim().as_bytes();
        if bytes.len() == 17 {
            let sep = bytes[2];
            if sep != b':' && sep != b'-' {
                return Err(BadMac);
            }
            let mut digits = [0u8; 12];
            for (i, chunk) in bytes.split(|&c| c == sep).enumerate() {
                if i >= 6 || chunk.len() != 2 {
                    return Err(BadMac);
                }
                digits[2 * i..2 * i + 2].copy_from_slice(chunk);
            }
            return Mac::from_hex12(&digits);
        }
        Mac::from_hex12(bytes)
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        // to_hex only produces ASCII hex digits.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_normalises_to_lower_case_hex() {
        for text in ["000B82F55284", "000b82f55284", "00:0b:82:F5:52:84", "00-0B-82-f5-52-84"] {
            assert_eq!(text.parse::<Mac>().unwrap().to_string(), "000b82f55284", "{text}");
        }
    }

    #[test]
    fn wrong_length_separators_and_digits_are_refused() {
        for text in [
            "",
            "000b82f5528",
            "000b82f552845",
            "000b82f5528g",
            "00:0b:82-f5:52:84",
            "00:0b:82:f5:52:8",
            "00::0b:82:f5:52:84",
        ] {
            assert!(text.parse::<Mac>().is_err(), "{text}");
        }
    }

    #[test]
    fn oui_is_the_first_three_octets() {
        let mac: Mac = "c074ad112233".parse().unwrap();
        assert_eq!(mac.oui(), [0xc0, 0x74, 0xad]);
    }
}
