//! HTTP Digest authentication as SIP uses it (RFC 3261 §22, RFC 2617, RFC 7616): read a
//! `WWW-Authenticate`/`Proxy-Authenticate` challenge, and write the `Authorization`
//! answer. MD5 and SHA-256 (plain, not `-sess`), `qop=auth` or no qop. Every value of a
//! challenge that is echoed back is checked first: a hostile challenge is refused, never
//! copied into a header.

use std::fmt;

use md5::Md5;
use sha2::{Digest as _, Sha256};

/// The longest challenge header value read; a longer one is refused whole.
const LONGEST_CHALLENGE: usize = 2048;
/// The longest realm, nonce or opaque echoed back.
const LONGEST_ECHOED: usize = 512;

/// The hash of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// `MD5` (also when the challenge names none).
    Md5,
    /// `SHA-256` (RFC 7616).
    Sha256,
}

impl DigestAlgorithm {
    /// The name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// Lower-case hex of the hash of `text`.
    fn hex(self, text: &str) -> String {
        match self {
            DigestAlgorithm::Md5 => to_hex(&Md5::digest(text.as_bytes())),
            DigestAlgorithm::Sha256 => to_hex(&Sha256::digest(text.as_bytes())),
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// A digest challenge we can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The protection space; echoed.
    pub realm: String,
    /// The server's nonce; echoed.
    pub nonce: String,
    /// Echoed unchanged when present.
    pub opaque: Option<String>,
    /// The hash.
    pub algorithm: DigestAlgorithm,
    /// The challenge offered `qop=auth`: the answer uses it (with nc and cnonce).
    pub qop_auth: bool,
    /// The previous nonce was stale, the credentials were right: answer again.
    pub stale: bool,
}

/// Why a challenge cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeError {
    /// Not a `Digest` challenge.
    NotDigest,
    /// Longer than we read.
    TooLong,
    /// Not the auth-param grammar, or a realm/nonce/opaque that could not be echoed
    /// safely (control characters, quotes, too long), or no realm or nonce.
    Malformed,
    /// An algorithm (or `-sess`) or only qop values we do not implement.
    Unsupported,
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChallengeError::NotDigest => "not a Digest challenge",
            ChallengeError::TooLong => "the challenge is too long",
            ChallengeError::Malformed => "the challenge is malformed",
            ChallengeError::Unsupported => "the challenge asks for an algorithm or qop we do not support",
        })
    }
}

