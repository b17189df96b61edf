//! Read-back: the phones a server knows, as an opaque list the host owns.

use std::ffi::c_char;
use std::time::SystemTime;

use super::guard::{guard, guard_value, Failure};
use super::server::{runtime_failure, server_ref};
use super::server_config::parse_mac;
use super::status::gspnp_status;
use super::strings::str_arg;
use super::views::{gspnp_device, gspnp_notify_outcome, mac_text, MacText};
use crate::engine::{DeviceState, FailReason, NotifyOutcome};
use crate::runtime::KnownDevice;

/// A copy of phones a server knows, owned by the host until gspnp_device_list_free().
/// Views read from it are valid until then.
#[allow(non_camel_case_types)]
pub struct gspnp_device_list {
    _private: [u8; 0],
}

/// Where a phone is in provisioning.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_device_state {
    /// Recorded; nothing sent (discover mode, or nothing assigned yet).
    GSPNP_DEVICE_STATE_SEEN = 0,
    /// A file waits for the host's decision.
    GSPNP_DEVICE_STATE_AWAITING_HOST = 1,
    /// The SUBSCRIBE was answered.
    GSPNP_DEVICE_STATE_ANSWERED = 2,
    /// A NOTIFY is on its way.
    GSPNP_DEVICE_STATE_NOTIFIED = 3,
    /// The phone acknowledged the NOTIFY.
    GSPNP_DEVICE_STATE_ACKNOWLEDGED = 4,
    /// Provisioning failed; `failure` says why.
    GSPNP_DEVICE_STATE_FAILED = 5,
}

/// Why provisioning of a phone failed.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_failure {
    /// It did not fail.
    GSPNP_FAILURE_NONE = 0,
    /// The phone rejected the NOTIFY (`last_notify_status` has its status).
    GSPNP_FAILURE_REJECTED = 1,
    /// The phone never answered the NOTIFY.
    GSPNP_FAILURE_TIMEOUT = 2,
    /// The host refused the file.
    GSPNP_FAILURE_VETOED = 3,
    /// The host did not decide on the file within the decision limit.
    GSPNP_FAILURE_NO_DECISION = 4,
    /// The profile could not be rendered for this phone.
    GSPNP_FAILURE_RENDER_FAILED = 5,
}

/// One phone as the server knows it; strings are views valid until the list is freed.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_known_device<'a> {
    /// What its last SUBSCRIBE said; `device.source` is its last address.
    pub device: gspnp_device<'a>,
    /// Where it is in provisioning.
    pub state: gspnp_device_state,
    /// Why it failed, when `state` is FAILED; else NONE.
    pub failure: gspnp_failure,
    /// Its first SUBSCRIBE, in milliseconds since 1970-01-01 UTC.
    pub first_seen_ms: u64,
    /// Its last SUBSCRIBE, in milliseconds since 1970-01-01 UTC.
    pub last_seen_ms: u64,
    /// SUBSCRIBEs received, retransmissions included.
    pub subscribes: u64,
    /// Whether an assignment (its own or a default) covers it now.
    pub assigned: bool,
    /// Whether a NOTIFY to it ended; the two fields below are meaningful only then.
    pub has_last_notify: bool,
    /// How its last NOTIFY ended.
    pub last_notify_outcome: gspnp_notify_outcome,
    /// The phone's status code for it; 0 when it timed out.
    pub last_notify_status: u16,
}

/// The Rust side of a gspnp_device_list.
struct DeviceList {
    devices: Vec<(KnownDevice, MacText)>,
}

impl DeviceList {
    fn into_raw(devices: Vec<KnownDevice>) -> *mut gspnp_device_list {
        let devices = devices.into_iter().map(|device| (device.clone(), mac_text(&device.info.mac))).collect();
        Box::into_raw(Box::new(DeviceList { devices })).cast()
    }
}

fn list_ref<'a>(list: *const gspnp_device_list) -> Result<&'a DeviceList, Failure> {
    require!(list);
    // SAFETY: a non-NULL list comes from gspnp_server_devices/_device and is not freed yet.
    Ok(unsafe { &*list.cast::<DeviceList>() })
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64)
}

fn state_view(state: DeviceState) -> (gspnp_device_state, gspnp_failure) {
    use gspnp_device_state::*;
    use gspnp_failure::*;
    match state {
        DeviceState::Seen => (GSPNP_DEVICE_STATE_SEEN, GSPNP_FAILURE_NONE),
        DeviceState::AwaitingHost => (GSPNP_DEVICE_STATE_AWAITING_HOST, GSPNP_FAILURE_NONE),
        DeviceState::Answered => (GSPNP_DEVICE_STATE_ANSWERED, GSPNP_FAILURE_NONE),
        DeviceState::Notified => (GSPNP_DEVICE_STATE_NOTIFIED, GSPNP_FAILURE_NONE),
        DeviceState::Acknowledged => (GSPNP_DEVICE_STATE_ACKNOWLEDGED, GSPNP_FAILURE_NONE),
        DeviceState::Failed(reason) => {
            let failure = match reason {
                FailReason::Rejected(_) => GSPNP_FAILURE_REJECTED,
                FailReason::Timeout => GSPNP_FAILURE_TIMEOUT,
                FailReason::Vetoed => GSPNP_FAILURE_VETOED,
                FailReason::NoDecision => GSPNP_FAILURE_NO_DECISION,
                FailReason::RenderFailed => GSPNP_FAILURE_RENDER_FAILED,
            };
            (GSPNP_DEVICE_STATE_FAILED, failure)
        }
    }
}

