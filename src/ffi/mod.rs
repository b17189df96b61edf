//! The C ABI. Every `unsafe` of the crate lives below this module; every exported
//! function is `#[no_mangle] pub extern "C"`, starts with `gspnp_`, and runs its body
//! inside [`guard::guard`] so that no panic unwinds into the host.

#[macro_use]
mod guard;
mod abi;
mod callbacks;
mod castable;
mod decode;
mod devices;
mod event;
mod profile;
mod resync;
mod server;
mod server_config;
mod server_handle;
mod status;
mod strings;
mod version;
mod views;