impl Challenge {
    /// Reads one challenge header value (`Digest realm="…", nonce="…", …`).
    pub fn parse(value: &str) -> Result<Challenge, ChallengeError> {
        if value.len() > LONGEST_CHALLENGE {
            return Err(ChallengeError::TooLong);
        }
        let value = value.trim_matches([' ', '\t']);
        let (scheme, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(ChallengeError::NotDigest);
        }
        let (mut realm, mut nonce, mut opaque) = (None, None, None);
        let (mut algorithm, mut qop_auth, mut qop_offered, mut stale) = (DigestAlgorithm::Md5, false, false, false);
        for (name, param) in auth_params(rest)? {
            match name.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(echoable(param)?),
                "nonce" => nonce = Some(echoable(param)?),
                "opaque" => opaque = Some(echoable(param)?),
                "algorithm" => {
                    algorithm = match param.to_ascii_uppercase().as_str() {
                        "MD5" => DigestAlgorithm::Md5,
                        "SHA-256" => DigestAlgorithm::Sha256,
                        _ => return Err(ChallengeError::Unsupported),
                    }
                }
                "qop" => {
                    qop_offered = true;
                    qop_auth = param.split(',').any(|option| option.trim().eq_ignore_ascii_case("auth"));
                }
                "stale" => stale = param.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        if qop_offered && !qop_auth {
            return Err(ChallengeError::Unsupported);
        }
        match (realm, nonce) {
            (Some(realm), Some(nonce)) if !nonce.is_empty() => {
                Ok(Challenge { realm, nonce, opaque, algorithm, qop_auth, stale })
            }
            _ => Err(ChallengeError::Malformed),
        }
    }

    /// Picks the challenge to answer among several headers: SHA-256 before MD5
    /// (RFC 7616 §3.7), the first usable of each; the first error when none is usable.
    pub fn choose<'v>(values: impl IntoIterator<Item = &'v str>) -> Result<Challenge, ChallengeError> {
        let mut first_error = None;
        let mut best: Option<Challenge> = None;
        for value in values {
            match Challenge::parse(value) {
                Ok(challenge) => {
                    let better = best.as_ref().is_none_or(|best| {
                        best.algorithm == DigestAlgorithm::Md5 && challenge.algorithm == DigestAlgorithm::Sha256
                    });
                    if better {
                        best = Some(challenge);
                    }
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        best.ok_or(first_error.unwrap_or(ChallengeError::Malformed))
    }

    /// The `Authorization` (or `Proxy-Authorization`) value answering this challenge for
    /// a `method` request to `uri`. `cnonce` is used with qop=auth (and `nc` is 1: each
    /// nonce is answered once). Fails when the username or URI cannot be written inside
    /// a quoted string.
    pub fn answer(&self, credentials: &Credentials, method: &str, uri: &str, cnonce: &str) -> Option<String> {
        if !quotable(&credentials.username) || !quotable(uri) || !quotable(cnonce) {
            return None;
        }
        let algorithm = self.algorithm;
        let ha1 = algorithm.hex(&format!("{}:{}:{}", credentials.username, self.realm, credentials.password));
        let ha2 = algorithm.hex(&format!("{method}:{uri}"));
        let nc = "00000001";
        let response = if self.qop_auth {
            algorithm.hex(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce))
        } else {
            algorithm.hex(&format!("{ha1}:{}:{ha2}", self.nonce))
        };
        let mut value = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm={}",
            credentials.username,
            self.realm,
            self.nonce,
            algorithm.name()
        );
        if self.qop_auth {
            value += &format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\"");
        }
        if let Some(opaque) = &self.opaque {
            value += &format!(", opaque=\"{opaque}\"");
        }
        Some(value)
    }
}

/// A user name and password to answer challenges with. Its Debug output hides the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The digest user name (a Grandstream account's authenticate ID, else its user ID).
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// Printable, no quote or backslash: may stand inside a quoted string as it is.
fn quotable(text: &str) -> bool {
    text.len() <= LONGEST_ECHOED && text.chars().all(|c| !c.is_control() && c != '"' && c != '\\')
}

fn echoable(value: &str) -> Result<String, ChallengeError> {
    quotable(value).then(|| value.to_owned()).ok_or(ChallengeError::Malformed)
}

