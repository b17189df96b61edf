//! The status codes every fallible C function returns.

use std::ffi::{c_char, c_int, CStr};

use super::guard::{guard_value, last_error};
use super::strings::copy_out;

/// The result of a fallible gspnp call. GSPNP_STATUS_OK is 0; errors start at 1000 so
/// they cannot be mistaken for -1 or an errno. Values are never renumbered; a retired
/// value stays reserved.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_status {
    /// Success.
    GSPNP_STATUS_OK = 0,
    /// A required pointer argument was NULL.
    GSPNP_STATUS_NULL_PARAMETER = 1000,
    /// An argument's value is outside what the function accepts.
    GSPNP_STATUS_INVALID_ARGUMENT = 1001,
    /// A string argument was not valid UTF-8.
    GSPNP_STATUS_INVALID_UTF8 = 1002,
    /// A Rust panic was caught at the boundary (a bug in gspnp; please report it).
    GSPNP_STATUS_PANIC = 1003,
    /// Not a MAC address.
    GSPNP_STATUS_INVALID_MAC = 1004,
    /// A value is longer than the phone accepts.
    GSPNP_STATUS_VALUE_TOO_LONG = 1005,
    /// A value contains a control character (CR, LF, NUL, ...).
    GSPNP_STATUS_CONTROL_CHARACTER = 1006,
    /// A codec name gspnp does not know.
    GSPNP_STATUS_UNKNOWN_CODEC = 1007,
    /// A key mode gspnp does not know.
    GSPNP_STATUS_UNKNOWN_KEY_MODE = 1008,
    /// More accounts or keys than the phone model has.
    GSPNP_STATUS_LIMIT_EXCEEDED = 1009,
    /// A raw setting name that is neither a P-number nor a known alias.
    GSPNP_STATUS_UNKNOWN_SETTING = 1010,
    /// The datagram is not a well-formed SIP message.
    GSPNP_STATUS_PARSE_ERROR = 1011,
    /// A SIP message, but not a ua-profile SUBSCRIBE.
    GSPNP_STATUS_NOT_UA_PROFILE = 1012,
    /// A ua-profile SUBSCRIBE without a MAC address in it.
    GSPNP_STATUS_NO_MAC = 1013,
    /// The output buffer is too small; the needed size was written.
    GSPNP_STATUS_BUFFER_TOO_SMALL = 1014,
    /// The server is already running.
    GSPNP_STATUS_ALREADY_RUNNING = 1015,
    /// The server is not running.
    GSPNP_STATUS_NOT_RUNNING = 1016,
    /// This function may not be called from inside a gspnp callback.
    GSPNP_STATUS_CALLED_FROM_CALLBACK = 1017,
    /// The SIP port is taken and cannot be shared.
    GSPNP_STATUS_ADDRESS_IN_USE = 1018,
    /// A named interface does not exist or has no IPv4 address.
    GSPNP_STATUS_NO_SUCH_INTERFACE = 1019,
    /// An operating-system call failed; the message says which.
    GSPNP_STATUS_IO_ERROR = 1020,
    /// Nothing arrived before the timeout.
    GSPNP_STATUS_TIMEOUT = 1021,
    /// The server was stopped; no more events will come.
    GSPNP_STATUS_STOPPED = 1022,
    /// The provisioning URL template is not usable.
    GSPNP_STATUS_BAD_URL_TEMPLATE = 1023,
    /// A gspnp thread panicked; the server was stopped.
    GSPNP_STATUS_THREAD_PANICKED = 1024,
    /// A phone model gspnp does not know (where a known model is required).
    GSPNP_STATUS_UNKNOWN_MODEL = 1025,
    /// Too many requests are queued for the network thread; try again.
    GSPNP_STATUS_BUSY = 1026,
    /// The event or object is of another kind than the function reads.
    GSPNP_STATUS_WRONG_KIND = 1027,
    /// The server is not in the mode this call needs (feed mode, or started without
    /// callbacks for the pull API).
    GSPNP_STATUS_WRONG_MODE = 1028,
    /// The server knows no phone with this MAC.
    GSPNP_STATUS_NOT_FOUND = 1029,
}

