//! Stateless signed tokens: round trip, tampering, key rotation, expiry, refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::{Base64, Duration, OffsetDateTime};
use portcullis_token::signed::{MAX_LEN, SignedCheck, SignedTokens};
use portcullis_token::{Format, KeyId, KeyRing, Metadata, Purpose, TokenError};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

fn ring(id: &str, byte: u8) -> KeyRing {
    KeyRing::new(KeyId::new(id).unwrap(), &[byte; 32]).unwrap()
}

fn sign(signer: &SignedTokens, data: Metadata) -> String {
    signer
        .sign(
            &mut ChaCha20Rng::seed_from_u64(3),
            Purpose::EmailVerification,
            "user_1",
            data,
            None,
            now(),
        )
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[test]
fn round_trip_with_data() {
    let signer = SignedTokens::new(ring("k1", 1));
    let mut data = Metadata::new();
    data.insert("email".into(), "ada@example.com".into());
    let token = sign(&signer, data.clone());
    assert!(token.starts_with("v1.k1."));
    assert_eq!(token.split('.').count(), 4);
    let check = SignedCheck::new(Purpose::EmailVerification).subject("user_1");
    let claims = signer.verify(&token, &check, now()).unwrap();
    assert_eq!(claims.purpose, Purpose::EmailVerification);
    assert_eq!(claims.subject, "user_1");
    assert_eq!(claims.issued_at, now());
    assert_eq!(claims.expires_at, now() + Duration::hours(24));
    assert_eq!(claims.data, data);
    assert_eq!(claims.jti.len(), 22);
    assert_eq!(claims.key_id.as_str(), "k1");
    // Stateless: it verifies as often as it is presented.
    assert!(signer.verify(&token, &check, now()).is_ok());
}

#[test]
fn refusals_in_order() {
    let signer = SignedTokens::new(ring("k1", 1));
    let token = sign(&signer, Metadata::new());
    let check = SignedCheck::new(Purpose::EmailVerification);
    assert_eq!(
        signer.verify(&token, &SignedCheck::new(Purpose::Login), now()),
        Err(TokenError::WrongPurpose)
    );
    assert_eq!(
        signer.verify(&token, &check.clone().subject("user_2"), now()),
        Err(TokenError::WrongSubject)
    );
    let expiry = now() + Duration::hours(24);
    assert!(
        signer
            .verify(&token, &check, expiry - Duration::SECOND)
            .is_ok()
    );
    assert_eq!(
        signer.verify(&token, &check, expiry),
        Err(TokenError::Expired)
    );
    // Another key under the same id: bad signature. An unknown id: unknown key.
    assert_eq!(
        SignedTokens::new(ring("k1", 2)).verify(&token, &check, now()),
        Err(TokenError::BadSignature)
    );
    assert_eq!(
        SignedTokens::new(ring("k2", 1)).verify(&token, &check, now()),
        Err(TokenError::UnknownKeyId)
    );
}

#[test]
fn any_change_is_refused() {
    let signer = SignedTokens::new(ring("k1", 1));
    let token = sign(&signer, Metadata::new());
    let check = SignedCheck::new(Purpose::EmailVerification);
    let bytes = token.as_bytes();
    for i in 0..bytes.len() {
        for replacement in [b'A', b'z', b'.', b'-', b'0'] {
            if bytes[i] == replacement {
                continue;
            }
            let mut changed = bytes.to_vec();
            changed[i] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            assert!(signer.verify(&changed, &check, now()).is_err(), "{changed}");
        }
    }
    // A forged payload, however well formed, fails the MAC.
    let parts: Vec<&str> = token.split('.').collect();
    let forged_payload = Base64::UrlUnpadded.encode(
        br#"{"pur":"email_verification","sub":"admin","iat":1700000000,"exp":1999999999,"jti":"AAAAAAAAAAAAAAAAAAAAAA"}"#,
    );
    let forged = format!("v1.k1.{forged_payload}.{}", parts[3]);
    assert_eq!(
        signer.verify(&forged, &check, now()),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn malformed_tokens() {
    let signer = SignedTokens::new(ring("k1", 1));
    let token = sign(&signer, Metadata::new());
    let check = SignedCheck::new(Purpose::EmailVerification);
    let malformed = Err(TokenError::Malformed(Format::SignedToken));
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        String::new(),
        "v1".into(),
        "v1.k1.x".into(),
        format!("v2.{}.{}.{}", parts[1], parts[2], parts[3]),
        format!("v1.k:1.{}.{}", parts[2], parts[3]),
        format!("v1.{}.{}.{}=", parts[1], parts[2], parts[3]),
        format!("v1.{}.{}.{}.x", parts[1], parts[2], parts[3]),
        format!("v1.{}.{}=.{}", parts[1], parts[2], parts[3]),
        format!("v1.{}.{}.{}", parts[1], parts[2], &parts[3][..42]),
        "a".repeat(MAX_LEN + 1),
    ] {
        assert_eq!(
            signer.verify(&bad, &check, now()).map(|_| ()),
            malformed,
            "{bad}"
        );
    }
}

#[test]
fn keys_rotate() {
    let old = SignedTokens::new(ring("k1", 1));
    let token = sign(&old, Metadata::new());
    let rotated = SignedTokens::new(
        ring("k1", 1)
            .rotate_to(KeyId::new("k2").unwrap(), &[2; 32])
            .unwrap(),
    );
    let check = SignedCheck::new(Purpose::EmailVerification);
    // Tokens signed before the rotation still verify; new ones use k2.
    assert_eq!(
        rotated
            .verify(&token, &check, now())
            .unwrap()
            .key_id
            .as_str(),
        "k1"
    );
    let fresh = sign(&rotated, Metadata::new());
    assert!(fresh.starts_with("v1.k2."));
    assert_eq!(
        old.verify(&fresh, &check, now()),
        Err(TokenError::UnknownKeyId)
    );
}

#[test]
fn lifetimes_and_size_are_bounded() {
    let signer = SignedTokens::new(ring("k1", 1));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let sign_for = |rng: &mut ChaCha20Rng, lifetime| {
        signer.sign(
            rng,
            Purpose::Login,
            "u",
            Metadata::new(),
            Some(lifetime),
            now(),
        )
    };
    assert!(sign_for(&mut rng, Duration::minutes(5)).is_ok());
    assert!(matches!(
        sign_for(&mut rng, Duration::minutes(4)),
        Err(TokenError::OutOfBounds { .. })
    ));
    let mut big = Metadata::new();
    big.insert("blob".into(), "x".repeat(4000).into());
    assert_eq!(
        signer
            .sign(&mut rng, Purpose::Login, "u", big, None, now())
            .unwrap_err(),
        TokenError::Invalid("signed token too long")
    );
}
