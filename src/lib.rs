//! gspnp: the PBX side of SIP ua-profile "Plug and Play" for Grandstream GRP26xx phones.
//!
//! Layers, each using only those listed before it:
//! - [`mac`], [`sip`] (wire format) and [`provision`] (config files): pure;
//! - [`device`]: what a ua-profile SUBSCRIBE says about the phone that sent it;
//! - [`engine`]: the PnP state machine, sans-IO (time and datagrams are passed in);
//! - [`runtime`]: sockets, the listener and callback threads, channels;
//! - `ffi`: the C ABI, the only place with `unsafe` (the compiler holds every other
//!   module to that: `unsafe_code` is denied outside `ffi`).

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod device;
pub mod engine;
pub mod mac;
pub mod provision;
pub mod runtime;
pub mod sip;

#[allow(unsafe_code)]
mod ffi;

pub use mac::Mac;

/// The library version, as in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
