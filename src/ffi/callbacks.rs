//! The host's C callbacks, called on the server's two callback threads (lanes).

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::abi::gspnp_event_kind;
use super::resync::{gspnp_resync_result, result_mac};
use super::strings::gspnp_str;
use super::views::{gspnp_addr, gspnp_config_file, gspnp_device, gspnp_log_level, gspnp_notify_result, mac_text};
use crate::device::DeviceInfo;
use crate::engine::{ConfigFile, LogLevel, NotifyResult, ResyncResult, Transmit};
use crate::runtime::{Decision, DroppedKind, Host};

/// The host's callbacks. Every member may be NULL. They run on two callback threads
/// ("lanes") of the server, never while gspnp holds a lock:
/// - the provisioning lane: on_config, on_notify_result, on_transmit, one at a time,
///   in the order the events happened;
/// - the devices lane: on_device (in order), on_log and on_events_dropped.
///
/// Callbacks of different lanes MAY RUN AT THE SAME TIME: whatever they share through
/// `userdata` needs a lock. A slow on_device never delays another phone's file. Only
/// log lines are ever dropped (reported by on_events_dropped); when the host falls far
/// behind (see gspnp_server_config_set_event_queue) new phones are left unanswered and
/// retry. Pointers passed to a callback are valid only until it returns. From inside a
/// callback the host may call any gspnp_server_* function except gspnp_server_stop()
/// and gspnp_server_free() on the same server (they return
/// GSPNP_STATUS_CALLED_FROM_CALLBACK / do not wait).
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
    /// A file was rendered for a phone. Return a gspnp_decision: ACCEPT once it is
    /// stored so that `file->url` serves it (the NOTIFY goes out), REFUSE to leave the
    /// phone alone, or LATER to decide from any thread with gspnp_server_decide() and
    /// `file->ticket` (copy what you need: `file` is valid only during the call) within
    /// the decision limit (gspnp_server_config_set_decision_timeout; at the limit the
    /// file counts as refused). Any other value refuses. NULL refuses every file.
    pub on_config: Option<unsafe extern "C" fn(userdata: *mut c_void, file: *const gspnp_config_file) -> u32>,
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
    /// `count` events of `kind` were dropped because the callbacks were too slow; only
    /// GSPNP_EVENT_KIND_LOG lines ever are.
    pub on_events_dropped: Option<unsafe extern "C" fn(userdata: *mut c_void, kind: gspnp_event_kind, count: u64)>,
    /// A re-provisioning started with gspnp_server_resync() ended. Runs on the
    /// provisioning lane, like on_notify_result.
    pub on_resync_result: Option<unsafe extern "C" fn(userdata: *mut c_void, result: *const gspnp_resync_result)>,
}

/// What on_config returns (as a uint32_t, so that an unknown value is no undefined
/// behaviour: it refuses).
#[allow(non_camel_case_types, dead_code)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_decision {
    /// Leave the phone alone.
    GSPNP_DECISION_REFUSE = 0,
    /// Send the NOTIFY: the file is stored.
    GSPNP_DECISION_ACCEPT = 1,
    /// gspnp_server_decide() will come with the ticket, from any thread.
    GSPNP_DECISION_LATER = 2,
}

impl gspnp_decision {
    /// The decision a C value stands for; anything unknown refuses.
    pub(crate) fn from_c(value: u32) -> Decision {
        match value {
            v if v == gspnp_decision::GSPNP_DECISION_ACCEPT as u32 => Decision::Accept,
            v if v == gspnp_decision::GSPNP_DECISION_LATER as u32 => Decision::Later,
            _ => Decision::Refuse,
        }
    }
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
    gate_passed: AtomicBool,
}

impl CallbackHost {
    pub(crate) fn new(callbacks: gspnp_callbacks, gate: Arc<StartGate>) -> CallbackHost {
        CallbackHost { callbacks, gate, gate_passed: AtomicBool::new(false) }
    }

    /// The callbacks, once gspnp_server_start has returned.
    fn ready(&self) -> &gspnp_callbacks {
        if !self.gate_passed.load(Ordering::Acquire) {
            self.gate.wait();
            self.gate_passed.store(true, Ordering::Release);
        }
        &self.callbacks
    }
}

// SAFETY: the header documents that the callbacks and userdata are used from the two
// callback threads, those of different lanes at the same time; the host promises they
// may be (that is the contract of gspnp_server_start).
unsafe impl Send for CallbackHost {}
// SAFETY: as above; gspnp itself only reads the copied struct.
unsafe impl Sync for CallbackHost {}

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
    fn device(&self, info: &DeviceInfo, is_new: bool) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_device else { return };
        let mac = mac_text(&info.mac);
        let view = gspnp_device::new(info, mac.as_str());
        // SAFETY: the view borrows values that outlive the call; contract as documented.
        unsafe { callback(callbacks.userdata, &view, is_new) };
    }

    fn config_ready(&self, file: &ConfigFile) -> Decision {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_config else { return Decision::Refuse };
        let mac = mac_text(&file.mac);
        let view = gspnp_config_file::new(file, mac.as_str());
        // SAFETY: as above.
        gspnp_decision::from_c(unsafe { callback(callbacks.userdata, &view) })
    }

    fn notify_result(&self, result: &NotifyResult) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_notify_result else { return };
        let mac = mac_text(&result.mac);
        let view = gspnp_notify_result::new(result, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, &view) };
    }

    fn resync_result(&self, result: &ResyncResult) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_resync_result else { return };
        let mac = result_mac(result);
        let view = gspnp_resync_result::new(result, mac.as_str());
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, &view) };
    }

    fn takes_log_lines(&self) -> bool {
        self.callbacks.on_log.is_some()
    }

    fn log(&self, level: LogLevel, line: &str) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_log else { return };
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, level.into(), gspnp_str::new(line)) };
    }

    fn transmit(&self, transmit: &Transmit) {
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

    fn events_dropped(&self, kind: DroppedKind, count: u64) {
        let callbacks = *self.ready();
        let Some(callback) = callbacks.on_events_dropped else { return };
        // SAFETY: as above.
        unsafe { callback(callbacks.userdata, kind.into(), count) };
    }
}
