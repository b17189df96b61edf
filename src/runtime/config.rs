//! How a server listens.

use crate::engine::EngineConfig;

/// The standard SIP port, where phones send their ua-profile SUBSCRIBE.
pub const SIP_PORT: u16 = 5060;

/// The unicast port by default: 0, a free port the OS picks, never the PBX's 5060.
pub const ANY_FREE_PORT: u16 = 0;

/// 4 MiB: some 6,000 SUBSCRIBEs of a GRP26xx, queued while the network thread works.
pub const DEFAULT_RECEIVE_BUFFER: usize = 4 << 20;

/// Everything [`super::Server::start`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The engine's policy and timers.
    pub engine: EngineConfig,
    /// Interfaces to join 224.0.1.75 on, by name (`eth0`) or IPv4 address. Empty: every
    /// up, multicast-capable IPv4 interface.
    pub interfaces: Vec<String>,
    /// The multicast port: the group socket is bound to 224.0.1.75 on this port
    /// (default 5060, where phones multicast their SUBSCRIBE). Unused with `multicast`
    /// off.
    pub port: u16,
    /// The unicast port: answers, NOTIFYs and their responses, and unicast SUBSCRIBEs
    /// go through a socket of its own bound exclusively to this port, and Via/Contact
    /// name it (default 0: a free port chosen by the OS, so it never takes the PBX's).
    /// [`super::Server::port`] says which.
    pub unicast_port: u16,
    /// Join the PnP multicast group. Off: unicast SUBSCRIBEs only (on `unicast_port`).
    pub multicast: bool,
    /// No socket at all: the host feeds datagrams with [`super::Server::feed`] and sends
    /// what it is given in [`super::Host::transmit`].
    pub feed_mode: bool,
    /// Two limits on what waits for the host (default 4096). Log lines: at most this
    /// many queued; beyond, new lines are dropped, counted and reported. Must-deliver
    /// events (phones, file offers, NOTIFY results, feed-mode datagrams) are never
    /// dropped: at this many undelivered the server stops answering new phones (they
    /// retry; retransmissions and NOTIFYs under way go on) until half as many remain.
    pub event_queue: usize,
    /// The socket's receive buffer in bytes (SO_RCVBUF): room for a boot storm's
    /// SUBSCRIBEs while the network thread is busy. The kernel caps it at
    /// net.core.rmem_max unless the process may raise that (CAP_NET_ADMIN).
    pub receive_buffer: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            engine: EngineConfig::default(),
            interfaces: Vec::new(),
            port: SIP_PORT,
            unicast_port: ANY_FREE_PORT,
            multicast: true,
            feed_mode: false,
            event_queue: 4096,
            receive_buffer: DEFAULT_RECEIVE_BUFFER,
        }
    }
}
