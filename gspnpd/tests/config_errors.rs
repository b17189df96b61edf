//! A config mistake stops `gspnpd run` and `gspnpd render` with the file, the line and
//! the key, before anything listens.

mod common;

use common::{gspnpd, stderr, Scratch};

const GOOD: &str = "[sip]\nport = 5060\nmode = \"provision\"\n\n[http]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"http://127.0.0.1:8080/\"\n\n[[phone]]\nmac = \"000b82f55284\"\n[[phone.account]]\nuser = \"1001\"\npassword = \"hunter2\"\n";

fn run_error(test: &str, text: &str) -> String {
    let scratch = Scratch::new(test);
    let config = scratch.write("bad.toml", text);
    let output = gspnpd(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    stderr(&output).replace(&format!("{}/", scratch.path().display()), "")
}

#[test]
fn a_misspelt_key_is_named_with_file_and_line() {
    let error = run_error("misspelt", &GOOD.replace("mode =", "mdoe ="));
    assert!(error.starts_with("gspnpd: bad.toml:3:1: sip.mdoe: unknown field `mdoe`"), "{error}");
}

#[test]
fn a_value_of_the_wrong_type_is_named_with_file_and_line() {
    let error = run_error("wrong-type", &GOOD.replace("port = 5060", "port = 70000"));
    assert!(error.starts_with("gspnpd: bad.toml:2:8: sip.port:"), "{error}");
}

#[test]
fn an_unusable_value_is_named_with_file_and_line() {
    let error = run_error("unusable", &GOOD.replace("000b82f55284", "000b82f5528z"));
    assert_eq!(
        error,
        "gspnpd: bad.toml:10:7: phone[0].mac: \"000b82f5528z\" is not a MAC address (want 12 hex digits)\n"
    );
}

#[test]
fn a_bad_password_is_named_but_never_shown() {
    let error = run_error("password", &GOOD.replace("hunter2", "hunter2\\u0007"));
    assert!(error.starts_with("gspnpd: bad.toml:13:12: phone[0].account[0].password:"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

#[test]
fn a_missing_file_is_named() {
    let output = gspnpd(&["run", "--config", "/nonexistent/gspnpd.toml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("gspnpd: /nonexistent/gspnpd.toml: cannot read:"), "{}", stderr(&output));
}