/// Every status with its English description, as data.
const DESCRIPTIONS: &[(gspnp_status, &CStr)] = {
    use gspnp_status::*;
    &[
        (GSPNP_STATUS_OK, c"ok"),
        (GSPNP_STATUS_NULL_PARAMETER, c"a required pointer argument was NULL"),
        (GSPNP_STATUS_INVALID_ARGUMENT, c"invalid argument"),
        (GSPNP_STATUS_INVALID_UTF8, c"string is not valid UTF-8"),
        (GSPNP_STATUS_PANIC, c"internal error (panic caught)"),
        (GSPNP_STATUS_INVALID_MAC, c"not a MAC address"),
        (GSPNP_STATUS_VALUE_TOO_LONG, c"value too long"),
        (GSPNP_STATUS_CONTROL_CHARACTER, c"value contains a control character"),
        (GSPNP_STATUS_UNKNOWN_CODEC, c"unknown codec"),
        (GSPNP_STATUS_UNKNOWN_KEY_MODE, c"unknown key mode"),
        (GSPNP_STATUS_LIMIT_EXCEEDED, c"more accounts or keys than the model has"),
        (GSPNP_STATUS_UNKNOWN_SETTING, c"unknown setting"),
        (GSPNP_STATUS_PARSE_ERROR, c"not a well-formed SIP message"),
        (GSPNP_STATUS_NOT_UA_PROFILE, c"not a ua-profile SUBSCRIBE"),
        (GSPNP_STATUS_NO_MAC, c"no MAC address in the SUBSCRIBE"),
        (GSPNP_STATUS_BUFFER_TOO_SMALL, c"buffer too small"),
        (GSPNP_STATUS_ALREADY_RUNNING, c"server already running"),
        (GSPNP_STATUS_NOT_RUNNING, c"server not running"),
        (GSPNP_STATUS_CALLED_FROM_CALLBACK, c"not allowed from inside a callback"),
        (GSPNP_STATUS_ADDRESS_IN_USE, c"address in use"),
        (GSPNP_STATUS_NO_SUCH_INTERFACE, c"no such interface"),
        (GSPNP_STATUS_IO_ERROR, c"I/O error"),
        (GSPNP_STATUS_TIMEOUT, c"timed out"),
        (GSPNP_STATUS_STOPPED, c"server stopped"),
        (GSPNP_STATUS_BAD_URL_TEMPLATE, c"bad provisioning URL template"),
        (GSPNP_STATUS_THREAD_PANICKED, c"a gspnp thread panicked"),
        (GSPNP_STATUS_UNKNOWN_MODEL, c"unknown phone model"),
        (GSPNP_STATUS_BUSY, c"too many requests queued; try again"),
        (GSPNP_STATUS_WRONG_KIND, c"the event is of another kind"),
        (GSPNP_STATUS_WRONG_MODE, c"the server is not in the mode this call needs"),
        (GSPNP_STATUS_NOT_FOUND, c"no such phone"),
    ]
};

/// A static, NUL-terminated English description of a status value. Never NULL; never
/// free it. A value this library does not know gives "unknown status". Takes an `int`
/// so that any value from C is safe to pass.
#[no_mangle]
pub extern "C" fn gspnp_status_str(status: c_int) -> *const c_char {
    guard_value(c"unknown status".as_ptr(), || {
        DESCRIPTIONS
            .iter()
            .find(|(known, _)| *known as c_int == status)
            .map_or(c"unknown status".as_ptr(), |(_, text)| text.as_ptr())
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

    #[test]
    fn every_status_has_a_description_and_values_never_move() {
        assert_eq!(DESCRIPTIONS.len(), gspnp_status::GSPNP_STATUS_NOT_FOUND as usize - 1000 + 2);
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
