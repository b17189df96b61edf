//! The UDP socket a server listens on: port reuse, the PnP multicast group on each
//! chosen interface, and the local address of every datagram (IP_PKTINFO).

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::sys::socket::{
    self, setsockopt, sockopt, AddressFamily, ControlMessage, ControlMessageOwned, IpMembershipRequest, MsgFlags,
    SockFlag, SockType, SockaddrIn,
};

use super::interfaces::LocalInterface;
use crate::engine::Transmit;

/// The multicast group of SIP ua-profile PnP (RFC 6080 §4.1, "sip.mcast.net").
pub const PNP_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 75);

/// One received datagram's addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes written into the buffer.
    pub len: usize,
    /// Who sent it.
    pub source: SocketAddrV4,
    /// Our address it arrived on (for multicast: the receiving interface's address).
    pub local: SocketAddrV4,
}

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

    /// Receives one datagram into `buffer`; None when nothing is waiting. A datagram
    /// larger than the buffer is truncated (the engine then finds it malformed).
    pub fn receive(&self, buffer: &mut [u8]) -> io::Result<Option<Received>> {
        let mut control = nix::cmsg_space!(nix::libc::in_pktinfo);
        let mut iov = [IoSliceMut::new(buffer)];
        let message = match socket::recvmsg::<SockaddrIn>(
            self.socket.as_raw_fd(),
            &mut iov,
            Some(&mut control),
            MsgFlags::MSG_DONTWAIT,
        ) {
            Ok(message) => message,
            Err(Errno::EAGAIN) => return Ok(None),
            Err(errno) => return Err(io::Error::from(errno)),
        };
        let Some(source) = message.address.map(SocketAddrV4::from) else { return Ok(None) };
        let mut local_ip = Ipv4Addr::UNSPECIFIED;
        if let Ok(messages) = message.cmsgs() {
            for cmsg in messages {
                if let ControlMessageOwned::Ipv4PacketInfo(info) = cmsg {
                    local_ip = Ipv4Addr::from(u32::from_be(info.ipi_spec_dst.s_addr));
                }
            }
        }
        Ok(Some(Received { len: message.bytes, source, local: SocketAddrV4::new(local_ip, self.port) }))
    }

    /// Sends `transmit` to its destination, from its source address when that is one
    /// of ours (so a multi-homed host answers from the interface the phone reached).
    pub fn send(&self, transmit: &Transmit) -> io::Result<()> {
        let iov = [IoSlice::new(&transmit.payload)];
        let destination = SockaddrIn::from(transmit.destination);
        let from = *transmit.source.ip();
        if !from.is_unspecified() && !from.is_multicast() {
            let info = nix::libc::in_pktinfo {
                ipi_ifindex: 0,
                ipi_spec_dst: nix::libc::in_addr { s_addr: u32::from(from).to_be() },
                ipi_addr: nix::libc::in_addr { s_addr: 0 },
            };
            let sent = socket::sendmsg(
                self.socket.as_raw_fd(),
                &iov,
                &[ControlMessage::Ipv4PacketInfo(&info)],
                MsgFlags::MSG_DONTWAIT,
                Some(&destination),
            );
            if sent.is_ok() {
                return Ok(());
            }
        }
        self.socket.send_to(&transmit.payload, transmit.destination).map(|_| ())
    }
}
