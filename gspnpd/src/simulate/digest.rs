//! SIP digest authentication as a phone does it (RFC 3261 §22.4, RFC 7616): the hashes,
//! the `response` value, and the `WWW-Authenticate` / `Authorization` header values,
//! read strictly (bounded, no control characters, no value that could not be echoed
//! back inside quotes) and written. The hashes are RustCrypto's md-5 and sha2.

use std::fmt;

use md5::Md5;
use sha2::{Digest as _, Sha256};

/// The longest header value read.
const MOST_HEADER: usize = 2048;
/// The most parameters one header value may carry.
const MOST_PARAMETERS: usize = 16;
/// The longest parameter value written back into a header (realm, nonce, opaque, user).
pub const MOST_ECHOED: usize = 256;

/// A digest algorithm (RFC 7616 §3.2; `-sess` variants are not supported).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Algorithm {
    /// MD5, the default when a challenge names none.
    #[default]
    Md5,
    /// SHA-256.
    Sha256,
}

impl Algorithm {
    /// As written in headers: `MD5`, `SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// The lowercase hex hash of `text`.
    pub fn hex(self, text: &str) -> String {
        match self {
            Algorithm::Md5 => format!("{:x}", Md5::digest(text.as_bytes())),
            Algorithm::Sha256 => format!("{:x}", Sha256::digest(text.as_bytes())),
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    /// `MD5` or `SHA-256`, any case.
    fn from_str(text: &str) -> Result<Algorithm, String> {
        if text.eq_ignore_ascii_case("md5") {
            Ok(Algorithm::Md5)
        } else if text.eq_ignore_ascii_case("sha-256") {
            Ok(Algorithm::Sha256)
        } else {
            Err(format!("{text:?} is not md5 or sha-256"))
        }
    }
}

/// Whether a challenge asks for `qop=auth` (with nc and cnonce) or for no qop (RFC 2069 form).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Qop {
    /// `qop="auth"`.
    #[default]
    Auth,
    /// No qop.
    None,
}

impl std::str::FromStr for Qop {
    type Err = String;

    fn from_str(text: &str) -> Result<Qop, String> {
        match text {
            "auth" => Ok(Qop::Auth),
            "none" => Ok(Qop::None),
            other => Err(format!("{other:?} is not auth or none")),
        }
    }
}

/// What the `response` is computed from. `nc_cnonce` is Some exactly with `qop=auth`.
pub struct ResponseInput<'a> {
    /// The hash.
    pub algorithm: Algorithm,
    /// The user name as sent.
    pub username: &'a str,
    /// The challenge's realm.
    pub realm: &'a str,
    /// The password (never stored here beyond the call).
    pub password: &'a str,
    /// The request's method.
    pub method: &'a str,
    /// The digest URI (the Request-URI).
    pub uri: &'a str,
    /// The challenge's nonce.
    pub nonce: &'a str,
    /// With `qop=auth`: the nonce count (8 hex digits) and the client nonce.
    pub nc_cnonce: Option<(&'a str, &'a str)>,
}

