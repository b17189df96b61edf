//! The voice codecs a GRP26xx can be told to prefer, as data.

use std::fmt;
use std::str::FromStr;

use super::error::{shown, ProvisionError};
use super::format::{loose_name, Spelling};

/// A voice codec the GRP26xx offers ("Preferred Vocoder", S1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Codec {
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
    /// G.722 wideband.
    G722,
    /// G.729 Annex A/B.
    G729,
    /// G.726 at 32 kbit/s.
    G726_32,
    /// G.723.1.
    G723_1,
    /// iLBC.
    Ilbc,
    /// Opus.
    Opus,
}

/// One codec: its P-value code (v1), its alias word (v2), and the loose spellings
/// ([`loose_name`]) accepted from hosts.
struct CodecRow {
    codec: Codec,
    spelling: Spelling,
    accepted: &'static [&'static str],
}

/// In the order of the [`Codec`] variants. Codes and names from S1/S2: "0 - PCMU,
/// 2 - G.726-32, 4 - G.723.1, 8 - PCMA, 9 - G.722, 18 - G.729A/B, 98 - iLBC, 123 - OPUS".
/// Plain `g711` is not accepted: it could be either law.
const CODECS: &[CodecRow] = &[
    CodecRow {
        codec: Codec::Pcmu,
        spelling: Spelling { v1: "0", v2: "PCMU" },
        accepted: &["pcmu", "g711u", "g711mu", "g711ulaw", "ulaw", "mulaw"],
    },
    CodecRow {
        codec: Codec::Pcma,
        spelling: Spelling { v1: "8", v2: "PCMA" },
        accepted: &["pcma", "g711a", "g711alaw", "alaw"],
    },
    CodecRow { codec: Codec::G722, spelling: Spelling { v1: "9", v2: "G.722" }, accepted: &["g722"] },
    CodecRow {
        codec: Codec::G729,
        spelling: Spelling { v1: "18", v2: "G.729A/B" },
        accepted: &["g729", "g729a", "g729b", "g729ab"],
    },
    CodecRow { codec: Codec::G726_32, spelling: Spelling { v1: "2", v2: "G.726-32" }, accepted: &["g72632", "g726"] },
    CodecRow { codec: Codec::G723_1, spelling: Spelling { v1: "4", v2: "G.723.1" }, accepted: &["g7231", "g723"] },
    CodecRow { codec: Codec::Ilbc, spelling: Spelling { v1: "98", v2: "iLBC" }, accepted: &["ilbc"] },
    CodecRow { codec: Codec::Opus, spelling: Spelling { v1: "123", v2: "OPUS" }, accepted: &["opus"] },
];

/// How many codec preference slots an account has (`codec.choice.1` … `.8`).
pub(crate) const CODEC_SLOTS: usize = 8;

impl Codec {
    fn row(self) -> &'static CodecRow {
        // CODECS lists the variants in declaration order; the table test checks it.
        &CODECS[self as usize]
    }

    /// Its name as the phone's web UI and v2 files spell it, e.g. `G.729A/B`.
    pub fn name(self) -> &'static str {
        self.row().spelling.v2
    }

    pub(crate) fn spelling(self) -> Spelling {
        self.row().spelling
    }
}

impl FromStr for Codec {
    type Err = ProvisionError;

    /// Accepts the phone's own names and common spellings in any case: `PCMU`, `g711u`,
    /// `G722`, `G.729A/B`, `g729`, `G726-32`, `G.723.1`, `ilbc`, `opus`, ….
    fn from_str(name: &str) -> Result<Codec, ProvisionError> {
        let loose = loose_name(name);
        CODECS
            .iter()
            .find(|row| row.accepted.contains(&loose.as_str()))
            .map(|row| row.codec)
            .ok_or_else(|| ProvisionError::UnknownCodec { name: shown(name) })
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses codec names into a preference list, refusing unknown names and repeats.
pub(crate) fn parse_codec_list<I, S>(names: I) -> Result<Vec<Codec>, ProvisionError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut list = Vec::new();
    for name in names {
        let codec: Codec = name.as_ref().parse()?;
        if list.contains(&codec) {
            return Err(ProvisionError::invalid(format!("codec {codec} is listed twice")));
        }
        list.push(codec);
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Codec; 8] =
        [Codec::Pcmu, Codec::Pcma, Codec::G722, Codec::G729, Codec::G726_32, Codec::G723_1, Codec::Ilbc, Codec::Opus];

    #[test]
    fn every_codec_has_one_row_and_its_own_name_parses_back() {
        assert_eq!(CODECS.len(), ALL.len());
        for (index, codec) in ALL.into_iter().enumerate() {
            assert_eq!(CODECS[index].codec, codec);
            assert_eq!(codec.name().parse::<Codec>(), Ok(codec));
        }
    }

    #[test]
    fn common_spellings_parse_in_any_case() {
        for (name, codec) in [
            ("pcmu", Codec::Pcmu),
            ("G711A", Codec::Pcma),
            ("g722", Codec::G722),
            ("G.722", Codec::G722),
            ("G729A/B", Codec::G729),
            ("g729", Codec::G729),
            ("G726-32", Codec::G726_32),
            ("g723.1", Codec::G723_1),
            ("iLBC", Codec::Ilbc),
            ("opus", Codec::Opus),
            ("OPUS", Codec::Opus),
        ] {
            assert_eq!(name.parse::<Codec>(), Ok(codec), "{name}");
        }
    }

    #[test]
    fn unknown_and_ambiguous_names_are_refused() {
        for name in ["g711", "speex", "", "g.7", "amr-wb"] {
            assert!(matches!(name.parse::<Codec>(), Err(ProvisionError::UnknownCodec { .. })), "{name}");
        }
    }

    #[test]
    fn lists_refuse_repeats_under_different_spellings() {
        assert_eq!(parse_codec_list(["opus", "g722"]), Ok(vec![Codec::Opus, Codec::G722]));
        assert!(matches!(parse_codec_list(["g729", "G.729A/B"]), Err(ProvisionError::InvalidArgument { .. })));
    }
}
