//! Unguessable per-device URL tokens from the operating system's random source.

use std::fs::File;
use std::io::{self, BufReader, Read};

/// Bytes of randomness in a token: 128 bits.
pub const TOKEN_BYTES: usize = 16;

/// Bytes read from the OS per system call; each is handed out once.
const READ_AHEAD: usize = 4096;

/// Randomness from `/dev/urandom` (the kernel CSPRNG; the same source as getrandom(2),
/// and it never blocks once the system has booted), read a page at a time so that a
/// storm costs one system call per few hundred phones. Every byte is used once.
pub struct TokenSource {
    urandom: BufReader<File>,
}

impl std::fmt::Debug for TokenSource {
    /// Says nothing of the bytes read ahead.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSource(/dev/urandom)")
    }
}

impl TokenSource {
    /// Opens the OS random source.
    pub fn open() -> io::Result<TokenSource> {
        Ok(TokenSource { urandom: BufReader::with_capacity(READ_AHEAD, File::open("/dev/urandom")?) })
    }

    /// A new token: 128 random bits as 32 lower-case hex digits (URL-safe).
    pub fn token(&mut self) -> io::Result<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0u8; TOKEN_BYTES];
        self.urandom.read_exact(&mut bytes)?;
        let mut token = String::with_capacity(TOKEN_BYTES * 2);
        for byte in bytes {
            token.push(char::from(HEX[usize::from(byte >> 4)]));
            token.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        Ok(token)
    }

    /// A random value for SIP tags, branches and Call-IDs (64 bits; these need to be
    /// unique, not secret). Should the OS source ever fail, std's per-process random
    /// hash keys stand in.
    pub fn random_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        match self.urandom.read_exact(&mut bytes) {
            Ok(()) => u64::from_le_bytes(bytes),
            Err(_) => {
                use std::hash::{BuildHasher, Hasher};
                std::collections::hash_map::RandomState::new().build_hasher().finish()
            }
        }
    }
}

/// Compares two tokens in time that does not depend on where they differ, so a client
/// cannot find a token one character at a time by timing.
pub fn tokens_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bit_hex_and_differ() {
        let mut source = TokenSource::open().unwrap();
        let a = source.token().unwrap();
        let b = source.token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn many_tokens_from_one_read_ahead_are_all_different() {
        let mut source = TokenSource::open().unwrap();
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| source.token().unwrap()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|token| token.len() == 32));
        assert_eq!(format!("{source:?}"), "TokenSource(/dev/urandom)", "no bytes in Debug output");
    }

    #[test]
    fn token_comparison_needs_every_byte_equal() {
        assert!(tokens_equal("00ff", "00ff"));
        assert!(!tokens_equal("00ff", "00fe"));
        assert!(!tokens_equal("00ff", "00ff0"));
    }
}
