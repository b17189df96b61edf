//! `tools/storm.sh`, the storm benchmark of BENCHMARKS.md, run small: the UDP echo,
//! Kamailio with the repository's config, and gspnpd each answer every phone of the same
//! simulator, and each run reports the figures the table is made of. Needs root,
//! iproute2 and kamailio (CI installs them); packets never leave the namespaces.

mod common;

use std::path::Path;
use std::process::Command;

use common::GSPNPD;
use serde_json::Value;

const PHONES: u64 = 300;
const BOOT_PHONES: u64 = 200;

/// The UDP echo of the bench crate, built (debug) if need be.
fn udp_echo(root: &Path) -> String {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "gspnp-bench", "--bin", "udp-echo"])
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "udp-echo builds");
    let gspnpd = Path::new(GSPNPD);
    gspnpd.with_file_name("udp-echo").to_string_lossy().into_owned()
}

#[test]
fn storm_script_measures_the_echo_kamailio_and_gspnpd_with_every_phone_answered() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
    let output = Command::new(root.join("tools/storm.sh"))
        .arg("--json")
        .env("PHONES", PHONES.to_string())
        .env("WINDOW", "32")
        .env("BOOT_PHONES", BOOT_PHONES.to_string())
        .env("BOOT_SECONDS", "0.5")
        .env("FILES_SECONDS", "1")
        .env("GSPNPD", GSPNPD)
        .env("UDP_ECHO", udp_echo(root))
        .output()
        .expect("storm.sh runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "storm.sh failed:\n{stderr}");
    let runs: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let names: Vec<&str> = runs.iter().map(|run| run["run"].as_str().unwrap_or("")).collect();
    assert_eq!(runs.len(), 5, "{names:?}");
    for (run, (goal, phones)) in runs.iter().zip([
        ("answer", PHONES),
        ("answer", PHONES),
        ("notify", PHONES),
        ("notify", BOOT_PHONES),
        ("file", PHONES),
    ]) {
        let simulator = &run["simulator"];
        let done = match goal {
            "answer" => &simulator["answered"],
            "notify" => &simulator["notified"],
            _ => &simulator["provisioned"],
        };
        assert_eq!((simulator["until"].as_str(), simulator["phones"].as_u64()), (Some(goal), Some(phones)), "{run}");
        assert_eq!((done.as_u64(), simulator["failed"].as_u64()), (Some(phones), Some(0)), "{run}");
        assert!(simulator["handshakes_per_s"].as_f64().is_some_and(|rate| rate > 0.0), "{run}");
        // The echo's few hundred datagrams may round to 0.00 s; gspnpd's work never does.
        let cpu = run["server_cpu_s"].as_f64().unwrap_or(-1.0);
        assert!(if goal == "answer" { cpu >= 0.0 } else { cpu > 0.0 }, "{run}");
        assert!(run["server_peak_rss_kib"].as_u64().is_some_and(|kib| kib > 0), "{run}");
    }
    assert!(names[1].starts_with("kamailio"), "{names:?}");
    assert!(runs[1]["server_processes"].as_u64().is_some_and(|n| n > 1), "Kamailio's workers are counted");
}
