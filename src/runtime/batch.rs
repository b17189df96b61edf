//! Many datagrams per system call: recvmmsg(2) and sendmmsg(2) over buffers allocated
//! once, so a busy socket costs one call per batch and no allocation per datagram.
//!
//! Both types hold raw kernel headers and are not `Send`: create them on the thread
//! that uses them.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::libc;
use nix::sys::socket::{recvmmsg, sendmmsg, ControlMessage, ControlMessageOwned, MsgFlags, MultiHeaders, SockaddrIn};

/// Datagrams one system call moves at most.
pub const BATCH: usize = 32;

/// One datagram of the last [`ReceiveBatch::receive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// Who sent it.
    pub source: SocketAddrV4,
    /// Our address it arrived on, when the batch asks for it (IP_PKTINFO on the socket).
    pub local_ip: Option<Ipv4Addr>,
    /// It was longer than a slot and was cut (a SIP parser then refuses it).
    pub truncated: bool,
    len: usize,
}

/// Receives up to [`BATCH`] datagrams per call into slots of a fixed size.
#[derive(Debug)]
pub struct ReceiveBatch {
    headers: MultiHeaders<SockaddrIn>,
    slots: Vec<u8>,
    slot_size: usize,
    packet_info: bool,
    arrivals: Vec<Arrival>,
}

impl ReceiveBatch {
    /// Slots of `slot_size` bytes (a longer datagram is cut and marked truncated). With
    /// `packet_info`, each arrival carries its local address; the socket must have
    /// IP_PKTINFO set.
    pub fn new(slot_size: usize, packet_info: bool) -> ReceiveBatch {
        ReceiveBatch {
            headers: Self::headers(packet_info),
            slots: vec![0; slot_size.max(1) * BATCH],
            slot_size: slot_size.max(1),
            packet_info,
            arrivals: Vec::with_capacity(BATCH),
        }
    }

    fn headers(packet_info: bool) -> MultiHeaders<SockaddrIn> {
        let control = packet_info.then(|| nix::cmsg_space!(libc::in_pktinfo));
        MultiHeaders::preallocate(BATCH, control)
    }

    /// Takes what is waiting on the non-blocking `socket`, up to [`BATCH`] datagrams, in
    /// one call; `Ok(0)` when nothing waits. The datagrams stay readable through
    /// [`ReceiveBatch::datagrams`] until the next call.
    pub fn receive(&mut self, socket: BorrowedFd<'_>) -> io::Result<usize> {
        self.arrivals.clear();
        let slot_size = self.slot_size;
        let mut chunks = self.slots.chunks_mut(slot_size);
        let mut slices: [[IoSliceMut<'_>; 1]; BATCH] =
            std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
        let results =
            match recvmmsg(socket.as_raw_fd(), &mut self.headers, slices.iter_mut(), MsgFlags::MSG_DONTWAIT, None) {
                Ok(results) => results,
                Err(Errno::EAGAIN) => return Ok(0),
                Err(errno) => return Err(io::Error::from(errno)),
            };
        let mut lost_control = false;
        for message in results {
            let source = message.address.map_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0), SocketAddrV4::from);
            let local_ip = message.cmsgs().ok().and_then(|mut all| {
                all.find_map(|cmsg| match cmsg {
                    ControlMessageOwned::Ipv4PacketInfo(info) => {
                        Some(Ipv4Addr::from(u32::from_be(info.ipi_spec_dst.s_addr)))
                    }
                    _ => None,
                })
            });
            lost_control |= self.packet_info && local_ip.is_none();
            let truncated = message.flags.contains(MsgFlags::MSG_TRUNC);
            self.arrivals.push(Arrival { source, local_ip, truncated, len: message.bytes.min(slot_size) });
        }
        if lost_control {
            // The kernel shrinks a header's control length to what it wrote; one message
            // without packet info would leave its slot unable to carry any again.
            self.headers = Self::headers(self.packet_info);
        }
        Ok(self.arrivals.len())
    }

    /// The datagrams of the last receive, in the order they arrived.
    pub fn datagrams(&self) -> impl ExactSizeIterator<Item = (&[u8], &Arrival)> + Clone + '_ {
        self.arrivals.iter().enumerate().map(|(index, arrival)| {
            let start = index * self.slot_size;
            (self.slots.get(start..start + arrival.len).unwrap_or_default(), arrival)
        })
    }
}

/// What a [`SendBatch::send`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Datagrams the kernel took.
    pub sent: usize,
    /// Datagrams it refused (each is lost; the sender's retransmission covers it).
    pub failed: usize,
}

/// Sends datagrams [`BATCH`] per call.
#[derive(Debug)]
pub struct SendBatch {
    plain: MultiHeaders<SockaddrIn>,
    from_source: MultiHeaders<SockaddrIn>,
}

impl Default for SendBatch {
    fn default() -> Self {
        SendBatch {
            plain: MultiHeaders::preallocate(BATCH, None),
            from_source: MultiHeaders::preallocate(BATCH, Some(nix::cmsg_space!(libc::in_pktinfo))),
        }
    }
}

