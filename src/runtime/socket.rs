//! The UDP socket a server listens on: port reuse, the PnP multicast group on each
//! chosen interface, and the local address of every datagram (IP_PKTINFO, read by
//! [`batch`](super::batch)).

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::sys::socket::{self, setsockopt, sockopt, AddressFamily, IpMembershipRequest, SockFlag, SockType, SockaddrIn};

use super::interfaces::LocalInterface;

/// The multicast group of SIP ua-profile PnP (RFC 6080 §4.1, "sip.mcast.net").
pub const PNP_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 75);

/// Why the socket could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The port is taken by a socket that does not allow sharing.
    AddressInUse(u16),
    /// Another system call failed.
    Io(&'static str, io::Error),
}

/// The listening socket.
#[derive(Debug)]
pub struct SipSocket {
    socket: UdpSocket,
    port: u16,
}

fn os(call: &'static str) -> impl Fn(Errno) -> OpenError {
    move |errno| OpenError::Io(call, io::Error::from(errno))
}

impl SipSocket {
    /// Binds `0.0.0.0:port` with SO_REUSEADDR and SO_REUSEPORT (so a PBX on the same
    /// host can bind it too), asks for a receive buffer of `receive_buffer` bytes, and,
    /// when `join` is not empty, joins the PnP group on each of those interfaces.
    /// Non-blocking.
    pub fn open(port: u16, join: &[LocalInterface], receive_buffer: usize) -> Result<SipSocket, OpenError> {
        let fd = socket::socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)
            .map_err(os("socket"))?;
        // Past net.core.rmem_max when allowed to (CAP_NET_ADMIN), else as far as it goes.
        if setsockopt(&fd, sockopt::RcvBufForce, &receive_buffer).is_err() {
            setsockopt(&fd, sockopt::RcvBuf, &receive_buffer).map_err(os("SO_RCVBUF"))?;
        }
        setsockopt(&fd, sockopt::ReuseAddr, &true).map_err(os("SO_REUSEADDR"))?;
        setsockopt(&fd, sockopt::ReusePort, &true).map_err(os("SO_REUSEPORT"))?;
        setsockopt(&fd, sockopt::Ipv4PacketInfo, &true).map_err(os("IP_PKTINFO"))?;
        let address = SockaddrIn::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port));
        socket::bind(fd.as_raw_fd(), &address).map_err(|errno| match errno {
            Errno::EADDRINUSE => OpenError::AddressInUse(port),
            other => os("bind")(other),
        })?;
        for interface in join {
            let request = IpMembershipRequest::new(PNP_GROUP, Some(interface.address));
            setsockopt(&fd, sockopt::IpAddMembership, &request).map_err(os("IP_ADD_MEMBERSHIP"))?;
        }
        let socket = UdpSocket::from(fd);
        socket.set_nonblocking(true).map_err(|e| OpenError::Io("O_NONBLOCK", e))?;
        let port = match socket.local_addr() {
            Ok(std::net::SocketAddr::V4(bound)) => bound.port(),
            _ => port,
        };
        Ok(SipSocket { socket, port })
    }

    /// The bound port (useful when 0 was asked for).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// For poll().
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}
