//! The SIP wire format (RFC 3261), pure and knowing nothing of Plug and Play.
//!
//! - [`parse()`] turns one UDP datagram into a borrowed [`Message`]; it never
//!   panics, never recurses and stops at the bounds in [`limits`].
//! - [`Message`] gives typed access to the headers a PnP server needs:
//!   [`Via`], [`NameAddr`] (From/To/Contact), [`CSeq`], [`EventHeader`], with
//!   [`Uri`] and [`Params`] below them.
//! - [`MessageWriter`] writes replies into a caller's buffer and refuses any
//!   value that could inject a header.

mod cseq;
pub mod digest;
mod error;
mod event;
mod fields;
mod header;
mod header_list;
mod header_lookup;
mod host;
mod lex;
pub mod limits;
mod lines;
mod message;
mod method;
mod name_addr;
mod params;
mod parse;
mod simple_params;
mod start_line;
mod uri;
mod via;
mod write;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod fast_path_tests;
#[cfg(test)]
pub(crate) mod testdata;

pub use cseq::CSeq;
pub use error::ParseError;
pub use event::EventHeader;
pub use header::{Header, HeaderName};
pub use host::Host;
pub use lex::{is_token, unquote};
pub use message::{HeaderValues, Message, StartLine};
pub use method::Method;
pub use name_addr::NameAddr;
pub use params::{Param, Params};
pub use parse::parse;
pub use uri::{percent_decode, OtherUri, SipUri, Uri};
pub use via::{ResponseVia, Via};
pub use write::{MessageWriter, WriteError};
