//! SIGHUP reloads the config: phones added, changed and removed take effect, a phone
//! left unchanged keeps its URL token, and a broken file keeps the running config and
//! says where it is broken.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_ports, Daemon, Scratch, GSPNPD};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

fn config(sip_port: u16, http_port: u16, phones: &[(&str, &str)]) -> String {
    let mut text = format!(
        "[sip]\nunicast_port = {sip_port}\nmulticast = false\ncooldown = 0\n[http]\nlisten = \"127.0.0.1:{http_port}\"\npublic_url = \"http://127.0.0.1:{http_port}/\"\n[defaults]\nsip_server = \"127.0.0.1\"\n"
    );
    for (mac, user) in phones {
        text.push_str(&format!("[[phone]]\nmac = \"{mac}\"\n[[phone.account]]\nuser = \"{user}\"\n"));
    }
    text
}

fn provisioned(sip_port: u16, mac_base: &str, phones: usize) -> u64 {
    common::boot_phones(sip_port, phones, mac_base, 4)["provisioned"].as_u64().unwrap_or(0)
}

fn hang_up_and_wait_for(daemon: &Daemon, pid: u32, text: &str) -> String {
    let before = daemon.log().len();
    kill(Pid::from_raw(pid as i32), Signal::SIGHUP).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(line) = daemon.log()[before..].iter().find(|line| line.contains(text)) {
            return line.clone();
        }
        assert!(Instant::now() < deadline, "no {text:?} after SIGHUP: {:#?}", daemon.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sighup_adds_changes_and_removes_phones_and_a_broken_file_keeps_the_running_config() {
    let scratch = Scratch::new("reload");
    let (sip, http) = free_ports();
    let file = scratch.write("gspnpd.toml", config(sip, http, &[("000b82400001", "1001"), ("000b82400002", "1002")]));
    let mut command = Command::new(GSPNPD);
    command.args(["run", "--config", file.to_str().unwrap()]);
    let daemon = Daemon::start(command);
    let pid = daemon.pid();
    assert_eq!(provisioned(sip, "000b82400001", 1), 1);
    assert_eq!(provisioned(sip, "000b82400004", 1), 0, "a phone not listed is not provisioned");

    // 1 unchanged, 2 removed, 3 added.
    scratch.write("gspnpd.toml", config(sip, http, &[("000b82400001", "1001"), ("000b82400003", "1003")]));
    let line = hang_up_and_wait_for(&daemon, pid, "reloaded ");
    assert_eq!(provisioned(sip, "000b82400001", 1), 1, "the unchanged phone is still served");
    assert!(line.contains("1 phones added, 0 changed, 1 removed, 1 unchanged"), "{line}");
    assert_eq!(provisioned(sip, "000b82400003", 1), 1, "an added phone is provisioned: {:#?}", daemon.log());
    assert_eq!(provisioned(sip, "000b82400002", 1), 0, "a removed phone is not");

    scratch.write("gspnpd.toml", "[sip]\nport = \"not a number\"\n");
    let line = hang_up_and_wait_for(&daemon, pid, "reload refused");
    assert!(line.contains(&format!("{}:2:8: sip.port", file.display())), "{line}");
    assert_eq!(provisioned(sip, "000b82400003", 1), 1, "the running config still serves");

    assert_eq!(provisioned(sip, "000b82400001", 1), 1, "the unchanged phone is still served");

    let (status, log) = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "{log:#?}");
}
