//! How many connections the file server holds, per source and in all, and for how long.
//! One [`ConnectionGate`] is shared by every listener that should count together (the
//! HTTP and HTTPS file servers, and later an admin listener if it wants to).

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The bounds of every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections held at once, all sources together.
    pub connections: usize,
    /// Connections held at once from one IP address.
    pub per_source: usize,
    /// The longest one connection lives, TLS handshake and keep-alive included.
    pub connection_time: Duration,
    /// The longest a request head may take to arrive, and so the longest an idle
    /// keep-alive connection waits for its next request.
    pub header_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connections: 4096,
            per_source: 64,
            connection_time: Duration::from_secs(30),
            header_time: Duration::from_secs(5),
        }
    }
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The source holds its [`Limits::per_source`] connections already.
    SourceFull,
    /// The server holds its [`Limits::connections`] connections already.
    ServerFull,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::SourceFull => "its address holds the most connections one source may",
            Refusal::ServerFull => "the server holds the most connections it takes",
        })
    }
}

/// Counts held connections per source and in all; thread-safe.
#[derive(Debug)]
pub struct ConnectionGate {
    limits: Limits,
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    total: usize,
    by_source: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct Permit {
    gate: Arc<ConnectionGate>,
    source: IpAddr,
}

impl ConnectionGate {
    /// A gate with `limits`.
    pub fn new(limits: Limits) -> Arc<ConnectionGate> {
        Arc::new(ConnectionGate { limits, held: Mutex::new(Held::default()) })
    }

    /// The limits it applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A permit for one more connection from `source`, or why not.
    pub fn admit(self: &Arc<Self>, source: IpAddr) -> Result<Permit, Refusal> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.total >= self.limits.connections {
            return Err(Refusal::ServerFull);
        }
        let from_source = held.by_source.entry(source).or_insert(0);
        if *from_source >= self.limits.per_source {
            return Err(Refusal::SourceFull);
        }
        *from_source += 1;
        held.total += 1;
        Ok(Permit { gate: self.clone(), source })
    }

    /// Connections held now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).total
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut held = self.gate.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.total -= 1;
        if let Some(count) = held.by_source.get_mut(&self.source) {
            *count -= 1;
            if *count == 0 {
                held.by_source.remove(&self.source);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_and_the_server_are_each_held_to_their_bound_and_places_come_back() {
        let gate = ConnectionGate::new(Limits { connections: 3, per_source: 2, ..Limits::default() });
        let (a, b, c): (IpAddr, IpAddr, IpAddr) =
            ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap(), "192.0.2.3".parse().unwrap());
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), Refusal::SourceFull);
        let _third = gate.admit(b).unwrap();
        assert_eq!(gate.admit(c).unwrap_err(), Refusal::ServerFull);
        drop(first);
        assert_eq!(gate.held(), 2);
        let _fourth = gate.admit(c).unwrap();
    }
}
