//! Borrowed string views across the boundary, and copying results out.

use std::ffi::c_char;
use std::marker::PhantomData;

use super::guard::Failure;
use super::status::gspnp_status;

/// A borrowed UTF-8 string: `len` bytes at `data`, not NUL-terminated, no interior NUL.
/// In a callback it is valid only until the callback returns; copy what you keep.
/// An empty string may have `data == NULL`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_str<'a> {
    /// The first byte, or NULL when `len` is 0.
    pub data: *const c_char,
    /// The number of bytes.
    pub len: usize,
    _borrow: PhantomData<&'a str>,
}

impl<'a> gspnp_str<'a> {
    /// The empty string.
    pub(crate) fn empty() -> gspnp_str<'static> {
        gspnp_str { data: std::ptr::null(), len: 0, _borrow: PhantomData }
    }

    /// A view of `text`, valid as long as `text` is.
    pub(crate) fn new(text: &'a str) -> gspnp_str<'a> {
        gspnp_str { data: text.as_ptr().cast(), len: text.len(), _borrow: PhantomData }
    }
}

/// Reads a caller's `{pointer, length}` input as UTF-8; `(NULL, 0)` is "".
///
/// # Safety
/// `data` must be NULL or point to `len` readable bytes that stay valid for `'a`.
pub(crate) unsafe fn str_arg<'a>(data: *const c_char, len: usize, name: &str) -> Result<&'a str, Failure> {
    if data.is_null() {
        if len == 0 {
            return Ok("");
        }
        return Err(Failure::null(name));
    }
    // SAFETY: the caller promises `len` readable bytes at `data`.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|_| {
        Failure::new(gspnp_status::GSPNP_STATUS_INVALID_UTF8, format!("argument `{name}` is not valid UTF-8"))
    })
}

/// Reads a caller's `{pointer, length}` byte input; `(NULL, 0)` is empty.
///
/// # Safety
/// `data` must be NULL or point to `len` readable bytes that stay valid for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(data: *const u8, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if data.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Failure::null(name)) };
    }
    // SAFETY: the caller promises `len` readable bytes at `data`.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Copies `text` into `buf` as a NUL-terminated C string truncated to `len - 1` bytes,
/// and writes the untruncated length to `*out_len`. Either pointer may be NULL.
///
/// # Safety
/// `buf` must be NULL or hold `len` writable bytes; `out_len` NULL or writable.
pub(crate) unsafe fn copy_out(text: &[u8], buf: *mut c_char, len: usize, out_len: *mut usize) {
    if !buf.is_null() && len > 0 {
        let n = text.len().min(len - 1);
        // SAFETY: `n + 1 <= len` bytes are writable at `buf`; the regions cannot overlap
        // because `text` is owned by Rust.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    if !out_len.is_null() {
        // SAFETY: the caller promises `out_len` is writable.
        unsafe { *out_len = text.len() };
    }
}
