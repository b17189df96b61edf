//! What a user sees of the command line: help for every command, the version, and
//! mistakes refused with exit status 2.

mod common;

use common::{gspnpd, stderr, stdout};

#[test]
fn help_lists_every_command_and_every_option() {
    let main = stdout(&gspnpd(&["--help"]));
    for command in ["run", "decode", "render", "simulate", "help", "--version"] {
        assert!(main.contains(command), "{command} missing from gspnpd --help:\n{main}");
    }
    for (command, options) in [
        ("run", &["--config"][..]),
        ("decode", &["--source", "FILE"][..]),
        ("render", &["--config", "--mac", "--format", "--model"][..]),
        (
            "simulate",
            &[
                "--phones",
                "--target",
                "--interface",
                "--loss",
                "--seed",
                "--mac-base",
                "--json",
                "--timeout",
                "--ramp",
                "--insecure",
                "--ca",
                "--http-auth",
                "unreachable",
                "p99_ms",
            ][..],
        ),
    ] {
        let output = gspnpd(&[command, "--help"]);
        assert!(output.status.success());
        let text = stdout(&output);
        for option in options {
            assert!(text.contains(option), "{option} missing from gspnpd {command} --help:\n{text}");
        }
        assert_eq!(stdout(&gspnpd(&["help", command])), text);
    }
}

#[test]
fn version_names_the_daemon_and_the_library() {
    let output = gspnpd(&["--version"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), format!("gspnpd {0} (gspnp {0})\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_wrong_command_line_is_refused_with_status_2_and_a_reason() {
    for (args, reason) in [
        (&[][..], "no command"),
        (&["serve"][..], "unknown command \"serve\""),
        (&["run"][..], "--config is required"),
        (&["simulate", "--loss", "1.5"][..], "--loss"),
    ] {
        let output = gspnpd(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains(reason), "{args:?}: {}", stderr(&output));
    }
}
