//! What a ua-profile SUBSCRIBE says about the phone that sent it: MAC, vendor,
//! model, firmware, User-Agent, Contact and source address. Pure: no I/O.
//!
//! [`decode_datagram`] (or [`decode_subscribe`] on an already parsed
//! [`Message`](crate::sip::Message)) yields a [`DeviceInfo`] whose strings are
//! [sanitised](sanitize()) and safe to log and echo, or a [`DecodeError`] that
//! says why the datagram is not a usable ua-profile SUBSCRIBE.

mod decode;
mod error;
mod info;
mod mac_user;
mod sanitize;
mod user_agent;

pub use decode::{decode_datagram, decode_subscribe, SubscribeHeaders};
pub use error::DecodeError;
pub use info::DeviceInfo;
pub use sanitize::{sanitize, MAX_FIELD_LEN};
