//! `gspnpd render`: the file a phone would get, as the daemon would render it.

use std::io::Write;

use gspnp::engine::ProfileAssignment;

use crate::cli::RenderOptions;
use crate::config;

/// What went wrong, for the caller to print.
pub type Failure = String;

/// Writes the file to `out` and what the phone is told to `notes`.
pub fn run(options: &RenderOptions, out: &mut impl Write, notes: &mut impl Write) -> Result<(), Failure> {
    let config = config::load(&options.config).map_err(|error| error.to_string())?;
    let listed = config.phone(options.mac);
    let model = options
        .model
        .clone()
        .or_else(|| listed.and_then(|phone| phone.model.clone()))
        .ok_or_else(|| format!("the config gives no model for {}: add --model", options.mac))?;
    let assignment = match listed {
        Some(phone) => phone.assignment.clone(),
        None => config
            .default_profile_for("Grandstream", &model)
            .map(|default| default.assignment.clone())
            .ok_or_else(|| format!("{} is not listed and no [[default_profile]] covers a {model}", options.mac))?,
    };
    let assignment = ProfileAssignment {
        format: options.format.unwrap_or(assignment.format),
        profile: assignment.profile.clone(),
        token: None,
    };
    let (url, rendered) = config
        .render(&assignment, options.mac, &model, "{token}")
        .map_err(|error| format!("{}: cannot render for {model}: {error}", options.mac))?;
    let io = |error: std::io::Error| format!("cannot write: {error}");
    writeln!(notes, "{} for {model} (format v{}), told URL {url}", rendered.file_name, assignment.format.version())
        .map_err(io)?;
    for warning in &rendered.warnings {
        writeln!(notes, "warning: {warning}").map_err(io)?;
    }
    out.write_all(&rendered.bytes).map_err(io)
}
