//! Secrets are kept and compared as hashes, never as themselves.

use sha2::{Digest, Sha256};

/// SHA-256 of a secret: what is kept and compared instead of the secret itself.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Lower-case hex of bytes (a digest as text).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A long random secret (244 random bits, as 64 hex digits): session ids, ping keys.
pub fn random_key() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}
