//! rustls configurations with the ring provider: the file server's, from PEM files.
//! Every error names the file, and the line and column when the fault has a place.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

/// The crypto provider every TLS configuration here uses.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate in the PEM file `path`; an error names the file (FILE:LINE:COLUMN
/// when the fault is at a place in it).
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = read(path)?;
    let certificates = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| pem_error(path, &text, "cannot read certificates", &error))?;
    if certificates.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certificates)
}

/// The PEM private key in `path` (PKCS#8, PKCS#1 or SEC1); an error names the file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let text = read(path)?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|error| match error {
        rustls::pki_types::pem::Error::NoItemsFound => format!("{}: no PEM private key in it", path.display()),
        error => pem_error(path, &text, "cannot read a private key", &error),
    })
}

/// An HTTPS server configuration from a PEM certificate chain and a PEM private key.
/// TLS 1.2 and 1.3, as GRP26xx firmware may offer either.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let certificates = load_certificates(cert)?;
    let private_key = load_key(key)?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS: {error}"))?
        .with_no_client_auth()
        .with_single_cert(certificates, private_key)
        .map_err(|error| {
            format!("{}: the key in {} does not fit the certificate: {error}", cert.display(), key.display())
        })?;
    Ok(Arc::new(config))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("{}: cannot read: {error}", path.display()))
}

/// `FILE:LINE:COLUMN: what: error`, or `FILE: what: error` when no place is known.
fn pem_error(path: &Path, text: &[u8], what: &str, error: &rustls::pki_types::pem::Error) -> String {
    match fault_position(text) {
        Some((line, column)) => format!("{}:{line}:{column}: {what}: {error}", path.display()),
        None => format!("{}: {what}: {error}", path.display()),
    }
}

/// Where a PEM file goes wrong (1-based line and column): the first character inside a
/// `-----BEGIN` block that is not base64, a malformed `-----BEGIN` line, or a block
/// that never ends.
fn fault_position(text: &[u8]) -> Option<(usize, usize)> {
    let mut open_block = None;
    for (index, line) in text.split(|&c| c == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let number = index + 1;
        if line.starts_with(b"-----BEGIN ") {
            if !line.ends_with(b"-----") || line.len() < 16 {
                return Some((number, 1));
            }
            open_block = Some(number);
        } else if line.starts_with(b"-----END ") {
            open_block = None;
        } else if open_block.is_some() {
            let base64 = |c: &u8| c.is_ascii_alphanumeric() || b"+/= \t".contains(c);
            if let Some(column) = line.iter().position(|c| !base64(c)) {
                return Some((number, column + 1));
            }
        }
    }
    open_block.map(|line| (line, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_in_a_pem_file_is_placed() {
        assert_eq!(
            fault_position(b"-----BEGIN CERTIFICATE-----\nMIIB\nMI!B\n-----END CERTIFICATE-----\n"),
            Some((3, 3))
        );
        assert_eq!(fault_position(b"junk\n-----BEGIN CERTIFICATE-----\nMIIB\n"), Some((2, 1)));
        assert_eq!(fault_position(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), None);
    }

    #[test]
    fn errors_name_the_file_and_the_place() {
        let folder = std::env::temp_dir().join(format!("gspnpd-tls-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let cert = folder.join("bad.crt");
        std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nMIIB\nMI*B\n-----END CERTIFICATE-----\n").unwrap();
        let error = load_certificates(&cert).unwrap_err();
        assert!(error.starts_with(&format!("{}:3:3: cannot read certificates", cert.display())), "{error}");
        let key = folder.join("empty.key");
        std::fs::write(&key, "nothing here\n").unwrap();
        assert_eq!(load_key(&key).unwrap_err(), format!("{}: no PEM private key in it", key.display()));
        let missing = folder.join("missing.key");
        assert!(load_key(&missing).unwrap_err().starts_with(&format!("{}: cannot read", missing.display())));
        let _ = std::fs::remove_dir_all(&folder);
    }
}
