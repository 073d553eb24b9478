//! Setting up, turning off and resetting a user's second factor.

use super::{Access, AccessError, totp};

/// What a user needs to set up a second factor: the secret and the link apps read.
#[derive(Debug, serde::Serialize)]
pub struct Enrollment {
    pub secret: String,
    pub link: String,
}

fn invalid_code() -> AccessError {
    AccessError::Invalid { field: "code", message: "that code is not right (or was used already)".into() }
}

impl Access {
    /// Starts setting up a second factor for `name` (replacing a setup not finished).
    pub fn start_totp(&self, name: &str) -> Result<Enrollment, AccessError> {
        let mut user = self.user(name)?;
        if user.totp.is_some() {
            return Err(AccessError::Conflict("a second factor is set up; turn it off first".into()));
        }
        let secret = totp::new_secret();
        let link = totp::link(&secret, name);
        user.totp_pending = Some(secret.clone());
        self.save_user(user)?;
        Ok(Enrollment { secret, link })
    }

    /// Finishes the setup with a current code; returns the recovery codes (shown once).
    pub fn confirm_totp(&self, name: &str, code: &str) -> Result<Vec<String>, AccessError> {
        let mut user = self.user(name)?;
        let pending = user
            .totp_pending
            .clone()
            .ok_or_else(|| AccessError::Conflict("no second factor is being set up".into()))?;
        let step = totp::step_of(&pending, code, totp::now()).ok_or_else(invalid_code)?;
        let (codes, hashes) = totp::recovery_codes();
        user.totp = Some(totp::SecondFactor { secret: pending, recovery: hashes, last_step: step });
        user.totp_pending = None;
        self.save_user(user)?;
        Ok(codes)
    }

    /// Turns the second factor off, with a current code (or a recovery code) to prove it.
    pub fn disable_totp(&self, name: &str, code: &str) -> Result<(), AccessError> {
        let mut user = self.user(name)?;
        let mut factor = user.totp.take().ok_or_else(|| AccessError::Conflict("no second factor is set up".into()))?;
        if !factor.accept(code, totp::now()) {
            return Err(invalid_code());
        }
        self.save_user(user)
    }

    /// An admin's reset, for a user who lost their device and codes.
    pub fn reset_totp(&self, name: &str) -> Result<(), AccessError> {
        let mut user = self.user(name)?;
        user.totp = None;
        user.totp_pending = None;
        self.save_user(user)
    }
}
