//! `gspnpd render`: the file a phone would get, from the config.

mod common;

use common::{gspnpd, stderr, stdout, Scratch};

const CONFIG: &str = r#"
[http]
listen = "0.0.0.0:8080"
public_url = "http://192.0.2.10:8080/prov/"
[defaults]
sip_server = "192.0.2.10"
[[phone]]
mac = "000b82f55284"
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
model = "GRP2612"
[[default_profile.account]]
user = "lobby"
"#;

#[test]
fn a_listed_phone_gets_its_accounts_keys_and_url_with_a_token_placeholder() {
    let scratch = Scratch::new("render-listed");
    let config = scratch.write("gspnpd.toml", CONFIG);
    let output = gspnpd(&["render", "--config", config.to_str().unwrap(), "--mac", "00:0b:82:f5:52:84"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let file = stdout(&output);
    for expected in [
        "<gs_provision version=\"1\">",
        "<mac>000b82f55284</mac>",
        "<P35>1001</P35>",
        "<P34>s3cret</P34>",
        "<P3>Alice</P3>",
        "<P47>192.0.2.10</P47>",
        "<P237>192.0.2.10:8080/prov/{token}</P237>",
        "<P1465>Bob</P1465>",
    ] {
        assert!(file.contains(expected), "{expected} missing from\n{file}");
    }
    assert_eq!(
        stderr(&output),
        "cfg000b82f55284.xml for GRP2614 (format v1), told URL http://192.0.2.10:8080/prov/{token}/\n"
    );
    let v2 =
        stdout(&gspnpd(&["render", "--config", config.to_str().unwrap(), "--mac", "000b82f55284", "--format", "v2"]));
    assert!(v2.contains("<item name=\"account.1.sip.userid\">1001</item>"), "{v2}");
}

#[test]
fn an_unlisted_phone_gets_the_default_profile_for_its_model_or_nothing() {
    let scratch = Scratch::new("render-default");
    let config = scratch.write("gspnpd.toml", CONFIG);
    let config = config.to_str().unwrap();
    let output = gspnpd(&["render", "--config", config, "--mac", "000b82000009", "--model", "GRP2612"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("<P35>lobby</P35>"));
    let output = gspnpd(&["render", "--config", config, "--mac", "000b82000009", "--model", "GRP2616"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("not listed and no [[default_profile]] covers a GRP2616"), "{}", stderr(&output));
    let output = gspnpd(&["render", "--config", config, "--mac", "000b82000009"]);
    assert!(stderr(&output).contains("add --model"), "{}", stderr(&output));
}

#[test]
fn the_shipped_example_renders() {
    let example = format!("{}/../examples/gspnpd.toml", env!("CARGO_MANIFEST_DIR"));
    let output = gspnpd(&["render", "--config", &example, "--mac", "000b82f55284"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("<P35>1001</P35>"));
}
