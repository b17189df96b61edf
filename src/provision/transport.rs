//! The SIP transport of an account.

use std::fmt;
use std::str::FromStr;

use super::error::{shown, ProvisionError};
use super::format::{loose_name, Spelling};

/// How an account talks SIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// UDP (the phone's default).
    #[default]
    Udp,
    /// TCP.
    Tcp,
    /// TLS (the phone's "TLS/TCP").
    Tls,
}

/// In the order of the variants: loose names accepted from hosts, then the P-value code
/// and the v2 word ("0 - UDP, 1 - TCP, 2 - TLS/TCP", v2 `UDP`/`TCP`/`TlsOrTcp`, S1/S2).
const TRANSPORTS: &[(Transport, &[&str], Spelling)] = &[
    (Transport::Udp, &["udp"], Spelling { v1: "0", v2: "UDP" }),
    (Transport::Tcp, &["tcp"], Spelling { v1: "1", v2: "TCP" }),
    (Transport::Tls, &["tls", "tlstcp", "tlsortcp"], Spelling { v1: "2", v2: "TlsOrTcp" }),
];

impl Transport {
    pub(crate) fn spelling(self) -> Spelling {
        TRANSPORTS[self as usize].2
    }
}

impl FromStr for Transport {
    type Err = ProvisionError;

    /// Accepts `UDP`, `TCP`, `TLS`, `TLS/TCP` and `TlsOrTcp` in any case.
    fn from_str(name: &str) -> Result<Transport, ProvisionError> {
        let loose = loose_name(name);
        TRANSPORTS
            .iter()
            .find(|(_, names, _)| names.contains(&loose.as_str()))
            .map(|(transport, _, _)| *transport)
            .ok_or_else(|| {
                ProvisionError::invalid(format!("unknown SIP transport {} (want UDP, TCP or TLS)", shown(name)))
            })
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_spellings() {
        for (index, (transport, _, _)) in TRANSPORTS.iter().enumerate() {
            assert_eq!(*transport as usize, index);
            assert_eq!(transport.to_string().parse::<Transport>(), Ok(*transport));
        }
        assert_eq!("TLS/TCP".parse::<Transport>(), Ok(Transport::Tls));
        assert_eq!(Transport::Tls.spelling(), Spelling { v1: "2", v2: "TlsOrTcp" });
        assert!("sctp".parse::<Transport>().is_err());
    }
}
