//! Browser sessions for the web console: signing in (with a password, or the bootstrap token)
//! sets an `HttpOnly; SameSite=Strict` cookie; a request authenticated by that cookie must
//! also carry the session's CSRF token in `X-CSRF-Token` to change anything. API clients use
//! bearer tokens, which need neither. Sessions live in memory (a restart signs everyone out)
//! and end when idle for [`IDLE`], [`LIFETIME`] after sign-in, on sign-out, when revoked, when
//! the bootstrap token is replaced, or when their user is disabled or removed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::secret::{digest, hex};

pub const COOKIE: &str = "skopos_session";
/// A session ends this long after sign-in, however busy.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(2 * 3600);

/// Why a request was refused.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Neither a valid bearer token nor a live session.
    Unauthorized,
    /// A session, but a change without its CSRF token.
    Csrf,
    /// Too many wrong tokens from this address: try again after this long.
    TooMany(Duration),
}

struct Session {
    /// Shown in lists and used to revoke it; not the cookie.
    id: String,
    /// The account signed in.
    user: String,
    csrf: String,
    started: Instant,
    last_seen: Instant,
    started_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    address: Option<String>,
}

impl Session {
    fn live(&self, now: Instant, idle: Duration, lifetime: Duration) -> bool {
        now.duration_since(self.started) < lifetime && now.duration_since(self.last_seen) < idle
    }
}

/// A session as listed: never its cookie or CSRF token.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: String,
    pub user: String,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Live sessions, by the SHA-256 of their cookie value (the value itself is never kept).
pub struct Sessions {
    live: Mutex<HashMap<Vec<u8>, Session>>,
    idle: Duration,
    lifetime: Duration,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions::new(IDLE, LIFETIME)
    }
}

/// A new session: the cookie value (for `Set-Cookie` only) and its CSRF token.
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
}

impl Sessions {
    pub fn new(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions { live: Mutex::default(), idle, lifetime }
    }

    pub fn open(&self, user: &str, address: Option<&str>) -> SignedIn {
        let cookie = crate::secret::random_key();
        let csrf = crate::secret::random_key();
        let mut live = self.lock();
        let now = Instant::now();
        live.retain(|_, session| session.live(now, self.idle, self.lifetime));
        let id = hex(&digest(&cookie)[..6]);
        let session = Session {
            id,
            user: user.to_string(),
            csrf: csrf.clone(),
            started: now,
            last_seen: now,
            started_at: Utc::now(),
            last_seen_at: Utc::now(),
            address: address.map(str::to_string),
        };
        live.insert(digest(&cookie), session);
        SignedIn { cookie, csrf }
    }

    /// The user and CSRF token of the live session this cookie belongs to; seeing it keeps it
    /// from going idle.
    pub fn live(&self, cookie: &str) -> Option<(String, String)> {
        let mut live = self.lock();
        let now = Instant::now();
        let session = live.get_mut(&digest(cookie)).filter(|s| s.live(now, self.idle, self.lifetime))?;
        session.last_seen = now;
        session.last_seen_at = Utc::now();
        Some((session.user.clone(), session.csrf.clone()))
    }

    pub fn close(&self, cookie: &str) {
        self.lock().remove(&digest(cookie));
    }

    pub fn close_all(&self) {
        self.lock().clear();
    }

    /// Ends every session of one user (disabled or removed).
    pub fn close_user(&self, user: &str) {
        self.lock().retain(|_, session| session.user != user);
    }

    /// The live sessions of `user` (of everyone with `None`), newest first.
    pub fn list(&self, user: Option<&str>) -> Vec<SessionView> {
        let now = Instant::now();
        let live = self.lock();
        let mut sessions: Vec<SessionView> = live
            .values()
            .filter(|s| s.live(now, self.idle, self.lifetime) && user.is_none_or(|user| s.user == user))
            .map(|s| SessionView {
                id: s.id.clone(),
                user: s.user.clone(),
                started_at: s.started_at,
                last_seen_at: s.last_seen_at,
                address: s.address.clone(),
            })
            .collect();
        sessions.sort_by_key(|session| std::cmp::Reverse(session.started_at));
        sessions
    }

    /// Ends the session with this id, if `user` (or anyone, with `None`) owns it; its owner.
    pub fn revoke(&self, id: &str, user: Option<&str>) -> Option<String> {
        let mut live = self.lock();
        let key = live
            .iter()
            .find(|(_, s)| s.id == id && user.is_none_or(|user| s.user == user))
            .map(|(key, _)| key.clone())?;
        live.remove(&key).map(|session| session.user)
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Session>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old_and_are_listed_and_revoked_by_id() {
        let sessions = Sessions::new(Duration::from_millis(150), Duration::from_millis(400));
        let a = sessions.open("alice", Some("10.0.0.1"));
        let b = sessions.open("bob", None);
        assert_eq!(sessions.list(Some("alice")).len(), 1);
        assert_eq!(sessions.list(None).len(), 2);
        // Kept alive by use until its absolute lifetime.
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(100));
            assert!(sessions.live(&a.cookie).is_some());
        }
        assert!(sessions.live(&b.cookie).is_none(), "idle too long");
        std::thread::sleep(Duration::from_millis(120));
        assert!(sessions.live(&a.cookie).is_none(), "past its lifetime");
        let c = sessions.open("carol", None);
        let id = sessions.list(Some("carol"))[0].id.clone();
        assert_eq!(sessions.revoke(&id, Some("alice")), None, "not alice's to revoke");
        assert_eq!(sessions.revoke(&id, Some("carol")).as_deref(), Some("carol"));
        assert!(sessions.live(&c.cookie).is_none());
    }
}
