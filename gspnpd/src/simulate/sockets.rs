//! The phones' UDP sockets: as many as asked for (or as descriptors allow), shared by phones.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};

use nix::sys::resource::{getrlimit, setrlimit, Resource};
use nix::sys::socket::{setsockopt, sockopt};

use super::options::{Options, AUTO_SOCKETS};

/// The sockets and the address phones put in their Via and Contact.
pub struct Sockets {
    /// At least one.
    pub sockets: Vec<UdpSocket>,
    /// The phones' IPv4 address.
    pub local_ip: Ipv4Addr,
}

/// Opens `--sockets` sockets (by default one per phone up to [`AUTO_SOCKETS`], or one
/// per phone with `--stay` or `--register`, so that a request outside any dialog
/// reaches its phone by port), as far as descriptors go, keeping some back for downloads.
pub fn open(options: &Options) -> Result<Sockets, String> {
    let local_ip = local_address(options)?;
    let reserve = options.fetchers * 2 + 64;
    let budget = descriptor_budget().saturating_sub(reserve).max(1);
    let wanted = match options.sockets {
        0 if !options.stay.is_zero() || options.register => options.phones,
        0 => AUTO_SOCKETS,
        given => given,
    };
    let count = options.phones.min(wanted).min(budget);
    // With --interface the sockets are bound to its address, so that multicast leaves
    // by that interface (Linux picks the device of a bound source address).
    let bind_ip = if options.interface.is_some() { local_ip } else { Ipv4Addr::UNSPECIFIED };
    let mut sockets = Vec::with_capacity(count);
    while sockets.len() < count {
        match UdpSocket::bind(SocketAddrV4::new(bind_ip, 0)) {
            Ok(socket) => {
                socket.set_nonblocking(true).map_err(|error| format!("cannot set up a UDP socket: {error}"))?;
                sockets.push(socket);
            }
            // Out of descriptors: the phones beyond share the sockets there are.
            Err(error) if !sockets.is_empty() && matches!(error.raw_os_error(), Some(23 | 24)) => break,
            Err(error) => return Err(format!("cannot open a UDP socket on {bind_ip}: {error}")),
        }
    }
    if sockets.len() < options.phones {
        // Shared sockets take many phones' answers at once: give them room, as far as
        // net.core.rmem_max allows. A smaller buffer only means more lost datagrams.
        for socket in &sockets {
            let _ = setsockopt(socket, sockopt::RcvBuf, &SHARED_RECEIVE_BUFFER);
        }
    }
    Ok(Sockets { sockets, local_ip })
}

/// The receive buffer asked for a socket several phones share.
const SHARED_RECEIVE_BUFFER: usize = 4 << 20;

/// The address the phones send from: the interface's, or the one the kernel would pick
/// to reach the target.
fn local_address(options: &Options) -> Result<Ipv4Addr, String> {
    if let Some(interface) = &options.interface {
        let found = gspnp::runtime::interfaces::resolve(std::slice::from_ref(interface))
            .map_err(|error| format!("--interface: {error}"))?;
        return found
            .first()
            .map(|interface| interface.address)
            .ok_or_else(|| format!("--interface {interface}: no IPv4 address"));
    }
    let probe = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
        .map_err(|error| format!("cannot open a UDP socket: {error}"))?;
    probe
        .connect(options.target)
        .map_err(|error| format!("no route to {} ({error}); give --interface", options.target))?;
    match probe.local_addr() {
        Ok(SocketAddr::V4(local)) => Ok(*local.ip()),
        _ => Err(format!("cannot tell which address reaches {}; give --interface", options.target)),
    }
}

/// How many descriptors this process may open, after raising the soft limit to the hard one.
fn descriptor_budget() -> usize {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else { return 1024 };
    let limit = if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() { hard } else { soft };
    usize::try_from(limit).unwrap_or(usize::MAX).min(1 << 20)
}
