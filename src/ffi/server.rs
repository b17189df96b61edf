//! gspnp_server: a running PnP server and the host's requests to it.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use super::abi::gspnp_stats;
use super::callbacks::{gspnp_callbacks, CallbackHost, StartGate};
use super::castable::{borrow, free, into_c, Castable};
use super::event::{gspnp_event, OwnedEvent};
use super::guard::{guard, Failure};
use super::server_config::{gspnp_server_config, mode_from_int, parse_mac};
use super::server_handle::{Call, ServerHandle};
use super::status::gspnp_status;
use super::strings::{bytes_arg, str_arg};
use super::views::gspnp_addr;
use crate::engine::{Assignment, EngineError, Selector};
use crate::runtime::{Host, RuntimeError, Server};

/// A running server. Under the hood a Rust object shared (an `Arc`) by the calls in
/// progress: every gspnp_server_* function may be called from any thread, concurrently,
/// and from inside the server's own callbacks, except gspnp_server_stop() (it returns
/// GSPNP_STATUS_CALLED_FROM_CALLBACK there) and gspnp_server_free() (see there for
/// what may run while it does).
#[allow(non_camel_case_types)]
pub struct gspnp_server {
    _private: [u8; 0],
}

impl Castable for gspnp_server {
    type Rust = ServerHandle;
}

/// Enters a call on the host's `server` (see [`ServerHandle::enter`]); the guard
/// derefs to the server.
pub(crate) fn server_ref(server: *const gspnp_server) -> Result<Call, Failure> {
    borrow(server, "server")?.enter()
}

/// Maps a runtime error onto its status and message.
pub(crate) fn runtime_failure(error: RuntimeError) -> Failure {
    use gspnp_status::*;
    let status = match &error {
        RuntimeError::AddressInUse(_) | RuntimeError::MulticastPortTaken(_) => GSPNP_STATUS_ADDRESS_IN_USE,
        RuntimeError::AlreadyRunning(_) => GSPNP_STATUS_ALREADY_RUNNING,
        RuntimeError::InvalidArgument(_) => GSPNP_STATUS_INVALID_ARGUMENT,
        RuntimeError::NoSuchInterface(_) => GSPNP_STATUS_NO_SUCH_INTERFACE,
        RuntimeError::Io(_) => GSPNP_STATUS_IO_ERROR,
        RuntimeError::Engine(EngineError::BadUrl(_)) => GSPNP_STATUS_BAD_URL_TEMPLATE,
        RuntimeError::Engine(EngineError::UnknownTicket(_)) => GSPNP_STATUS_INVALID_ARGUMENT,
        RuntimeError::Engine(EngineError::Random(_)) => GSPNP_STATUS_IO_ERROR,
        RuntimeError::Engine(EngineError::BadUserAgent) => GSPNP_STATUS_INVALID_ARGUMENT,
        RuntimeError::Engine(EngineError::UnknownDevice(_)) => GSPNP_STATUS_NOT_FOUND,
        RuntimeError::Engine(EngineError::BadRequest(_)) => GSPNP_STATUS_INVALID_ARGUMENT,
        RuntimeError::Stopped => GSPNP_STATUS_STOPPED,
        RuntimeError::CalledFromCallback => GSPNP_STATUS_CALLED_FROM_CALLBACK,
        RuntimeError::Busy => GSPNP_STATUS_BUSY,
        RuntimeError::Timeout => GSPNP_STATUS_TIMEOUT,
        RuntimeError::WrongMode(_) => GSPNP_STATUS_WRONG_MODE,
        RuntimeError::ThreadPanicked => GSPNP_STATUS_THREAD_PANICKED,
    };
    Failure::new(status, error.to_string())
}

/// Starts a server: opens its sockets (unless in feed mode) and its threads, and writes
/// it to `*out`. The sockets open in the calling thread's network namespace: with
/// multicast on, the group socket on 224.0.1.75:<multicast port> (SO_REUSEADDR, beside a
/// PBX's 0.0.0.0:5060 that has SO_REUSEADDR too), and always the unicast socket on the
/// unicast port (exclusive). GSPNP_STATUS_ADDRESS_IN_USE when a socket holds the
/// multicast port without SO_REUSEADDR (the message says what to do) or holds the
/// unicast port; GSPNP_STATUS_ALREADY_RUNNING when another server of this process
/// listens on the same multicast port (until it is stopped).
///
/// With `callbacks` (copied; may be NULL) events go to them on the server's callback
/// thread, never before this function has returned (so `*out` is set when the first
/// one runs), and the server owns `callbacks->userdata` from here on (userdata_free
/// runs once, after stop). With NULL callbacks, take events with
/// gspnp_server_next_event(). On error nothing is left running and the caller still
/// owns its userdata. Free the server with gspnp_server_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_start(
    config: *const gspnp_server_config,
    callbacks: *const gspnp_callbacks,
    out: *mut *mut gspnp_server,
) -> gspnp_status {
    guard(|| {
        let config = borrow(config, "config")?.clone();
        require!(out);
        // SAFETY: a non-NULL callbacks points to a gspnp_callbacks (documented).
        let callbacks = unsafe { callbacks.as_ref() }.copied();
        // The userdata becomes the server's only once the server runs; until then
        // dropping the host (on a failed start) must not free it.
        let gate = Arc::new(StartGate::default());
        let host = callbacks.map(|callbacks| Box::new(CallbackHost::new(callbacks, gate.clone())) as Box<dyn Host>);
        let server = Server::start(config, host).map_err(runtime_failure)?;
        // SAFETY: out is writable (checked non-NULL above).
        unsafe { *out = into_c(ServerHandle::new(server)) };
        gate.open();
        Ok(())
    })
}

