//! API keys: format, checksum, validation, statuses, legacy PropelAuth keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_token::api_key::{
    ApiKeyPrefix, ApiKeyRecord, ApiKeyStatus, ApiKeys, NewApiKey, Owner, PresentedApiKey,
};
use portcullis_token::{Digester, Format, KeyId, KeyRing, Metadata, TokenError};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// PropelAuth's `end_user_api_keys` example (seed 000): id, then the full token.
const PROPELAUTH_ID: &str = "6ba56a96c76f86141435c8211309f4c8";
const PROPELAUTH_TOKEN: &str = "6ba56a96c76f86141435c8211309f4c86801439aed6c172d8c1762ee4fd2e576e531d9fffa21ad0b217f6a77013bc1af";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_712_847_088).unwrap()
}

fn prefix() -> ApiKeyPrefix {
    ApiKeyPrefix::new("pcl_live_").unwrap()
}

#[test]
fn issue_and_validate() {
    let keys = ApiKeys::new(Digester::Sha256);
    let mut metadata = Metadata::new();
    metadata.insert("plan".into(), "pro".into());
    let (key, record) = keys
        .issue(
            &mut ChaCha20Rng::seed_from_u64(1),
            &prefix(),
            NewApiKey::new(Owner::user_in_org("user_1", "org_1"))
                .name("CI")
                .metadata(metadata.clone()),
            now(),
        )
        .unwrap();
    let text = key.render();
    let text = text.expose_secret();
    assert_eq!(text.len(), 80);
    assert!(text.starts_with("pcl_live_"));
    assert!(text[9..].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(&text[9..31], key.key_id());
    assert_eq!(record.key_id, key.key_id());
    assert_eq!(record.prefix.as_deref(), Some("pcl_live_"));
    assert_eq!(record.last_four, &text[76..]);
    assert_eq!(record.name.as_deref(), Some("CI"));
    assert_eq!(record.metadata, metadata);
    assert_eq!(record.expires_at, None);
    assert_eq!(
        record.status(now() + Duration::days(3650)),
        ApiKeyStatus::Active
    );

    let presented = PresentedApiKey::parse(text).unwrap();
    assert_eq!(presented.key_id(), record.key_id);
    assert_eq!(presented.prefix(), Some("pcl_live_"));
    assert_eq!(keys.validate(&record, &presented, now()), Ok(()));
    assert_eq!(
        PresentedApiKey::parse_any(text).unwrap().key_id(),
        record.key_id
    );

    // The record serializes without the secret.
    let json = serde_json::to_string(&record).unwrap();
    assert!(!json.contains(&text[31..74]), "{json}");
    assert_eq!(serde_json::from_str::<ApiKeyRecord>(&json).unwrap(), record);
    // Debug output hides the secret.
    assert!(!format!("{key:?}").contains(&text[31..74]));
    assert!(!format!("{presented:?}").contains(&text[31..74]));
}

#[test]
fn every_wrong_key_is_refused() {
    let keys = ApiKeys::new(Digester::Sha256);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let new = || NewApiKey::new(Owner::org("org_1"));
    let (key, mut record) = keys.issue(&mut rng, &prefix(), new(), now()).unwrap();
    let (other, _) = keys.issue(&mut rng, &prefix(), new(), now()).unwrap();
    let presented = PresentedApiKey::parse(key.render().expose_secret()).unwrap();
    let other = PresentedApiKey::parse(other.render().expose_secret()).unwrap();
    assert_eq!(
        keys.validate(&record, &other, now()),
        Err(TokenError::InvalidSecret)
    );
    assert_eq!(keys.refuse_unknown(&other), TokenError::InvalidSecret);

    // The same id and secret under another prefix (a test key presented as live, with
    // a recomputed checksum) is refused: the prefix is checked against the record.
    let rendered = key.render();
    let body = &rendered.expose_secret()[9..74];
    let as_test = format!("pcl_test_{body}");
    let checksum = crc32fast::hash(as_test.as_bytes());
    let as_test = format!("{as_test}{}", base62_6(checksum));
    let swapped = PresentedApiKey::parse(&as_test).unwrap();
    assert_eq!(swapped.key_id(), presented.key_id());
    assert_eq!(
        keys.validate(&record, &swapped, now()),
        Err(TokenError::InvalidSecret)
    );

    record.revoke(now());
    assert_eq!(record.status(now()), ApiKeyStatus::Revoked);
    assert_eq!(
        keys.validate(&record, &presented, now()),
        Err(TokenError::Revoked)
    );
    // Revocation keeps its first time.
    record.revoke(now() + Duration::days(1));
    assert_eq!(record.revoked_at, Some(now()));
}

fn base62_6(mut n: u32) -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn expiry() {
    let keys = ApiKeys::new(Digester::Sha256);
    let expires = now() + Duration::days(30);
    let (key, record) = keys
        .issue(
            &mut ChaCha20Rng::seed_from_u64(3),
            &prefix(),
            NewApiKey::new(Owner::user("u")).expires_at(expires),
            now(),
        )
        .unwrap();
    let presented = PresentedApiKey::parse(key.render().expose_secret()).unwrap();
    assert_eq!(
        keys.validate(&record, &presented, expires - Duration::SECOND),
        Ok(())
    );
    assert_eq!(record.status(expires), ApiKeyStatus::Expired);
    assert_eq!(
        keys.validate(&record, &presented, expires),
        Err(TokenError::Expired)
    );
    assert_eq!(
        keys.issue(
            &mut ChaCha20Rng::seed_from_u64(3),
            &prefix(),
            NewApiKey::new(Owner::user("u")).expires_at(now()),
            now()
        )
        .unwrap_err(),
        TokenError::Invalid("API key expiry is not in the future")
    );
    assert_eq!(
        keys.issue(
            &mut ChaCha20Rng::seed_from_u64(3),
            &prefix(),
            NewApiKey::new(Owner {
                user_id: None,
                org_id: None
            }),
            now()
        )
        .unwrap_err(),
        TokenError::Invalid("API key owner")
    );
}

#[test]
fn format_and_checksum_errors() {
    let key =
        portcullis_token::api_key::ApiKey::generate(&mut ChaCha20Rng::seed_from_u64(4), &prefix());
    let text = key.render().expose_secret().to_owned();
    let malformed = Err(TokenError::Malformed(Format::ApiKey));
    for bad in [
        String::new(),
        text[9..].to_owned(),               // no prefix
        text[..79].to_owned(),              // one short
        format!("{text}0"),                 // one long
        format!("Pcl_live_{}", &text[9..]), // upper-case prefix
        format!("pcl-live_{}", &text[9..]),
        format!("pcl_live{}", &text[9..]), // prefix not ending in _
        format!("{}{}", "a".repeat(32) + "_", &text[9..]), // prefix too long
        text.replace(&text[40..41], "-"),
        format!("{}zzzzzz", &text[..74]), // checksum overflows 32 bits
        format!("{}{}", &text[..31], "z".repeat(49)), // secret overflows 256 bits
    ] {
        assert_eq!(PresentedApiKey::parse(&bad).map(|_| ()), malformed, "{bad}");
    }
    // A single changed character anywhere after the prefix: caught by the checksum.
    let mut caught = 0;
    for i in 9..80 {
        let mut changed = text.clone().into_bytes();
        changed[i] = if changed[i] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).unwrap();
        match PresentedApiKey::parse(&changed) {
            Err(TokenError::BadChecksum) => caught += 1,
            // A change in the first digit of a part may overflow it instead.
            Err(TokenError::Malformed(Format::ApiKey)) => {}
            other => panic!("{changed}: {other:?}"),
        }
    }
    assert!(caught >= 68, "{caught}");
    // Swapped adjacent characters too.
    let mut swapped = text.clone().into_bytes();
    swapped.swap(50, 51);
    if swapped != text.as_bytes() {
        assert_eq!(
            PresentedApiKey::parse(&String::from_utf8(swapped).unwrap()).map(|_| ()),
            Err(TokenError::BadChecksum)
        );
    }
    let prefix = prefix();
    assert_eq!(prefix.scanner_pattern(), r"\bpcl_live_[0-9A-Za-z]{71}\b");
    for bad in [
        "",
        "_",
        "a",
        "1a_",
        "a-b_",
        "ab",
        &format!("{}_", "a".repeat(32)),
    ] {
        assert!(ApiKeyPrefix::new(bad).is_err(), "{bad}");
    }
}

