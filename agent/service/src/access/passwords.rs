//! Passwords, kept as argon2id hashes (PHC strings, with their own salt and parameters).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// The argon2id hash of `password`, or why it is not accepted.
pub fn hash(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("a password has at least {MIN_LENGTH} characters"));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches `stored` (an argon2id PHC string). With no stored hash (an
/// unknown user, or one with no password yet) a fixed hash is checked instead and `false`
/// returned, so the time taken does not tell a wrong user from a wrong password.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DECOY: OnceLock<String> = OnceLock::new();
    let decoy = DECOY.get_or_init(|| hash("a decoy that matches nothing").unwrap_or_default());
    let checked = stored.unwrap_or(decoy);
    let matches = PasswordHash::new(checked)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_hashes_that_verify() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse battery!", Some(&stored)));
        assert!(!verify("a decoy that matches nothing", None));
        assert!(hash("short").unwrap_err().contains("12 characters"));
    }
}
