//! Per-key settings (reference §5): mode, account (written 0-based), label, value.

use super::{setting, Binding, KeyRange, Read, Setting};
use crate::provision::format::Value;
use crate::provision::keys::{Key, KeyKind};

const fn range(first: u8, last: u8, base: u32, step: u32) -> KeyRange {
    KeyRange { first, last, base, step }
}

/// The four settings of a key of `kind`, given the P-number ranges of mode, account,
/// description and value. The v2 names are `keyMode`, `account`, `description`, `value`.
const fn key_fields(kind: KeyKind, p: [&'static [KeyRange]; 4]) -> [Setting; 4] {
    let (label_limit, value_limit) = kind.text_limits();
    let mode = Read::Value(|key: &Key| Some(Value::Spelled(key.mode().spelling())));
    let account = Read::Value(|key: &Key| Some(Value::number(key.account() - 1)));
    [
        setting("mode", "keyMode", Binding::Key { kind, p: p[0], read: mode }),
        setting("account", "account", Binding::Key { kind, p: p[1], read: account }),
        setting("label", "description", Binding::Key { kind, p: p[2], read: Read::Text(Key::label) })
            .at_most(label_limit),
        setting("value", "value", Binding::Key { kind, p: p[3], read: Read::Text(Key::value) }).at_most(value_limit),
    ]
}

/// VPK 1-6 (fixed or dynamic): mode P1363+2(k-1), account P1364+2(k-1), description
/// P1465+2(k-1), value P1466+2(k-1); dynamic VPK 7-40: P23800+4(k-7) … +3 (S1).
pub(crate) static VPK_SETTINGS: [Setting; 4] = key_fields(
    KeyKind::Vpk,
    [
        &[range(1, 6, 1363, 2), range(7, 40, 23800, 4)],
        &[range(1, 6, 1364, 2), range(7, 40, 23801, 4)],
        &[range(1, 6, 1465, 2), range(7, 40, 23802, 4)],
        &[range(1, 6, 1466, 2), range(7, 40, 23803, 4)],
    ],
);

/// MPK 1-7: mode P323+(k-1), account P301+3(k-1), description P302+3(k-1), value
/// P303+3(k-1); MPK 8: P353-P356; MPK 9-18: P357+4(k-9) …; MPK 19-24: P1440+4(k-19) … (S1).
pub(crate) static MPK_SETTINGS: [Setting; 4] = key_fields(
    KeyKind::Mpk,
    [
        &[range(1, 7, 323, 1), range(8, 8, 353, 1), range(9, 18, 357, 4), range(19, 24, 1440, 4)],
        &[range(1, 7, 301, 3), range(8, 8, 354, 1), range(9, 18, 358, 4), range(19, 24, 1441, 4)],
        &[range(1, 7, 302, 3), range(8, 8, 355, 1), range(9, 18, 359, 4), range(19, 24, 1442, 4)],
        &[range(1, 7, 303, 3), range(8, 8, 356, 1), range(9, 18, 360, 4), range(19, 24, 1443, 4)],
    ],
);
