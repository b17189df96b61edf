//! The lists that cross the ABI (gspnp_status, gspnp_event_kind, gspnp_stats), as
//! build.rs generates them from abi_lists.rs.

include!(concat!(env!("OUT_DIR"), "/abi_lists.rs"));
