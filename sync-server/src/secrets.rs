//! Secrets: how they are made (random tokens, enrollment codes), how they
//! are kept (argon2 for passwords, SHA-256 for random tokens) and how they
//! are compared (in constant time). The store keeps only what these make.

use qadam_core::StoreError;
use sha2::{Digest, Sha256};

/// A random secret of `bytes` bytes, in hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source works");
    hex::encode(buf)
}

/// Whether two secrets are equal, in time that does not depend on where
/// they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(format!("qadam-token:{token}").as_bytes()))
}

/// A short code a person can read and type: 10 characters from an alphabet
/// without look-alikes, shown as `ABCD-EFGH-JK`.
pub fn new_enrollment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 10];
    getrandom::fill(&mut buf).expect("the OS random source works");
    let chars: String = buf.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
}

/// The code as stored: upper case, without separators or spaces.
pub fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

pub fn hash_password(password: &str) -> Result<String, StoreError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let salt = SaltString::encode_b64(&bytes).map_err(|e| StoreError::Corrupt(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("argon2: {e}")))
}

/// A hash that no password matches, checked when a login does not exist so
/// that a wrong login costs the same time as a wrong password.
pub const NO_SUCH_LOGIN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000";

/// The most memory a stored hash may ask a check for (KiB): the default's
/// (19 MiB) with room to raise it, never an unbounded one.
const MAX_ARGON2_KIB: u32 = 64 * 1024;

/// Whether `password` matches the stored argon2 `hash` (slow by design:
/// never call it while holding a store lock). Each thread checks in one
/// block of memory it keeps and reuses: allocating and freeing argon2's
/// 19 MiB per check left the allocator holding ~20 MiB more after each of
/// the first ten checks (measured: 40 → 237 MiB resident under a flood).
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::PasswordHash;
    use argon2::{Algorithm, Argon2, Block, Params, Version};
    thread_local! {
        static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Ok(h) = PasswordHash::new(hash) else { return false };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) =
        (Algorithm::try_from(h.algorithm), Params::try_from(&h), h.salt, h.hash)
    else {
        return false;
    };
    let Ok(version) = h.version.map(Version::try_from).transpose() else { return false };
    if params.m_cost() > MAX_ARGON2_KIB {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let hashed = MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks]).is_ok()
    });
    hashed && constant_time_eq(&out, expected.as_bytes())
}
