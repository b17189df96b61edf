//! Unguessable per-device URL tokens and SIP identifiers, from a random source the
//! engine is given: the operating system's by default, a seeded one in tests.

use std::fs::File;
use std::io::{self, BufReader, Read};

/// Bytes of randomness in a token: 128 bits.
pub const TOKEN_BYTES: usize = 16;

/// Bytes read from the OS per system call; each is handed out once.
const READ_AHEAD: usize = 4096;

/// Where the engine's randomness comes from. Tokens are secrets: a production source
/// must be a CSPRNG ([`OsRandom`]).
pub trait RandomSource: Send {
    /// Fills `bytes` with random bytes.
    fn fill(&mut self, bytes: &mut [u8]) -> io::Result<()>;
}

/// Randomness from `/dev/urandom` (the kernel CSPRNG; the same source as getrandom(2),
/// and it never blocks once the system has booted), read a page at a time so that a
/// storm costs one system call per few hundred phones. Every byte is used once.
pub struct OsRandom {
    urandom: BufReader<File>,
}

impl std::fmt::Debug for OsRandom {
    /// Says nothing of the bytes read ahead.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OsRandom(/dev/urandom)")
    }
}

impl OsRandom {
    /// Opens the OS random source.
    pub fn open() -> io::Result<OsRandom> {
        Ok(OsRandom { urandom: BufReader::with_capacity(READ_AHEAD, File::open("/dev/urandom")?) })
    }
}

impl RandomSource for OsRandom {
    fn fill(&mut self, bytes: &mut [u8]) -> io::Result<()> {
        self.urandom.read_exact(bytes)
    }
}

/// A repeatable source (xorshift64*) for tests and the fuzzer: the same seed gives the
/// same tokens, tags and branches. Predictable: never for a server.
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    /// Starts from `seed` (0 is taken as 1).
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(seed.max(1))
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, bytes: &mut [u8]) -> io::Result<()> {
        for chunk in bytes.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let word = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

/// Tokens and identifiers drawn from a [`RandomSource`].
pub struct TokenSource {
    source: Box<dyn RandomSource>,
}

impl std::fmt::Debug for TokenSource {
    /// Says nothing of the source's state.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSource")
    }
}

impl TokenSource {
    /// Draws from `source`.
    pub fn new(source: Box<dyn RandomSource>) -> TokenSource {
        TokenSource { source }
    }

    /// A new token: 128 random bits as 32 lower-case hex digits (URL-safe).
    pub fn token(&mut self) -> io::Result<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = [0u8; TOKEN_BYTES];
        self.source.fill(&mut bytes)?;
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
        match self.source.fill(&mut bytes) {
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
        let mut source = TokenSource::new(Box::new(OsRandom::open().unwrap()));
        let a = source.token().unwrap();
        let b = source.token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn many_tokens_from_one_read_ahead_are_all_different() {
        let mut source = TokenSource::new(Box::new(OsRandom::open().unwrap()));
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| source.token().unwrap()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|token| token.len() == 32));
        assert_eq!(format!("{source:?}"), "TokenSource", "no bytes in Debug output");
    }

    #[test]
    fn a_seeded_source_repeats_itself_and_differs_by_seed() {
        let draw = |seed| {
            let mut source = TokenSource::new(Box::new(SeededRandom::new(seed)));
            (source.token().unwrap(), source.random_u64())
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn token_comparison_needs_every_byte_equal() {
        assert!(tokens_equal("00ff", "00ff"));
        assert!(!tokens_equal("00ff", "00fe"));
        assert!(!tokens_equal("00ff", "00ff0"));
    }
}
