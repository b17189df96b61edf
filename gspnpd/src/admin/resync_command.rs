//! `gspnpd resync --config FILE MAC [--reboot]`: asks the running daemon (through the
//! admin API of the config's `[admin]`) to re-provision one phone, then waits for the
//! outcome on `/api/events` and prints it.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use gspnp::Mac;
use hyper::Method;
use serde_json::json;

use super::client::AdminClient;

/// The environment variable that holds the admin password (else standard input).
pub const PASSWORD_VARIABLE: &str = "GSPNPD_ADMIN_PASSWORD";

/// `gspnpd resync`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResyncOptions {
    /// The daemon's config file (for `[admin]`).
    pub config: PathBuf,
    /// The phone.
    pub mac: Mac,
    /// Reboot rather than check-sync.
    pub reboot: bool,
    /// How long to wait for the outcome.
    pub timeout: Duration,
}

/// The first line of `input` (without its line end); an error when it is empty.
pub fn password_line(input: &mut impl BufRead, hint: &str) -> Result<String, String> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|error| format!("cannot read the password: {error}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(format!("no password on standard input ({hint})"));
    }
    Ok(password.to_owned())
}

/// The admin password: `$GSPNPD_ADMIN_PASSWORD`, else the first line of standard input.
fn password() -> Result<String, String> {
    match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) if !password.is_empty() => Ok(password),
        _ => password_line(&mut std::io::stdin().lock(), &format!("set {PASSWORD_VARIABLE}, or pipe the password in")),
    }
}

/// Runs the command, printing progress to `out`: Ok(true) when the phone accepted,
/// Ok(false) when it refused or did not answer, Err when the request could not be made
/// (no `[admin]`, daemon down, wrong password, unknown phone) or no outcome came in time.
pub fn run(options: &ResyncOptions, out: &mut impl Write) -> Result<bool, String> {
    let config = crate::config::load(&options.config).map_err(|error| error.to_string())?;
    let settings = config
        .admin
        .ok_or_else(|| format!("{} has no [admin] section: the daemon has no API to ask", options.config.display()))?;
    let client = AdminClient::new(&settings, &password()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start: {error}"))?;
    runtime.block_on(async {
        match tokio::time::timeout(options.timeout, resync(&client, options, out)).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "{}: no outcome within {} s (see GET /api/phones/{} for its history)",
                options.mac,
                options.timeout.as_secs_f64(),
                options.mac
            )),
        }
    })
}

/// Listens to the events, requests the resync, and waits for its outcome.
async fn resync(client: &AdminClient, options: &ResyncOptions, out: &mut impl Write) -> Result<bool, String> {
    let mac = options.mac.to_string();
    let mut events = client.events().await?;
    let path = format!("/api/phones/{mac}/resync");
    let reply = client.call(Method::POST, &path, Some(&json!({ "reboot": options.reboot }))).await?;
    if reply.status != 202 {
        return Err(format!("{mac}: the daemon refused: {}", reply.error_message()));
    }
    let requested = reply.body["requested"].as_str().unwrap_or("resync");
    say(out, &format!("{mac}: {requested} sent, waiting for the phone"))?;
    loop {
        let event = events.next().await?.ok_or("the daemon closed the event stream (stopping?)")?;
        if event["mac"] != mac.as_str() || event["event"] != "resync" {
            continue;
        }
        say(out, &format!("{mac}: {}", event["detail"].as_str().unwrap_or("resync ended")))?;
        return Ok(event["outcome"] == "accepted");
    }
}

fn say(out: &mut impl Write, line: &str) -> Result<(), String> {
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|error| format!("cannot write: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_and_an_empty_one_is_refused() {
        assert_eq!(password_line(&mut &b"s3cret\r\nmore\n"[..], "hint").unwrap(), "s3cret");
        assert!(password_line(&mut &b"\n"[..], "try this").unwrap_err().contains("try this"));
        assert!(password_line(&mut &b""[..], "x").is_err());
    }
}