/// Stops the server: after it returns no callback runs, the threads are joined and
/// userdata_free has run. A second stop returns GSPNP_STATUS_OK. From inside one of this
/// server's callbacks it returns GSPNP_STATUS_CALLED_FROM_CALLBACK and does nothing.
/// GSPNP_STATUS_THREAD_PANICKED reports a gspnp bug; the server is stopped all the same.
#[no_mangle]
pub extern "C" fn gspnp_server_stop(server: *const gspnp_server) -> gspnp_status {
    guard(|| server_ref(server)?.stop().map_err(runtime_failure))
}

/// Stops (as gspnp_server_stop()) and frees the server. NULL is a no-op.
///
/// Allowed: calling it while other threads are inside calls on this server, such as
/// gspnp_server_next_event() waiting for an event or a gspnp_server_stop() joining the
/// threads. Those calls return (next_event with GSPNP_STATUS_STOPPED) and free returns
/// only once every one of them has returned, the threads are joined and
/// userdata_free has run.
///
/// Not allowed (undefined behaviour): any call on the server that begins after free
/// was called, including a second free. A thread that loops on
/// gspnp_server_next_event() must not be able to call again: either free while it is
/// blocked and let it end on GSPNP_STATUS_STOPPED without another call, or call
/// gspnp_server_stop() first, join the thread (it gets GSPNP_STATUS_STOPPED), then free.
///
/// From one of the server's own callbacks it does not wait: it asks the threads to end,
/// and the server goes once they and the calls in progress have.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_free(server: *mut gspnp_server) {
    super::guard::guard_value((), || {
        if let Ok(handle) = borrow(server, "server") {
            handle.close();
        }
        free(server);
    })
}

/// Writes the unicast port to `*port`: the one Via and Contact name, where phones answer
/// and unicast SUBSCRIBEs go (the chosen one when the unicast port was set to 0).
/// GSPNP_STATUS_WRONG_MODE in feed mode.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_port(server: *const gspnp_server, port: *mut u16) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        require!(port);
        let bound = server
            .port()
            .ok_or_else(|| Failure::new(gspnp_status::GSPNP_STATUS_WRONG_MODE, "a feed-mode server has no port"))?;
        // SAFETY: port is writable (checked non-NULL).
        unsafe { *port = bound };
        Ok(())
    })
}

/// Tells the phone `mac` to fetch its configuration from `url` (a folder URL ending in
/// "/", where the host serves cfg<mac>.xml). If the phone is known and waiting it is
/// notified now; otherwise when it next sends a SUBSCRIBE. Replaces an earlier assignment.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_assign_url(
    server: *const gspnp_server,
    mac: *const c_char,
    mac_len: usize,
    url: *const c_char,
    url_len: usize,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (mac, url) = unsafe { (str_arg(mac, mac_len, "mac")?, str_arg(url, url_len, "url")?) };
        let mac = parse_mac(mac)?;
        server.assign(mac, Assignment::Url(url.to_string())).map_err(runtime_failure)
    })
}

/// Tells every phone of `vendor` (and `model`, when not empty) that has no assignment
/// of its own to fetch from `url`. An empty `url` removes that default.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_set_default_url(
    server: *const gspnp_server,
    vendor: *const c_char,
    vendor_len: usize,
    model: *const c_char,
    model_len: usize,
    url: *const c_char,
    url_len: usize,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (vendor, model, url) = unsafe {
            (str_arg(vendor, vendor_len, "vendor")?, str_arg(model, model_len, "model")?, str_arg(url, url_len, "url")?)
        };
        let selector = selector(vendor, model)?;
        let assignment = (!url.is_empty()).then(|| Assignment::Url(url.to_string()));
        server.set_default(selector, assignment).map_err(runtime_failure)
    })
}

/// A default's selector: a vendor, optionally a model.
pub(crate) fn selector(vendor: &str, model: &str) -> Result<Selector, Failure> {
    if vendor.is_empty() || vendor.len() > 128 || model.len() > 128 {
        return Err(Failure::new(
            gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT,
            "a default needs a vendor (1 to 128 bytes) and a model of at most 128 bytes",
        ));
    }
    Ok(Selector { vendor: vendor.to_string(), model: (!model.is_empty()).then(|| model.to_string()) })
}

