//! Password hashes: Argon2id, stored as PHC strings
//! (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) that carry their own
//! parameters, so a hash made at one cost still verifies after the cost is
//! raised, and is made again at the new cost at its next sign-in.
//!
//! The cost: 64 MiB of memory (the memory of RFC 9106's second
//! recommended setting), 2 passes, one lane, so a sign-in costs about
//! 100 ms of one core on a 2-core server: well inside the 50–200 ms a
//! person does not notice at a desk, with room for a PC half as fast, and
//! a stolen database costs a guesser 64 MiB and 100 ms a try. The OWASP
//! minimum (19 MiB, 2 passes) measured 15 ms here, too cheap.
//! `benches/sign_in.rs` measures it.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory in KiB.
pub const MEMORY_KIB: u32 = 64 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 2;
/// Lanes (threads) per hash: a sign-in takes one core, not the server's.
pub const LANES: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A new hash of `password` with a fresh salt, at today's cost.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` is the one `stored` was made from; a hash that does
/// not read is no match.
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        // The parameters are the hash's own, not today's.
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether `stored` was made at less than today's cost (or not with
/// Argon2id), so a successful sign-in replaces it.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || params.m_cost() < MEMORY_KIB
        || params.t_cost() < PASSES
}

/// The hash a sign-in for an unknown name is checked against, so that a
/// wrong name takes as long as a wrong password and does not tell which
/// names exist.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("kentai decoy password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_records_argon2id_and_its_parameters_and_verifies_only_its_password() {
        let stored = hash("vivid-otter-42").expect("hash");
        assert!(
            stored.starts_with(&format!(
                "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$"
            )),
            "{stored}"
        );
        assert!(verify(&stored, "vivid-otter-42"));
        assert!(!verify(&stored, "vivid-otter-43"));
        assert!(!verify("not a hash", "vivid-otter-42"));
        assert!(!needs_rehash(&stored));
        assert_ne!(
            stored,
            hash("vivid-otter-42").expect("hash"),
            "a fresh salt"
        );
    }

    #[test]
    fn a_hash_made_at_a_lower_cost_still_verifies_and_asks_to_be_made_again() {
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).expect("params"),
        );
        let salt = SaltString::generate(&mut OsRng);
        let stored = cheap
            .hash_password(b"vivid-otter-42", &salt)
            .expect("hash")
            .to_string();
        assert!(verify(&stored, "vivid-otter-42"));
        assert!(needs_rehash(&stored));
        assert!(needs_rehash(
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"
        ));
    }
}
