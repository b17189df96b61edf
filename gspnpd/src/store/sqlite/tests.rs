use super::*;

fn mac(text: &str) -> Mac {
    text.parse().unwrap()
}

fn scratch(test: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("gspnpd-store-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    folder.join("nested").join("gspnpd.sqlite")
}

fn sighting(text: &str) -> Sighting {
    Sighting {
        mac: mac(text),
        vendor: "Grandstream".into(),
        model: "GRP2614".into(),
        firmware: "1.0.5.15".into(),
        address: "192.0.2.20:5060".parse().unwrap(),
    }
}

fn file(text: &str, token: &str) -> KeptFile {
    KeptFile {
        mac: mac(text),
        model: "GRP2614".into(),
        token: token.into(),
        url: format!("http://192.0.2.1/{token}/"),
        contents: b"<gs_provision/>".to_vec(),
    }
}

#[test]
fn a_phone_goes_through_its_states_and_everything_survives_reopening() {
    let path = scratch("states");
    {
        let store = SqliteStore::open(&path, 10).unwrap();
        assert!(store.record_sighting(&sighting("000b82000001")).unwrap());
        assert_eq!(store.phone(mac("000b82000001")).unwrap().unwrap().state, PhoneState::Discovered);
        assert!(store.record_file(&file("000b82000001", &"a".repeat(32))).unwrap());
        store.record_state(mac("000b82000001"), PhoneState::Acknowledged, "200").unwrap();
        store.record_state(mac("000b82000001"), PhoneState::Fetched, "over http").unwrap();
        store.record_resync(mac("000b82000001"), "check-sync accepted (200)").unwrap();
        store.assign(mac("000b82000002"), &serde_json::json!({"account": [{"user": "1002"}]}), "admin").unwrap();
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the store holds passwords");
    let store = SqliteStore::open(&path, 10).unwrap();
    let phone = store.phone(mac("000b82000001")).unwrap().unwrap();
    assert_eq!((phone.state, phone.has_file, phone.assigned), (PhoneState::Fetched, true, false));
    assert_eq!(phone.last_resync.as_deref(), Some("check-sync accepted (200)"));
    assert_eq!(store.file(mac("000b82000001")).unwrap().unwrap().token, "a".repeat(32));
    assert_eq!(store.tokens().unwrap(), vec![(mac("000b82000001"), "a".repeat(32))]);
    let events: Vec<String> = store.history(mac("000b82000001"), 10).unwrap().into_iter().map(|e| e.event).collect();
    assert_eq!(events, ["resync", "fetched", "acknowledged", "answered", "discovered"]);
    assert_eq!(store.assignments().unwrap()[0].0, mac("000b82000002"));
    let (assigned, total) =
        store.phones(&PhoneQuery { assigned: Some(true), limit: 10, ..PhoneQuery::default() }).unwrap();
    assert_eq!((assigned.len(), total), (1, 1));
    assert_eq!(store.audit_trail(10).unwrap()[0].action, "assign");
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}

#[test]
fn filters_paging_unassign_and_forget() {
    let path = scratch("filters");
    let store = SqliteStore::open(&path, 100).unwrap();
    for index in 0..5 {
        store.record_sighting(&sighting(&format!("000b8200001{index}"))).unwrap();
    }
    store.record_file(&file("000b82000010", &"b".repeat(32))).unwrap();
    let query = |state: Option<PhoneState>, offset: u64| PhoneQuery {
        state,
        model: Some("grp2614".into()),
        limit: 2,
        offset,
        ..PhoneQuery::default()
    };
    let (page, total) = store.phones(&query(None, 4)).unwrap();
    assert_eq!((page.len(), total, page[0].mac.as_str()), (1, 5, "000b82000014"));
    assert_eq!(store.phones(&query(Some(PhoneState::Answered), 0)).unwrap().1, 1);
    store.assign(mac("000b82000010"), &serde_json::json!({}), "admin").unwrap();
    assert!(store.unassign(mac("000b82000010"), "admin").unwrap());
    assert!(store.file(mac("000b82000010")).unwrap().is_none(), "the file rendered from it went with it");
    assert!(!store.unassign(mac("000b82000010"), "admin").unwrap());
    assert!(store.forget(mac("000b82000011"), "admin").unwrap());
    assert!(store.phone(mac("000b82000011")).unwrap().is_none());
    assert!(store.history(mac("000b82000011"), 10).unwrap().is_empty());
    assert!(!store.forget(mac("000b82000011"), "admin").unwrap());
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}

#[test]
fn a_flood_of_new_macs_stops_at_the_bound_and_known_phones_still_update() {
    let path = scratch("bound");
    let store = SqliteStore::open(&path, 3).unwrap();
    for index in 0..3 {
        assert!(store.record_sighting(&sighting(&format!("02000000000{index}"))).unwrap());
    }
    assert!(!store.record_sighting(&sighting("020000000009")).unwrap());
    assert!(!store.record_file(&file("020000000009", &"c".repeat(32))).unwrap());
    assert!(store.record_file(&file("020000000001", &"c".repeat(32))).unwrap());
    assert_eq!(store.phones(&PhoneQuery { limit: 10, ..PhoneQuery::default() }).unwrap().1, 3);
    let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
}
