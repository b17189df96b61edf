//! The PnP lab: a PBX namespace and a phone namespace joined by a veth pair in
//! 192.0.2.0/24. `gspnpd run` listens in one, `gspnpd simulate` boots phones in the
//! other that multicast to 224.0.1.75, over HTTPS with a self-signed certificate.
//! Needs root and iproute2 (CI runs as root); packets never leave the namespaces.

mod common;
#[path = "../../tests/lab/mod.rs"]
mod lab;

use common::{gspnpd_in, has_token_like_text, stderr, stdout, Daemon, Scratch};
use lab::{Lab, PBX_IP};
use nix::sys::signal::Signal;
use serde_json::Value;

const PHONES: usize = 200;

/// The daemon's config: every phone listed with its own account, HTTPS only.
fn lab_config(interface: &str, cert: &str, key: &str) -> String {
    let mut text = format!(
        r#"
[sip]
interfaces = ["{interface}"]
port = 5060
rate_limit = {{ burst = 5000, per_second = 5000.0 }}
[http]
public_url = "https://{PBX_IP}:8443/gspnp/"
[https]
listen = "{PBX_IP}:8443"
cert = "{cert}"
key = "{key}"
[defaults]
sip_server = "{PBX_IP}"
"#
    );
    for index in 0..PHONES {
        text.push_str(&format!(
            "[[phone]]\nmac = \"000b82{:06x}\"\nmodel = \"GRP2614\"\n[[phone.account]]\nuser = \"{}\"\npassword = \"lab-secret-{index}\"\n",
            index + 1,
            2000 + index
        ));
    }
    text
}

#[test]
fn every_reachable_phone_is_provisioned_despite_20_percent_loss() {
    if !lab::can_build() {
        return;
    }
    let lab = Lab::new();
    let scratch = Scratch::new("lab");
    let certified = rcgen::generate_simple_self_signed(vec![PBX_IP.to_string()]).expect("a certificate");
    let cert = scratch.write("server.crt", certified.cert.pem());
    scratch.write("server.key", certified.key_pair.serialize_pem());
    let config = scratch.write("gspnpd.toml", lab_config(&lab.pbx_link, "server.crt", "server.key"));
    let daemon = Daemon::start(gspnpd_in(&lab.pbx, &["run", "--config", config.to_str().unwrap()]));

    let output = gspnpd_in(
        &lab.phone,
        &[
            "simulate",
            "--phones",
            &PHONES.to_string(),
            "--target",
            "224.0.1.75:5060",
            "--loss",
            "0.2",
            "--seed",
            "2604",
            "--ca",
            cert.to_str().unwrap(),
            "--timeout",
            "45",
            "--json",
        ],
    )
    .output()
    .expect("the simulator runs");
    let summary: Value = serde_json::from_str(stdout(&output).trim()).unwrap_or_else(|_| panic!("{}", stderr(&output)));
    let (status, log) = daemon.stop_with(Signal::SIGTERM);

    let count = |field: &str| summary[field].as_u64().unwrap_or(u64::MAX) as usize;
    assert_eq!(count("failed"), 0, "{summary:#}");
    assert_eq!(count("provisioned") + count("unreachable"), PHONES, "{summary:#}");
    assert!(count("provisioned") >= PHONES * 9 / 10, "{summary:#}");
    assert!(summary["datagrams"]["sent_dropped"].as_u64() > Some(0), "loss was injected: {summary:#}");
    assert_eq!(output.status.code(), Some(0), "{summary:#}");
    assert!(status.success(), "{log:#?}");
    let text = log.join("\n");
    let fetched = log.iter().filter(|line| line.contains(".xml over https from 192.0.2.2:")).count();
    assert!(fetched >= count("provisioned"), "every provisioned phone's fetch is logged: {fetched} {summary:#}");
    assert!(!text.contains("lab-secret") && !has_token_like_text(&text), "a secret in the log");
}

#[test]
fn the_example_config_comes_up_and_runs_until_sigint() {
    if !lab::can_build() {
        return;
    }
    // A namespace of its own: the example joins the PnP group on every interface.
    let lab = Lab::new();
    let example = format!("{}/../examples/gspnpd.toml", env!("CARGO_MANIFEST_DIR"));
    let daemon = Daemon::start(gspnpd_in(&lab.pbx, &["run", "--config", &example]));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, log) = daemon.stop_with(Signal::SIGINT);
    assert!(status.success(), "{log:#?}");
    assert!(
        log.iter().any(|line| line.contains("SIP on UDP port 5060") && line.contains("1 phones listed")),
        "{log:#?}"
    );
}
