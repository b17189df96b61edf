//! gspnp_server_config: how a server listens and decides, set before it starts.

use std::ffi::c_char;
use std::time::Duration;

use super::castable::{borrow_mut, free, into_c, Castable};
use super::guard::{guard, Failure};
use super::status::gspnp_status;
use super::strings::str_arg;
use crate::engine::{url, AnswerCode, LogLevel, Mode, Rule, Verdict};
use crate::mac::Mac;
use crate::runtime::ServerConfig;

/// Settings for gspnp_server_start(). Create with gspnp_server_config_new(), change with
/// the setters (each either applies completely or changes nothing), free with
/// gspnp_server_config_free(). Not thread-safe: set it up on one thread. One config may
/// start several servers; the server copies it.
#[allow(non_camel_case_types)]
pub struct gspnp_server_config {
    _private: [u8; 0],
}

/// What a server does with a ua-profile SUBSCRIBE.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_mode {
    /// Ignore them (counted only).
    GSPNP_MODE_OFF = 0,
    /// Record and report phones; send nothing.
    GSPNP_MODE_DISCOVER = 1,
    /// Record, report, and answer phones that have something assigned (the default).
    GSPNP_MODE_PROVISION = 2,
}

impl From<gspnp_mode> for Mode {
    fn from(mode: gspnp_mode) -> Mode {
        match mode {
            gspnp_mode::GSPNP_MODE_OFF => Mode::Off,
            gspnp_mode::GSPNP_MODE_DISCOVER => Mode::Discover,
            gspnp_mode::GSPNP_MODE_PROVISION => Mode::Provision,
        }
    }
}

/// What an allow/deny rule matches.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_rule_kind {
    /// The vendor name, case-insensitive (`Grandstream`).
    GSPNP_RULE_KIND_VENDOR = 0,
    /// The first 3 octets of the MAC: 6 hex digits, optionally `00:0b:82`.
    GSPNP_RULE_KIND_OUI = 1,
    /// One MAC.
    GSPNP_RULE_KIND_MAC = 2,
}

impl Castable for gspnp_server_config {
    type Rust = ServerConfig;
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT, message)
}

/// A config with the defaults: multicast port 5060, unicast port 0 (a free one), every
/// multicast interface, provision mode, answer 200, RFC 3261 timers (T1 500 ms, T2 4 s,
/// timeout 32 s), URL template "http://{ip}/gspnp/{token}/". Free it with
/// gspnp_server_config_free().
#[no_mangle]
pub extern "C" fn gspnp_server_config_new() -> *mut gspnp_server_config {
    super::guard::guard_value(std::ptr::null_mut(), || into_c(ServerConfig::default()))
}

/// Frees a config. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_config_free(config: *mut gspnp_server_config) {
    super::guard::guard_value((), || free(config))
}

/// The multicast port (default 5060): phones' SUBSCRIBEs to 224.0.1.75 on this port are
/// received on a socket bound to that group address with SO_REUSEADDR, which takes
/// nothing from a PBX bound to 0.0.0.0 on the same port (with SO_REUSEADDR). Unused
/// with multicast off.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_port(config: *mut gspnp_server_config, port: u32) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        config.port = u16::try_from(port).map_err(|_| invalid(format!("{port} is not a UDP port (0 to 65535)")))?;
        Ok(())
    })
}

/// The unicast port (default 0: a free port chosen by the OS; see gspnp_server_port()).
/// Answers, NOTIFYs, the phones' responses and unicast SUBSCRIBEs use a socket bound
/// exclusively to it, and Via/Contact name it. Never share the PBX's port here.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_unicast_port(config: *mut gspnp_server_config, port: u32) -> gspnp_status {
    guard(|| {
        borrow_mut(config, "config")?.unicast_port = udp_port(port)?;
        Ok(())
    })
}

fn udp_port(port: u32) -> Result<u16, Failure> {
    u16::try_from(port).map_err(|_| invalid(format!("{port} is not a UDP port (0 to 65535)")))
}

/// Adds an interface to join the PnP group 224.0.1.75 on, by name ("eth0") or IPv4
/// address. With none added, every up, multicast-capable IPv4 interface is joined. A
/// name that does not exist is reported by gspnp_server_start().
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_config_add_interface(
    config: *mut gspnp_server_config,
    name: *const c_char,
    name_len: usize,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        // SAFETY: the caller passes name_len readable bytes at name.
        let name = unsafe { str_arg(name, name_len, "name") }?;
        if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid(format!("{name:?} is not an interface name or IPv4 address")));
        }
        config.interfaces.push(name.to_string());
        Ok(())
    })
}

/// Whether to join the multicast group at all (default true). False: unicast only (on
/// the unicast port).
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_multicast(config: *mut gspnp_server_config, enabled: bool) -> gspnp_status {
    guard(|| {
        borrow_mut(config, "config")?.multicast = enabled;
        Ok(())
    })
}

