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
