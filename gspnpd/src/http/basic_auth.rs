//! HTTP Basic authentication (RFC 7617), compared in constant time.

use gspnp::engine::tokens_equal;

use crate::base64;

/// The one user and password every request must carry.
pub struct BasicAuth {
    expected: String,
}

impl BasicAuth {
    /// Requires `user` and `password`.
    pub fn new(user: &str, password: &str) -> BasicAuth {
        BasicAuth { expected: base64::encode(format!("{user}:{password}").as_bytes()) }
    }

    /// Whether an `Authorization` header value carries the credentials.
    pub fn accepts(&self, authorization: Option<&str>) -> bool {
        let Some(value) = authorization else { return false };
        let Some((scheme, credentials)) = value.trim().split_once(' ') else { return false };
        scheme.eq_ignore_ascii_case("basic") && tokens_equal(credentials.trim(), &self.expected)
    }

    /// The `WWW-Authenticate` header value of a 401.
    pub fn challenge() -> &'static str {
        "Basic realm=\"gspnpd\", charset=\"UTF-8\""
    }
}

/// The `Authorization` header value for `user` and `password`.
pub fn authorization(user: &str, password: &str) -> String {
    format!("Basic {}", base64::encode(format!("{user}:{password}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_credentials_pass() {
        let auth = BasicAuth::new("prov", "s3cret");
        assert!(auth.accepts(Some(&authorization("prov", "s3cret"))));
        assert!(auth.accepts(Some("basic cHJvdjpzM2NyZXQ=")));
        assert!(!auth.accepts(Some(&authorization("prov", "wrong"))));
        assert!(!auth.accepts(Some("Bearer cHJvdjpzM2NyZXQ=")));
        assert!(!auth.accepts(None));
    }
}
