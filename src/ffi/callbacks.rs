//! The host's C callbacks, called on the server's callback thread.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::strings::gspnp_str;
use super::views::{gspnp_addr, gspnp_config_file, gspnp_device, gspnp_log_level, gspnp_notify_result, mac_text};
use crate::device::DeviceInfo;
use crate::engine::{ConfigFile, LogLevel, NotifyResult, Transmit};
use crate::runtime::Host;

/// The host's callbacks. Every member may be NULL. All of them run on the server's
/// callback thread (one thread per server), one at a time, never while gspnp holds a
/// lock; a slow callback delays later events, never the network. Pointers passed to a
/// callback are valid only until it returns. From inside a callback the host may call
/// any gspnp_server_* function except gspnp_server_stop() and gspnp_server_free() on the
/// same server (they return GSPNP_STATUS_CALLED_FROM_CALLBACK / do not wait).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_callbacks {
    /// Passed as the first argument of every callback.
    pub userdata: *mut c_void,
    /// Called exactly once, after the server stopped and no other callback can run.
    pub userdata_free: Option<unsafe extern "C" fn(userdata: *mut c_void)>,
    /// A phone sent a SUBSCRIBE; `is_new` when it was not known. The host may assign it
    /// a URL or profile from here.
    pub on_device: Option<unsafe extern "C" fn(userdata: *mut c_void, device: *const gspnp_device, is_new: bool)>,
    /// A file was rendered for a phone. Store it so `file->url` serves it, then return
    /// true to send the NOTIFY, false to leave the phone alone. NULL refuses every file.
    pub on_config: Option<unsafe extern "C" fn(userdata: *mut c_void, file: *const gspnp_config_file) -> bool>,
    /// A NOTIFY ended.
    pub on_notify_result: Option<unsafe extern "C" fn(userdata: *mut c_void, result: *const gspnp_notify_result)>,
    /// A log line (not NUL-terminated); never contains a password or a URL token.
    pub on_log: Option<unsafe extern "C" fn(userdata: *mut c_void, level: gspnp_log_level, line: gspnp_str)>,
    /// Feed mode: send `len` bytes at `data` to `destination`, from `source` if the host
    /// can choose.
    pub on_transmit: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            data: *const u8,
            len: usize,
            destination: gspnp_addr,
            source: gspnp_addr,
        ),
    >,
    /// `count` events were dropped because the callbacks were too slow.
    pub on_events_dropped: Option<unsafe extern "C" fn(userdata: *mut c_void, count: u64)>,
}

/// The callbacks as a [`Host`]. Once `owns_userdata` is set (the server started), it
/// frees `userdata` once, on drop.
pub(crate) struct CallbackHost(gspnp_callbacks, Arc<AtomicBool>);

impl CallbackHost {
    pub(crate) fn new(callbacks: gspnp_callbacks, owns_userdata: Arc<AtomicBool>) -> CallbackHost {
        CallbackHost(callbacks, owns_userdata)
    }
}

// SAFETY: the header documents that the callbacks and userdata are used from the
// callback thread; the host promises they may be (that is the contract of
// gspnp_server_start). gspnp never calls them from two threads at once.
unsafe impl Send for CallbackHost {}

impl Drop for CallbackHost {
    fn drop(&mut self) {
        if !self.1.load(Ordering::Acquire) {
            return;
        }
        if let Some(free) = self.0.userdata_free {
            // SAFETY: the host gave us this function for this userdata; called once.
            unsafe { free(self.0.userdata) };
        }
    }
}

impl Host for CallbackHost {
    fn device(&mut self, info: &DeviceInfo, is_new: bool) {
        let Some(callback) = self.0.on_device else { return };
        let mac = mac_text(&info.mac);
        let view = gspnp_device::new(info, mac.as_str());
        // SAFETY: the view borrows values that outlive the call; contract as documented.
        unsafe { callback(self.0.userdata, &view, is_new) };
    }

    fn config_ready(&mut self, file: &ConfigFile) -> bool {
        let Some(callback) = self.0.on_config else { return false };
        let mac = mac_text(&file.mac);
        let view = gspnp_config_file::new(file, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(self.0.userdata, &view) }
    }

    fn notify_result(&mut self, result: &NotifyResult) {
        let Some(callback) = self.0.on_notify_result else { return };
        let mac = mac_text(&result.mac);
        let view = gspnp_notify_result::new(result, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(self.0.userdata, &view) };
    }

    fn log(&mut self, level: LogLevel, line: &str) {
        let Some(callback) = self.0.on_log else { return };
        // SAFETY: as above.
        unsafe { callback(self.0.userdata, level.into(), gspnp_str::new(line)) };
    }

    fn transmit(&mut self, transmit: &Transmit) {
        let Some(callback) = self.0.on_transmit else { return };
        let payload = &transmit.payload;
        // SAFETY: as above.
        unsafe {
            callback(
                self.0.userdata,
                payload.as_ptr(),
                payload.len(),
                transmit.destination.into(),
                transmit.source.into(),
            )
        };
    }

    fn events_dropped(&mut self, count: u64) {
        let Some(callback) = self.0.on_events_dropped else { return };
        // SAFETY: as above.
        unsafe { callback(self.0.userdata, count) };
    }
}
