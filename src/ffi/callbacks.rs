//! The host's C callbacks, called on the server's callback thread.

use std::ffi::c_void;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::resync::{gspnp_resync_result, result_mac};
use super::strings::gspnp_str;
use super::views::{gspnp_addr, gspnp_config_file, gspnp_device, gspnp_log_level, gspnp_notify_result, mac_text};
use crate::device::DeviceInfo;
use crate::engine::{ConfigFile, LogLevel, NotifyResult, ResyncResult, Transmit};
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
    /// A re-provisioning started with gspnp_server_resync() ended.
    pub on_resync_result: Option<unsafe extern "C" fn(userdata: *mut c_void, result: *const gspnp_resync_result)>,
}

/// Opened by gspnp_server_start once the server handle is in the host's hands: no
/// callback runs before, and only an opened gate means the server owns the userdata.
#[derive(Default)]
pub(crate) struct StartGate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl StartGate {
    /// Lets callbacks run and hands the userdata to the server.
    pub(crate) fn open(&self) {
        *self.open.lock() = true;
        self.opened.notify_all();
    }

    fn wait(&self) {
        let mut open = self.open.lock();
        while !*open {
            self.opened.wait(&mut open);
        }
    }

    fn is_open(&self) -> bool {
        *self.open.lock()
    }
}

/// The callbacks as a [`Host`]. Every call waits for the start gate; once it is open,
/// `userdata` is freed exactly once, on drop.
pub(crate) struct CallbackHost {
    callbacks: gspnp_callbacks,
    gate: Arc<StartGate>,
    gate_passed: bool,
}

impl CallbackHost {
    pub(crate) fn new(callbacks: gspnp_callbacks, gate: Arc<StartGate>) -> CallbackHost {
        CallbackHost { callbacks, gate, gate_passed: false }
    }

    /// The callbacks, once gspnp_server_start has returned.
    fn ready(&mut self) -> &gspnp_callbacks {
        if !self.gate_passed {
            self.gate.wait();
            self.gate_passed = true;
        }
        &self.callbacks
    }
}

// SAFETY: the header documents that the callbacks and userdata are used from the
// callback thread; the host promises they may be (that is the contract of
// gspnp_server_start). gspnp never calls them from two threads at once.
unsafe impl Send for CallbackHost {}

impl Drop for CallbackHost {
    fn drop(&mut self) {
        if !self.gate.is_open() {
            return;
        }
        if let Some(free) = self.callbacks.userdata_free {
            // SAFETY: the host gave us this function for this userdata; called once.
            unsafe { free(self.callbacks.userdata) };
        }
    }
}

impl Host for CallbackHost {
    fn device(&mut self, info: &DeviceInfo, is_new: bool) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_device else { return };
        let mac = mac_text(&info.mac);
        let view = gspnp_device::new(info, mac.as_str());
        // SAFETY: the view borrows values that outlive the call; contract as documented.
        unsafe { callback(callbacks.userdata, &view, is_new) };
    }

    fn config_ready(&mut self, file: &ConfigFile) -> bool {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_config else { return false };
        let mac = mac_text(&file.mac);
        let view = gspnp_config_file::new(file, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, &view) }
    }

    fn notify_result(&mut self, result: &NotifyResult) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_notify_result else { return };
        let mac = mac_text(&result.mac);
        let view = gspnp_notify_result::new(result, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, &view) };
    }

    fn resync_result(&mut self, result: &ResyncResult) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_resync_result else { return };
        let mac = result_mac(result);
        let view = gspnp_resync_result::new(result, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, &view) };
    }

    fn log(&mut self, level: LogLevel, line: &str) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_log else { return };
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, level.into(), gspnp_str::new(line)) };
    }

    fn transmit(&mut self, transmit: &Transmit) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_transmit else { return };
        let payload = &transmit.payload;
        // SAFETY: as above.
        unsafe {
            callback(
                callbacks.userdata,
                payload.as_ptr(),
                payload.len(),
                transmit.destination.into(),
                transmit.source.into(),
            )
        };
    }

    fn events_dropped(&mut self, count: u64) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_events_dropped else { return };
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, count) };
    }
}
