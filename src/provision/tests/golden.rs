//! Golden files: the exact bytes for fixed profiles, checked in under `testdata/`.
//! A golden file only proves stability; each was read against the reference
//! (grandstream-config.md) before it was checked in. After a deliberate change, run the
//! tests with `GSPNP_BLESS=1` to rewrite them, and read the diff just as carefully.

use std::path::PathBuf;

use super::fixtures::{grp2612_profile, grp2614_profile, target};
use crate::provision::{render, Format, Profile};

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/provision/testdata").join(name)
}

/// Renders `profile` for `model` in `format` and compares it with the golden file `name`;
/// returns the warnings.
fn check_golden(name: &str, profile: &Profile, model: &str, format: Format) -> Vec<String> {
    let rendered = render(profile, &target(model, format)).unwrap();
    assert_eq!(rendered.file_name, "cfg000b82f55284.xml");
    let path = golden_path(name);
    if std::env::var_os("GSPNP_BLESS").is_some() {
        std::fs::write(&path, &rendered.bytes).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert!(
        expected == rendered.bytes,
        "{name} no longer matches; if the change is intended, check it and run with GSPNP_BLESS=1:\n{}",
        String::from_utf8_lossy(&rendered.bytes)
    );
    rendered.warnings
}

#[test]
fn grp2614_version_1() {
    assert_eq!(check_golden("grp2614_v1.xml", &grp2614_profile(), "GRP2614", Format::V1), Vec::<String>::new());
}

#[test]
fn grp2614_version_2() {
    assert_eq!(check_golden("grp2614_v2.xml", &grp2614_profile(), "GRP2614", Format::V2), Vec::<String>::new());
}

fn grp2612_warnings() -> Vec<String> {
    vec!["the admin password has characters other than a-z, A-Z and 0-9, which the phone's template does not document"
        .to_owned()]
}

#[test]
fn grp2612_at_its_limits_version_1() {
    assert_eq!(check_golden("grp2612_v1.xml", &grp2612_profile(), "GRP2612W", Format::V1), grp2612_warnings());
}

#[test]
fn grp2612_at_its_limits_version_2() {
    assert_eq!(check_golden("grp2612_v2.xml", &grp2612_profile(), "GRP2612W", Format::V2), grp2612_warnings());
}
