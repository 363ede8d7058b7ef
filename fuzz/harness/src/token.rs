//! Targets for the portcullis-token parsers and verifiers.

use std::sync::OnceLock;

use portcullis_core::OffsetDateTime;
use portcullis_token::api_key::PresentedApiKey;
use portcullis_token::pkce::{ChallengeMethod, CodeChallenge, CodeVerifier, PkcePolicy};
use portcullis_token::signed::{SignedCheck, SignedTokens};
use portcullis_token::{
    Format, KeyId, KeyRing, Metadata, OpaqueToken, Purpose, RedirectAllowList, SecretDigest,
    TokenError, TokenId, TokenSecret,
};

/// API keys in both formats. Accepted keys round-trip their parts, and every
/// single-byte change of an accepted key is refused (CRC-32 detects every error burst
/// of up to 32 bits).
pub fn api_key(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(key) = PresentedApiKey::parse_any(text) else {
        return;
    };
    match key.prefix() {
        Some(prefix) => {
            assert_eq!(text.len(), prefix.len() + 71);
            assert!(text.starts_with(prefix));
            assert_eq!(key.key_id(), &text[prefix.len()..prefix.len() + 22]);
            for i in 0..data.len() {
                let mut changed = data.to_vec();
                changed[i] ^= 0x01;
                if let Ok(changed) = std::str::from_utf8(&changed) {
                    assert!(PresentedApiKey::parse(changed).is_err(), "byte {i}");
                }
            }
        }
        None => {
            assert_eq!(text.len(), 96);
            assert_eq!(key.key_id(), text[..32].to_ascii_lowercase());
        }
    }
}

/// Opaque tokens, token ids, client secrets, stored digests and PKCE values: whatever
/// parses renders back to exactly the input.
pub fn opaque(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(token) = OpaqueToken::parse(text) {
        assert_eq!(token.render().expose_secret(), text);
        assert_eq!(token.id().to_string(), &text[..22]);
    }
    if let Ok(id) = TokenId::parse(text) {
        assert_eq!(id.to_string(), text);
    }
    if let Ok(secret) = TokenSecret::parse(text, Format::ClientSecret) {
        assert_eq!(secret.render().expose_secret(), text);
    }
    if let Ok(digest) = SecretDigest::parse(text) {
        assert_eq!(digest.to_string(), text);
    }
    if let Ok(verifier) = CodeVerifier::parse(text) {
        assert_eq!(verifier.expose_secret(), text);
        let challenge = verifier.challenge();
        assert_eq!(challenge.verify(text, PkcePolicy::default()), Ok(()));
    }
    let lax = PkcePolicy::danger_allow_plain();
    for method in [ChallengeMethod::S256, ChallengeMethod::Plain] {
        if let Ok(challenge) = CodeChallenge::parse(text, method, lax) {
            assert_eq!(challenge.value(), text);
            // A plain challenge is its own verifier; an S256 one is not (that would be a
            // SHA-256 fixed point).
            let verified = challenge.verify(text, lax).is_ok();
            assert_eq!(verified, method == ChallengeMethod::Plain);
        }
    }
}

fn allow_list() -> &'static RedirectAllowList {
    static LIST: OnceLock<RedirectAllowList> = OnceLock::new();
    LIST.get_or_init(|| {
        RedirectAllowList::new([
            "https://app.example.com/auth/callback",
            "https://app.example.com/",
            "http://localhost:3000/login",
        ])
        .unwrap()
    })
}

/// The redirect check. Whatever it allows is an http(s) URL on a listed host, port and
/// path, without user info, and checking the normalised form again gives the same URL.
pub fn redirect(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(allowed) = allow_list().check(text) else {
        return;
    };
    let url = allowed.as_str();
    let listed = [
        "https://app.example.com/auth/callback",
        "https://app.example.com/",
        "http://localhost:3000/login",
    ];
    assert!(
        listed.iter().any(|entry| url == *entry
            || url
                .strip_prefix(entry)
                .is_some_and(|rest| rest.starts_with('?'))),
        "{url}"
    );
    assert!(!url.contains('#') && !url.contains('\\'));
    assert_eq!(allow_list().check(url).unwrap(), allowed);
}

fn signer() -> &'static (SignedTokens, String) {
    static SIGNER: OnceLock<(SignedTokens, String)> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let keys = KeyRing::new(KeyId::new("k1").unwrap(), &[0x5a; 32]).unwrap();
        let signer = SignedTokens::new(keys);
        let mut data = Metadata::new();
        data.insert("email".into(), "ada@example.com".into());
        let token = signer
            .sign(
                &mut Counter(0),
                Purpose::EmailVerification,
                "user_1",
                data,
                None,
                now(),
            )
            .unwrap()
            .expose_secret()
            .to_owned();
        (signer, token)
    })
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

/// The signed-token verifier. The first byte picks the mode: verify the rest as a token,
/// or XOR the rest into a valid token, which must then verify exactly when nothing
/// changed.
pub fn signed(data: &[u8]) {
    let (signer, valid) = signer();
    let check = SignedCheck::new(Purpose::EmailVerification);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            // Forging a MAC is out of reach, so only the valid token may verify.
            if signer.verify(text, &check, now()).is_ok() {
                assert_eq!(text, valid);
            }
        }
        return;
    }
    let mut mutated = valid.as_bytes().to_vec();
    for (i, &b) in rest.iter().enumerate() {
        if let Some(byte) = mutated.get_mut(i) {
            *byte ^= b;
        }
    }
    if let Ok(text) = std::str::from_utf8(&mutated) {
        let result = signer.verify(text, &check, now());
        if text == valid {
            assert!(result.is_ok());
        } else {
            assert!(result.is_err(), "{text}");
            assert_ne!(result.unwrap_err(), TokenError::Expired);
        }
    }
}

/// A deterministic stand-in RNG for the fixed token above (its `jti` needs 16 bytes).
struct Counter(u8);

impl portcullis_core::rand_core::TryRng for Counter {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.0 = self.0.wrapping_add(1);
        Ok(u32::from(self.0))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(1);
        Ok(u64::from(self.0))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dst {
            self.0 = self.0.wrapping_add(1);
            *byte = self.0;
        }
        Ok(())
    }
}

impl portcullis_core::rand_core::TryCryptoRng for Counter {}
