//! How an account sends DTMF.

use super::error::{shown, ProvisionError};
use super::format::loose_name;

/// The ways an account sends DTMF; any combination. The default is what the phone
/// defaults to: RFC2833 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfModes {
    /// In the audio stream (in-band).
    pub in_audio: bool,
    /// As RTP events (RFC2833 / RFC4733).
    pub rfc2833: bool,
    /// As SIP INFO requests.
    pub sip_info: bool,
}

impl Default for DtmfModes {
    fn default() -> DtmfModes {
        DtmfModes { in_audio: false, rfc2833: true, sip_info: false }
    }
}

impl DtmfModes {
    /// The set named by `names`: `in-audio`/`inband`/`audio`, `RFC2833`/`RFC4733`/`RTP`,
    /// `SIP INFO`/`info`, in any case. Refuses unknown names and an empty list.
    pub fn from_names<I, S>(names: I) -> Result<DtmfModes, ProvisionError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut modes = DtmfModes { in_audio: false, rfc2833: false, sip_info: false };
        for name in names {
            let flag = match loose_name(name.as_ref()).as_str() {
                "inaudio" | "audio" | "inband" => &mut modes.in_audio,
                "rfc2833" | "rfc4733" | "rtp" => &mut modes.rfc2833,
                "sipinfo" | "info" => &mut modes.sip_info,
                _ => {
                    return Err(ProvisionError::invalid(format!(
                        "unknown DTMF mode {} (want in-audio, RFC2833 or SIP INFO)",
                        shown(name.as_ref())
                    )))
                }
            };
            *flag = true;
        }
        if modes == (DtmfModes { in_audio: false, rfc2833: false, sip_info: false }) {
            return Err(ProvisionError::invalid("no DTMF mode given"));
        }
        Ok(modes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_build_a_set() {
        assert_eq!(
            DtmfModes::from_names(["In-Audio", "SIP INFO"]),
            Ok(DtmfModes { in_audio: true, rfc2833: false, sip_info: true })
        );
        assert_eq!(DtmfModes::from_names(["rfc2833"]), Ok(DtmfModes::default()));
        assert!(DtmfModes::from_names(["carrier pigeon"]).is_err());
        assert!(DtmfModes::from_names(Vec::<&str>::new()).is_err());
    }
}
