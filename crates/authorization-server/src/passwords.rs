//! Passwords: argon2id with a fresh salt (PHC strings), verified off the
//! async workers. An unknown username is checked against a dummy hash, so
//! it costs the same time as a wrong password (no user enumeration).
//!
//! Rule 33: each verification holds argon2id's memory (19 MiB with the
//! default parameters) and a core for tens of milliseconds, so at most a
//! few run at once ([`PasswordChecks`]); a login that cannot get a turn
//! within a short wait is shed with 503 instead of piling up memory.
//! Verification fills argon2's memory in buffers kept for reuse
//! ([`ArgonMemory`]) instead of allocating 19 MiB anew each time: measured,
//! the allocator otherwise kept each freed buffer in one of its per-thread
//! arenas, and a burst of 64 logins left 600 MiB behind (docs/performance.md).

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Hashes a password with argon2id (the crate's default algorithm and
/// parameters, OWASP's recommendation).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored PHC string: the hash's own
/// algorithm, version, parameters and salt, computed in a reused buffer,
/// compared in constant time (`Output`'s equality).
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(argon2) = hasher_of(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut computed = vec![0u8; expected.len()];
    let filled = ArgonMemory::shared().with_blocks(argon2.params().block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, blocks)
    });
    filled.is_ok() && Output::new(&computed).is_ok_and(|computed| computed == expected)
}

/// The argon2 instance a PHC string was made with.
fn hasher_of(parsed: &PasswordHash<'_>) -> Result<Argon2<'static>, argon2::password_hash::Error> {
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    Ok(Argon2::new(algorithm, version, Params::try_from(parsed)?))
}

/// argon2's working memory, kept between verifications: one buffer per
/// check running at once (bounded by [`PasswordChecks`]), allocated the
/// first time it is needed and never freed.
pub struct ArgonMemory {
    idle: Mutex<Vec<Vec<Block>>>,
}

impl ArgonMemory {
    /// The process's buffers (every server in a test process shares them).
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<ArgonMemory> = OnceLock::new();
        SHARED.get_or_init(|| Self {
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Runs `fill` with at least `count` blocks, borrowed from the idle
    /// buffers (or a new one) and given back afterwards.
    fn with_blocks<T>(&self, count: usize, fill: impl FnOnce(&mut [Block]) -> T) -> T {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut blocks = taken.unwrap_or_default();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        let result = fill(&mut blocks);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(blocks);
        }
        result
    }

    /// How many buffers exist (idle now).
    pub fn idle_buffers(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }
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

/// The bounded line of password checks: `permits` at once, a newcomer waits
/// at most `wait` for a turn.
pub struct PasswordChecks {
    permits: Semaphore,
    wait: Duration,
}

impl PasswordChecks {
    pub fn new(permits: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(permits.max(1)),
            wait,
        }
    }

    /// A turn to check one password, or `None` when none came free within
    /// the wait (the caller answers 503 with `Retry-After`).
    pub async fn admit(&self) -> Option<SemaphorePermit<'_>> {
        actix_rt::time::timeout(self.wait, self.permits.acquire())
            .await
            .ok()?
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_accepts_the_right_password_only_and_reuses_its_memory() {
        let stored = hash("correct horse").unwrap_or_default();

        let right = verify("correct horse", &stored);
        let wrong = verify("correct hors", &stored);
        let garbage = verify("correct horse", "$argon2id$v=19$m=19456,t=2,p=1$not-a-hash");

        assert!(right);
        assert!(!wrong);
        assert!(!garbage);
        // One check at a time here: one buffer serves them all (tests in
        // this binary run in parallel, so allow a few).
        assert!((1..=4).contains(&ArgonMemory::shared().idle_buffers()));
    }

    #[test]
    fn hashes_made_with_other_parameters_still_verify() {
        let params = Params::new(8 * 1024, 1, 1, None).unwrap_or_default();
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"pw", &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default();

        assert!(verify("pw", &stored));
        assert!(!verify("pW", &stored));
    }

    #[actix_rt::test]
    async fn no_more_checks_than_permits_run_at_once() {
        let checks = PasswordChecks::new(2, Duration::from_millis(20));

        let first = checks.admit().await;
        let second = checks.admit().await;
        let third = checks.admit().await;
        assert!(first.is_some() && second.is_some());
        assert!(third.is_none(), "a third check ran beside two");

        drop(first);
        assert!(
            checks.admit().await.is_some(),
            "a freed turn is given again"
        );
    }
}
