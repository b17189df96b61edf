//! Re-provisioning a phone from C: gspnp_server_resync() and the result it leads to.

use std::ffi::c_char;

use super::guard::{guard, Failure};
use super::server::{runtime_failure, server_ref};
use super::server_config::parse_mac;
use super::status::gspnp_status;
use super::strings::str_arg;
use super::views::{gspnp_addr, mac_text};
use crate::engine::{ResyncCredentials, ResyncKind, ResyncOutcome, ResyncRequest, ResyncResult};
use crate::sip::digest::Credentials;

/// What gspnp_server_resync() asks the phone to do.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_resync_kind {
    /// Fetch its file again (`Event: check-sync`).
    GSPNP_RESYNC_CHECK_SYNC = 1,
    /// Reboot, and fetch its file (`Event: check-sync;reboot=true`).
    GSPNP_RESYNC_REBOOT = 2,
    /// Grandstream's other accepted form (`Event: resync`).
    GSPNP_RESYNC_RESYNC = 3,
}

/// How a re-provisioning ended.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_resync_outcome {
    /// The phone accepted (2xx in status_code): it fetches its file or reboots.
    GSPNP_RESYNC_OUTCOME_ACCEPTED = 1,
    /// The phone refused with status_code (not a challenge).
    GSPNP_RESYNC_OUTCOME_REJECTED = 2,
    /// The phone challenged our authenticated retry too (wrong credentials), or its
    /// challenge could not be answered safely.
    GSPNP_RESYNC_OUTCOME_AUTH_REFUSED = 3,
    /// The phone challenged and there were no credentials to answer with.
    GSPNP_RESYNC_OUTCOME_NO_CREDENTIALS = 4,
    /// No final answer (RFC 3261 Timer F, 32 s by default); status_code is 0.
    GSPNP_RESYNC_OUTCOME_TIMED_OUT = 5,
}

/// The outcome of one gspnp_server_resync(), for on_resync_result or
/// gspnp_event_resync_result(). Views are valid for the callback's duration (or until
/// gspnp_event_free()).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_resync_result<'a> {
    /// The phone, 12 lower-case hex digits.
    pub mac: super::strings::gspnp_str<'a>,
    /// Where the NOTIFY went.
    pub destination: gspnp_addr,
    /// What it asked.
    pub kind: gspnp_resync_kind,
    /// How it ended.
    pub outcome: gspnp_resync_outcome,
    /// The phone's final status; 0 when it timed out.
    pub status_code: u16,
}

impl<'a> gspnp_resync_result<'a> {
    pub(crate) fn new(result: &ResyncResult, mac: &'a str) -> gspnp_resync_result<'a> {
        use gspnp_resync_outcome::*;
        let outcome = match result.outcome {
            ResyncOutcome::Accepted(_) => GSPNP_RESYNC_OUTCOME_ACCEPTED,
            ResyncOutcome::Rejected(_) => GSPNP_RESYNC_OUTCOME_REJECTED,
            ResyncOutcome::AuthRefused(_) => GSPNP_RESYNC_OUTCOME_AUTH_REFUSED,
            ResyncOutcome::NoCredentials(_) => GSPNP_RESYNC_OUTCOME_NO_CREDENTIALS,
            ResyncOutcome::TimedOut => GSPNP_RESYNC_OUTCOME_TIMED_OUT,
        };
        let kind = match result.kind {
            ResyncKind::CheckSync => gspnp_resync_kind::GSPNP_RESYNC_CHECK_SYNC,
            ResyncKind::Reboot => gspnp_resync_kind::GSPNP_RESYNC_REBOOT,
            ResyncKind::Resync => gspnp_resync_kind::GSPNP_RESYNC_RESYNC,
        };
        gspnp_resync_result {
            mac: super::strings::gspnp_str::new(mac),
            destination: result.destination.into(),
            kind,
            outcome,
            status_code: result.outcome.status_code().unwrap_or(0),
        }
    }
}

/// The MAC text a result's view borrows.
pub(crate) fn result_mac(result: &ResyncResult) -> super::views::MacText {
    mac_text(&result.mac)
}

fn kind_from(kind: u32) -> Result<ResyncKind, Failure> {
    match kind {
        1 => Ok(ResyncKind::CheckSync),
        2 => Ok(ResyncKind::Reboot),
        3 => Ok(ResyncKind::Resync),
        _ => {
            Err(Failure::new(gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT, format!("{kind} is not a gspnp_resync_kind")))
        }
    }
}

/// Re-provisions a phone: sends it a NOTIFY outside any dialog asking it to fetch its
/// file again (`kind` GSPNP_RESYNC_CHECK_SYNC), to reboot (GSPNP_RESYNC_REBOOT) or to
/// resync (GSPNP_RESYNC_RESYNC), and answers the phone's digest challenge (401/407,
/// MD5 or SHA-256, qop auth or none) once.
///
/// - `mac`: 12 hex digits, with or without separators.
/// - `user`/`password`: the credentials to answer the challenge with (a Grandstream
///   phone accepts its SIP account's authenticate ID and password). Both empty: those
///   of account `account` (1-16; 0 means 1) of the profile gspnp holds for the phone,
///   if any. Copied; never logged.
/// - `address`: `IPv4:port` to send to (for example the contact the phone registered),
///   or empty for the phone's last known address.
///
/// Strings are `{pointer, length}` as everywhere in this header; `(NULL, 0)` is empty.
/// Returns once the NOTIFY is sent; the outcome arrives later through on_resync_result
/// (or a GSPNP_EVENT_KIND_RESYNC_RESULT event) and is never dropped. Any thread, also
/// from a callback. Errors: GSPNP_STATUS_NOT_FOUND when gspnp never saw the phone and
/// `address` is empty; GSPNP_STATUS_INVALID_MAC; GSPNP_STATUS_INVALID_ARGUMENT (kind,
/// account, address, only one of user/password, control characters);
/// GSPNP_STATUS_STOPPED. Nothing is sent on error.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gspnp_server_resync(
    server: *const super::server::gspnp_server,
    mac: *const c_char,
    mac_len: usize,
    kind: u32,
    account: u32,
    user: *const c_char,
    user_len: usize,
    password: *const c_char,
    password_len: usize,
    address: *const c_char,
    address_len: usize,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (mac, user, password, address) = unsafe {
            (
                str_arg(mac, mac_len, "mac")?,
                str_arg(user, user_len, "user")?,
                str_arg(password, password_len, "password")?,
                str_arg(address, address_len, "address")?,
            )
        };
        let mac = parse_mac(mac)?;
        let credentials = match (user.is_empty(), password.is_empty()) {
            (false, false) => {
                ResyncCredentials::Given(Credentials { username: user.to_owned(), password: password.to_owned() })
            }
            (true, true) => ResyncCredentials::Account(if account == 0 { 1 } else { account.min(255) as u8 }),
            _ => {
                return Err(Failure::new(
                    gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT,
                    "give both user and password, or neither",
                ))
            }
        };
        let destination = match address {
            "" => None,
            text => Some(text.parse().map_err(|_| {
                Failure::new(gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT, format!("{text:?} is not IPv4:port"))
            })?),
        };
        let request = ResyncRequest { kind: kind_from(kind)?, credentials, destination, local: None };
        server.resync(mac, request).map_err(runtime_failure)
    })
}