/// Forgets what `mac` was assigned. A NOTIFY under way finishes.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_unassign(
    server: *const gspnp_server,
    mac: *const c_char,
    mac_len: usize,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes mac_len bytes at mac.
        let mac = parse_mac(unsafe { str_arg(mac, mac_len, "mac") }?)?;
        server.unassign(mac).map_err(runtime_failure)
    })
}

/// Decides on a file offered by a GSPNP_EVENT_CONFIG_READY event (pull API) or by
/// on_config returning GSPNP_DECISION_LATER: `accept` sends the NOTIFY. From any
/// thread, within the decision limit (gspnp_server_config_set_decision_timeout); a
/// ticket that is no longer waiting (decided, expired, phone forgotten) is ignored.
#[no_mangle]
pub extern "C" fn gspnp_server_decide(server: *const gspnp_server, ticket: u64, accept: bool) -> gspnp_status {
    guard(|| server_ref(server)?.decide(ticket, accept).map_err(runtime_failure))
}

/// Changes the mode of a running server (a gspnp_mode value).
#[no_mangle]
pub extern "C" fn gspnp_server_set_mode(server: *const gspnp_server, mode: u32) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        server.set_mode(mode_from_int(mode)?).map_err(runtime_failure)
    })
}

/// Feed mode: hands the server a datagram the host's SIP stack received from `source`
/// on the host's unicast address `local`: the address of the interface the datagram
/// reached and the port of the PBX's SIP socket (Via, Contact, `{ip}` and the source of
/// the answers are made from it). For a SUBSCRIBE multicast to 224.0.1.75 that is not
/// its destination: read the interface address with IP_PKTINFO, for example
///
/// ```c
/// int on = 1;
/// setsockopt(sip_fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);     // once
/// char control[CMSG_SPACE(sizeof(struct in_pktinfo))];
/// struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
///                       .msg_iovlen = 1, .msg_control = control,
///                       .msg_controllen = sizeof control };
/// ssize_t len = recvmsg(sip_fd, &msg, 0);
/// for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
///     if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
///         struct in_pktinfo info;
///         memcpy(&info, CMSG_DATA(c), sizeof info);
///         memcpy(local.octets, &info.ipi_spec_dst, 4);      // not ipi_addr
///     }
/// local.port = sip_port;
/// ```
///
/// A `local` of 0.0.0.0, a multicast address, 255.255.255.255 or port 0 is refused with
/// GSPNP_STATUS_INVALID_ARGUMENT and a message. The bytes are copied. What to send back
/// arrives in on_transmit (or as GSPNP_EVENT_TRANSMIT), to be sent from `local`.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_feed(
    server: *const gspnp_server,
    data: *const u8,
    len: usize,
    source: gspnp_addr,
    local: gspnp_addr,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes len readable bytes at data.
        let datagram = unsafe { bytes_arg(data, len, "data") }?;
        server.feed(datagram, source.into(), local.into()).map_err(runtime_failure)
    })
}

/// Copies the server's counters into `*out`. Set `out->size = sizeof(gspnp_stats)`
/// first: the library writes at most that many bytes (an older caller's smaller struct
/// is never overrun) and sets `size` to what it wrote. GSPNP_STATUS_INVALID_ARGUMENT
/// when `size` cannot even hold the `size` field.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_stats(server: *const gspnp_server, out: *mut gspnp_stats) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        require!(out);
        // SAFETY: out points to at least a size_t the caller set (documented).
        let room = unsafe { std::ptr::read_unaligned(out.cast::<usize>()) };
        if room < std::mem::size_of::<usize>() {
            return Err(Failure::new(
                gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT,
                "set out->size to sizeof(gspnp_stats)",
            ));
        }
        let mut stats = gspnp_stats::from(server.stats());
        let written = room.min(std::mem::size_of::<gspnp_stats>());
        stats.size = written;
        // SAFETY: the caller promises `room` writable bytes at out; we write at most that.
        unsafe {
            std::ptr::copy_nonoverlapping((&stats as *const gspnp_stats).cast::<u8>(), out.cast::<u8>(), written)
        };
        Ok(())
    })
}

/// Pull API, for a server started without callbacks: waits up to `timeout_ms` for the
/// next event and writes it to `*out` (free it with gspnp_event_free()).
/// GSPNP_STATUS_TIMEOUT when none came, GSPNP_STATUS_STOPPED once the server stopped.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_next_event(
    server: *const gspnp_server,
    timeout_ms: u32,
    out: *mut *mut gspnp_event,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        require!(out);
        let event = server.next_event(Duration::from_millis(timeout_ms.into())).map_err(runtime_failure)?;
        // SAFETY: out is writable (checked non-NULL).
        unsafe { *out = OwnedEvent::into_raw(event) };
        Ok(())
    })
}
