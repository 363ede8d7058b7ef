//! Property tests: any token issued verifies exactly once against its record, and never
//! against another purpose, subject, secret or an expired clock; the same for API keys
//! and signed tokens in their own terms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_token::api_key::{ApiKey, ApiKeyPrefix, ApiKeys, NewApiKey, Owner, PresentedApiKey};
use portcullis_token::signed::{SignedCheck, SignedTokens};
use portcullis_token::{
    Digester, IssueRequest, KeyId, KeyRing, Metadata, OpaqueToken, Purpose, RedeemCheck,
    SingleUseConfig, SingleUseTokens, TokenError,
};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn purpose() -> impl Strategy<Value = Purpose> {
    prop_oneof![
        Just(Purpose::Login),
        Just(Purpose::Signup),
        Just(Purpose::Invite),
        Just(Purpose::PasswordReset),
        Just(Purpose::EmailVerification),
        Just(Purpose::EmailChange),
        "[a-z0-9_]{1,12}".prop_filter_map("built-in name", |n| Purpose::custom(&n).ok()),
    ]
}

fn digester() -> impl Strategy<Value = Digester> {
    prop_oneof![
        Just(Digester::Sha256),
        any::<[u8; 32]>()
            .prop_map(|key| Digester::Hmac(KeyRing::new(KeyId::new("k").unwrap(), &key).unwrap())),
    ]
}

/// A token issued at `issued_at` with `lifetime` seconds, and the parameters to probe it.
#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    purpose: Purpose,
    other_purpose: Purpose,
    subject: String,
    other_subject: String,
    issued_at: i64,
    lifetime: i64,
    /// Seconds after issue at which the holder redeems, within the lifetime.
    redeem_after: i64,
    /// Seconds after expiry at which an expired clock probes.
    late_by: i64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        purpose(),
        purpose(),
        "\\PC{1,40}",
        "\\PC{1,40}",
        0i64..4_000_000_000,
        300i64..=604_800,
        any::<prop::sample::Index>(),
        0i64..100_000_000,
    )
        .prop_filter("distinct purpose and subject", |(_, p, q, s, t, ..)| {
            p != q && s != t
        })
        .prop_map(
            |(
                seed,
                purpose,
                other_purpose,
                subject,
                other_subject,
                issued_at,
                lifetime,
                at,
                late_by,
            )| Case {
                seed,
                purpose,
                other_purpose,
                subject,
                other_subject,
                issued_at,
                lifetime,
                redeem_after: at.index(lifetime as usize) as i64,
                late_by,
            },
        )
}

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

