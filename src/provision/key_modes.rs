//! What a programmable key does: the GRP key-mode table (reference §5.1), as data.

use std::fmt;
use std::str::FromStr;

use super::error::{shown, ProvisionError};
use super::format::{loose_name, Spelling};

/// Where a key mode may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slots(u8);

impl Slots {
    /// A fixed VPK (keys 1..fixed of the model; "Key Mode for line VPK", -1..32).
    pub const FIXED_VPK: Slots = Slots(1);
    /// A dynamic VPK ("Key Mode for Dynamic VPK", 0..30 and -1).
    pub const DYNAMIC_VPK: Slots = Slots(2);
    /// A physical MPK (-1..30).
    pub const MPK: Slots = Slots(4);
    const VPK: Slots = Slots(1 | 2);
    const ALL: Slots = Slots(1 | 2 | 4);

    pub fn allows(self, slot: Slots) -> bool {
        self.0 & slot.0 == slot.0
    }
}

/// One mode: its P-value code (v1), its v2 alias word, further loose spellings accepted
/// from hosts (the v2 word itself is always accepted), and where it may be used.
struct KeyModeRow {
    code: i8,
    v1: &'static str,
    v2: &'static str,
    also: &'static [&'static str],
    slots: Slots,
}

const fn row(code: i8, v1: &'static str, v2: &'static str, also: &'static [&'static str], slots: Slots) -> KeyModeRow {
    KeyModeRow { code, v1, v2, also, slots }
}

/// The GRP codes from S1 (fw 1.0.5.15) plus 33 from S3 (fw 1.0.9.103). Line (31, "Default"
/// in S1) and SharedLine (32) exist only on fixed VPKs. Words in `also` are S1's
/// "string format" names. GXP21xx codes (line 0, BLF 11, …) are different and are not
/// accepted: hosts give names, never numbers.
const KEY_MODES: &[KeyModeRow] = &[
    row(-1, "-1", "None", &[], Slots::ALL),
    row(0, "0", "SpeedDial", &[], Slots::ALL),
    row(1, "1", "BLF", &["busylampfield"], Slots::ALL),
    row(2, "2", "PresenceWatcher", &[], Slots::ALL),
    row(3, "3", "EventlistBLF", &[], Slots::ALL),
    row(4, "4", "SpeedDialViaActiveAccount", &["speeddialaa"], Slots::ALL),
    row(5, "5", "DialDTMF", &[], Slots::ALL),
    row(6, "6", "VoiceMail", &[], Slots::ALL),
    row(7, "7", "CallReturn", &[], Slots::ALL),
    row(8, "8", "Transfer", &[], Slots::ALL),
    row(9, "9", "CallPark", &[], Slots::ALL),
    row(10, "10", "Intercom", &[], Slots::ALL),
    row(11, "11", "LDAPSearch", &[], Slots::ALL),
    row(12, "12", "Conference", &[], Slots::ALL),
    row(13, "13", "MulticastPaging", &[], Slots::ALL),
    row(14, "14", "Record", &[], Slots::ALL),
    row(15, "15", "CallLog", &[], Slots::ALL),
    row(16, "16", "MonitoredCallPark", &["monitoredcp", "moniteredcp"], Slots::ALL),
    row(17, "17", "Menu", &[], Slots::ALL),
    row(18, "18", "XMLApplication", &["xmlapp"], Slots::ALL),
    row(19, "19", "Information", &[], Slots::ALL),
    row(20, "20", "Message", &[], Slots::ALL),
    row(21, "21", "Forward", &[], Slots::ALL),
    row(22, "22", "DND", &["donotdisturb"], Slots::ALL),
    row(23, "23", "Redial", &[], Slots::ALL),
    row(24, "24", "InstantMessages", &["instantmessage"], Slots::ALL),
    row(25, "25", "MulticastListenAddress", &[], Slots::ALL),
    row(26, "26", "KeypadLock", &[], Slots::ALL),
    row(27, "27", "GDSOpenDoor", &[], Slots::ALL),
    row(28, "28", "EventListPresence", &["presenceeventlist"], Slots::ALL),
    row(29, "29", "Provision", &[], Slots::ALL),
    row(30, "30", "Phonebook", &[], Slots::ALL),
    row(31, "31", "Line", &["default"], Slots::FIXED_VPK),
    row(32, "32", "SharedLine", &["shared"], Slots::FIXED_VPK),
    // Firmware 1.0.9.103 and later only (S3).
    row(33, "33", "MulticastPagingAddress", &[], Slots::VPK),
];

/// What a programmable key does (line, BLF, speed dial, …). Only values from the GRP
/// key-mode table exist.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyMode(i8);

