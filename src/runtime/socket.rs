//! The UDP sockets of a server in socket mode, opened so that a PBX on the same host
//! keeps every datagram meant for it:
//!
//! - the **group socket** is bound to the PnP group address itself, 224.0.1.75:5060,
//!   with SO_REUSEADDR (never SO_REUSEPORT), and joined on each chosen interface: it
//!   can only ever receive datagrams sent to the group, so a PBX holding 0.0.0.0:5060
//!   (with SO_REUSEADDR) keeps all of its unicast SIP;
//! - the **unicast socket** is bound exclusively (no reuse option) to a port of its
//!   own: answers, NOTIFYs and their responses, and unicast SUBSCRIBEs.
//!
//! Both ask for IP_PKTINFO, so each datagram carries the local address it reached (read
//! by [`batch`](super::batch)).

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{self, setsockopt, sockopt, AddressFamily, IpMembershipRequest, SockFlag, SockType, SockaddrIn};

use super::interfaces::LocalInterface;

/// The multicast group of SIP ua-profile PnP (RFC 6080 §4.1, "sip.mcast.net").
pub const PNP_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 75);

/// A socket option nix lacks, kept out of the public API.
mod options {
    // The macro expands to itself and to setsockopt_impl!, by their bare names.
    use nix::{setsockopt_impl, sockopt_impl};

    sockopt_impl!(
        /// IP_MULTICAST_ALL (Linux): off, a group socket hears the group only on the
        /// interfaces it joined itself, not on every interface where any socket of the host
        /// joined it.
        MulticastAll, SetOnly, nix::libc::IPPROTO_IP, nix::libc::IP_MULTICAST_ALL, bool);
}
use options::MulticastAll;

/// Why a socket could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The port is taken by a socket that does not allow this one beside it.
    AddressInUse(u16),
    /// Another system call failed.
    Io(&'static str, io::Error),
}

/// One bound, non-blocking UDP socket with IP_PKTINFO on.
#[derive(Debug)]
pub struct SipSocket {
    socket: UdpSocket,
    port: u16,
}

fn os(call: &'static str) -> impl Fn(Errno) -> OpenError {
    move |errno| OpenError::Io(call, io::Error::from(errno))
}

impl SipSocket {
    /// The unicast socket: `0.0.0.0:port` (0 picks a free port), bound exclusively (no
    /// SO_REUSEADDR, no SO_REUSEPORT: nothing else can receive what is sent to it), with
    /// a receive buffer of `receive_buffer` bytes. Fails with
    /// [`OpenError::AddressInUse`] when any socket holds the port.
    pub fn unicast(port: u16, receive_buffer: usize) -> Result<SipSocket, OpenError> {
        let fd = new_socket(receive_buffer)?;
        bind(fd, Ipv4Addr::UNSPECIFIED, port)
    }

    /// The group socket: `224.0.1.75:port` with SO_REUSEADDR (so it binds beside a PBX
    /// socket on `0.0.0.0:port` that has SO_REUSEADDR too, and receives only what is
    /// sent to the group), joined on each of `join` and hearing the group on those
    /// interfaces only. Fails with [`OpenError::AddressInUse`] when a socket holds the
    /// port without SO_REUSEADDR (or with SO_REUSEPORT alone).
    pub fn group(port: u16, join: &[LocalInterface], receive_buffer: usize) -> Result<SipSocket, OpenError> {
        let fd = new_socket(receive_buffer)?;
        setsockopt(&fd, sockopt::ReuseAddr, &true).map_err(os("SO_REUSEADDR"))?;
        setsockopt(&fd, MulticastAll, &false).map_err(os("IP_MULTICAST_ALL"))?;
        for interface in join {
            let request = IpMembershipRequest::new(PNP_GROUP, Some(interface.address));
            setsockopt(&fd, sockopt::IpAddMembership, &request).map_err(os("IP_ADD_MEMBERSHIP"))?;
        }
        bind(fd, PNP_GROUP, port)
    }

    /// The bound port (useful when 0 was asked for).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// For poll(), recvmmsg() and sendmmsg().
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

/// A UDP socket with IP_PKTINFO on and a receive buffer of `receive_buffer` bytes.
fn new_socket(receive_buffer: usize) -> Result<OwnedFd, OpenError> {
    let fd =
        socket::socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).map_err(os("socket"))?;
    // Past net.core.rmem_max when allowed to (CAP_NET_ADMIN), else as far as it goes.
    if setsockopt(&fd, sockopt::RcvBufForce, &receive_buffer).is_err() {
        setsockopt(&fd, sockopt::RcvBuf, &receive_buffer).map_err(os("SO_RCVBUF"))?;
    }
    setsockopt(&fd, sockopt::Ipv4PacketInfo, &true).map_err(os("IP_PKTINFO"))?;
    Ok(fd)
}

/// Binds `fd` to `ip:port` and makes it non-blocking.
fn bind(fd: OwnedFd, ip: Ipv4Addr, port: u16) -> Result<SipSocket, OpenError> {
    let address = SockaddrIn::from(SocketAddrV4::new(ip, port));
    socket::bind(fd.as_raw_fd(), &address).map_err(|errno| match errno {
        Errno::EADDRINUSE => OpenError::AddressInUse(port),
        other => os("bind")(other),
    })?;
    let socket = UdpSocket::from(fd);
    socket.set_nonblocking(true).map_err(|e| OpenError::Io("O_NONBLOCK", e))?;
    let port = match socket.local_addr() {
        Ok(std::net::SocketAddr::V4(bound)) => bound.port(),
        _ => port,
    };
    Ok(SipSocket { socket, port })
}
