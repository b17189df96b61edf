//! Who may use the admin API: user `admin` with the password whose Argon2 hash the
//! config holds, as HTTP Basic (scripts) or as a session cookie after `POST /api/login`
//! (the browser). CSRF: a session's unsafe requests must carry its `X-CSRF-Token`, the
//! cookie is `SameSite=Strict; HttpOnly`, an `Origin` other than the listener's own is
//! refused, and request bodies must be JSON (which a cross-site form cannot send).
//! Wrong passwords are throttled per source address.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AdminState;
use crate::base64;
use crate::http::failures::FailureThrottle;
use crate::http::Peer;

/// The one admin user's name.
pub const USER: &str = "admin";
/// The session cookie's name.
pub const COOKIE: &str = "gspnpd_session";
/// How long a session lives.
const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// Sessions held at once; the oldest go first beyond it.
const MOST_SESSIONS: usize = 64;
/// Basic credentials remembered as verified (so that Argon2 runs once per client).
const MOST_VERIFIED: usize = 64;
/// Wrong passwords one source may send at once, then one per [`GUESS_EVERY`].
const GUESSES: u32 = 5;
/// See [`GUESSES`].
const GUESS_EVERY: Duration = Duration::from_secs(12);

/// An Argon2id PHC string of `password`, with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| format!("cannot hash: {error}"))
}

/// A random hex string of 32 bytes.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Session {
    csrf: String,
    expires: Instant,
}

/// The password check and the sessions.
pub struct AdminAuth {
    hash: String,
    verified: Mutex<HashSet<[u8; 32]>>,
    sessions: Mutex<HashMap<String, Session>>,
    guesses: FailureThrottle,
}

/// A caller who proved to be the admin, and how (for the audit trail).
#[derive(Debug, Clone)]
pub struct Admin {
    /// `admin (basic)` or `admin (session)`.
    pub actor: String,
}

impl AdminAuth {
    /// Checks passwords against the PHC string `hash`.
    pub fn new(hash: &str) -> AdminAuth {
        AdminAuth {
            hash: hash.to_owned(),
            verified: Mutex::new(HashSet::new()),
            sessions: Mutex::new(HashMap::new()),
            guesses: FailureThrottle::new(GUESSES, GUESS_EVERY),
        }
    }

    /// Whether `password` is the admin's (Argon2: tens of milliseconds).
    fn password_is_right(&self, password: &str) -> bool {
        PasswordHash::new(&self.hash)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    }

    /// Checks a password from `source`, throttling wrong guesses.
    pub fn check_password(&self, source: Option<IpAddr>, password: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        if source.is_some_and(|source| !self.guesses.may_try(source, now)) {
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many wrong passwords; wait and try again"));
        }
        if self.password_is_right(password) {
            return Ok(());
        }
        if let Some(source) = source {
            self.guesses.failed(source, now);
        }
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong password"))
    }

    /// A new session; its id (the cookie) and CSRF token.
    pub fn open_session(&self) -> (String, String) {
        let (id, csrf) = (random_hex(), random_hex());
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        sessions.retain(|_, session| session.expires > now);
        if sessions.len() >= MOST_SESSIONS {
            if let Some(oldest) = sessions.iter().min_by_key(|(_, session)| session.expires).map(|(id, _)| id.clone()) {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(id.clone(), Session { csrf: csrf.clone(), expires: now + SESSION_LIFETIME });
        (id, csrf)
    }

    /// Ends the session `id`.
    pub fn close_session(&self, id: &str) {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).remove(id);
    }

    /// The CSRF token of live session `id`.
    pub fn session_csrf(&self, id: &str) -> Option<String> {
        let sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.get(id).filter(|session| session.expires > Instant::now()).map(|session| session.csrf.clone())
    }

    /// Whether the Basic `credentials` (base64 of `user:password`) are the admin's.
    fn basic_is_right(&self, source: Option<IpAddr>, credentials: &str) -> Result<(), ApiError> {
        let digest: [u8; 32] = Sha256::digest(credentials.as_bytes()).into();
        if self.verified.lock().unwrap_or_else(PoisonError::into_inner).contains(&digest) {
            return Ok(());
        }
        let decoded = base64::decode(credentials).unwrap_or_default();
        let text = String::from_utf8_lossy(&decoded);
        let Some((user, password)) = text.split_once(':') else {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "malformed Basic credentials"));
        };
        if user != USER {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "the user is `admin`"));
        }
        self.check_password(source, password)?;
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= MOST_VERIFIED {
            verified.clear();
        }
        verified.insert(digest);
        Ok(())
    }
}

