//! `gspnpd decode`: one JSON line per saved datagram.

mod common;

use common::{gspnpd, stdout};
use serde_json::Value;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_saved_grandstream_subscribe_decodes_with_lf_or_crlf_line_ends() {
    let (lf, crlf) = (data("grp2612w-subscribe-lf.sip"), data("grp2612w-subscribe-crlf.sip"));
    let output = gspnpd(&["decode", "--source", "192.0.2.2:5080", &lf, &crlf]);
    assert!(output.status.success());
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(&format!("{{\"file\":{:?},\"ok\":true,\"mac\":\"c074ad112233\"", lf)), "{}", lines[0]);
    for line in lines {
        let object: Value = serde_json::from_str(line).unwrap();
        assert_eq!(object["vendor"], "Grandstream");
        assert_eq!(object["model"], "GRP2612W");
        assert_eq!(object["version"], "1.0.5.67");
        assert_eq!(object["profile_type"], "device");
        assert_eq!(object["user_agent"], "Grandstream GRP2612W 1.0.5.67");
        assert_eq!(object["contact"], "sip:192.168.1.2:5080");
        assert_eq!(object["source"], "192.0.2.2:5080");
    }
}

#[test]
fn other_vendors_decode_too_and_the_source_defaults_to_a_placeholder() {
    let output = gspnpd(&["decode", &data("yealink-w52p-subscribe.sip")]);
    assert!(output.status.success());
    let object: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(
        (&object["mac"], &object["model"], &object["source"]),
        (&"001565f4f9e1".into(), &"W52P".into(), &"0.0.0.0:0".into())
    );
}

#[test]
fn files_that_are_not_a_subscribe_say_why_and_make_the_exit_status_1() {
    let missing = data("no-such-file.sip");
    let output =
        gspnpd(&["decode", &data("garbage.sip"), &data("options.sip"), &data("grp2612w-subscribe-lf.sip"), &missing]);
    assert_eq!(output.status.code(), Some(1));
    let objects: Vec<Value> = stdout(&output).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let errors: Vec<(bool, String)> = objects
        .iter()
        .map(|object| (object["ok"].as_bool().unwrap(), object["error"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert!(errors[0].1.starts_with("not SIP"), "{errors:?}");
    assert_eq!(errors[1].1, "not a SUBSCRIBE request");
    assert_eq!(errors[2], (true, String::new()));
    assert!(errors[3].1.starts_with("cannot read"), "{errors:?}");
    assert_eq!(objects[3]["file"], missing.as_str());
}