/// `name=value` pairs separated by commas; values are tokens or quoted strings (a
/// quoted-pair is refused: nothing we echo needs one).
fn auth_params(mut rest: &str) -> Result<Vec<(&str, &str)>, ChallengeError> {
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return Ok(params);
        }
        let (name, after) = rest.split_once('=').ok_or(ChallengeError::Malformed)?;
        let name = name.trim_matches([' ', '\t']);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ChallengeError::Malformed);
        }
        let after = after.trim_start_matches([' ', '\t']);
        let (value, remainder) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').ok_or(ChallengeError::Malformed)?;
                if quoted[..end].contains('\\') {
                    return Err(ChallengeError::Malformed);
                }
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim_end_matches([' ', '\t']), &after[end..])
            }
        };
        let remainder = remainder.trim_start_matches([' ', '\t']);
        if !(remainder.is_empty() || remainder.starts_with(',')) {
            return Err(ChallengeError::Malformed);
        }
        params.push((name, value));
        rest = remainder;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(username: &str, password: &str) -> Credentials {
        Credentials { username: username.into(), password: password.into() }
    }

    /// Reads the quoted or token value of `name` in an Authorization value.
    fn field<'a>(value: &'a str, name: &str) -> Option<&'a str> {
        auth_params(value.strip_prefix("Digest ")?).ok()?.into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    #[test]
    fn rfc_2617_example_with_qop_auth() {
        // RFC 2617 §3.5 (method GET): response 6629fae49393a05397450978507c4ef1.
        let challenge = Challenge::parse(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        assert!(challenge.qop_auth && challenge.algorithm == DigestAlgorithm::Md5);
        let answer =
            challenge.answer(&credentials("Mufasa", "Circle Of Life"), "GET", "/dir/index.html", "0a4f113b").unwrap();
        assert_eq!(field(&answer, "response"), Some("6629fae49393a05397450978507c4ef1"));
        assert_eq!(field(&answer, "nc"), Some("00000001"));
        assert_eq!(field(&answer, "opaque"), Some("5ccc069c403ebaf9f0171e9517f40e41"));
    }

    #[test]
    fn rfc_7616_example_with_sha_256() {
        // RFC 7616 §3.9.1: response 753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1.
        let challenge = Challenge::parse(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
        )
        .unwrap();
        assert_eq!(challenge.algorithm, DigestAlgorithm::Sha256);
        let answer = challenge
            .answer(
                &credentials("Mufasa", "Circle of Life"),
                "GET",
                "/dir/index.html",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            )
            .unwrap();
        assert_eq!(
            field(&answer, "response"),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
        assert_eq!(field(&answer, "algorithm"), Some("SHA-256"));
    }

    #[test]
    fn without_qop_the_response_is_the_rfc_2069_form() {
        let challenge = Challenge::parse(r#"Digest realm="r", nonce="n""#).unwrap();
        assert!(!challenge.qop_auth);
        let answer = challenge.answer(&credentials("u", "p"), "NOTIFY", "sip:10.0.0.1", "c").unwrap();
        let ha1 = DigestAlgorithm::Md5.hex("u:r:p");
        let ha2 = DigestAlgorithm::Md5.hex("NOTIFY:sip:10.0.0.1");
        assert_eq!(field(&answer, "response"), Some(DigestAlgorithm::Md5.hex(&format!("{ha1}:n:{ha2}")).as_str()));
        assert!(field(&answer, "qop").is_none() && field(&answer, "cnonce").is_none());
    }

    #[test]
    fn sha_256_is_preferred_and_stale_is_read() {
        let chosen = Challenge::choose([
            r#"Digest realm="r", nonce="a", algorithm=MD5"#,
            r#"Digest realm="r", nonce="b", algorithm=SHA-256, stale=TRUE"#,
        ])
        .unwrap();
        assert_eq!((chosen.algorithm, chosen.nonce.as_str(), chosen.stale), (DigestAlgorithm::Sha256, "b", true));
    }

    #[test]
    fn hostile_challenges_are_refused_and_never_echoed() {
        let huge = format!(r#"Digest realm="r", nonce="{}""#, "n".repeat(5000));
        let cases: Vec<(&str, ChallengeError)> = vec![
            (&huge, ChallengeError::TooLong),
            ("Basic realm=\"r\"", ChallengeError::NotDigest),
            ("Digest realm=\"r\r\nX-Injected: 1\", nonce=\"n\"", ChallengeError::Malformed),
            ("Digest realm=\"r\\\"\", nonce=\"n\"", ChallengeError::Malformed),
            ("Digest realm=\"r, nonce=n", ChallengeError::Malformed),
            ("Digest realm=\"r\"", ChallengeError::Malformed),
            ("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess", ChallengeError::Unsupported),
            ("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", ChallengeError::Unsupported),
            ("Digest =x", ChallengeError::Malformed),
            ("Digest realm=\"r\" junk, nonce=\"n\"", ChallengeError::Malformed),
            ("Digest realm=\"\u{7}\", nonce=\"n\"", ChallengeError::Malformed),
        ];
        for (value, error) in cases {
            assert_eq!(Challenge::parse(value), Err(error), "{value:?}");
        }
        let fine = Challenge::parse(r#"Digest realm="r", nonce="n""#).unwrap();
        assert!(fine.answer(&credentials("a\"b", "p"), "NOTIFY", "sip:x", "c").is_none());
    }

    #[test]
    fn debug_hides_the_password() {
        let text = format!("{:?}", credentials("1001", "s3cret-pw"));
        assert!(text.contains("1001") && !text.contains("s3cret-pw"), "{text}");
    }
}