/// The digest `response` (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 without qop).
pub fn response(input: &ResponseInput<'_>) -> String {
    let hash = |text: String| input.algorithm.hex(&text);
    let ha1 = hash(format!("{}:{}:{}", input.username, input.realm, input.password));
    let ha2 = hash(format!("{}:{}", input.method, input.uri));
    match input.nc_cnonce {
        Some((nc, cnonce)) => hash(format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", input.nonce)),
        None => hash(format!("{ha1}:{}:{ha2}", input.nonce)),
    }
}

/// Why a header value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Whether `value` may be written back inside a quoted string: printable ASCII other
/// than `"` and `\`, at most [`MOST_ECHOED`] bytes.
pub fn echoable(value: &str) -> bool {
    value.len() <= MOST_ECHOED
        && value.bytes().all(|byte| (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\')
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The parameters of a `Digest` header value, names lowercased, each at most once.
#[derive(Debug, Default)]
struct Parameters(Vec<(String, String)>);

impl Parameters {
    /// Reads `Digest name=value, name="quoted", …`.
    fn parse(value: &str) -> Result<Parameters, Refused> {
        if value.len() > MOST_HEADER {
            return Err(Refused("too long"));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(Refused("a control character"));
        }
        let value = value.trim_start();
        let (scheme, mut rest) = value.split_once([' ', '\t']).ok_or(Refused("no parameters"))?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(Refused("not the Digest scheme"));
        }
        let mut parameters = Parameters::default();
        loop {
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                return Ok(parameters);
            }
            let (name, after) = rest.split_once('=').ok_or(Refused("a parameter without a value"))?;
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(Refused("a malformed parameter name"));
            }
            let (value, after) = read_value(after.trim_start())?;
            rest = after.trim_start_matches([' ', '\t']);
            if !rest.is_empty() && !rest.starts_with(',') {
                return Err(Refused("text after a parameter value"));
            }
            if parameters.0.len() == MOST_PARAMETERS {
                return Err(Refused("too many parameters"));
            }
            if parameters.get(&name).is_some() {
                return Err(Refused("a repeated parameter"));
            }
            parameters.0.push((name, value));
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// A parameter that must be there and be echoable.
    fn required(&self, name: &'static str) -> Result<&str, Refused> {
        let value = self.get(name).ok_or(Refused(name))?;
        if value.is_empty() || !echoable(value) {
            return Err(Refused("an empty, oversized or unprintable value"));
        }
        Ok(value)
    }

    /// A parameter that may be missing but, when there, must be echoable.
    fn optional(&self, name: &str) -> Result<Option<&str>, Refused> {
        match self.get(name) {
            Some(value) if !echoable(value) => Err(Refused("an oversized or unprintable value")),
            other => Ok(other),
        }
    }

    fn algorithm(&self) -> Result<Algorithm, Refused> {
        self.get("algorithm").map_or(Ok(Algorithm::Md5), |name| name.parse().map_err(|_| Refused("an algorithm")))
    }
}

/// A token or a quoted string (with `\` escapes) at the start of `text`, and what follows.
fn read_value(text: &str) -> Result<(String, &str), Refused> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find([',', ' ', '\t']).unwrap_or(text.len());
        if end == 0 {
            return Err(Refused("an empty parameter value"));
        }
        return Ok((text[..end].to_owned(), &text[end..]));
    };
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &quoted[at + 1..])),
            '\\' => value.push(chars.next().ok_or(Refused("an unterminated quoted string"))?.1),
            other => value.push(other),
        }
    }
    Err(Refused("an unterminated quoted string"))
}

/// A `WWW-Authenticate` / `Proxy-Authenticate` digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The realm.
    pub realm: String,
    /// The server's nonce.
    pub nonce: String,
    /// Echoed unchanged when present.
    pub opaque: Option<String>,
    /// The hash.
    pub algorithm: Algorithm,
    /// `qop=auth` asked for, or no qop.
    pub qop: Qop,
    /// The previous nonce was stale (RFC 7616 §3.3).
    pub stale: bool,
}

impl Challenge {
    /// Reads a challenge; refused when it is malformed, oversized, carries a value that
    /// could not be echoed safely, or offers neither `qop=auth` nor no qop.
    pub fn parse(value: &str) -> Result<Challenge, Refused> {
        let parameters = Parameters::parse(value)?;
        let qop = match parameters.get("qop") {
            None => Qop::None,
            Some(list) if list.split(',').any(|option| option.trim() == "auth") => Qop::Auth,
            Some(_) => return Err(Refused("no qop this phone supports")),
        };
        Ok(Challenge {
            realm: parameters.required("realm")?.to_owned(),
            nonce: parameters.required("nonce")?.to_owned(),
            opaque: parameters.optional("opaque")?.map(str::to_owned),
            algorithm: parameters.algorithm()?,
            qop,
            stale: parameters.get("stale").is_some_and(|stale| stale.eq_ignore_ascii_case("true")),
        })
    }

    /// The header value.
    pub fn to_header(&self) -> String {
        let mut header =
            format!("Digest realm=\"{}\", nonce=\"{}\", algorithm={}", self.realm, self.nonce, self.algorithm.name());
        if let Some(opaque) = &self.opaque {
            header.push_str(&format!(", opaque=\"{opaque}\""));
        }
        if self.qop == Qop::Auth {
            header.push_str(", qop=\"auth\"");
        }
        if self.stale {
            header.push_str(", stale=true");
        }
        header
    }