/// Feed mode (default false): no socket; the host passes datagrams with
/// gspnp_server_feed() and sends what on_transmit (or a TRANSMIT event) gives it.
///
/// Which mode a PBX should use: feed mode when its SIP stack can hand datagrams over
/// (a PBX module usually can). The PBX joins 224.0.1.75 on its own SIP socket and
/// passes on what carries `Event: ua-profile` and the responses to gspnp's NOTIFYs; no
/// second socket shares 5060, whatever options the PBX's socket has, and phones see
/// the PBX's own address and port. Socket mode (the default) when it cannot: gspnp
/// receives the group on a socket bound to 224.0.1.75:5060 and answers from a unicast
/// port of its own. That socket can bind beside the PBX only if the PBX's socket on
/// 0.0.0.0:5060 has SO_REUSEADDR (or the PBX binds its own address instead), and the
/// PBX's wildcard socket then also gets a copy of each multicast SUBSCRIBE (Linux gives
/// group datagrams to every socket on the port that does not set IP_MULTICAST_ALL to
/// 0): it must leave ua-profile SUBSCRIBEs unanswered.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_feed_mode(config: *mut gspnp_server_config, enabled: bool) -> gspnp_status {
    guard(|| {
        borrow_mut(config, "config")?.feed_mode = enabled;
        Ok(())
    })
}

/// off / discover / provision (default provision). Values outside the enum are refused.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_mode(config: *mut gspnp_server_config, mode: u32) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        config.engine.mode = mode_from_int(mode)?;
        Ok(())
    })
}

pub(crate) fn mode_from_int(mode: u32) -> Result<Mode, Failure> {
    [gspnp_mode::GSPNP_MODE_OFF, gspnp_mode::GSPNP_MODE_DISCOVER, gspnp_mode::GSPNP_MODE_PROVISION]
        .into_iter()
        .find(|known| *known as u32 == mode)
        .map(Mode::from)
        .ok_or_else(|| invalid(format!("{mode} is not a gspnp_mode")))
}

/// The answer to a SUBSCRIBE that can be served: 200 (default) or 202.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_answer_code(config: *mut gspnp_server_config, code: u32) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        config.engine.answer = match code {
            200 => AnswerCode::Ok200,
            202 => AnswerCode::Accepted202,
            other => return Err(invalid(format!("the answer code must be 200 or 202, not {other}"))),
        };
        Ok(())
    })
}

/// The provisioning URL for phones served from a profile. Placeholders: {ip} (our
/// address as the phone reached it), {mac}, {token} (128 random bits, per phone),
/// {model}. Must be http(s)/tftp/ftp(s) and end in "/". Without {token} anyone who
/// guesses a MAC can fetch that phone's file (a warning is logged).
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_config_set_url_template(
    config: *mut gspnp_server_config,
    template: *const c_char,
    template_len: usize,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        // SAFETY: the caller passes template_len readable bytes at template.
        let template = unsafe { str_arg(template, template_len, "template") }?;
        url::check_template(template).map_err(|e| Failure::new(gspnp_status::GSPNP_STATUS_BAD_URL_TEMPLATE, e.0))?;
        config.engine.url_template = template.to_string();
        Ok(())
    })
}

/// NOTIFY retransmission (RFC 3261 timers E/F): first interval `t1_ms` doubling up to
/// `t2_ms`, giving up after `timeout_ms`. Requires 0 < t1 <= t2 and t1 <= timeout <= 10 min.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_timers(
    config: *mut gspnp_server_config,
    t1_ms: u32,
    t2_ms: u32,
    timeout_ms: u32,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        if t1_ms == 0 || t1_ms > t2_ms || timeout_ms < t1_ms || timeout_ms > 600_000 {
            return Err(invalid(format!(
                "timers must satisfy 0 < t1 <= t2 and t1 <= timeout <= 600000 (got {t1_ms}, {t2_ms}, {timeout_ms})"
            )));
        }
        config.engine.timers.t1 = Duration::from_millis(t1_ms.into());
        config.engine.timers.t2 = Duration::from_millis(t2_ms.into());
        config.engine.timers.timeout = Duration::from_millis(timeout_ms.into());
        Ok(())
    })
}

/// After a phone acknowledged its NOTIFY, new SUBSCRIBEs from it within `cooldown_ms`
/// are answered but not notified again (default 30000).
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_cooldown(config: *mut gspnp_server_config, cooldown_ms: u32) -> gspnp_status {
    guard(|| {
        borrow_mut(config, "config")?.engine.cooldown = Duration::from_millis(cooldown_ms.into());
        Ok(())
    })
}

/// The most phones remembered (default 16384; 1 to 10,000,000); the least recently
/// seen is forgotten first.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_max_devices(
    config: *mut gspnp_server_config,
    max_devices: usize,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        if max_devices == 0 || max_devices > 10_000_000 {
            return Err(invalid(format!("max_devices must be 1 to 10000000, not {max_devices}")));
        }
        config.engine.max_devices = max_devices;
        Ok(())
    })
}

