//! What `gspnpd simulate` is asked to do.

use std::net::SocketAddrV4;
use std::path::PathBuf;
use std::time::Duration;

use gspnp::Mac;

pub use super::digest::{Algorithm, Qop};

/// The most phones one run simulates.
pub const MOST_PHONES: usize = 100_000;

/// Sockets opened when `--sockets` is not given, at most: phones beyond share them
/// (the runner tells phones apart by Call-ID and MAC, so sharing changes nothing the
/// server sees but the source port).
pub const AUTO_SOCKETS: usize = 64;

/// What ends a phone's run successfully.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Until {
    /// Its file fetched and checked, as a real phone.
    #[default]
    File,
    /// Its first usable NOTIFY, answered 200; nothing is fetched.
    Notify,
    /// The first final answer to its SUBSCRIBE, or the SUBSCRIBE itself coming back
    /// (from a UDP echo): one request/response pair.
    Answer,
}

impl Until {
    /// As on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Until::File => "file",
            Until::Notify => "notify",
            Until::Answer => "answer",
        }
    }
}

impl std::str::FromStr for Until {
    type Err = String;

    fn from_str(text: &str) -> Result<Until, String> {
        match text {
            "file" => Ok(Until::File),
            "notify" => Ok(Until::Notify),
            "answer" => Ok(Until::Answer),
            other => Err(format!("{other:?} is not file, notify or answer")),
        }
    }
}

/// `gspnpd simulate`'s options, checked.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many phones.
    pub phones: usize,
    /// Where SUBSCRIBEs go.
    pub target: SocketAddrV4,
    /// The interface (name or IPv4 address) to send from.
    pub interface: Option<String>,
    /// Datagram loss rate in each direction, 0..=1.
    pub loss: f64,
    /// Seed of the loss.
    pub seed: u64,
    /// The first phone's MAC.
    pub mac_base: Mac,
    /// The phones' model.
    pub model: String,
    /// The phones' firmware version.
    pub firmware: String,
    /// Phones boot spread evenly over this time (0: all at once, as after a power cut).
    pub ramp: Duration,
    /// Between SUBSCRIBEs.
    pub interval: Duration,
    /// SUBSCRIBEs per phone at most.
    pub attempts: u32,
    /// After the last SUBSCRIBE, how long to wait for a NOTIFY.
    pub notify_wait: Duration,
    /// The whole run at most.
    pub timeout: Duration,
    /// Concurrent downloads.
    pub fetchers: usize,
    /// UDP sockets the phones share; 0: one per phone up to [`AUTO_SOCKETS`].
    pub sockets: usize,
    /// At most this many phones under way at once, the next booting when one ends
    /// (a closed loop, to measure capacity); 0: boot by `ramp`.
    pub window: usize,
    /// What ends a phone's run.
    pub until: Until,
    /// Basic credentials for an HTTP 401.
    pub http_auth: Option<(String, String)>,
    /// A PEM certificate to trust for HTTPS.
    pub ca: Option<PathBuf>,
    /// Accept any HTTPS certificate.
    pub insecure: bool,
    /// Print JSON.
    pub json: bool,
    /// After provisioning, how long each phone stays alive (resync NOTIFYs); 0: not at all.
    pub stay: Duration,
    /// Register with the file's account after provisioning.
    pub register: bool,
    /// The hash of the phones' NOTIFY challenges.
    pub auth_algorithm: Algorithm,
    /// The qop of the phones' NOTIFY challenges.
    pub auth_qop: Qop,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            phones: 1,
            target: SocketAddrV4::new(std::net::Ipv4Addr::new(224, 0, 1, 75), gspnp::runtime::SIP_PORT),
            interface: None,
            loss: 0.0,
            seed: 1,
            mac_base: Mac([0x00, 0x0b, 0x82, 0x00, 0x00, 0x01]),
            model: "GRP2614".to_owned(),
            firmware: "1.0.5.15".to_owned(),
            ramp: Duration::ZERO,
            interval: Duration::from_secs(1),
            attempts: 5,
            notify_wait: Duration::from_secs(32),
            timeout: Duration::from_secs(60),
            fetchers: 8,
            sockets: 0,
            window: 0,
            until: Until::File,
            http_auth: None,
            ca: None,
            insecure: false,
            json: false,
            stay: Duration::ZERO,
            register: false,
            auth_algorithm: Algorithm::Md5,
            auth_qop: Qop::Auth,
        }
    }
}

/// The MAC of phone `index` (from 0): `base` plus `index`, or None past ff:ff:ff:ff:ff:ff.
pub fn nth_mac(base: Mac, index: usize) -> Option<Mac> {
    let value = base.0.iter().fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    let value = value.checked_add(u64::try_from(index).ok()?)?;
    if value >= 1 << 48 {
        return None;
    }
    let bytes = value.to_be_bytes();
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&bytes[2..]);
    Some(Mac(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_count_up_across_octets() {
        let base: Mac = "000b820000ff".parse().unwrap();
        assert_eq!(nth_mac(base, 0).unwrap().to_string(), "000b820000ff");
        assert_eq!(nth_mac(base, 1).unwrap().to_string(), "000b82000100");
        assert_eq!(nth_mac("ffffffffffff".parse().unwrap(), 1), None);
    }
}
