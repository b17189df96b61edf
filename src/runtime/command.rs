//! Host requests to the network thread, and the wake-up that makes it look at them.

use std::net::SocketAddrV4;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::Sender;

use crate::engine::{Assignment, EngineError, Mode, ResyncRequest, Selector};
use crate::mac::Mac;

use super::devices::KnownDevice;

/// One host request.
pub(super) enum Command {
    Stop,
    Assign(Mac, Assignment),
    Unassign(Mac),
    SetDefault(Selector, Option<Assignment>),
    Decide { ticket: u64, accept: bool },
    SetMode(Mode),
    Feed { datagram: Vec<u8>, source: SocketAddrV4, local: SocketAddrV4 },
    Resync(Mac, ResyncRequest, Sender<Result<(), EngineError>>),
    Devices(Sender<Vec<KnownDevice>>),
    Device(Mac, Sender<Option<KnownDevice>>),
    Forget(Mac, Sender<bool>),
}

/// Wakes the network thread out of poll(). Cheap to clone; a wake while one is already
/// pending costs no system call.
#[derive(Clone, Debug)]
pub(super) struct Waker {
    sender: Arc<UnixDatagram>,
    pending: Arc<AtomicBool>,
}

/// The network thread's end of the waker.
#[derive(Debug)]
pub(super) struct WakeReceiver {
    receiver: UnixDatagram,
    pending: Arc<AtomicBool>,
}

/// A connected pair: wake with one, poll the other.
pub(super) fn waker() -> std::io::Result<(Waker, WakeReceiver)> {
    let (sender, receiver) = UnixDatagram::pair()?;
    sender.set_nonblocking(true)?;
    receiver.set_nonblocking(true)?;
    let pending = Arc::new(AtomicBool::new(false));
    Ok((Waker { sender: Arc::new(sender), pending: pending.clone() }, WakeReceiver { receiver, pending }))
}

impl Waker {
    /// Makes the next (or current) poll() of the network thread return, unless a wake-up
    /// it has not yet taken is pending (call after queueing the command it is for).
    pub(super) fn wake(&self) {
        if !self.pending.swap(true, Ordering::AcqRel) {
            // A full socket buffer means wake-ups are already pending: nothing to do.
            let _ = self.sender.send(&[1]);
        }
    }
}

impl WakeReceiver {
    /// For poll().
    pub(super) fn as_fd(&self) -> BorrowedFd<'_> {
        self.receiver.as_fd()
    }

    /// Consumes every pending wake-up. Call before taking the queued commands: a
    /// command queued after this call wakes the thread again. The flag is cleared after
    /// the bytes are read, so "pending" always means a byte waits (or this call runs).
    pub(super) fn drain(&self) {
        let mut byte = [0u8; 64];
        while self.receiver.recv(&mut byte).is_ok() {}
        self.pending.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

    fn readable(receiver: &WakeReceiver) -> bool {
        let mut fds = [PollFd::new(receiver.as_fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::ZERO).unwrap() > 0
    }

    #[test]
    fn wakes_coalesce_until_drained_and_none_is_lost_after() {
        let (waker, receiver) = waker().unwrap();
        assert!(!readable(&receiver));
        waker.wake();
        waker.clone().wake();
        let mut bytes = [0u8; 8];
        assert_eq!(receiver.receiver.recv(&mut bytes).unwrap(), 1, "one byte for both");
        assert!(!readable(&receiver), "the second wake cost no system call");
        receiver.drain();
        waker.wake();
        assert!(readable(&receiver), "a wake after drain is seen");
        receiver.drain();
        assert!(!readable(&receiver));
    }
}
