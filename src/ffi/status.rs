//! The status codes every fallible C function returns, and the thread's last error.
//! The list itself is in abi_lists.rs.

use std::ffi::{c_char, c_int};

use super::guard::{guard_value, last_error};
use super::strings::copy_out;

pub(crate) use super::abi::gspnp_status;

/// A static, NUL-terminated English description of a status value. Never NULL; never
/// free it. A value this library does not know gives "unknown status". Takes an `int`
/// so that any value from C is safe to pass.
#[no_mangle]
pub extern "C" fn gspnp_status_str(status: c_int) -> *const c_char {
    guard_value(c"unknown status".as_ptr(), || {
        gspnp_status::ALL
            .iter()
            .find(|known| **known as c_int == status)
            .map_or(c"unknown status".as_ptr(), |known| known.description().as_ptr())
    })
}

/// Copies the detailed message of the calling thread's last failed gspnp call into
/// `buf` (NUL-terminated, truncated to fit; `buf` may be NULL when `len` is 0) and
/// writes its full length without the NUL to `*out_len` unless `out_len` is NULL. The
/// next failing call on the same thread overwrites it; successful calls leave it.
#[no_mangle]
pub unsafe extern "C" fn gspnp_last_error_message(buf: *mut c_char, len: usize, out_len: *mut usize) {
    guard_value((), || {
        let message = last_error();
        // Truncate on a character boundary so the copy stays valid UTF-8.
        let mut fits = message.len().min(len.saturating_sub(1));
        while !message.is_char_boundary(fits) {
            fits -= 1;
        }
        // SAFETY: the caller promises `buf` holds `len` bytes and `out_len` is NULL or writable.
        unsafe { copy_out(&message.as_bytes()[..fits], buf, len, std::ptr::null_mut()) };
        if !out_len.is_null() {
            // SAFETY: as above.
            unsafe { *out_len = message.len() };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_status_has_a_description_and_values_never_move() {
        assert_eq!(gspnp_status::ALL.len(), gspnp_status::GSPNP_STATUS_WRONG_MODE as usize - 1000 + 2);
        assert_eq!(gspnp_status::GSPNP_STATUS_OK as c_int, 0);
        assert_eq!(gspnp_status::GSPNP_STATUS_NULL_PARAMETER as c_int, 1000);
        assert_eq!(gspnp_status::GSPNP_STATUS_UNKNOWN_MODEL as c_int, 1025);
        assert_eq!(gspnp_status::GSPNP_STATUS_WRONG_KIND as c_int, 1027);
        let text = unsafe { CStr::from_ptr(gspnp_status_str(1014)) };
        assert_eq!(text.to_str().unwrap(), "buffer too small");
        let unknown = unsafe { CStr::from_ptr(gspnp_status_str(4242)) };
        assert_eq!(unknown.to_str().unwrap(), "unknown status");
    }
}
