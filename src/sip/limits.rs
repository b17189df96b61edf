//! The bounds [`parse`](super::parse()) enforces, so that a hostile datagram costs
//! little time and memory. Exceeding one is a [`ParseError`](super::ParseError).

/// The longest datagram accepted: the largest UDP payload.
pub const MAX_DATAGRAM_LEN: usize = 65_535;

/// The most header fields one message may carry (a multi-value field counts once).
pub const MAX_HEADERS: usize = 128;

/// The longest start line, or header field with its folded continuation lines, in bytes.
pub const MAX_LINE_LEN: usize = 8_192;
