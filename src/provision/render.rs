//! Renders a profile into the config file one phone fetches.

use std::fmt;

use crate::mac::Mac;

use super::assemble::{file_globals, plan};
use super::error::{shown, ProvisionError};
use super::profile::Profile;
use super::target::Target;
use super::xml;

/// A rendered config file.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `cfg<mac>.xml`, MAC in lower case: the name the phone requests.
    pub file_name: String,
    /// The file's contents (UTF-8 XML). Holds passwords: never log it.
    pub bytes: Vec<u8>,
    /// What the file says differently from what was asked, or what the host should know
    /// (unknown model, clamped values, raw settings that replace derived ones, …).
    pub warnings: Vec<String>,
}

impl fmt::Debug for Rendered {
    /// The file name, the size and the warnings; never the contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("file_name", &self.file_name)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// The name a phone requests its own config file by: `cfg000b82f55284.xml`.
pub fn file_name(mac: Mac) -> String {
    format!("cfg{mac}.xml")
}

/// The config file `profile` gives the phone `target` describes, in `target`'s format.
/// Deterministic: the same input gives the same bytes (no timestamps, stable order), as
/// the phone compares checksums after its reboot. Refuses profiles with more accounts or
/// keys than the model has, key modes a key slot does not take, and settings the format
/// cannot name.
pub fn render(profile: &Profile, target: &Target) -> Result<Rendered, ProvisionError> {
    let model = target.resolve_model();
    let mut warnings = Vec::new();
    if !model.known {
        let capabilities = &model.capabilities;
        warnings.push(format!(
            "unknown phone model {}: using conservative limits ({} accounts, {} VPKs of which {} fixed, {} MPKs)",
            shown(&model.name),
            capabilities.accounts,
            capabilities.vpks,
            capabilities.fixed_vpks,
            capabilities.mpks
        ));
    }
    let globals = file_globals(profile, target);
    let plan = plan(profile, &globals, target, &model, &mut warnings)?;
    let bytes = xml::write(target.format(), target.mac(), plan.items())?;
    Ok(Rendered { file_name: file_name(target.mac()), bytes, warnings })
}
