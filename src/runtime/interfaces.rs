//! Which local IPv4 addresses the PnP group is joined on.

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;

use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;

/// A configured interface that does not exist, or has no IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoSuchInterface(pub String);

impl fmt::Display for NoSuchInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interface {:?} does not exist or has no IPv4 address", self.0)
    }
}

/// One IPv4 address of one interface.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalInterface {
    /// `eth0`.
    pub name: String,
    /// Its IPv4 address.
    pub address: Ipv4Addr,
}

/// The interfaces to join on: each named one (by name or by one of its addresses), or
/// with an empty list every interface that is up, multicast-capable and not loopback.
pub fn resolve(wanted: &[String]) -> Result<Vec<LocalInterface>, NoSuchInterface> {
    let all = ipv4_interfaces();
    if wanted.is_empty() {
        return Ok(all.into_iter().filter(|(_, multicast)| *multicast).map(|(interface, _)| interface).collect());
    }
    let mut chosen = BTreeSet::new();
    for spec in wanted {
        let by_address: Option<Ipv4Addr> = spec.parse().ok();
        let matches: Vec<&LocalInterface> = all
            .iter()
            .map(|(interface, _)| interface)
            .filter(|interface| interface.name == *spec || Some(interface.address) == by_address)
            .collect();
        if matches.is_empty() {
            return Err(NoSuchInterface(spec.clone()));
        }
        chosen.extend(matches.into_iter().cloned());
    }
    Ok(chosen.into_iter().collect())
}

/// Every IPv4 address of every interface that is up, with whether it can join a
/// multicast group (multicast-capable and not loopback).
fn ipv4_interfaces() -> Vec<(LocalInterface, bool)> {
    let Ok(addresses) = getifaddrs() else { return Vec::new() };
    addresses
        .filter(|entry| entry.flags.contains(InterfaceFlags::IFF_UP))
        .filter_map(|entry| {
            let address = entry.address.as_ref()?.as_sockaddr_in()?.ip();
            let multicast = entry.flags.contains(InterfaceFlags::IFF_MULTICAST)
                && !entry.flags.contains(InterfaceFlags::IFF_LOOPBACK);
            Some((LocalInterface { name: entry.interface_name, address }, multicast))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_by_name_and_by_address() {
        let by_name = resolve(&["lo".to_string()]).unwrap();
        assert!(by_name.iter().any(|i| i.address == Ipv4Addr::LOCALHOST));
        let by_address = resolve(&["127.0.0.1".to_string()]).unwrap();
        assert_eq!(by_address[0].name, "lo");
    }

    #[test]
    fn an_unknown_interface_is_named_in_the_error() {
        let error = resolve(&["nosuch0".to_string()]).unwrap_err();
        assert!(error.to_string().contains("nosuch0"));
    }
}