#[test]
fn propelauth_legacy_keys() {
    let keys = ApiKeys::new(Digester::Sha256);
    let created = OffsetDateTime::from_unix_timestamp(1_712_847_088).unwrap();
    let record = keys
        .import_legacy(
            PROPELAUTH_TOKEN,
            NewApiKey::new(Owner::user("31c41c16-c281-44ae-9602-8a047e3bf33d")),
            created,
        )
        .unwrap();
    assert_eq!(record.key_id, PROPELAUTH_ID);
    assert_eq!(record.prefix, None);
    assert_eq!(record.last_four, "c1af");
    let presented = PresentedApiKey::parse_any(PROPELAUTH_TOKEN).unwrap();
    assert_eq!(presented.key_id(), PROPELAUTH_ID);
    assert_eq!(presented.prefix(), None);
    assert_eq!(keys.validate(&record, &presented, created), Ok(()));
    // Upper-case hex is the same key.
    let upper = PresentedApiKey::parse_legacy(&PROPELAUTH_TOKEN.to_uppercase()).unwrap();
    assert_eq!(upper.key_id(), PROPELAUTH_ID);
    assert_eq!(keys.validate(&record, &upper, created), Ok(()));
    // Another secret under the same id.
    let mut other = PROPELAUTH_TOKEN.to_owned();
    other.replace_range(95..96, "0");
    let other = PresentedApiKey::parse_legacy(&other).unwrap();
    assert_eq!(
        keys.validate(&record, &other, created),
        Err(TokenError::InvalidSecret)
    );
    for bad in [&PROPELAUTH_TOKEN[..95], "g".repeat(96).as_str()] {
        assert_eq!(
            PresentedApiKey::parse_legacy(bad).map(|_| ()),
            Err(TokenError::Malformed(Format::ApiKey))
        );
    }
    assert!(
        keys.import_legacy("nothex", NewApiKey::new(Owner::user("u")), created)
            .is_err()
    );
}

#[test]
fn keyed_digests() {
    let ring = KeyRing::new(KeyId::new("api-2026").unwrap(), &[5; 48]).unwrap();
    let keys = ApiKeys::new(Digester::Hmac(ring));
    let (key, record) = keys
        .issue(
            &mut ChaCha20Rng::seed_from_u64(6),
            &prefix(),
            NewApiKey::new(Owner::user("u")),
            now(),
        )
        .unwrap();
    assert_eq!(record.digest.key_id().unwrap().as_str(), "api-2026");
    let presented = PresentedApiKey::parse(key.render().expose_secret()).unwrap();
    assert_eq!(keys.validate(&record, &presented, now()), Ok(()));
    assert_eq!(
        ApiKeys::new(Digester::Sha256).validate(&record, &presented, now()),
        Err(TokenError::UnknownKeyId)
    );
}
