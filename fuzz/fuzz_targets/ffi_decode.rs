//! gspnp_decode, the C entry point, through its exported symbol (the ffi module is
//! private, but its `#[no_mangle]` functions are in the rlib): no input may make it
//! fail other than with a status, and what it returns agrees with the Rust decoder.
#![no_main]

use std::ffi::{c_char, c_int, c_void};
use std::net::{Ipv4Addr, SocketAddrV4};

use libfuzzer_sys::fuzz_target;

#[repr(C)]
#[derive(Clone, Copy)]
struct Addr {
    octets: [u8; 4],
    port: u16,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Str {
    data: *const c_char,
    len: usize,
}

#[repr(C)]
struct Device {
    mac: Str,
    vendor: Str,
    model: Str,
    firmware: Str,
    profile_type: Str,
    user_agent: Str,
    contact: Str,
    source: Addr,
}

const OK: c_int = 0;
const PANIC: c_int = 1003;

extern "C" {
    fn gspnp_decode(data: *const u8, len: usize, source: Addr, out: *mut *mut c_void) -> c_int;
    fn gspnp_decoded_device(decoded: *const c_void, out: *mut Device) -> c_int;
    fn gspnp_decoded_free(decoded: *mut c_void);
    fn gspnp_last_error_message(buf: *mut c_char, len: usize, out_len: *mut usize);
}

fn text(view: Str) -> String {
    if view.len == 0 {
        return String::new();
    }
    assert!(!view.data.is_null());
    // SAFETY: a view returned by gspnp points at `len` bytes valid until the free.
    let bytes = unsafe { std::slice::from_raw_parts(view.data.cast::<u8>(), view.len) };
    String::from_utf8(bytes.to_vec()).expect("gspnp strings are UTF-8")
}

fuzz_target!(|data: &[u8]| {
    let source = Addr { octets: [192, 0, 2, 9], port: 5080 };
    let rust_source = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 9), 5080);
    let expected = gspnp::device::decode_datagram(data, rust_source);
    let mut decoded: *mut c_void = std::ptr::null_mut();
    // SAFETY: data is readable for its length; out is a valid pointer.
    let status = unsafe { gspnp_decode(data.as_ptr(), data.len(), source, &mut decoded) };
    assert_ne!(status, PANIC, "a panic reached the C boundary");
    if status != OK {
        assert!(expected.is_err());
        assert!(decoded.is_null());
        let mut length = 0usize;
        let mut message = [0 as c_char; 256];
        // SAFETY: the buffer is writable for its length.
        unsafe { gspnp_last_error_message(message.as_mut_ptr(), message.len(), &mut length) };
        assert!(length > 0, "a failure without a message");
        return;
    }
    let info = expected.expect("the C and Rust decoders agree");
    assert!(!decoded.is_null());
    let mut device = std::mem::MaybeUninit::<Device>::uninit();
    // SAFETY: decoded came from gspnp_decode; out is writable.
    assert_eq!(unsafe { gspnp_decoded_device(decoded, device.as_mut_ptr()) }, OK);
    // SAFETY: filled by the successful call above.
    let device = unsafe { device.assume_init() };
    assert_eq!(text(device.mac), info.mac.to_string());
    assert_eq!(text(device.vendor), info.vendor);
    assert_eq!(text(device.model), info.model);
    assert_eq!(text(device.firmware), info.firmware);
    assert_eq!(text(device.profile_type), info.profile_type);
    assert_eq!(text(device.user_agent), info.user_agent);
    assert_eq!(text(device.contact), info.contact);
    assert_eq!((device.source.octets, device.source.port), (source.octets, source.port));
    // SAFETY: freed once.
    unsafe { gspnp_decoded_free(decoded) };
});