/// SUBSCRIBEs allowed per source address: `burst` at once, `per_second` sustained
/// (default 40 and 10). `burst` >= 1, `per_second` > 0 and finite.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_rate_limit(
    config: *mut gspnp_server_config,
    burst: u32,
    per_second: f64,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        if burst == 0 || !per_second.is_finite() || per_second <= 0.0 {
            return Err(invalid("the rate limit needs burst >= 1 and a positive, finite per_second"));
        }
        config.engine.rate_limit.burst = burst;
        config.engine.rate_limit.per_second = per_second;
        Ok(())
    })
}

/// How far the host may fall behind (default 4096, 1 to 16777216). Log lines: at most
/// this many wait; newer ones are dropped, counted and reported by on_events_dropped.
/// Everything else (phones, file offers, NOTIFY results, feed-mode datagrams) is never
/// dropped: with this many undelivered, the server stops answering new phones (they
/// retry; exchanges under way go on) until half as many remain.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_event_queue(
    config: *mut gspnp_server_config,
    capacity: usize,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        if capacity == 0 || capacity > 1 << 24 {
            return Err(invalid("the event queue holds 1 to 16777216 events"));
        }
        config.event_queue = capacity;
        Ok(())
    })
}

/// The socket's receive buffer in bytes (default 4 MiB, 64 KiB to 1 GiB): room for a
/// boot storm. Capped by net.core.rmem_max unless the process has CAP_NET_ADMIN.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_receive_buffer(
    config: *mut gspnp_server_config,
    bytes: usize,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        if !(64 << 10..=1 << 30).contains(&bytes) {
            return Err(invalid(format!("the receive buffer must be 64 KiB to 1 GiB, not {bytes} bytes")));
        }
        config.receive_buffer = bytes;
        Ok(())
    })
}

/// Adds an allow (`allow` true) or deny rule. A deny always wins; once any allow rule
/// exists, only phones matching one are answered.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_config_add_rule(
    config: *mut gspnp_server_config,
    allow: bool,
    kind: u32,
    value: *const c_char,
    value_len: usize,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        // SAFETY: the caller passes value_len readable bytes at value.
        let value = unsafe { str_arg(value, value_len, "value") }?;
        let rule = match kind {
            k if k == gspnp_rule_kind::GSPNP_RULE_KIND_VENDOR as u32 => {
                if value.is_empty() || value.len() > 128 {
                    return Err(invalid("a vendor rule needs a vendor name of 1 to 128 bytes"));
                }
                Rule::Vendor(value.to_string())
            }
            k if k == gspnp_rule_kind::GSPNP_RULE_KIND_OUI as u32 => Rule::Oui(parse_oui(value)?),
            k if k == gspnp_rule_kind::GSPNP_RULE_KIND_MAC as u32 => Rule::Mac(parse_mac(value)?),
            other => return Err(invalid(format!("{other} is not a gspnp_rule_kind"))),
        };
        config.engine.access.add(if allow { Verdict::Allow } else { Verdict::Deny }, rule);
        Ok(())
    })
}

/// A MAC in any accepted form, or GSPNP_STATUS_INVALID_MAC.
pub(crate) fn parse_mac(text: &str) -> Result<Mac, Failure> {
    text.parse::<Mac>()
        .map_err(|_| Failure::new(gspnp_status::GSPNP_STATUS_INVALID_MAC, format!("{text:?} is not a MAC address")))
}

fn parse_oui(text: &str) -> Result<[u8; 3], Failure> {
    let padded = format!("{text}:00:00:00");
    let mac = if text.len() == 6 { format!("{text}000000").parse::<Mac>() } else { padded.parse::<Mac>() };
    let mac = mac.map_err(|_| {
        Failure::new(
            gspnp_status::GSPNP_STATUS_INVALID_MAC,
            format!("{text:?} is not an OUI (like 000b82 or 00:0b:82)"),
        )
    })?;
    Ok(mac.oui())
}

/// How long a file offered to on_config (or as a CONFIG_READY event) waits for its
/// decision (default 10000 ms, 1 to 3600000). At the limit the file counts as refused:
/// no NOTIFY, the phone is reported failed (GSPNP_FAILURE_NO_DECISION) and retries later.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_decision_timeout(
    config: *mut gspnp_server_config,
    timeout_ms: u32,
) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        if timeout_ms == 0 || timeout_ms > 3_600_000 {
            return Err(invalid(format!("the decision timeout must be 1 to 3600000 ms, not {timeout_ms}")));
        }
        config.engine.decision_timeout = Duration::from_millis(timeout_ms.into());
        Ok(())
    })
}

/// The least severe log line made (a gspnp_log_level; default INFO). Lines below it
/// are never formatted nor queued.
#[no_mangle]
pub extern "C" fn gspnp_server_config_set_log_level(config: *mut gspnp_server_config, level: u32) -> gspnp_status {
    guard(|| {
        let config = borrow_mut(config, "config")?;
        config.engine.log_level = match level {
            1 => LogLevel::Error,
            2 => LogLevel::Warn,
            3 => LogLevel::Info,
            4 => LogLevel::Debug,
            _ => return Err(invalid(format!("{level} is not a gspnp_log_level (1 to 4)"))),
        };
        Ok(())
    })
}