impl SendBatch {
    /// Sends each `(payload, destination)` on the non-blocking `socket`, from `source`
    /// when it is a unicast address (IP_PKTINFO, so a multi-homed host answers from the
    /// address the phone reached), else from the socket's own address. A datagram the
    /// kernel refuses from `source` is tried once more without it.
    pub fn send<'d>(
        &mut self,
        socket: BorrowedFd<'_>,
        source: Ipv4Addr,
        datagrams: impl ExactSizeIterator<Item = (&'d [u8], SocketAddrV4)> + Clone,
    ) -> Sent {
        let from = (!source.is_unspecified() && !source.is_multicast()).then_some(source);
        let total = datagrams.len();
        let mut outcome = Sent::default();
        let mut rest = datagrams;
        while outcome.sent + outcome.failed < total {
            let done = match self.send_batch(socket, from, rest.clone().take(BATCH)) {
                Ok(sent) if sent > 0 => {
                    outcome.sent += sent;
                    sent
                }
                // The first datagram was refused: EAGAIN (the socket buffer is full), or
                // a source address that is not ours (then it goes without it).
                _ => {
                    let retried =
                        from.is_some() && matches!(self.send_batch(socket, None, rest.clone().take(1)), Ok(1));
                    if retried {
                        outcome.sent += 1;
                    } else {
                        outcome.failed += 1;
                    }
                    1
                }
            };
            rest.nth(done - 1);
        }
        outcome
    }

    fn send_batch<'d>(
        &mut self,
        socket: BorrowedFd<'_>,
        source: Option<Ipv4Addr>,
        batch: impl Iterator<Item = (&'d [u8], SocketAddrV4)>,
    ) -> io::Result<usize> {
        let mut slices: [[IoSlice<'d>; 1]; BATCH] = std::array::from_fn(|_| [IoSlice::new(&[])]);
        let mut addresses: [Option<SockaddrIn>; BATCH] = [None; BATCH];
        let mut count = 0;
        for ((payload, destination), (slice, address)) in batch.zip(slices.iter_mut().zip(addresses.iter_mut())) {
            *slice = [IoSlice::new(payload)];
            *address = Some(SockaddrIn::from(destination));
            count += 1;
        }
        let addresses = addresses.get(..count).unwrap_or_default();
        let slices = slices.get(..count).unwrap_or_default();
        let info = source.map(|ip| libc::in_pktinfo {
            ipi_ifindex: 0,
            ipi_spec_dst: libc::in_addr { s_addr: u32::from(ip).to_be() },
            ipi_addr: libc::in_addr { s_addr: 0 },
        });
        let sent = match &info {
            Some(info) => sendmmsg(
                socket.as_raw_fd(),
                &mut self.from_source,
                slices,
                addresses,
                [ControlMessage::Ipv4PacketInfo(info)],
                MsgFlags::MSG_DONTWAIT,
            )
            .map(|results| results.count()),
            None => sendmmsg(socket.as_raw_fd(), &mut self.plain, slices, addresses, [], MsgFlags::MSG_DONTWAIT)
                .map(|results| results.count()),
        };
        sent.map_err(io::Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    fn pair() -> (UdpSocket, UdpSocket) {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        (a, b)
    }

    fn v4(socket: &UdpSocket) -> SocketAddrV4 {
        match socket.local_addr().unwrap() {
            std::net::SocketAddr::V4(address) => address,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn more_datagrams_than_a_batch_all_arrive_in_order_with_their_addresses() {
        let (sender, receiver) = pair();
        nix::sys::socket::setsockopt(&receiver, nix::sys::socket::sockopt::Ipv4PacketInfo, &true).unwrap();
        let payloads: Vec<Vec<u8>> = (0..BATCH * 2 + 3).map(|n| format!("datagram {n}").into_bytes()).collect();
        let to = v4(&receiver);
        let outcome = SendBatch::default().send(
            sender.as_fd(),
            Ipv4Addr::LOCALHOST,
            payloads.iter().map(|payload| (payload.as_slice(), to)),
        );
        assert_eq!(outcome, Sent { sent: payloads.len(), failed: 0 });
        let mut batch = ReceiveBatch::new(64, true);
        let mut received = Vec::new();
        while batch.receive(receiver.as_fd()).unwrap() > 0 {
            for (datagram, arrival) in batch.datagrams() {
                assert_eq!(
                    (arrival.source, arrival.local_ip, arrival.truncated),
                    (v4(&sender), Some(Ipv4Addr::LOCALHOST), false)
                );
                received.push(datagram.to_vec());
            }
        }
        assert_eq!(received, payloads);
        assert_eq!(batch.receive(receiver.as_fd()).unwrap(), 0, "nothing waits: Ok(0), not an error");
    }

    #[test]
    fn a_datagram_longer_than_a_slot_is_cut_and_marked() {
        let (sender, receiver) = pair();
        sender.send_to(&[b'x'; 100], receiver.local_addr().unwrap()).unwrap();
        sender.send_to(b"short", receiver.local_addr().unwrap()).unwrap();
        let mut batch = ReceiveBatch::new(16, false);
        assert_eq!(batch.receive(receiver.as_fd()).unwrap(), 2);
        let got: Vec<(Vec<u8>, bool, Option<Ipv4Addr>)> =
            batch.datagrams().map(|(data, arrival)| (data.to_vec(), arrival.truncated, arrival.local_ip)).collect();
        assert_eq!(got, [(vec![b'x'; 16], true, None), (b"short".to_vec(), false, None)]);
    }

    #[test]
    fn a_source_that_is_not_ours_falls_back_to_the_socket_address() {
        let (sender, receiver) = pair();
        let to = v4(&receiver);
        let outcome =
            SendBatch::default().send(sender.as_fd(), Ipv4Addr::new(192, 0, 2, 99), [(&b"hello"[..], to)].into_iter());
        assert_eq!(outcome, Sent { sent: 1, failed: 0 });
        let mut batch = ReceiveBatch::new(64, false);
        assert_eq!(batch.receive(receiver.as_fd()).unwrap(), 1);
        assert_eq!(
            batch.datagrams().next().map(|(data, arrival)| (data, arrival.source)),
            Some((&b"hello"[..], v4(&sender)))
        );
    }
}
