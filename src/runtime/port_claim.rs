//! The multicast ports this process's servers listen on, per network namespace: the
//! group socket shares its port (SO_REUSEADDR), so the kernel would let a second server
//! of the same process bind it too and both would answer every phone. A claim refuses
//! that second server instead; it is released when the claim is dropped.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;

use parking_lot::Mutex;

/// (device, inode) of a network namespace, and a UDP port.
type Key = ((u64, u64), u16);

static CLAIMED: Mutex<BTreeSet<Key>> = Mutex::new(BTreeSet::new());

/// One server's hold on a multicast port in the calling thread's network namespace;
/// released on drop.
#[derive(Debug)]
pub(super) struct PortClaim(Key);

impl PortClaim {
    /// Claims `port` in the network namespace of the calling thread (where the server's
    /// sockets are about to be opened); None when a server of this process holds it.
    pub fn take(port: u16) -> Option<PortClaim> {
        let key = (current_namespace(), port);
        let claimed = CLAIMED.lock().insert(key);
        // Built only when claimed: a claim that was never ours must not release it.
        claimed.then(|| PortClaim(key))
    }
}

impl Drop for PortClaim {
    fn drop(&mut self) {
        CLAIMED.lock().remove(&self.0);
    }
}

/// The calling thread's network namespace; without /proc, one namespace for all.
fn current_namespace() -> (u64, u64) {
    std::fs::metadata("/proc/thread-self/ns/net").map_or((0, 0), |ns| (ns.dev(), ns.ino()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_is_claimed_once_until_its_claim_is_dropped() {
        // A port no other unit test claims.
        let first = PortClaim::take(1).expect("free");
        assert!(PortClaim::take(1).is_none(), "held by the first claim");
        let other = PortClaim::take(2).expect("another port is free");
        drop(first);
        assert!(PortClaim::take(1).is_some(), "released on drop");
        drop(other);
    }
}
