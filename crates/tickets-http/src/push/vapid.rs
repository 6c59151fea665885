//! The office's VAPID key (RFC 8292), which signs every push request so that push services
//! know the sender: given by `TICKETS_VAPID_PRIVATE_KEY`, or made once and kept in the
//! store (the secret `vapid`), so that every server signs with the same key and a browser's
//! subscription stays valid across restarts.

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};

/// The name of the store's secret the key is made from.
pub(super) const SECRET_NAME: &str = "vapid";

/// A VAPID key pair and its public half as browsers take it.
pub(crate) struct Vapid {
    pub(super) pair: ES256KeyPair,
    /// The uncompressed public point, base64url without padding (`applicationServerKey`).
    pub(super) public: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private half stays out of logs.
        f.debug_struct("Vapid")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    fn of(pair: ES256KeyPair) -> Self {
        let public = Base64UrlUnpadded::encode_string(
            &pair.public_key().public_key().to_bytes_uncompressed(),
        );
        Vapid { pair, public }
    }

    /// The key of `TICKETS_VAPID_PRIVATE_KEY`: the 32-byte private scalar, base64url (what
    /// `npx web-push generate-vapid-keys` prints as the private key).
    pub(crate) fn from_private(text: &str) -> Result<Self, String> {
        let bytes = Base64UrlUnpadded::decode_vec(text.trim().trim_end_matches('='))
            .map_err(|_| "the VAPID private key is not base64url text".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "the VAPID private key is 32 bytes (43 base64url characters), not {}",
                bytes.len()
            ));
        }
        ES256KeyPair::from_bytes(&bytes)
            .map(Self::of)
            .map_err(|e| format!("the VAPID private key is not a P-256 key: {e}"))
    }

    /// The key made from the store's random secret: the secret itself when it is a valid
    /// scalar (all but about one in 2³²), else the first valid SHA-256 of it and a counter.
    pub(super) fn from_secret(secret: &[u8]) -> Self {
        if let Ok(pair) = ES256KeyPair::from_bytes(secret) {
            return Self::of(pair);
        }
        (0u32..)
            .find_map(|i| {
                let digest = Sha256::new()
                    .chain_update(secret)
                    .chain_update(i.to_be_bytes())
                    .finalize();
                ES256KeyPair::from_bytes(&digest).ok()
            })
            .map(Self::of)
            .unwrap_or_else(|| unreachable!("a valid scalar turns up within a few tries"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_key_is_read_and_a_bad_one_refused() {
        // From RFC 8292's style of keys: any 32 bytes below the curve order.
        let v = Vapid::from_private("RS0WdYWWo1HajXg3NZR1olzCf31i-ZBGDkFyCs7j1jw").unwrap();
        assert_eq!(v.public.len(), 87, "65 bytes in base64url");
        assert!(
            v.public.starts_with('B'),
            "an uncompressed point starts with 0x04"
        );
        assert!(Vapid::from_private("not base64!").is_err());
        assert!(
            Vapid::from_private("AAAA")
                .unwrap_err()
                .contains("32 bytes")
        );
        // Zero is no key.
        let zero = Base64UrlUnpadded::encode_string(&[0u8; 32]);
        assert!(Vapid::from_private(&zero).is_err());
    }

    #[test]
    fn a_secret_always_gives_the_same_valid_key() {
        let a = Vapid::from_secret(&[7u8; 32]);
        let b = Vapid::from_secret(&[7u8; 32]);
        assert_eq!(a.public, b.public);
        // Past the curve order: derived instead, still the same each time.
        let c = Vapid::from_secret(&[0xff; 32]);
        assert_eq!(c.public, Vapid::from_secret(&[0xff; 32]).public);
        assert_ne!(c.public, a.public);
    }
}