    /// The `Authorization` value answering this challenge for `method` `uri`, with
    /// `cnonce` (used only with `qop=auth`, nc 00000001). Refused when the user name
    /// could not be written into the header.
    pub fn answer(
        &self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> Result<String, Refused> {
        if username.is_empty() || !echoable(username) || !echoable(uri) || !echoable(cnonce) {
            return Err(Refused("a user name or URI that cannot be quoted"));
        }
        let nc_cnonce = (self.qop == Qop::Auth).then_some(("00000001", cnonce));
        let input = ResponseInput {
            algorithm: self.algorithm,
            username,
            realm: &self.realm,
            password,
            method,
            uri,
            nonce: &self.nonce,
            nc_cnonce,
        };
        let mut header = format!(
            "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{}\", algorithm={}",
            self.realm,
            self.nonce,
            response(&input),
            self.algorithm.name()
        );
        if let Some(opaque) = &self.opaque {
            header.push_str(&format!(", opaque=\"{opaque}\""));
        }
        if let Some((nc, cnonce)) = nc_cnonce {
            header.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
        }
        Ok(header)
    }
}

/// A received `Authorization` digest value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The user name.
    pub username: String,
    /// The realm it answers.
    pub realm: String,
    /// The nonce it answers.
    pub nonce: String,
    /// The digest URI.
    pub uri: String,
    /// The response (hex).
    pub response: String,
    /// The hash.
    pub algorithm: Algorithm,
    /// The opaque echoed, if any.
    pub opaque: Option<String>,
    /// `qop=auth`: the nonce count and client nonce; None without qop.
    pub qop: Option<(String, String)>,
}

