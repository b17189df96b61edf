//! A lab of two network namespaces joined by a veth pair, for integration tests: the
//! phone side and the PBX side. Needs root and iproute2; everything is deleted on drop.
//! Packets never leave the namespaces.

#![allow(dead_code)]

use std::fs::File;
use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::sched::{setns, CloneFlags};

pub const PBX_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
pub const PHONE_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

/// Two namespaces and a veth pair, deleted on drop.
pub struct Lab {
    /// The PBX-side namespace.
    pub pbx: String,
    /// The phone-side namespace.
    pub phone: String,
    /// The veth end in the PBX namespace.
    pub pbx_link: String,
    /// The veth end in the phone namespace.
    pub phone_link: String,
}

pub fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status().expect("iproute2 is installed");
    assert!(status.success(), "ip {}", args.join(" "));
}

impl Lab {
    /// Creates the namespaces, the veth pair, addresses and the multicast route.
    pub fn new() -> Lab {
        // Unique per process and per lab, within the 15 bytes of an interface name.
        static LABS: AtomicU32 = AtomicU32::new(0);
        let id = format!("{}{}", std::process::id(), LABS.fetch_add(1, Ordering::Relaxed));
        let phone_link = format!("gph{id}");
        let lab = Lab {
            pbx: format!("gspnp-pbx-{id}"),
            phone: format!("gspnp-ph-{id}"),
            pbx_link: format!("gpbx{id}"),
            phone_link: phone_link.clone(),
        };
        ip(&["netns", "add", &lab.pbx]);
        ip(&["netns", "add", &lab.phone]);
        ip(&["link", "add", &lab.pbx_link, "type", "veth", "peer", "name", &phone_link]);
        ip(&["link", "set", &lab.pbx_link, "netns", &lab.pbx]);
        ip(&["link", "set", &phone_link, "netns", &lab.phone]);
        for (ns, link, address) in [(&lab.pbx, &lab.pbx_link, PBX_IP), (&lab.phone, &phone_link, PHONE_IP)] {
            ip(&["-n", ns, "addr", "add", &format!("{address}/24"), "dev", link]);
            ip(&["-n", ns, "link", "set", link, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        ip(&["-n", &lab.phone, "route", "add", "224.0.0.0/4", "dev", &phone_link]);
        lab
    }

    /// Adds `count` addresses 192.0.2.`first`, 192.0.2.`first + 1`, … to the phone
    /// side's veth end (secondary addresses: the phones keep sending from
    /// [`PHONE_IP`]), as an attacker on the LAN may use; returns them.
    pub fn add_phone_addresses(&self, first: u8, count: u8) -> Vec<Ipv4Addr> {
        let addresses: Vec<Ipv4Addr> = (first..first + count).map(|last| Ipv4Addr::new(192, 0, 2, last)).collect();
        for address in &addresses {
            ip(&["-n", &self.phone, "addr", "add", &format!("{address}/24"), "dev", &self.phone_link]);
        }
        addresses
    }

    /// Moves the calling thread (and threads it starts later) into namespace `name`.
    pub fn enter(name: &str) {
        let handle = File::open(format!("/run/netns/{name}")).expect("the namespace exists");
        setns(handle, CloneFlags::CLONE_NEWNET).expect("setns (needs root)");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.pbx]).status();
        let _ = Command::new("ip").args(["netns", "del", &self.phone]).status();
    }
}

/// True when the test can build a lab; outside CI a non-root run skips (and says so).
pub fn can_build() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must run the lab tests as root");
    eprintln!("skipped: needs root to create network namespaces");
    false
}

/// The SUBSCRIBE a GRP2614 at 192.0.2.2:5080 multicasts at boot, for `mac` (12 hex
/// digits, upper case as the phone writes it).
pub fn phone_subscribe(mac: &str) -> String {
    format!(
        "SUBSCRIBE sip:MAC%3A{mac}@224.0.1.75 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.2:5080;branch=z9hG4bK1686351121;rport\r\n\
         From: <sip:MAC%3A{mac}@224.0.1.75>;tag=1990948743\r\n\
         To: <sip:MAC%3A{mac}@224.0.1.75>\r\n\
         Call-ID: 1848599395-5080-1@BJC.BGI.F.BHF\r\n\
         CSeq: 20000 SUBSCRIBE\r\n\
         Contact: <sip:192.0.2.2:5080>\r\n\
         User-Agent: Grandstream GRP2614 1.0.0.31\r\n\
         Expires: 0\r\n\
         Event: ua-profile;profile-type=\"device\";vendor=\"Grandstream\";model=\"GRP2614\";version=\"1.0.0.31\"\r\n\
         Accept: application/url\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// The 200 OK a phone sends for `notify`, with its Via, From, To, Call-ID and CSeq.
pub fn phone_acknowledgement(notify: &str) -> String {
    let mut answer = "SIP/2.0 200 OK\r\n".to_string();
    for line in
        notify.split("\r\n").filter(|l| ["Via:", "From:", "To:", "Call-ID:", "CSeq:"].iter().any(|h| l.starts_with(h)))
    {
        answer += line;
        answer += "\r\n";
    }
    answer + "Content-Length: 0\r\n\r\n"
}
