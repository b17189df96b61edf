//! The config file as a user writes it: what is accepted, and how errors are reported.

use std::path::Path;

use gspnp::engine::{AnswerCode, Mode};
use gspnp::provision::Format;

use super::{parse, ConfigError};

const GOOD: &str = r#"
[sip]
interfaces = ["eth0"]
port = 5060
mode = "provision"
answer = 202

[http]
listen = "0.0.0.0:8080"
public_url = "http://192.0.2.10:8080/prov/"

[defaults]
sip_server = "192.0.2.10"
format = "v2"

[[phone]]
mac = "00:0B:82:F5:52:84"
model = "GRP2614"
[[phone.account]]
user = "1001"
password = "s3cret"
name = "Alice"
[[phone.key]]
mode = "blf"
value = "1002"
label = "Bob"

[[default_profile]]
vendor = "Grandstream"
model = "GRP2612"
"#;

fn error_of(text: &str) -> String {
    parse(Path::new("site.toml"), text).unwrap_err().to_string()
}

#[test]
fn the_documented_schema_is_accepted() {
    let config = parse(Path::new("site.toml"), GOOD).unwrap();
    assert_eq!(config.sip.interfaces, ["eth0"]);
    assert_eq!((config.sip.mode, config.sip.answer), (Mode::Provision, AnswerCode::Accepted202));
    assert_eq!(config.http.folder, "/prov/");
    assert_eq!(config.url_template(), "http://192.0.2.10:8080/prov/{token}/");
    let phone = config.phone("000b82f55284".parse().unwrap()).unwrap();
    assert_eq!(phone.assignment.format, Format::V2);
    assert_eq!(phone.assignment.profile.account(1).unwrap().sip_server(), "192.0.2.10");
    assert!(config.default_profile_for("grandstream", "grp2612").is_some());
    assert!(config.default_profile_for("Grandstream", "GRP2614").is_none());
}

#[test]
fn the_shipped_example_is_accepted() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/gspnpd.toml");
    let config = super::load(&example).unwrap();
    assert!(!config.phones.is_empty());
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let text = GOOD.replace("answer = 202", "answer = 202\nanswr = 200");
    let error = error_of(&text);
    assert!(error.starts_with("site.toml:7:1: sip.answr: unknown field `answr`"), "{error}");
}

#[test]
fn a_wrong_type_is_named_with_its_line() {
    let error = error_of(&GOOD.replace("port = 5060", "port = \"five\""));
    assert!(error.starts_with("site.toml:4:8: sip.port: invalid type"), "{error}");
}

#[test]
fn a_wrong_type_for_a_password_does_not_show_it() {
    let error = error_of(&GOOD.replace("password = \"s3cret\"", "password = 73573"));
    assert!(error.starts_with("site.toml:21:12: phone[0].account[0].password:"), "{error}");
    assert!(!error.contains("73573"), "{error}");
}

#[test]
fn a_missing_table_or_key_is_named() {
    let error = error_of("[sip]\nport = 5060\n");
    assert!(error.contains("missing field `http`"), "{error}");
    let error = error_of(&GOOD.replace("mac = \"00:0B:82:F5:52:84\"", ""));
    assert!(error.starts_with("site.toml:") && error.contains("phone[0]: missing field `mac`"), "{error}");
}

#[test]
fn a_toml_syntax_error_has_its_line() {
    let error = error_of(&GOOD.replace("mode = \"provision\"", "mode = provision"));
    assert!(error.starts_with("site.toml:5:"), "{error}");
}

#[test]
fn values_gspnpd_cannot_use_are_named_with_their_line() {
    for (from, to, expected) in [
        (
            "mode = \"provision\"",
            "mode = \"loud\"",
            "site.toml:5:8: sip.mode: \"loud\" is not off, discover or provision",
        ),
        ("answer = 202", "answer = 201", "site.toml:6:10: sip.answer: 201 is not 200 or 202"),
        (
            "mac = \"00:0B:82:F5:52:84\"",
            "mac = \"000b82f5528\"",
            "site.toml:17:7: phone[0].mac: \"000b82f5528\" is not a MAC",
        ),
        ("mode = \"blf\"", "mode = \"teleport\"", "site.toml:24:8: phone[0].key[0].mode: unknown key mode"),
        ("listen = \"0.0.0.0:8080\"", "listen = \"8080\"", "site.toml:9:10: http.listen: \"8080\" is not ADDRESS:PORT"),
        ("format = \"v2\"", "format = \"v3\"", "site.toml:14:10: defaults.format: format \"v3\" is not v1 or v2"),
        ("/prov/\"", "/prov\"", "site.toml:10:14: http.public_url: \"http://192.0.2.10:8080/prov\" must end in '/'"),
    ] {
        let error = error_of(&GOOD.replace(from, to));
        assert!(error.starts_with(expected), "{to}: {error}");
    }
}

#[test]
fn a_profile_too_big_for_its_model_is_refused_at_start() {
    let text = GOOD.replace("model = \"GRP2614\"", "model = \"GRP2612\"").replace(
        "[[phone.key]]",
        "[[phone.account]]\nuser = \"1002\"\n[[phone.account]]\nuser = \"1003\"\n[[phone.key]]",
    );
    let error = error_of(&text);
    assert!(error.starts_with("site.toml:16:1: phone[0]: its profile does not fit a GRP2612"), "{error}");
}

#[test]
fn a_mac_listed_twice_is_refused() {
    let text = format!("{GOOD}\n[[phone]]\nmac = \"000b82f55284\"\n");
    let error = error_of(&text);
    assert!(error.contains("phone[1].mac: 000b82f55284 is listed twice (also phone[0])"), "{error}");
}

#[test]
fn https_urls_need_an_https_section_and_certificates_are_found_beside_the_file() {
    let text = GOOD.replace("http://192.0.2.10:8080/prov/", "https://192.0.2.10:8443/");
    assert!(error_of(&text).contains("there is no [https] section"));
    let text = format!("{text}\n[https]\nlisten = \"0.0.0.0:8443\"\ncert = \"tls/server.crt\"\nkey = \"/etc/k.pem\"\n");
    let config = parse(Path::new("/etc/gspnpd/site.toml"), &text).unwrap();
    let https = config.https.unwrap();
    assert_eq!(https.cert, Path::new("/etc/gspnpd/tls/server.crt"));
    assert_eq!(https.key, Path::new("/etc/k.pem"));
}

#[test]
fn an_unreadable_file_is_named() {
    let error = super::load(Path::new("/nonexistent/gspnpd.toml")).unwrap_err();
    assert!(matches!(error, ConfigError::Unreadable { .. }));
    assert!(error.to_string().starts_with("/nonexistent/gspnpd.toml: cannot read:"), "{error}");
}
