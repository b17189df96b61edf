//! The device manager's REST API against a real gspnpd on loopback: authentication,
//! status codes, bad input changing nothing, a new phone held until an admin assigns it
//! and then provisioned, and two admins assigning at once.

mod admin_client;
mod common;

use std::process::Command;

use admin_client::{admin, config, request, ADMIN_PASSWORD};
use common::{free_ports, Daemon, Scratch, GSPNPD};
use nix::sys::signal::Signal;
use serde_json::Value;

fn start(scratch: &Scratch, extra: &str) -> (Daemon, u16, u16) {
    let (sip, http) = free_ports();
    let (_, admin_port) = free_ports();
    let store = scratch.path().join("store.sqlite");
    let file = scratch.write("gspnpd.toml", config(sip, http, admin_port, store.to_str().unwrap(), extra));
    let mut command = Command::new(GSPNPD);
    command.args(["run", "--config", file.to_str().unwrap()]);
    (Daemon::start(command), sip, admin_port)
}

fn provisioned(sip: u16, mac: &str) -> u64 {
    common::boot_phones(sip, 1, mac, 3)["provisioned"].as_u64().unwrap_or(0)
}

#[test]
fn the_api_refuses_without_the_password_and_says_which_field_is_wrong() {
    let scratch = Scratch::new("admin-api-codes");
    let (daemon, sip, port) =
        start(&scratch, "[[phone]]\nmac = \"000b82500009\"\n[[phone.account]]\nuser = \"1009\"\n");
    assert_eq!(request(port, "GET", "/api/health", &[], None).status, 200, "health needs no password");
    let refused = request(port, "GET", "/api/phones", &[], None);
    assert_eq!(refused.status, 401);
    assert!(refused.header("www-authenticate").is_some_and(|value| value.starts_with("Basic")));
    let wrong = admin_client::basic("not-it");
    assert_eq!(request(port, "GET", "/api/phones", &[("Authorization", &wrong)], None).status, 401);
    assert_eq!(admin(port, "GET", "/api/openapi.json", None).json()["openapi"], "3.0.3");

    assert_eq!(provisioned(sip, "000b82500001"), 0, "a new phone is held until assigned");
    let list = admin(port, "GET", "/api/phones?assigned=false", None).json();
    assert_eq!(list["total"], 1, "{list} {:#?}", daemon.log());
    assert_eq!(list["phones"][0]["mac"], "000b82500001");
    assert_eq!(list["phones"][0]["state"], "discovered");

    let path = "/api/phones/000b82500001";
    let not_json = admin(port, "PUT", path, Some("{\"account\": ["));
    assert_eq!(not_json.status, 400, "{}", not_json.body);
    assert!(not_json.json()["error"]["message"].is_string());
    let no_type = request(port, "PUT", path, &[("Authorization", &admin_client::basic(ADMIN_PASSWORD))], Some("{}"));
    assert_eq!(no_type.status, 415, "a body not declared JSON (a cross-site form) is refused");
    let bad_field = admin(port, "PUT", path, Some(r#"{"account": [{"user": "1001", "transport": "pigeon"}]}"#));
    assert_eq!(bad_field.status, 422, "{}", bad_field.body);
    assert_eq!(bad_field.json()["error"]["field"], "account[0].transport", "{}", bad_field.body);
    let unknown_key = admin(port, "PUT", path, Some(r#"{"acount": []}"#));
    assert_eq!(unknown_key.status, 422, "{}", unknown_key.body);
    assert_eq!(admin(port, "GET", path, None).json()["assignment"], Value::Null, "nothing was half-done");

    assert_eq!(admin(port, "GET", "/api/phones/not-a-mac", None).status, 400);
    assert_eq!(admin(port, "GET", "/api/phones/000b825000ff", None).status, 404);
    assert_eq!(admin(port, "DELETE", "/api/phones/000b825000ff", None).status, 404);
    assert_eq!(admin(port, "DELETE", "/api/phones/000b825000ff/assignment", None).status, 404);
    assert_eq!(admin(port, "POST", "/api/phones/000b825000ff/resync", Some("{}")).status, 404);
    assert_eq!(admin(port, "GET", "/api/phones?state=sleeping", None).json()["error"]["field"], "state");
    let declared = admin(port, "PUT", "/api/phones/000b82500009", Some(r#"{"account": [{"user": "1"}]}"#));
    assert_eq!(declared.status, 409, "a phone of the config file is edited there");

    let assigned = admin(
        port,
        "PUT",
        path,
        Some(
            r#"{"account": [{"user": "1001", "password": "sip-pw-777"}], "key": [{"mode": "blf", "value": "1002", "label": "Bob"}]}"#,
        ),
    );
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    let shown = admin(port, "GET", path, None);
    assert!(!shown.body.contains("sip-pw-777"), "a password is never shown: {}", shown.body);
    assert_eq!(shown.json()["assignment"]["account"][0]["password"], "<redacted>");
    assert_eq!(provisioned(sip, "000b82500001"), 1, "once assigned, the phone is provisioned: {:#?}", daemon.log());
    assert_eq!(admin(port, "GET", path, None).json()["phone"]["state"], "fetched");
    assert_eq!(admin(port, "DELETE", &format!("{path}/assignment"), None).status, 204);
    assert_eq!(admin(port, "DELETE", path, None).status, 204);
    assert_eq!(admin(port, "GET", path, None).status, 404);
    let audit = admin(port, "GET", "/api/audit", None).json();
    let actions: Vec<&str> =
        audit["audit"].as_array().unwrap().iter().filter_map(|entry| entry["action"].as_str()).collect();
    assert_eq!(actions, ["forget", "unassign", "assign"], "{audit}");
    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
    assert!(!log.iter().any(|line| line.contains("sip-pw-777") || line.contains(ADMIN_PASSWORD)), "{log:#?}");
}

#[test]
fn a_browser_session_needs_its_csrf_token_and_two_admins_assigning_at_once_both_land_whole() {
    let scratch = Scratch::new("admin-api-session");
    let (daemon, _sip, port) = start(&scratch, "");
    let login =
        request(port, "POST", "/api/login", &[("Content-Type", "application/json")], Some(r#"{"password": "nope"}"#));
    assert_eq!(login.status, 401);
    let body = format!("{{\"password\": \"{ADMIN_PASSWORD}\"}}");
    let login = request(port, "POST", "/api/login", &[("Content-Type", "application/json")], Some(&body));
    assert_eq!(login.status, 200, "{}", login.body);
    let cookie = login.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    assert!(login.header("set-cookie").unwrap().contains("SameSite=Strict"));
    let csrf = login.json()["csrf"].as_str().unwrap().to_owned();
    let json = ("Content-Type", "application/json");
    let profile = r#"{"account": [{"user": "2001"}]}"#;
    let path = "/api/phones/000b82510001";
    assert_eq!(request(port, "GET", "/api/phones", &[("Cookie", &cookie)], None).status, 200);
    assert_eq!(request(port, "PUT", path, &[("Cookie", &cookie), json], Some(profile)).status, 403, "no CSRF token");
    let forged = request(
        port,
        "PUT",
        path,
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf), ("Origin", "http://evil.example"), json],
        Some(profile),
    );
    assert_eq!(forged.status, 403, "another origin");
    let put = request(port, "PUT", path, &[("Cookie", &cookie), ("X-CSRF-Token", &csrf), json], Some(profile));
    assert_eq!(put.status, 200, "{}", put.body);

    let admins: Vec<_> = ["3001", "3002"]
        .into_iter()
        .map(|user| {
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| {
                        admin(
                            port,
                            "PUT",
                            "/api/phones/000b82510002",
                            Some(&format!(r#"{{"account": [{{"user": "{user}"}}]}}"#)),
                        )
                        .status
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    for handle in admins {
        assert_eq!(handle.join().unwrap(), [200; 5]);
    }
    let shown = admin(port, "GET", "/api/phones/000b82510002", None).json();
    let user = shown["assignment"]["account"][0]["user"].as_str().unwrap().to_owned();
    assert!(user == "3001" || user == "3002", "one admin's whole profile: {shown}");
    let audit = admin(port, "GET", "/api/audit?limit=1000", None).json();
    let assigns = audit["audit"].as_array().unwrap().iter().filter(|entry| entry["mac"] == "000b82510002").count();
    assert_eq!(assigns, 10, "every assignment audited");
    drop(daemon);
}