impl Authorization {
    /// Reads an `Authorization` value; refused when malformed or when its qop is not
    /// `auth` with an 8-digit hex nc and a cnonce.
    pub fn parse(value: &str) -> Result<Authorization, Refused> {
        let parameters = Parameters::parse(value)?;
        let qop = match parameters.get("qop") {
            None => None,
            Some("auth") => {
                let nc = parameters.required("nc")?;
                if nc.len() != 8 || !nc.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                    return Err(Refused("an nc that is not 8 hex digits"));
                }
                Some((nc.to_owned(), parameters.required("cnonce")?.to_owned()))
            }
            Some(_) => return Err(Refused("a qop other than auth")),
        };
        Ok(Authorization {
            username: parameters.required("username")?.to_owned(),
            realm: parameters.required("realm")?.to_owned(),
            nonce: parameters.required("nonce")?.to_owned(),
            uri: parameters.required("uri")?.to_owned(),
            response: parameters.required("response")?.to_ascii_lowercase(),
            algorithm: parameters.algorithm()?,
            opaque: parameters.optional("opaque")?.map(str::to_owned),
            qop,
        })
    }

    /// Whether its response is right for `password` and a request `method`.
    pub fn is_right(&self, password: &str, method: &str) -> bool {
        let input = ResponseInput {
            algorithm: self.algorithm,
            username: &self.username,
            realm: &self.realm,
            password,
            method,
            uri: &self.uri,
            nonce: &self.nonce,
            nc_cnonce: self.qop.as_ref().map(|(nc, cnonce)| (nc.as_str(), cnonce.as_str())),
        };
        response(&input) == self.response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 §3.9.1's request.
    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    fn rfc7616(algorithm: Algorithm) -> String {
        response(&ResponseInput {
            algorithm,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: RFC7616_NONCE,
            nc_cnonce: Some(("00000001", RFC7616_CNONCE)),
        })
    }

    #[test]
    fn rfc_7616_md5_and_sha_256_vectors() {
        assert_eq!(rfc7616(Algorithm::Md5), "8ca523f5e9506fed4657c9700eebdbec");
        assert_eq!(rfc7616(Algorithm::Sha256), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    #[test]
    fn rfc_2617_vector_with_qop_and_without() {
        let mut input = ResponseInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            nc_cnonce: Some(("00000001", "0a4f113b")),
        };
        assert_eq!(response(&input), "6629fae49393a05397450978507c4ef1", "RFC 2617 §3.5");
        input.nc_cnonce = None;
        // Without qop: MD5(HA1:nonce:HA2), computed independently with Python's hashlib.
        assert_eq!(response(&input), "670fd8c2df070c60b045671b8b24ff02");
    }

    #[test]
    fn an_answer_to_a_challenge_verifies_and_a_wrong_password_does_not() {
        for (algorithm, qop) in
            [(Algorithm::Md5, Qop::Auth), (Algorithm::Sha256, Qop::Auth), (Algorithm::Md5, Qop::None)]
        {
            let challenge = Challenge {
                realm: "GRP2614".into(),
                nonce: "n1".into(),
                opaque: Some("op".into()),
                algorithm,
                qop,
                stale: false,
            };
            let read = Challenge::parse(&challenge.to_header()).unwrap();
            assert_eq!(read, challenge);
            let header = read.answer("1001", "secret", "NOTIFY", "sip:1001@192.0.2.2", "c0ffee").unwrap();
            let authorization = Authorization::parse(&header).unwrap();
            assert_eq!((authorization.algorithm, authorization.opaque.as_deref()), (algorithm, Some("op")));
            assert_eq!(authorization.qop.is_some(), qop == Qop::Auth);
            assert!(authorization.is_right("secret", "NOTIFY"));
            assert!(!authorization.is_right("Secret", "NOTIFY"));
            assert!(!authorization.is_right("secret", "REGISTER"));
        }
    }

    #[test]
    fn real_world_challenges_are_read() {
        let asterisk =
            "Digest realm=\"asterisk\",nonce=\"1700000000/2f1c8a\",opaque=\"5a3b\",algorithm=SHA-256,qop=\"auth\"";
        let challenge = Challenge::parse(asterisk).unwrap();
        assert_eq!(
            (challenge.algorithm, challenge.qop, challenge.nonce.as_str()),
            (Algorithm::Sha256, Qop::Auth, "1700000000/2f1c8a")
        );
        let plain = Challenge::parse("digest realm=x, nonce=abc, stale=TRUE").unwrap();
        assert_eq!((plain.algorithm, plain.qop, plain.stale, plain.opaque), (Algorithm::Md5, Qop::None, true, None));
        assert_eq!(Challenge::parse("Digest realm=\"a\", nonce=\"b\", qop=\"auth-int,auth\"").unwrap().qop, Qop::Auth);
    }

    #[test]
    fn hostile_headers_are_refused_not_echoed() {
        let huge = format!("Digest realm=\"{}\", nonce=\"n\"", "r".repeat(5000));
        let long_realm = format!("Digest realm=\"{}\", nonce=\"n\"", "r".repeat(MOST_ECHOED + 1));
        let many =
            format!("Digest realm=\"r\", nonce=\"n\"{}", (0..20).map(|i| format!(", p{i}=1")).collect::<String>());
        for hostile in [
            huge.as_str(),
            long_realm.as_str(),
            many.as_str(),
            "Digest realm=\"r\r\nVia: evil\", nonce=\"n\"",
            "Digest realm=\"r\u{0}\", nonce=\"n\"",
            "Digest realm=\"r\\\"x\", nonce=\"n\"",
            "Digest realm=\"unterminated, nonce=\"n",
            "Digest realm=\"r\", nonce=\"n\", nonce=\"m\"",
            "Digest realm=\"r\"",
            "Digest realm=\"r\" junk, nonce=\"n\"",
            "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512",
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"",
            "Basic realm=\"r\"",
            "Digest",
            "Digest =x",
            "Digest realm=\"r\", nonce=\"n\", a b=c",
            "Digest realm=\"é\", nonce=\"n\"",
        ] {
            assert!(Challenge::parse(hostile).is_err(), "{hostile:?}");
        }
        let challenge = Challenge::parse("Digest realm=\"r\", nonce=\"n\"").unwrap();
        assert!(challenge.answer("10\"01", "p", "REGISTER", "sip:x", "c").is_err());
        assert!(challenge.answer("", "p", "REGISTER", "sip:x", "c").is_err());
    }

    #[test]
    fn authorizations_with_a_bad_qop_or_nc_are_refused() {
        let base = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"ab\"";
        assert!(Authorization::parse(base).is_ok());
        for bad in [
            format!("{base}, qop=auth, nc=1, cnonce=\"c\""),
            format!("{base}, qop=auth, nc=0000000g, cnonce=\"c\""),
            format!("{base}, qop=auth, nc=00000001"),
            format!("{base}, qop=auth-int, nc=00000001, cnonce=\"c\""),
            base.replace("username=\"u\", ", ""),
        ] {
            assert!(Authorization::parse(&bad).is_err(), "{bad}");
        }
    }
}
