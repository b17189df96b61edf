//! Versions of the loaded library, for hosts and wrappers to check at run time.

use std::ffi::c_char;

/// The ABI generation of this library. It changes only when the soname changes, i.e.
/// when a function, struct or enum value changes incompatibly.
pub const GSPNP_ABI_VERSION: u32 = 1;

/// The version of the loaded library ("0.1.0"), a static NUL-terminated string. Compare
/// it with GSPNP_VERSION_STRING from the header you compiled against. Never free it.
#[no_mangle]
pub extern "C" fn gspnp_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI generation of the loaded library (GSPNP_ABI_VERSION). A wrapper refuses a
/// library whose ABI generation it was not written for.
#[no_mangle]
pub extern "C" fn gspnp_abi_version() -> u32 {
    GSPNP_ABI_VERSION
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn loaded_version_matches_cargo_and_header_macros() {
        let text = unsafe { CStr::from_ptr(gspnp_version()) }.to_str().unwrap();
        assert_eq!(text, env!("CARGO_PKG_VERSION"));
        let header = include_str!(concat!(env!("OUT_DIR"), "/gspnp.h"));
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        assert!(header.contains(&format!("#define GSPNP_VERSION_MAJOR {major}\n")));
        assert!(header.contains(&format!("#define GSPNP_VERSION_STRING \"{text}\"")));
    }

    #[test]
    fn checked_in_header_equals_the_generated_one() {
        let generated = include_str!(concat!(env!("OUT_DIR"), "/gspnp.h"));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/gspnp.h");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "include/gspnp.h is stale: run `make header` (it copies {}/gspnp.h) and commit it",
            env!("OUT_DIR")
        );
    }
}
