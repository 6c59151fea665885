//! Random secrets from the operating system's generator.

use crate::error::Error;

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Backend(format!("no random bytes from the system: {e}").into()))?;
    Ok(bytes)
}

/// `N` random bytes from the operating system, in lowercase hexadecimal.
pub(crate) fn random_hex<const N: usize>() -> Result<String, Error> {
    random_bytes::<N>().map(hex::encode)
}

/// Whether `s` is `len` lowercase hexadecimal digits.
pub(crate) fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
