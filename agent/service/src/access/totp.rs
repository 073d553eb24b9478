//! A second factor: time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s, as every
//! authenticator app reads an `otpauth://` link), with ten single-use recovery codes kept as
//! SHA-256 hashes. A code is accepted once: a step at or before the last one used is refused.

use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::secret::{digest, hex};

/// A user's second factor, once confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondFactor {
    /// The shared secret, base32.
    pub secret: String,
    /// SHA-256 (hex) of each recovery code not yet used.
    pub recovery: Vec<String>,
    /// The last time step a code was accepted for.
    #[serde(default)]
    pub last_step: u64,
}

const STEP: u64 = 30;

/// A new shared secret (160 random bits), base32.
pub fn new_secret() -> String {
    let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
    bytes.extend_from_slice(&uuid::Uuid::new_v4().as_bytes()[..4]);
    match Secret::Raw(bytes).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
    }
}

/// The `otpauth://` link an authenticator app reads (typed in, or pasted).
pub fn link(secret: &str, account: &str) -> String {
    let account = percent_encoding::utf8_percent_encode(account, percent_encoding::NON_ALPHANUMERIC);
    format!("otpauth://totp/Skopos:{account}?secret={secret}&issuer=Skopos&algorithm=SHA1&digits=6&period={STEP}")
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes).ok()
}

/// The time step `code` is right for at `now` (seconds), allowing one step of clock skew
/// either way.
pub fn step_of(secret: &str, code: &str, now: u64) -> Option<u64> {
    let totp = totp(secret)?;
    let current = now / STEP;
    let code = code.trim();
    (current.saturating_sub(1)..=current + 1).find(|step| {
        let expected = totp.generate(step * STEP);
        // Compared as hashes: equal-length, and timing says nothing about the code.
        digest(&expected) == digest(code)
    })
}

/// The code for `now`, for tests and benches.
pub fn code_at(secret: &str, now: u64) -> Option<String> {
    Some(totp(secret)?.generate(now))
}

/// Ten recovery codes (`abcd-efgh-ijkl`) and their hashes.
pub fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..10)
        .map(|_| {
            let raw = uuid::Uuid::new_v4().simple().to_string();
            format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..12])
        })
        .collect();
    let hashes = codes.iter().map(|code| hex(&digest(code))).collect();
    (codes, hashes)
}

impl SecondFactor {
    /// Accepts `code` at `now` (a current code not used before, or an unused recovery code,
    /// which is used up); whether it was accepted.
    pub fn accept(&mut self, code: &str, now: u64) -> bool {
        if let Some(step) = step_of(&self.secret, code, now) {
            if step <= self.last_step {
                return false;
            }
            self.last_step = step;
            return true;
        }
        let hash = hex(&digest(code.trim()));
        match self.recovery.iter().position(|kept| *kept == hash) {
            Some(at) => {
                self.recovery.remove(at);
                true
            }
            None => false,
        }
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_rfc_6238_are_used_once_and_recovery_codes_once() {
        // RFC 6238's SHA-1 test secret ("12345678901234567890"), 8 digits there, 6 here:
        // the last six digits of 94287082 at T = 59.
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(text) => text,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(step_of(&secret, "287082", 59), Some(1));
        assert_eq!(step_of(&secret, "287082", 59 + 30), Some(1), "one step of skew");
        assert_eq!(step_of(&secret, "287082", 59 + 90), None);
        let (codes, hashes) = recovery_codes();
        let mut factor = SecondFactor { secret: secret.clone(), recovery: hashes, last_step: 0 };
        assert!(factor.accept("287082", 59));
        assert!(!factor.accept("287082", 59), "a code works once");
        assert!(factor.accept(&codes[3], 1000));
        assert!(!factor.accept(&codes[3], 1000), "a recovery code works once");
        assert_eq!(factor.recovery.len(), 9);
        assert!(link(&new_secret(), "a b").starts_with("otpauth://totp/Skopos:a%20b?secret="));
    }
}