/// The value of cookie `name` in `parts`.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|value| {
        value.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
    })
}

/// Refuses an unsafe request whose `Origin` is not this listener.
fn same_origin(parts: &Parts) -> Result<(), ApiError> {
    let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) else { return Ok(()) };
    let host = parts.headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    if origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "cross-origin request refused"))
    }
}

impl FromRequestParts<Arc<AdminState>> for Admin {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AdminState>) -> Result<Admin, Self::Rejection> {
        use axum::response::IntoResponse;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD);
        if unsafe_method {
            same_origin(parts).map_err(IntoResponse::into_response)?;
        }
        if let Some(id) = cookie(parts, COOKIE) {
            if let Some(csrf) = state.auth.session_csrf(id) {
                let given = parts.headers.get("x-csrf-token").and_then(|value| value.to_str().ok());
                if unsafe_method && !given.is_some_and(|given| gspnp::engine::tokens_equal(given, &csrf)) {
                    return Err(ApiError::new(StatusCode::FORBIDDEN, "missing or wrong X-CSRF-Token").into_response());
                }
                return Ok(Admin { actor: format!("{USER} (session)") });
            }
        }
        let source = parts.extensions.get::<Peer>().map(|peer| peer.address.ip());
        let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
        let basic = authorization.and_then(|value| {
            let (scheme, credentials) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| credentials.trim().to_owned())
        });
        let Some(credentials) = basic else {
            let mut response =
                ApiError::new(StatusCode::UNAUTHORIZED, "log in, or send Basic credentials of user admin")
                    .into_response();
            // The web UI's own calls get no challenge: a browser would answer it with its
            // Basic-auth dialog (and hold the call) instead of the UI showing its login form.
            if !parts.headers.contains_key("x-requested-with") {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"gspnpd admin\""));
            }
            return Err(response);
        };
        let auth = state.clone();
        let checked = tokio::task::spawn_blocking(move || auth.auth.basic_is_right(source, &credentials)).await;
        match checked {
            Ok(Ok(())) => Ok(Admin { actor: format!("{USER} (basic)") }),
            Ok(Err(error)) => Err(error.into_response()),
            Err(_) => {
                Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the password check failed").into_response())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_accepts_its_password_only_and_guessing_is_throttled() {
        let auth = AdminAuth::new(&hash_password("correct horse").unwrap());
        let source: Option<IpAddr> = Some("192.0.2.9".parse().unwrap());
        assert!(auth.check_password(source, "correct horse").is_ok());
        let statuses: Vec<u16> =
            (0..GUESSES + 1).map(|_| auth.check_password(source, "guess").unwrap_err().status.as_u16()).collect();
        assert_eq!(statuses[..GUESSES as usize], [401; GUESSES as usize]);
        assert_eq!(statuses[GUESSES as usize], 429);
        let credentials = base64::encode(b"admin:correct horse");
        assert!(auth.basic_is_right(None, &credentials).is_ok());
        assert!(auth.basic_is_right(None, &base64::encode(b"root:correct horse")).is_err());
        let (id, csrf) = auth.open_session();
        assert_eq!(auth.session_csrf(&id), Some(csrf));
        auth.close_session(&id);
        assert_eq!(auth.session_csrf(&id), None);
    }
}