impl KeyMode {
    /// No function; also written for the gaps in a run of dynamic VPKs.
    pub const NONE: KeyMode = KeyMode(-1);
    /// Speed dial.
    pub const SPEED_DIAL: KeyMode = KeyMode(0);
    /// Busy lamp field.
    pub const BLF: KeyMode = KeyMode(1);
    /// Voicemail.
    pub const VOICEMAIL: KeyMode = KeyMode(6);
    /// Call park.
    pub const CALL_PARK: KeyMode = KeyMode(9);
    /// Intercom.
    pub const INTERCOM: KeyMode = KeyMode(10);
    /// Do not disturb.
    pub const DND: KeyMode = KeyMode(22);
    /// A line of its account (fixed VPKs only).
    pub const LINE: KeyMode = KeyMode(31);
    /// A shared line (fixed VPKs only).
    pub const SHARED_LINE: KeyMode = KeyMode(32);

    fn row(self) -> &'static KeyModeRow {
        // KEY_MODES is ordered by code from -1; the table test checks it.
        &KEY_MODES[(i16::from(self.0) + 1) as usize]
    }

    /// The phone's name for the mode, as written in v2 files, e.g. `SpeedDial`.
    pub fn name(self) -> &'static str {
        self.row().v2
    }

    /// The phone's numeric code, as written in v1 files (-1 for None).
    pub fn code(self) -> i8 {
        self.0
    }

    pub(crate) fn spelling(self) -> Spelling {
        let row = self.row();
        Spelling { v1: row.v1, v2: row.v2 }
    }

    pub(crate) fn allowed_on(self, slot: Slots) -> bool {
        self.row().slots.allows(slot)
    }
}

impl FromStr for KeyMode {
    type Err = ProvisionError;

    /// Accepts the v2 words and S1's string names in any case, ignoring spaces, dots,
    /// dashes and underscores: `BLF`, `speed dial`, `SpeedDial`, `line`, `shared`,
    /// `call_park`, `voicemail`, `DND`, `none`, …. Numbers are refused.
    fn from_str(name: &str) -> Result<KeyMode, ProvisionError> {
        let loose = loose_name(name);
        KEY_MODES
            .iter()
            .find(|row| loose_name(row.v2) == loose || row.also.contains(&loose.as_str()))
            .map(|row| KeyMode(row.code))
            .ok_or_else(|| ProvisionError::UnknownKeyMode { name: shown(name) })
    }
}

impl fmt::Display for KeyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for KeyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyMode({})", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_ordered_by_code_and_codes_match_their_v1_text() {
        for (index, row) in KEY_MODES.iter().enumerate() {
            assert_eq!(i16::from(row.code), index as i16 - 1, "{}", row.v2);
            assert_eq!(row.v1, row.code.to_string());
            assert_eq!(KeyMode(row.code).name(), row.v2);
        }
    }

    #[test]
    fn every_spelling_names_exactly_one_mode() {
        let mut seen = Vec::new();
        for row in KEY_MODES {
            for name in std::iter::once(loose_name(row.v2)).chain(row.also.iter().map(|s| s.to_string())) {
                assert!(!seen.contains(&name), "{name} is ambiguous");
                seen.push(name);
            }
        }
    }

    #[test]
    fn names_parse_in_any_common_spelling() {
        for (name, mode) in [
            ("line", KeyMode::LINE),
            ("Shared Line", KeyMode::SHARED_LINE),
            ("shared", KeyMode::SHARED_LINE),
            ("BLF", KeyMode::BLF),
            ("speed dial", KeyMode::SPEED_DIAL),
            ("SpeedDial", KeyMode::SPEED_DIAL),
            ("call_park", KeyMode::CALL_PARK),
            ("Intercom", KeyMode::INTERCOM),
            ("voicemail", KeyMode::VOICEMAIL),
            ("dnd", KeyMode::DND),
            ("none", KeyMode::NONE),
            ("monitoredcp", "MonitoredCallPark".parse().unwrap()),
        ] {
            assert_eq!(name.parse::<KeyMode>(), Ok(mode), "{name}");
        }
    }

    #[test]
    fn numbers_and_unknown_names_are_refused() {
        for name in ["0", "11", "-1", "", "blf2", "hotdesk"] {
            assert!(matches!(name.parse::<KeyMode>(), Err(ProvisionError::UnknownKeyMode { .. })), "{name}");
        }
    }

    #[test]
    fn line_modes_are_for_fixed_vpks_only() {
        assert!(KeyMode::LINE.allowed_on(Slots::FIXED_VPK));
        assert!(!KeyMode::LINE.allowed_on(Slots::DYNAMIC_VPK));
        assert!(!KeyMode::SHARED_LINE.allowed_on(Slots::MPK));
        assert!(KeyMode::BLF.allowed_on(Slots::MPK));
        assert!(KeyMode::NONE.allowed_on(Slots::DYNAMIC_VPK));
    }
}
