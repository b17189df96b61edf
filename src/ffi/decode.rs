//! gspnp_decode: what one datagram says about the phone that sent it, without a server.

use super::castable::{borrow, free, into_c, Castable};
use super::guard::{guard, Failure};
use super::status::gspnp_status;
use super::strings::bytes_arg;
use super::views::{gspnp_addr, gspnp_device, mac_text, MacText};
use crate::device::{self, DecodeError, DeviceInfo};

/// A decoded phone, owned by the host until gspnp_decoded_free().
#[allow(non_camel_case_types)]
pub struct gspnp_decoded {
    _private: [u8; 0],
}

impl Castable for gspnp_decoded {
    type Rust = Decoded;
}

pub(crate) struct Decoded {
    info: DeviceInfo,
    mac: MacText,
}

/// Decodes one datagram (a ua-profile SUBSCRIBE, CRLF or LF line ends) that came from
/// `source`, and writes the result to `*out` (free it with gspnp_decoded_free()).
/// Errors: GSPNP_STATUS_PARSE_ERROR (not SIP), GSPNP_STATUS_NOT_UA_PROFILE (another
/// request or event), GSPNP_STATUS_NO_MAC; the message says more. Pure: no socket, no
/// thread, safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn gspnp_decode(
    data: *const u8,
    len: usize,
    source: gspnp_addr,
    out: *mut *mut gspnp_decoded,
) -> gspnp_status {
    guard(|| {
        // SAFETY: the caller passes len readable bytes at data.
        let datagram = unsafe { bytes_arg(data, len, "data") }?;
        require!(out);
        let info = device::decode_datagram(datagram, source.into()).map_err(decode_failure)?;
        let mac = mac_text(&info.mac);
        // SAFETY: out is writable (checked non-NULL).
        unsafe { *out = into_c(Decoded { info, mac }) };
        Ok(())
    })
}

fn decode_failure(error: DecodeError) -> Failure {
    use gspnp_status::*;
    let status = match &error {
        DecodeError::Parse(_) => GSPNP_STATUS_PARSE_ERROR,
        DecodeError::NoMac => GSPNP_STATUS_NO_MAC,
        _ => GSPNP_STATUS_NOT_UA_PROFILE,
    };
    Failure::new(status, error.to_string())
}

/// The phone, as views valid until gspnp_decoded_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_decoded_device(decoded: *const gspnp_decoded, out: *mut gspnp_device) -> gspnp_status {
    guard(|| {
        let decoded = borrow(decoded, "decoded")?;
        require!(out);
        // SAFETY: out is writable; the views borrow `decoded`.
        unsafe { *out = gspnp_device::new(&decoded.info, decoded.mac.as_str()) };
        Ok(())
    })
}

/// Frees a decoded phone. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn gspnp_decoded_free(decoded: *mut gspnp_decoded) {
    super::guard::guard_value((), || free(decoded))
}
