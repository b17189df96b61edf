//! Which phone a file is for: its MAC, model, file format and provisioning URL.

use crate::mac::Mac;

use super::error::{shown, ProvisionError};
use super::format::Format;
use super::models::{resolve, Capabilities, ResolvedModel};
use super::url::ServerLocation;
use super::validate::{check_text, LIMIT_MODEL};

/// The phone a file is rendered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    mac: Mac,
    model: String,
    format: Format,
    provisioning_url: Option<ServerLocation>,
    capabilities: Option<Capabilities>,
}

/// Parses a MAC (`000b82f55284`, `00:0B:82:F5:52:84`, `00-0b-82-f5-52-84`).
pub fn parse_mac(text: &str) -> Result<Mac, ProvisionError> {
    text.parse().map_err(|_| ProvisionError::InvalidMac { text: shown(text) })
}

impl Target {
    /// A target; `model` as the phone reports it (`GRP2612W`, `grp2614`, …). An unknown
    /// model is accepted: it gets conservative limits and the render says so in a
    /// warning. Refuses a model with control characters or more than 64 characters.
    pub fn new(mac: Mac, model: &str, format: Format) -> Result<Target, ProvisionError> {
        check_text("phone model", model, LIMIT_MODEL)?;
        Ok(Target { mac, model: model.trim().to_owned(), format, provisioning_url: None, capabilities: None })
    }

    /// Where this phone fetches its config (the URL the NOTIFY sends), e.g.
    /// `https://10.0.0.5:8443/gspnp/abc123/`: written as P212/P237 unless the profile
    /// sets its own config server.
    pub fn with_provisioning_url(mut self, url: &str) -> Result<Target, ProvisionError> {
        self.provisioning_url = Some(ServerLocation::parse("provisioning URL", url)?);
        Ok(self)
    }

    /// Uses `capabilities` instead of the model table's (for firmware that has more
    /// accounts or keys than the table assumes). Refuses figures no GRP26xx could have.
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Result<Target, ProvisionError> {
        capabilities.check()?;
        self.capabilities = Some(capabilities);
        Ok(self)
    }

    /// The phone's MAC.
    pub fn mac(&self) -> Mac {
        self.mac
    }

    /// The model as given (trimmed).
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The file format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The provisioning URL's server location, if given.
    pub fn provisioning_url(&self) -> Option<&ServerLocation> {
        self.provisioning_url.as_ref()
    }

    /// The model's name and capabilities, the host's own capabilities winning.
    pub(crate) fn resolve_model(&self) -> ResolvedModel {
        let resolved = resolve(&self.model);
        match self.capabilities {
            Some(capabilities) => ResolvedModel { capabilities, known: true, ..resolved },
            None => resolved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mac_form_gives_the_same_mac() {
        assert_eq!(parse_mac("00:0B:82:F5:52:84").unwrap().to_string(), "000b82f55284");
        assert_eq!(parse_mac("00-0b-82-f5-52-84"), parse_mac("000B82F55284"));
    }

    #[test]
    fn models_and_capabilities() {
        let mac = parse_mac("000b82f55284").unwrap();
        assert!(matches!(Target::new(mac, "GRP\n2612", Format::V1), Err(ProvisionError::ControlCharacter { .. })));
        let target = Target::new(mac, " grp2612w ", Format::V2).unwrap();
        assert_eq!(target.resolve_model().name, "GRP2612");
        let more = Capabilities { accounts: 4, vpks: 16, fixed_vpks: 4, mpks: 0, v1_accounts: 4 };
        let target = target.with_capabilities(more).unwrap();
        assert_eq!(target.resolve_model().capabilities.accounts, 4);
        let impossible = Capabilities { accounts: 17, ..more };
        assert!(target.with_capabilities(impossible).is_err());
    }
}
