//! Datagrams the phones want sent, queued per socket and sent a batch per system call
//! (sendmmsg), so that the simulator is not the bottleneck of a storm.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsFd;

use gspnp::runtime::batch::SendBatch;

/// One queue per socket.
#[derive(Debug)]
pub struct Outbox {
    queues: Vec<Vec<(Vec<u8>, SocketAddrV4)>>,
    batch: SendBatch,
}

impl Outbox {
    /// Queues for `sockets` sockets.
    pub fn new(sockets: usize) -> Outbox {
        Outbox { queues: vec![Vec::new(); sockets], batch: SendBatch::default() }
    }

    /// Queues `datagram` for `to` on socket `socket`.
    pub fn queue(&mut self, socket: usize, datagram: Vec<u8>, to: SocketAddrV4) {
        if let Some(queue) = self.queues.get_mut(socket) {
            queue.push((datagram, to));
        }
    }

    /// Sends every queued datagram; a datagram the kernel refuses is lost, as on a
    /// network (phones retransmit). Returns how many were refused.
    pub fn flush(&mut self, sockets: &[UdpSocket]) -> usize {
        let mut refused = 0;
        for (queue, socket) in self.queues.iter_mut().zip(sockets) {
            if queue.is_empty() {
                continue;
            }
            let datagrams = queue.iter().map(|(datagram, to)| (datagram.as_slice(), *to));
            refused += self.batch.send(socket.as_fd(), Ipv4Addr::UNSPECIFIED, datagrams).failed;
            queue.clear();
        }
        refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_datagrams_leave_on_their_own_socket_at_flush() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = match receiver.local_addr().unwrap() {
            std::net::SocketAddr::V4(address) => address,
            other => panic!("{other}"),
        };
        let sockets = [UdpSocket::bind("127.0.0.1:0").unwrap(), UdpSocket::bind("127.0.0.1:0").unwrap()];
        let mut outbox = Outbox::new(2);
        outbox.queue(1, b"one".to_vec(), to);
        outbox.queue(1, b"two".to_vec(), to);
        assert_eq!(outbox.flush(&sockets), 0);
        let mut buffer = [0u8; 16];
        for expected in [&b"one"[..], b"two"] {
            let (length, from) = receiver.recv_from(&mut buffer).unwrap();
            assert_eq!((&buffer[..length], from), (expected, sockets[1].local_addr().unwrap()));
        }
        assert_eq!(outbox.flush(&sockets), 0, "nothing left to send");
    }
}
