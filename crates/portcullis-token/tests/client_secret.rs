//! Client secrets: create, three-step rotation, single-step regenerate, verify.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_token::client_secret::{ClientSecretRecord, ClientSecrets, Matched};
use portcullis_token::{Digester, Format, TokenError};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

#[test]
fn rotation_start_cancel_complete() {
    let secrets = ClientSecrets::new(Digester::Sha256);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (first, mut record) = secrets.create(&mut rng, "m2m-client-1", now());
    assert_eq!(first.len(), 43);
    assert_eq!(record.client_id, "m2m-client-1");
    assert_eq!(record.current.last_four, &first.expose_secret()[39..]);
    assert_eq!(record.current.created_at, now());
    assert!(record.next.is_none());
    assert_eq!(
        secrets.verify(&record, first.expose_secret()),
        Ok(Matched::Current)
    );

    // Cancel and complete need a rotation; start refuses a second one.
    assert_eq!(
        secrets.cancel_rotation(&mut record),
        Err(TokenError::NoRotationInProgress)
    );
    assert_eq!(
        secrets.complete_rotation(&mut record),
        Err(TokenError::NoRotationInProgress)
    );
    let later = now() + Duration::hours(1);
    let second = secrets
        .start_rotation(&mut rng, &mut record, later)
        .unwrap();
    let before = record.clone();
    assert_eq!(
        secrets
            .start_rotation(&mut rng, &mut record, later)
            .unwrap_err(),
        TokenError::RotationInProgress
    );
    assert_eq!(record, before);
    assert_eq!(
        record.next.as_ref().unwrap().last_four,
        &second.expose_secret()[39..]
    );
    assert_eq!(
        secrets.verify(&record, first.expose_secret()),
        Ok(Matched::Current)
    );
    assert_eq!(
        secrets.verify(&record, second.expose_secret()),
        Ok(Matched::Next)
    );

    // Cancel drops the next secret.
    secrets.cancel_rotation(&mut record).unwrap();
    assert_eq!(
        secrets.verify(&record, second.expose_secret()),
        Err(TokenError::InvalidSecret)
    );
    assert_eq!(
        secrets.verify(&record, first.expose_secret()),
        Ok(Matched::Current)
    );

    // Complete promotes it.
    let third = secrets
        .start_rotation(&mut rng, &mut record, later)
        .unwrap();
    secrets.complete_rotation(&mut record).unwrap();
    assert_eq!(
        secrets.verify(&record, third.expose_secret()),
        Ok(Matched::Current)
    );
    assert_eq!(
        secrets.verify(&record, first.expose_secret()),
        Err(TokenError::InvalidSecret)
    );
    assert_eq!(record.current.created_at, later);
    assert!(record.next.is_none());

    let json = serde_json::to_string(&record).unwrap();
    assert!(!json.contains(third.expose_secret()));
    assert_eq!(
        serde_json::from_str::<ClientSecretRecord>(&json).unwrap(),
        record
    );
}

#[test]
fn regenerate_replaces_at_once() {
    let secrets = ClientSecrets::new(Digester::Sha256);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (old, mut record) = secrets.create(&mut rng, "web-app", now());
    let pending = secrets
        .start_rotation(&mut rng, &mut record, now())
        .unwrap();
    let fresh = secrets.regenerate(&mut rng, &mut record, now());
    assert_eq!(
        secrets.verify(&record, fresh.expose_secret()),
        Ok(Matched::Current)
    );
    assert_eq!(
        secrets.verify(&record, old.expose_secret()),
        Err(TokenError::InvalidSecret)
    );
    assert_eq!(
        secrets.verify(&record, pending.expose_secret()),
        Err(TokenError::InvalidSecret)
    );
    assert!(record.next.is_none());
}

#[test]
fn malformed_secrets() {
    let secrets = ClientSecrets::new(Digester::Sha256);
    let (secret, record) = secrets.create(&mut ChaCha20Rng::seed_from_u64(3), "c", now());
    let text = secret.expose_secret();
    for bad in [
        "",
        &text[..42],
        &format!("{text}="),
        &format!("{text}A"),
        // ForgeRock-style standard base64 with padding is another format.
        "uYCx/9aGUgwTrPiM2hrsgI2zl71YNerz0TWVqhrNZ0c=",
    ] {
        assert_eq!(
            secrets.verify(&record, bad),
            Err(TokenError::Malformed(Format::ClientSecret)),
            "{bad}"
        );
    }
}
