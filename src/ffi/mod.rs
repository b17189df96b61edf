//! The C ABI. Every `unsafe` of the crate lives below this module; every exported
//! function is `#[no_mangle] pub extern "C"`, starts with `gspnp_`, and runs its body
//! inside [`guard`] so that no panic unwinds into the host.

#[macro_use]
mod guard;
mod status;
mod strings;
mod version;

pub use status::gspnp_status;
pub use strings::gspnp_str;