proptest! {
    #[test]
    fn single_use_token_redeems_exactly_once(case in case(), digester in digester()) {
        let tokens = SingleUseTokens::new(SingleUseConfig::default(), digester);
        let mut rng = ChaCha20Rng::seed_from_u64(case.seed);
        let issued_at = at(case.issued_at);
        let request = IssueRequest::new(case.purpose.clone(), case.subject.clone())
            .lifetime(Duration::seconds(case.lifetime));
        let issued = tokens.issue(&mut rng, request, issued_at).unwrap();
        let mut record = issued.record;
        let token = OpaqueToken::parse(issued.token.render().expose_secret()).unwrap();
        let right = RedeemCheck::new(case.purpose.clone()).subject(&case.subject);
        let now = issued_at + Duration::seconds(case.redeem_after);
        let expired = issued_at + Duration::seconds(case.lifetime + case.late_by);

        // Never for another purpose, subject, secret, or on an expired clock.
        prop_assert_eq!(
            tokens.redeem(&record, &token, &RedeemCheck::new(case.other_purpose.clone()), now),
            Err(TokenError::WrongPurpose)
        );
        prop_assert_eq!(
            tokens.redeem(&record, &token, &RedeemCheck::new(case.purpose.clone()).subject(&case.other_subject), now),
            Err(TokenError::WrongSubject)
        );
        prop_assert_eq!(tokens.redeem(&record, &token, &right, expired), Err(TokenError::Expired));
        prop_assert_eq!(tokens.peek(&record, &token, &right, expired), Err(TokenError::Expired));
        let stranger = OpaqueToken::generate(&mut rng);
        prop_assert_eq!(tokens.redeem(&record, &stranger, &right, now), Err(TokenError::InvalidSecret));

        // Exactly once for the right one.
        prop_assert!(tokens.peek(&record, &token, &right, now).is_ok());
        let redemption = tokens.redeem(&record, &token, &right, now).unwrap();
        prop_assert!(redemption.apply(&mut record));
        prop_assert_eq!(tokens.redeem(&record, &token, &right, now), Err(TokenError::AlreadyUsed));
        prop_assert!(!redemption.apply(&mut record));

        // The record survives storage unchanged.
        let json = serde_json::to_string(&record).unwrap();
        prop_assert_eq!(serde_json::from_str::<portcullis_token::TokenRecord>(&json).unwrap(), record);
    }

    #[test]
    fn opaque_tokens_round_trip(seed in any::<u64>()) {
        let token = OpaqueToken::generate(&mut ChaCha20Rng::seed_from_u64(seed));
        let text = token.render();
        let parsed = OpaqueToken::parse(text.expose_secret()).unwrap();
        prop_assert_eq!(parsed.id(), token.id());
        prop_assert_eq!(parsed.secret().expose_secret(), token.secret().expose_secret());
        let again = parsed.render();
        prop_assert_eq!(again.expose_secret(), text.expose_secret());
    }

    #[test]
    fn api_keys_validate_only_themselves(seed in any::<u64>(), prefix in "[a-z][a-z0-9_]{0,30}_", flip in any::<prop::sample::Index>()) {
        let prefix = ApiKeyPrefix::new(&prefix).unwrap();
        let keys = ApiKeys::new(Digester::Sha256);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let now = at(1_700_000_000);
        let (key, record) = keys.issue(&mut rng, &prefix, NewApiKey::new(Owner::user("u")), now).unwrap();
        let text = key.render().expose_secret().to_owned();
        let presented = PresentedApiKey::parse(&text).unwrap();
        prop_assert_eq!(presented.key_id(), record.key_id.as_str());
        prop_assert_eq!(keys.validate(&record, &presented, now), Ok(()));
        let other = ApiKey::generate(&mut rng, &prefix);
        let other = PresentedApiKey::parse(other.render().expose_secret()).unwrap();
        prop_assert_eq!(keys.validate(&record, &other, now), Err(TokenError::InvalidSecret));
        // Any one changed character is refused before lookup.
        let i = flip.index(text.len());
        let mut changed = text.clone().into_bytes();
        changed[i] = if changed[i] == b'x' { b'y' } else { b'x' };
        let changed = String::from_utf8(changed).unwrap();
        prop_assert!(PresentedApiKey::parse(&changed).is_err(), "{}", changed);
    }

    #[test]
    fn signed_tokens_verify_only_as_issued(case in case()) {
        let signer = SignedTokens::new(KeyRing::new(KeyId::new("k1").unwrap(), &case.seed.to_le_bytes().repeat(4)).unwrap());
        let mut rng = ChaCha20Rng::seed_from_u64(case.seed);
        let issued_at = at(case.issued_at);
        let token = signer
            .sign(&mut rng, case.purpose.clone(), &case.subject, Metadata::new(), Some(Duration::seconds(case.lifetime)), issued_at)
            .unwrap();
        let token = token.expose_secret();
        let now = issued_at + Duration::seconds(case.redeem_after);
        let right = SignedCheck::new(case.purpose.clone()).subject(&case.subject);
        let claims = signer.verify(token, &right, now).unwrap();
        prop_assert_eq!(&claims.subject, &case.subject);
        prop_assert_eq!(
            signer.verify(token, &SignedCheck::new(case.other_purpose.clone()), now),
            Err(TokenError::WrongPurpose)
        );
        prop_assert_eq!(
            signer.verify(token, &SignedCheck::new(case.purpose.clone()).subject(&case.other_subject), now),
            Err(TokenError::WrongSubject)
        );
        prop_assert_eq!(
            signer.verify(token, &right, issued_at + Duration::seconds(case.lifetime + case.late_by)),
            Err(TokenError::Expired)
        );
    }
}
