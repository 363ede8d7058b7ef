//! The opaque session token: what the holder presents, and what the store keeps.
//!
//! A session token is a `portcullis-token` [`OpaqueToken`] (`<id>.<secret>`, 128 + 256
//! random bits, 66 characters of base64url), sent in the session cookie or as a bearer
//! token. The store keeps only the [`SecretDigest`] of its secret (SHA-256, or
//! HMAC-SHA256 under a server key) and finds the session by that digest, so a reader of
//! the sessions table holds nothing that signs anyone in (OWASP Session Management
//! Cheat Sheet; DESIGN principle 4).
//!
//! A new token is issued whenever the session's privilege changes — the second factor
//! completing a pending sign-in, a step-up — so a token an attacker planted or observed
//! before the change is worth nothing after it (session fixation, OWASP ASVS V3.2.1).
//! [`crate::lifecycle::complete_second_factor`] and [`crate::lifecycle::add_factor`]
//! return the replacement for that reason.
//!
//! ```
//! use portcullis_core::OsRng;
//! use portcullis_session::token::{self, SessionToken};
//! use portcullis_token::Digester;
//!
//! let digester = Digester::Sha256;
//! let issued = SessionToken::issue(&mut OsRng, &digester);
//! // Store issued.digest() with the session; set issued.render() as the cookie value.
//! let cookie_value = issued.render();
//! let lookups = token::lookup_digests(cookie_value.expose_secret(), &digester)?;
//! assert_eq!(&lookups[0], issued.digest());
//! # Ok::<(), portcullis_session::SessionError>(())
//! ```

use std::fmt;

use portcullis_core::CryptoRng;
use portcullis_token::{Digester, OpaqueToken, SecretDigest, TokenText};

use crate::SessionError;

/// A freshly issued session token and the digest to store for it.
pub struct SessionToken {
    token: OpaqueToken,
    digest: SecretDigest,
}

impl SessionToken {
    /// A new token from `rng`, digested with `digester`.
    pub fn issue<R: CryptoRng + ?Sized>(rng: &mut R, digester: &Digester) -> Self {
        let token = OpaqueToken::generate(rng);
        let digest = digester.digest(token.secret());
        Self { token, digest }
    }

    /// The text the holder presents (cookie value or bearer token); a secret.
    #[must_use]
    pub fn render(&self) -> TokenText {
        self.token.render()
    }

    /// The token itself.
    #[must_use]
    pub const fn token(&self) -> &OpaqueToken {
        &self.token
    }

    /// What the store keeps and looks the session up by.
    #[must_use]
    pub const fn digest(&self) -> &SecretDigest {
        &self.digest
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionToken")
            .field("token", &self.token)
            .field("digest", &self.digest)
            .finish()
    }
}

/// The digests a presented token's session may be stored under, current key first (see
/// [`Digester::lookup_digests`]): look the session up by each in turn.
///
/// # Errors
/// [`SessionError::MalformedToken`] when `presented` is not a session token.
pub fn lookup_digests(
    presented: &str,
    digester: &Digester,
) -> Result<Vec<SecretDigest>, SessionError> {
    let token = OpaqueToken::parse(presented).map_err(|_| SessionError::MalformedToken)?;
    Ok(digester.lookup_digests(token.secret()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use portcullis_token::{KeyId, KeyRing};
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn issued_tokens_are_found_by_their_digest_and_never_print() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let ring = KeyRing::new(KeyId::new("k1").unwrap(), &[1; 32]).unwrap();
        for digester in [Digester::Sha256, Digester::Hmac(ring)] {
            let a = SessionToken::issue(&mut rng, &digester);
            let b = SessionToken::issue(&mut rng, &digester);
            assert_ne!(a.digest(), b.digest());
            let text = a.render();
            let lookups = lookup_digests(text.expose_secret(), &digester).unwrap();
            assert_eq!(lookups, std::slice::from_ref(a.digest()));
            assert!(!lookups.contains(b.digest()));
            let debug = format!("{a:?}");
            assert!(!debug.contains(text.expose_secret()), "{debug}");
            assert!(!debug.contains(a.token().secret().render().expose_secret()));
        }
    }

    #[test]
    fn a_rotated_key_still_finds_older_sessions() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let old = KeyRing::new(KeyId::new("k1").unwrap(), &[1; 32]).unwrap();
        let issued = SessionToken::issue(&mut rng, &Digester::Hmac(old.clone()));
        let new = old.rotate_to(KeyId::new("k2").unwrap(), &[2; 32]).unwrap();
        let lookups =
            lookup_digests(issued.render().expose_secret(), &Digester::Hmac(new)).unwrap();
        assert_eq!(lookups.len(), 2);
        assert_eq!(&lookups[1], issued.digest());
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in ["", "abc", "a.b", &"A".repeat(66), "ses_x.y"] {
            assert_eq!(
                lookup_digests(bad, &Digester::Sha256),
                Err(SessionError::MalformedToken)
            );
        }
    }
}
