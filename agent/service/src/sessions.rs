//! Browser sessions for the web console: signing in (with a password, or the bootstrap token)
//! sets an `HttpOnly; SameSite=Strict` cookie; a request authenticated by that cookie must
//! also carry the session's CSRF token in `X-CSRF-Token` to change anything. API clients use
//! bearer tokens, which need neither. Sessions live in memory (a restart signs everyone out)
//! and end after 12 hours, on sign-out, when the bootstrap token is rotated, or when their
//! user is disabled or removed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::secret::digest;

pub const COOKIE: &str = "skopos_session";
const LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Why a request was refused.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Neither a valid bearer token nor a live session.
    Unauthorized,
    /// A session, but a change without its CSRF token.
    Csrf,
}

struct Session {
    /// The account signed in.
    user: String,
    csrf: String,
    expires: Instant,
}

/// Live sessions, by the SHA-256 of their cookie value (the value itself is never kept).
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<Vec<u8>, Session>>,
}

/// A new session: the cookie value (for `Set-Cookie` only) and its CSRF token.
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
}

impl Sessions {
    pub fn open(&self, user: &str) -> SignedIn {
        let cookie = random_token();
        let csrf = random_token();
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        live.retain(|_, session| session.expires > now);
        live.insert(digest(&cookie), Session { user: user.to_string(), csrf: csrf.clone(), expires: now + LIFETIME });
        SignedIn { cookie, csrf }
    }

    /// The user and CSRF token of the live session this cookie belongs to.
    pub fn live(&self, cookie: &str) -> Option<(String, String)> {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.get(&digest(cookie)).filter(|s| s.expires > Instant::now()).map(|s| (s.user.clone(), s.csrf.clone()))
    }

    pub fn close(&self, cookie: &str) {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).remove(&digest(cookie));
    }

    pub fn close_all(&self) {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Ends every session of one user (disabled or removed).
    pub fn close_user(&self, user: &str) {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, session| session.user != user);
    }

    /// The user of a cookie-authenticated request that may go ahead: reads always, changes
    /// only with the session's CSRF token.
    pub fn admit(&self, cookie: Option<&str>, method: &http::Method, csrf: Option<&str>) -> Result<String, Refusal> {
        let (user, expected) = cookie.and_then(|cookie| self.live(cookie)).ok_or(Refusal::Unauthorized)?;
        let safe = matches!(*method, http::Method::GET | http::Method::HEAD | http::Method::OPTIONS);
        // Both sides hashed: comparing them leaks nothing about the token.
        if safe || csrf.is_some_and(|offered| digest(offered) == digest(&expected)) {
            Ok(user)
        } else {
            Err(Refusal::Csrf)
        }
    }
}

/// `Set-Cookie` for a new session, or (with `None`) one that ends the browser's.
pub fn set_cookie(value: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match value {
        Some(value) => {
            format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", LIFETIME.as_secs())
        }
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}
