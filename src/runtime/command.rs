//! Host requests to the network thread, and the wake-up that makes it look at them.

use std::net::SocketAddrV4;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;

use crossbeam_channel::Sender;

use crate::engine::{Assignment, DeviceRecord, Mode, Selector};
use crate::mac::Mac;

/// One host request.
pub(super) enum Command {
    Stop,
    Assign(Mac, Assignment),
    Unassign(Mac),
    SetDefault(Selector, Option<Assignment>),
    Decide { ticket: u64, accept: bool },
    SetMode(Mode),
    Feed { datagram: Vec<u8>, source: SocketAddrV4, local: SocketAddrV4 },
    Devices(Sender<Vec<DeviceRecord>>),
}

/// Wakes the network thread out of poll(). Cheap to clone; a wake while one is already
/// pending is a no-op.
#[derive(Clone, Debug)]
pub(super) struct Waker {
    sender: Arc<UnixDatagram>,
}

/// The network thread's end of the waker.
#[derive(Debug)]
pub(super) struct WakeReceiver {
    receiver: UnixDatagram,
}

/// A connected pair: wake with one, poll the other.
pub(super) fn waker() -> std::io::Result<(Waker, WakeReceiver)> {
    let (sender, receiver) = UnixDatagram::pair()?;
    sender.set_nonblocking(true)?;
    receiver.set_nonblocking(true)?;
    Ok((Waker { sender: Arc::new(sender) }, WakeReceiver { receiver }))
}

impl Waker {
    /// Makes the next (or current) poll() of the network thread return.
    pub(super) fn wake(&self) {
        // A full socket buffer means wake-ups are already pending: nothing to do.
        let _ = self.sender.send(&[1]);
    }
}

impl WakeReceiver {
    /// For poll().
    pub(super) fn as_fd(&self) -> BorrowedFd<'_> {
        self.receiver.as_fd()
    }

    /// Consumes every pending wake-up.
    pub(super) fn drain(&self) {
        let mut byte = [0u8; 64];
        while self.receiver.recv(&mut byte).is_ok() {}
    }
}
