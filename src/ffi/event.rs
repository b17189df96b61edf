//! gspnp_event: one event taken with gspnp_server_next_event() (the pull API).

use super::abi::gspnp_event_kind;
use super::castable::{borrow, free, into_c, Castable};
use super::guard::{guard, guard_value, Failure};
use super::resync::gspnp_resync_result;
use super::status::gspnp_status;
use super::strings::gspnp_str;
use super::views::{
    gspnp_addr, gspnp_config_file, gspnp_device, gspnp_log_level, gspnp_notify_result, mac_text, MacText,
};
use crate::engine::Event;
use crate::runtime::{DroppedKind, ServerEvent};

/// An event owned by the host until gspnp_event_free(). Views read from it are valid
/// until then.
#[allow(non_camel_case_types)]
pub struct gspnp_event {
    _private: [u8; 0],
}

impl Castable for gspnp_event {
    type Rust = OwnedEvent;
}

/// The Rust side of a gspnp_event.
pub(crate) struct OwnedEvent {
    event: ServerEvent,
    mac: MacText,
}

impl OwnedEvent {
    pub(crate) fn into_raw(event: ServerEvent) -> *mut gspnp_event {
        let mac = match &event {
            ServerEvent::Event(Event::Discovered(info) | Event::Updated(info)) => mac_text(&info.mac),
            ServerEvent::Event(Event::ConfigReady(file)) => mac_text(&file.mac),
            ServerEvent::Event(Event::NotifyResult(result)) => mac_text(&result.mac),
            ServerEvent::Event(Event::ResyncResult(result)) => mac_text(&result.mac),
            _ => mac_text(&crate::mac::Mac([0; 6])),
        };
        into_c(OwnedEvent { event, mac })
    }
}

fn wrong_kind(wanted: &str) -> Failure {
    Failure::new(gspnp_status::GSPNP_STATUS_WRONG_KIND, format!("the event is not {wanted}"))
}

/// Frees an event. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_free(event: *mut gspnp_event) {
    guard_value((), || free(event))
}

/// The event's kind; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_get_kind(event: *const gspnp_event) -> u32 {
    guard_value(0, || {
        let Ok(event) = borrow(event, "event") else { return 0 };
        let kind = match &event.event {
            ServerEvent::Event(Event::Discovered(_)) => gspnp_event_kind::GSPNP_EVENT_KIND_DISCOVERED,
            ServerEvent::Event(Event::Updated(_)) => gspnp_event_kind::GSPNP_EVENT_KIND_UPDATED,
            ServerEvent::Event(Event::ConfigReady(_)) => gspnp_event_kind::GSPNP_EVENT_KIND_CONFIG_READY,
            ServerEvent::Event(Event::NotifyResult(_)) => gspnp_event_kind::GSPNP_EVENT_KIND_NOTIFY_RESULT,
            ServerEvent::Event(Event::ResyncResult(_)) => gspnp_event_kind::GSPNP_EVENT_KIND_RESYNC_RESULT,
            ServerEvent::Event(Event::Log(..)) => gspnp_event_kind::GSPNP_EVENT_KIND_LOG,
            ServerEvent::Transmit(_) => gspnp_event_kind::GSPNP_EVENT_KIND_TRANSMIT,
            ServerEvent::EventsDropped { .. } => gspnp_event_kind::GSPNP_EVENT_KIND_EVENTS_DROPPED,
        };
        kind as u32
    })
}

/// The phone of a DISCOVERED or UPDATED event, as views valid until gspnp_event_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_device(event: *const gspnp_event, out: *mut gspnp_device) -> gspnp_status {
    guard(|| {
        let event = borrow(event, "event")?;
        require!(out);
        let ServerEvent::Event(Event::Discovered(info) | Event::Updated(info)) = &event.event else {
            return Err(wrong_kind("DISCOVERED or UPDATED"));
        };
        // SAFETY: out is writable; the views borrow the event, which outlives them.
        unsafe { *out = gspnp_device::new(info, event.mac.as_str()) };
        Ok(())
    })
}

