//! `gspnpd simulate --stay`: a provisioned phone behaves like a GRP with P4428=0. A
//! scripted PBX on 127.0.0.1 (tests/simulate_peer) provisions it, then sends it
//! check-sync NOTIFYs outside any dialog: the first is challenged with a digest 401,
//! the retry with the file's credentials gets 200 and a re-fetch, a retry with a wrong
//! password gets 401 again and counts as refused, a retransmission gets the same answer,
//! hostile datagrams are dropped or refused; a check-sync;reboot=true makes the phone
//! boot again with a new Call-ID.

mod simulate_peer;

use simulate_peer::{
    authorize, config_file, digest_parameters, header, notify_uri, parameter, simulate, summary, Peer,
};

const PASSWORD: &str = "sip-pw-4711";

#[test]
fn a_check_sync_with_the_files_credentials_is_accepted_and_refetched_and_a_wrong_password_is_refused() {
    let peer = Peer::start(config_file(PASSWORD, "127.0.0.1:5060"));
    let child = simulate(&peer.target(), &["--stay", "6"]);
    let (_, phone) = peer.provision(1);

    peer.send(&peer.resync_notify(phone, "check-sync", "r1", 1, None), phone);
    let (challenge, _) = peer.expect("SIP/2.0 401 ");
    assert!(header(&challenge, "To").unwrap().contains(";tag="), "{challenge}");
    let www = header(&challenge, "WWW-Authenticate").expect("a digest challenge");
    let parameters = digest_parameters(&www);
    assert_eq!((parameter(&parameters, "algorithm"), parameter(&parameters, "qop")), (Some("MD5"), Some("auth")));
    assert!(parameter(&parameters, "realm").is_some_and(|realm| !realm.is_empty()));
    assert!(parameter(&parameters, "nonce").is_some_and(|nonce| nonce.len() >= 16));

    let right = authorize(&www, "NOTIFY", &notify_uri(phone), "1001", PASSWORD);
    let retry = peer.resync_notify(phone, "check-sync", "r1", 2, Some(&right));
    peer.send(&retry, phone);
    let (accepted, _) = peer.expect("SIP/2.0 ");
    assert!(accepted.starts_with("SIP/2.0 200 OK"), "{accepted}");
    peer.wait_for_fetches(2);
    peer.send(&retry, phone);
    let (repeated, _) = peer.expect("SIP/2.0 ");
    assert_eq!(repeated, accepted, "a retransmission gets the same answer");

    peer.send(&peer.resync_notify(phone, "check-sync", "r2", 1, None), phone);
    let (challenge, _) = peer.expect("SIP/2.0 401 ");
    let wrong =
        authorize(&header(&challenge, "WWW-Authenticate").unwrap(), "NOTIFY", &notify_uri(phone), "1001", "guess");
    peer.send(&peer.resync_notify(phone, "check-sync", "r2", 2, Some(&wrong)), phone);
    let (refused, _) = peer.expect("SIP/2.0 ");
    assert!(refused.starts_with("SIP/2.0 401 ") && header(&refused, "WWW-Authenticate").is_some(), "{refused}");

    // Hostile input: dropped as stray, or refused with a plain 401, never echoed.
    let smuggled = peer
        .resync_notify(phone, "check-sync", "r3", 1, None)
        .replace("Max-Forwards: 70", "Max-Forwards: 70\nX-Evil: 1");
    peer.send(&smuggled, phone);
    peer.sip.send_to(&[0xff, 0x00, 0xfe, 0x13], phone).unwrap();
    let huge = format!("Digest username=\"{}\", realm=\"x\"", "u".repeat(4000));
    peer.send(&peer.resync_notify(phone, "check-sync", "r4", 1, Some(&huge)), phone);
    let (hostile, _) = peer.expect("SIP/2.0 ");
    assert!(hostile.starts_with("SIP/2.0 401 ") && !hostile.contains("uuuu") && hostile.len() < 1024, "{hostile}");

    let (code, json) = summary(child);
    assert_eq!((code, json["provisioned"].as_u64()), (Some(0), Some(1)), "{json}");
    let resyncs = &json["resyncs"];
    assert_eq!(
        (
            resyncs["done"].as_u64(),
            resyncs["refused"].as_u64(),
            resyncs["refetched"].as_u64(),
            resyncs["reboots"].as_u64()
        ),
        (Some(1), Some(2), Some(1), Some(0)),
        "{json}"
    );
    assert!(json["datagrams"]["stray"].as_u64() >= Some(2), "{json}");
    assert_eq!(peer.fetches().len(), 2, "one fetch at boot, one after the accepted check-sync");
}

#[test]
fn a_sha_256_reboot_without_qop_makes_the_phone_boot_again_with_a_new_call_id() {
    let peer = Peer::start(config_file(PASSWORD, "127.0.0.1:5060"));
    let child = simulate(&peer.target(), &["--stay", "4", "--auth-algorithm", "sha-256", "--auth-qop", "none"]);
    let (first_subscribe, phone) = peer.provision(1);

    peer.send(&peer.resync_notify(phone, "check-sync;reboot=true", "rb", 1, None), phone);
    let (challenge, _) = peer.expect("SIP/2.0 401 ");
    let www = header(&challenge, "WWW-Authenticate").unwrap();
    let parameters = digest_parameters(&www);
    assert_eq!((parameter(&parameters, "algorithm"), parameter(&parameters, "qop")), (Some("SHA-256"), None));
    let right = authorize(&www, "NOTIFY", &notify_uri(phone), "1001", PASSWORD);
    peer.send(&peer.resync_notify(phone, "check-sync;reboot=true", "rb", 2, Some(&right)), phone);
    peer.expect("SIP/2.0 200 OK");

    let (second_subscribe, _) = peer.provision(2);
    assert_ne!(header(&second_subscribe, "Call-ID"), header(&first_subscribe, "Call-ID"), "a reboot is a new boot");

    let (code, json) = summary(child);
    assert_eq!(
        (code, json["provisioned"].as_u64(), json["resyncs"]["reboots"].as_u64()),
        (Some(0), Some(1), Some(1)),
        "{json}"
    );
    assert_eq!(json["resyncs"]["done"].as_u64(), Some(1), "{json}");
}