impl<'a> gspnp_known_device<'a> {
    fn new(device: &'a KnownDevice, mac: &'a MacText) -> gspnp_known_device<'a> {
        let (state, failure) = state_view(device.state);
        let (has_last_notify, last_notify_outcome, last_notify_status) = match device.last_notify {
            None => (false, gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_TIMED_OUT, 0),
            Some(NotifyOutcome::Acknowledged(code)) => {
                (true, gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED, code)
            }
            Some(NotifyOutcome::Rejected(code)) => (true, gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_REJECTED, code),
            Some(NotifyOutcome::TimedOut) => (true, gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_TIMED_OUT, 0),
        };
        gspnp_known_device {
            device: gspnp_device::new(&device.info, mac.as_str()),
            state,
            failure,
            first_seen_ms: unix_ms(device.first_seen),
            last_seen_ms: unix_ms(device.last_seen),
            subscribes: device.subscribes,
            assigned: device.assigned,
            has_last_notify,
            last_notify_outcome,
            last_notify_status,
        }
    }
}

/// Writes to `*out` a copy of every phone the server knows (possibly none), in no
/// particular order; free it with gspnp_device_list_free(). Waits for the network
/// thread (at most 5 s); GSPNP_STATUS_STOPPED once the server stopped.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_devices(
    server: *const super::server::gspnp_server,
    out: *mut *mut gspnp_device_list,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        require!(out);
        let devices = server.devices().map_err(runtime_failure)?;
        // SAFETY: out is writable (checked non-NULL).
        unsafe { *out = DeviceList::into_raw(devices) };
        Ok(())
    })
}

/// Writes to `*out` a list holding the one phone `mac` (12 hex digits, separators
/// allowed); free it with gspnp_device_list_free(). GSPNP_STATUS_NOT_FOUND (and `*out`
/// untouched) when the server does not know it.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_device(
    server: *const super::server::gspnp_server,
    mac: *const c_char,
    mac_len: usize,
    out: *mut *mut gspnp_device_list,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes mac_len bytes at mac.
        let mac = parse_mac(unsafe { str_arg(mac, mac_len, "mac") }?)?;
        require!(out);
        let device = server.device(mac).map_err(runtime_failure)?.ok_or_else(|| not_found(&mac))?;
        // SAFETY: out is writable (checked non-NULL).
        unsafe { *out = DeviceList::into_raw(vec![device]) };
        Ok(())
    })
}

/// Forgets the phone `mac` and every exchange with it: a NOTIFY under way is abandoned
/// (no on_notify_result), a file waiting for a decision is refused. What is assigned to
/// the MAC stays; the phone is discovered anew when it next subscribes.
/// GSPNP_STATUS_NOT_FOUND when the server does not know it.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_forget(
    server: *const super::server::gspnp_server,
    mac: *const c_char,
    mac_len: usize,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes mac_len bytes at mac.
        let mac = parse_mac(unsafe { str_arg(mac, mac_len, "mac") }?)?;
        match server.forget(mac).map_err(runtime_failure)? {
            true => Ok(()),
            false => Err(not_found(&mac)),
        }
    })
}

fn not_found(mac: &crate::mac::Mac) -> Failure {
    Failure::new(gspnp_status::GSPNP_STATUS_NOT_FOUND, format!("no phone {mac} is known"))
}

/// How many phones the list holds; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn gspnp_device_list_len(list: *const gspnp_device_list) -> usize {
    guard_value(0, || list_ref(list).map_or(0, |list| list.devices.len()))
}

/// Writes phone `index` (from 0) of the list to `*out`, as views valid until the list
/// is freed. GSPNP_STATUS_INVALID_ARGUMENT when `index` >= gspnp_device_list_len().
#[no_mangle]
pub unsafe extern "C" fn gspnp_device_list_get(
    list: *const gspnp_device_list,
    index: usize,
    out: *mut gspnp_known_device,
) -> gspnp_status {
    guard(|| {
        let list = list_ref(list)?;
        require!(out);
        let (device, mac) = list.devices.get(index).ok_or_else(|| {
            Failure::new(
                gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT,
                format!("index {index} is past the list's {} phones", list.devices.len()),
            )
        })?;
        // SAFETY: out is writable; the views borrow the list, which outlives them.
        unsafe { *out = gspnp_known_device::new(device, mac) };
        Ok(())
    })
}

/// Frees a list. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn gspnp_device_list_free(list: *mut gspnp_device_list) {
    if list.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: it came from gspnp_server_devices/_device and is freed once (documented).
        drop(unsafe { Box::from_raw(list.cast::<DeviceList>()) });
    })
}