/// The file of a CONFIG_READY event, as views valid until gspnp_event_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_config_file(
    event: *const gspnp_event,
    out: *mut gspnp_config_file,
) -> gspnp_status {
    guard(|| {
        let event = borrow(event, "event")?;
        require!(out);
        let ServerEvent::Event(Event::ConfigReady(file)) = &event.event else {
            return Err(wrong_kind("CONFIG_READY"));
        };
        // SAFETY: as in gspnp_event_device.
        unsafe { *out = gspnp_config_file::new(file, event.mac.as_str()) };
        Ok(())
    })
}

/// The result of a RESYNC_RESULT event, as views valid until gspnp_event_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_resync_result(
    event: *const gspnp_event,
    out: *mut gspnp_resync_result,
) -> gspnp_status {
    guard(|| {
        let event = borrow(event, "event")?;
        require!(out);
        let ServerEvent::Event(Event::ResyncResult(result)) = &event.event else {
            return Err(wrong_kind("RESYNC_RESULT"));
        };
        // SAFETY: as in gspnp_event_device.
        unsafe { *out = gspnp_resync_result::new(result, event.mac.as_str()) };
        Ok(())
    })
}

/// The result of a NOTIFY_RESULT event, as views valid until gspnp_event_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_notify_result(
    event: *const gspnp_event,
    out: *mut gspnp_notify_result,
) -> gspnp_status {
    guard(|| {
        let event = borrow(event, "event")?;
        require!(out);
        let ServerEvent::Event(Event::NotifyResult(result)) = &event.event else {
            return Err(wrong_kind("NOTIFY_RESULT"));
        };
        // SAFETY: as in gspnp_event_device.
        unsafe { *out = gspnp_notify_result::new(result, event.mac.as_str()) };
        Ok(())
    })
}

/// The level and line of a LOG event; the line is a view valid until gspnp_event_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_log(
    event: *const gspnp_event,
    level: *mut gspnp_log_level,
    line: *mut gspnp_str,
) -> gspnp_status {
    guard(|| {
        let event = borrow(event, "event")?;
        require!(level);
        require!(line);
        let ServerEvent::Event(Event::Log(log_level, text)) = &event.event else {
            return Err(wrong_kind("LOG"));
        };
        // SAFETY: both outputs are writable; the view borrows the event.
        unsafe {
            *level = (*log_level).into();
            *line = gspnp_str::new(text);
        }
        Ok(())
    })
}

/// The datagram of a TRANSMIT event (feed mode): its bytes (valid until
/// gspnp_event_free()), where to send it, and from which of the host's addresses.
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_transmit(
    event: *const gspnp_event,
    data: *mut *const u8,
    len: *mut usize,
    destination: *mut gspnp_addr,
    source: *mut gspnp_addr,
) -> gspnp_status {
    guard(|| {
        let event = borrow(event, "event")?;
        require!(data);
        require!(len);
        require!(destination);
        require!(source);
        let ServerEvent::Transmit(transmit) = &event.event else {
            return Err(wrong_kind("TRANSMIT"));
        };
        // SAFETY: the outputs are writable; the bytes borrow the event.
        unsafe {
            *data = transmit.payload.as_ptr();
            *len = transmit.payload.len();
            *destination = transmit.destination.into();
            *source = transmit.source.into();
        }
        Ok(())
    })
}

/// How many events an EVENTS_DROPPED event reports; 0 for another kind or NULL.
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_dropped_count(event: *const gspnp_event) -> u64 {
    guard_value(0, || match borrow(event, "event").map(|e| &e.event) {
        Ok(ServerEvent::EventsDropped { count, .. }) => *count,
        _ => 0,
    })
}

/// The kind of the events an EVENTS_DROPPED event reports (a gspnp_event_kind: only
/// GSPNP_EVENT_KIND_LOG lines are ever dropped); 0 for another kind or NULL.
#[no_mangle]
pub unsafe extern "C" fn gspnp_event_dropped_kind(event: *const gspnp_event) -> u32 {
    guard_value(0, || match borrow(event, "event").map(|e| &e.event) {
        Ok(ServerEvent::EventsDropped { kind, .. }) => gspnp_event_kind::from(*kind) as u32,
        _ => 0,
    })
}

impl From<DroppedKind> for gspnp_event_kind {
    fn from(kind: DroppedKind) -> gspnp_event_kind {
        match kind {
            DroppedKind::LogLine => gspnp_event_kind::GSPNP_EVENT_KIND_LOG,
        }
    }
}
