//! Passwords: argon2id with a fresh salt (PHC strings), verified off the
//! async workers. An unknown username is checked against a dummy hash, so
//! it costs the same time as a wrong password (no user enumeration).

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Hashes a password with argon2id (the crate's default algorithm and
/// parameters, OWASP's recommendation).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification and returns false: used for
/// unknown usernames.
pub fn verify_dummy(password: &str) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("dummy password, never matches").unwrap_or_default());
    let _ = verify(password, dummy);
    false
}

/// `verify` (or `verify_dummy` when `stored` is `None`) on a blocking thread.
pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    actix_web::web::block(move || match stored {
        Some(stored) => verify(&password, &stored),
        None => verify_dummy(&password),
    })
    .await
    .unwrap_or(false)
}
