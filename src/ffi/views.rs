//! Plain C structs that show Rust values to the host: addresses, phones, files,
//! NOTIFY results. Every string in them is a borrowed view (see gspnp_str).

use std::marker::PhantomData;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::strings::gspnp_str;
use crate::device::DeviceInfo;
use crate::engine::{ConfigFile, LogLevel, NotifyOutcome, NotifyResult};

/// An IPv4 address and UDP port. `octets` in network order: 192.0.2.1 is {192, 0, 2, 1}.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct gspnp_addr {
    /// The four octets of the address.
    pub octets: [u8; 4],
    /// The port.
    pub port: u16,
}

impl From<SocketAddrV4> for gspnp_addr {
    fn from(address: SocketAddrV4) -> gspnp_addr {
        gspnp_addr { octets: address.ip().octets(), port: address.port() }
    }
}

impl From<gspnp_addr> for SocketAddrV4 {
    fn from(address: gspnp_addr) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::from(address.octets), address.port)
    }
}

/// The importance of a log line.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_log_level {
    /// Something failed.
    GSPNP_LOG_LEVEL_ERROR = 1,
    /// Something is off; work goes on.
    GSPNP_LOG_LEVEL_WARN = 2,
    /// One line per phone event.
    GSPNP_LOG_LEVEL_INFO = 3,
    /// Detail.
    GSPNP_LOG_LEVEL_DEBUG = 4,
}

impl From<LogLevel> for gspnp_log_level {
    fn from(level: LogLevel) -> gspnp_log_level {
        match level {
            LogLevel::Error => gspnp_log_level::GSPNP_LOG_LEVEL_ERROR,
            LogLevel::Warn => gspnp_log_level::GSPNP_LOG_LEVEL_WARN,
            LogLevel::Info => gspnp_log_level::GSPNP_LOG_LEVEL_INFO,
            LogLevel::Debug => gspnp_log_level::GSPNP_LOG_LEVEL_DEBUG,
        }
    }
}

/// A phone, as its ua-profile SUBSCRIBE described it. Strings absent from the
/// SUBSCRIBE are empty. Phone-supplied strings are sanitised: no control characters,
/// at most 128 bytes.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_device<'a> {
    /// 12 lower-case hex digits.
    pub mac: gspnp_str<'a>,
    /// From the Event header (`vendor`, or Panasonic's `vender`), else the User-Agent.
    pub vendor: gspnp_str<'a>,
    /// `GRP2614`.
    pub model: gspnp_str<'a>,
    /// Firmware version.
    pub firmware: gspnp_str<'a>,
    /// `device` or `application`.
    pub profile_type: gspnp_str<'a>,
    /// The SIP User-Agent header.
    pub user_agent: gspnp_str<'a>,
    /// The Contact header's URI.
    pub contact: gspnp_str<'a>,
    /// Where the datagram came from (replies go here, never to an address inside it).
    pub source: gspnp_addr,
}

impl<'a> gspnp_device<'a> {
    /// Views of `info`'s strings; `mac` must hold the 12 hex digits of `info.mac`.
    pub(crate) fn new(info: &'a DeviceInfo, mac: &'a str) -> gspnp_device<'a> {
        gspnp_device {
            mac: gspnp_str::new(mac),
            vendor: gspnp_str::new(&info.vendor),
            model: gspnp_str::new(&info.model),
            firmware: gspnp_str::new(&info.firmware),
            profile_type: gspnp_str::new(&info.profile_type),
            user_agent: gspnp_str::new(&info.user_agent),
            contact: gspnp_str::new(&info.contact),
            source: info.source.into(),
        }
    }
}

/// A rendered configuration file, offered before its phone is told where it is.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_config_file<'a> {
    /// Pass to gspnp_server_decide() when deciding later (pull API).
    pub ticket: u64,
    /// The phone, 12 lower-case hex digits.
    pub mac: gspnp_str<'a>,
    /// The model it was rendered for.
    pub model: gspnp_str<'a>,
    /// `cfg<mac>.xml`: serve the file under this name inside `url`.
    pub file_name: gspnp_str<'a>,
    /// The file's bytes (XML, UTF-8). It holds SIP passwords: keep it private.
    pub contents: *const u8,
    /// Its length.
    pub contents_len: usize,
    /// The folder URL the phone will be told; ends in `/`.
    pub url: gspnp_str<'a>,
    /// The device's unguessable token (part of `url`); a secret, never log it.
    pub token: gspnp_str<'a>,
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> gspnp_config_file<'a> {
    pub(crate) fn new(file: &'a ConfigFile, mac: &'a str) -> gspnp_config_file<'a> {
        gspnp_config_file {
            ticket: file.ticket,
            mac: gspnp_str::new(mac),
            model: gspnp_str::new(&file.model),
            file_name: gspnp_str::new(&file.file_name),
            contents: file.contents.as_ptr(),
            contents_len: file.contents.len(),
            url: gspnp_str::new(&file.url),
            token: gspnp_str::new(&file.token),
            _borrow: PhantomData,
        }
    }
}

/// How a NOTIFY ended.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_notify_outcome {
    /// The phone answered 2xx and will fetch its file.
    GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED = 0,
    /// The phone answered with an error status.
    GSPNP_NOTIFY_OUTCOME_REJECTED = 1,
    /// No final answer in time (RFC 3261 Timer F).
    GSPNP_NOTIFY_OUTCOME_TIMED_OUT = 2,
}

/// The final outcome of one NOTIFY.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct gspnp_notify_result<'a> {
    /// The phone, 12 lower-case hex digits.
    pub mac: gspnp_str<'a>,
    /// Where the NOTIFY went.
    pub destination: gspnp_addr,
    /// The URL it carried.
    pub url: gspnp_str<'a>,
    /// How it ended.
    pub outcome: gspnp_notify_outcome,
    /// The phone's status code; 0 when it timed out.
    pub status_code: u16,
    /// True inside the SUBSCRIBE's dialog; false for a deferred NOTIFY.
    pub in_dialog: bool,
}

impl<'a> gspnp_notify_result<'a> {
    pub(crate) fn new(result: &'a NotifyResult, mac: &'a str) -> gspnp_notify_result<'a> {
        let (outcome, status_code) = match result.outcome {
            NotifyOutcome::Acknowledged(code) => (gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_ACKNOWLEDGED, code),
            NotifyOutcome::Rejected(code) => (gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_REJECTED, code),
            NotifyOutcome::TimedOut => (gspnp_notify_outcome::GSPNP_NOTIFY_OUTCOME_TIMED_OUT, 0),
        };
        gspnp_notify_result {
            mac: gspnp_str::new(mac),
            destination: result.destination.into(),
            url: gspnp_str::new(&result.url),
            outcome,
            status_code,
            in_dialog: result.in_dialog,
        }
    }
}

/// 12 hex digits of a MAC as a `str`, for views.
pub(crate) fn mac_text(mac: &crate::mac::Mac) -> MacText {
    MacText(mac.to_hex())
}

/// The 12 hex digits of a MAC, kept alive while views point at them.
pub(crate) struct MacText([u8; 12]);

impl MacText {
    pub(crate) fn as_str(&self) -> &str {
        // Mac::to_hex writes only ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}
