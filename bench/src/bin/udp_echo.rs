//! A minimal UDP echo for the storm benchmark: each datagram goes straight back to its
//! sender, a batch per system call (recvmmsg/sendmmsg) on a socket opened as gspnp opens
//! its own. Its rate is this machine's request/response ceiling for any UDP server.
//!
//! Run: `udp-echo [PORT]` (default 5060) until killed.

use std::process::ExitCode;

use gspnp::runtime::batch::{ReceiveBatch, SendBatch};
use gspnp::runtime::socket::SipSocket;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

fn main() -> ExitCode {
    let port = match std::env::args().nth(1).map(|text| text.parse::<u16>()) {
        None => 5060,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("usage: udp-echo [PORT]");
            return ExitCode::from(2);
        }
    };
    let socket = match SipSocket::unicast(port, gspnp::runtime::DEFAULT_RECEIVE_BUFFER) {
        Ok(socket) => socket,
        Err(error) => {
            eprintln!("udp-echo: cannot open UDP port {port}: {error:?}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("udp-echo: ready on port {}", socket.port());
    let mut receive = ReceiveBatch::new(16 * 1024, true);
    let mut send = SendBatch::default();
    loop {
        let mut fds = [PollFd::new(socket.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::NONE).is_err() {
            continue;
        }
        while let Ok(count) = receive.receive(socket.as_fd()) {
            if count == 0 {
                break;
            }
            // One interface: every datagram of the batch reached the same address.
            let local = receive.datagrams().next().and_then(|(_, arrival)| arrival.local_ip);
            let echoes = receive.datagrams().map(|(datagram, arrival)| (datagram, arrival.source));
            send.send(socket.as_fd(), local.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED), echoes);
        }
    }
}
