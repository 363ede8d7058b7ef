//! Key sets, signing, verification settings, revocation, refresh families,
//! introspection and OIDC helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use portcullis_core::OsRng;
use portcullis_jwt::introspect;
use portcullis_jwt::keyset::KeyEntry;
use portcullis_jwt::oidc;
use portcullis_jwt::refresh::{RefreshFamily, RefreshPolicy, RefreshTokens, StoreOutcome};
use portcullis_jwt::revocation::MemoryDenyList;
use portcullis_jwt::{
    Algorithm, Audience, Jwks, JwtError, Key, KeySet, KeySpec, KeyState, NewClaims, RefreshRefusal,
    RotationPolicy, RsaBits, Verifier,
};
use portcullis_token::Digester;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn es256() -> Key {
    Key::generate(KeySpec::new(Algorithm::ES256)).unwrap()
}

#[test]
fn every_algorithm_signs_and_verifies_and_keys_round_trip() {
    for alg in portcullis_jwt::alg::ALL {
        let key = Key::generate(KeySpec::new(alg)).unwrap();
        assert_eq!(key.alg(), alg);
        assert_eq!(key.kid(), key.thumbprint());
        let signed = key
            .sign(&NewClaims::new().subject("s"), now(), &mut OsRng)
            .unwrap();
        let verify_key = if alg.is_hmac() {
            key.clone()
        } else {
            key.public_key().unwrap()
        };
        let v = Verifier::new(Jwks::from_keys([verify_key]).unwrap());
        let verified = v.verify(signed.token.expose_secret(), now()).unwrap();
        assert_eq!(verified.header.alg, alg);
        assert_eq!(verified.header.typ.as_deref(), Some("JWT"));
        assert_eq!(&*verified.header.kid, key.kid());
        // Private JWK round trip keeps kid, alg and the ability to sign.
        let again = Key::from_jwk_str(key.to_private_jwk().unwrap().expose_secret()).unwrap();
        assert_eq!((again.kid(), again.alg()), (key.kid(), alg));
        let resigned = again.sign(&NewClaims::new(), now(), &mut OsRng).unwrap();
        v.verify(resigned.token.expose_secret(), now()).unwrap();
        // Debug never shows material.
        let debug = format!("{key:?}");
        assert!(debug.contains("[redacted]"), "{debug}");
        let jwk: Value =
            serde_json::from_str(key.to_private_jwk().unwrap().expose_secret()).unwrap();
        for secret in ["d", "k", "p", "q"] {
            if let Some(s) = jwk.get(secret).and_then(Value::as_str) {
                assert!(!debug.contains(s));
            }
        }
    }
}

#[test]
fn rsa_sizes_and_hmac_rules() {
    for (bits, len) in [(RsaBits::B3072, 384), (RsaBits::B4096, 512)] {
        let key = Key::generate(KeySpec::new(Algorithm::PS384).with_rsa_bits(bits)).unwrap();
        assert_eq!(key.signature_len(), len);
    }
    assert_eq!(RsaBits::from_bits(1024).unwrap_err().kind(), "setting");
    assert!(matches!(
        Key::hmac(Algorithm::RS256, &[0; 64]),
        Err(JwtError::KeyUse(_))
    ));
    assert!(matches!(
        Key::hmac(Algorithm::HS512, &[0; 63]),
        Err(JwtError::InvalidKey(_))
    ));
    assert!(matches!(
        es256().with_alg(Algorithm::HS256),
        Err(JwtError::KeyUse(_))
    ));
    // A public key cannot sign.
    let public = es256().public_key().unwrap();
    assert!(matches!(
        public.sign(&NewClaims::new(), now(), &mut OsRng),
        Err(JwtError::KeyUse(_))
    ));
    assert!(matches!(
        Key::hmac(Algorithm::HS256, &[1; 32]).unwrap().public_key(),
        Err(JwtError::KeyUse(_))
    ));
}

#[test]
fn jwks_reading_skips_unusable_members() {
    let key = es256();
    let hmac = Key::generate(KeySpec::new(Algorithm::HS256)).unwrap();
    let hmac_jwk: Value =
        serde_json::from_str(hmac.to_private_jwk().unwrap().expose_secret()).unwrap();
    let doc = json!({"keys": [
        key.to_public_jwk().unwrap(),
        hmac_jwk,
        {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
        {"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kty": "weird"},
        7,
    ]});
    let set = Jwks::from_json(&doc.to_string()).unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.get(key.kid()).is_some());
    assert!(Jwks::from_json("[]").is_err());
    assert!(Jwks::from_json("{\"keys\": 5}").is_err());
    let dup = json!({"keys": [key.to_public_jwk().unwrap(), key.to_public_jwk().unwrap()]});
    assert_eq!(
        Jwks::from_json(&dup.to_string()).unwrap_err(),
        JwtError::DuplicateKid
    );
}

#[test]
fn key_set_lifecycle() {
    let policy = RotationPolicy::new(KeySpec::new(Algorithm::EdDSA))
        .with_grace(Duration::hours(2))
        .unwrap();
    let t0 = now();
    let mut set = KeySet::new(policy, t0).unwrap();
    let first = set.current().unwrap().kid().to_owned();
    let next: String = set
        .entries()
        .find(|e| e.state == KeyState::Next)
        .unwrap()
        .key
        .kid()
        .to_owned();
    let old = set
        .sign(
            &NewClaims::new().lifetime(Duration::minutes(30)).unwrap(),
            t0,
            &mut OsRng,
        )
        .unwrap();
    assert_eq!(old.kid, first);

    set.rotate(t0 + Duration::hours(1)).unwrap();
    assert_eq!(set.current().unwrap().kid(), next, "next becomes current");
    assert_eq!(set.get(&first).unwrap().state, KeyState::Retired);
    let t1 = t0 + Duration::hours(1);
    let published = |set: &KeySet, at| -> Vec<String> {
        set.public_jwks(at).unwrap()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(published(&set, t1).len(), 3);
    assert!(published(&set, t1).contains(&first));
    // The old token still verifies within its lifetime.
    let leeway_free = |set: &KeySet, at| set.verifier(at).unwrap().leeway(Duration::ZERO).unwrap();
    leeway_free(&set, t0 + Duration::minutes(20))
        .verify(old.token.expose_secret(), t0 + Duration::minutes(20))
        .unwrap();
    // After the grace period the retired key is no longer published, then removed.
    let t2 = t1 + Duration::hours(2);
    assert!(!published(&set, t2).contains(&first));
    assert_eq!(
        leeway_free(&set, t2)
            .verify(old.token.expose_secret(), t2)
            .unwrap_err(),
        JwtError::UnknownKid
    );
    set.rotate(t2).unwrap();
    assert!(set.get(&first).is_none());
    assert_eq!(set.entries().count(), 3);

    // Serde round trip keeps states and keys; the public document has no private parts.
    let stored = serde_json::to_string(&set).unwrap();
    let back: KeySet = serde_json::from_str(&stored).unwrap();
    assert_eq!(back.current().unwrap().kid(), set.current().unwrap().kid());
    let states: Vec<KeyState> = back.entries().map(|e: &KeyEntry| e.state).collect();
    assert_eq!(states, set.entries().map(|e| e.state).collect::<Vec<_>>());
    let doc = back.public_jwks(t2).unwrap().to_string();
    assert!(!doc.contains("\"d\""), "{doc}");
    assert!(
        stored.contains("\"d\""),
        "the persisted set keeps private keys"
    );

    // HMAC key sets sign and verify, and never publish.
    let hs = KeySet::new(RotationPolicy::new(KeySpec::new(Algorithm::HS256)), t0).unwrap();
    assert_eq!(hs.public_jwks(t0).unwrap(), json!({"keys": []}));
    let token = hs.sign(&NewClaims::new(), t0, &mut OsRng).unwrap();
    hs.verifier(t0)
        .unwrap()
        .verify(token.token.expose_secret(), t0)
        .unwrap();
    // A public key cannot become current.
    let mut s = KeySet::empty(policy);
    assert!(
        s.add(es256().public_key().unwrap(), KeyState::Current, t0)
            .is_err()
    );
    assert_eq!(
        s.sign(&NewClaims::new(), t0, &mut OsRng).unwrap_err(),
        JwtError::NoSigningKey
    );
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct SessionClaims {
    #[serde(rename = "https://portcullis.dev/session")]
    session: SessionInfo,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct SessionInfo {
    id: String,
    factors: Vec<String>,
}

#[test]
fn custom_claims_typed_and_reserved() {
    let key = es256();
    let custom = SessionClaims {
        session: SessionInfo {
            id: "s_1".into(),
            factors: vec!["password".into()],
        },
    };
    let claims = NewClaims::new()
        .issuer("https://auth.example")
        .subject("user_1")
        .audience(Audience::Many(vec!["a".into(), "b".into()]))
        .lifetime(Duration::minutes(5))
        .unwrap()
        .jti("jti_fixed")
        .custom(&custom)
        .unwrap();
    let signed = key.sign(&claims, now(), &mut OsRng).unwrap();
    assert_eq!(signed.jti.as_deref(), Some("jti_fixed"));
    assert_eq!(signed.expires_at, Some(now() + Duration::minutes(5)));
    let v = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap())
        .issuer("https://auth.example")
        .audience("b");
    let verified = v
        .verify_as::<SessionClaims>(signed.token.expose_secret(), now())
        .unwrap();
    assert_eq!(verified.claims.custom, custom);
    assert_eq!(verified.claims.jti.as_deref(), Some("jti_fixed"));
    assert_eq!(verified.claims.iat, Some(now()));

    for name in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
        assert_eq!(
            NewClaims::new().claim(name, json!(1)).unwrap_err(),
            JwtError::ReservedClaim(name.into())
        );
        assert_eq!(
            NewClaims::new().custom(&json!({ name: 1 })).unwrap_err(),
            JwtError::ReservedClaim(name.into())
        );
    }
    assert_eq!(
        NewClaims::new().custom(&json!([1])).unwrap_err(),
        JwtError::ClaimsNotObject
    );
    assert!(NewClaims::new().lifetime(Duration::ZERO).is_err());
    assert!(NewClaims::new().lifetime(Duration::days(401)).is_err());
    // Random jtis differ; PropelAuth-style minutes work.
    let a = key
        .sign(
            &NewClaims::new().lifetime_minutes(15).unwrap(),
            now(),
            &mut OsRng,
        )
        .unwrap();
    let b = key.sign(&NewClaims::new(), now(), &mut OsRng).unwrap();
    assert_ne!(a.jti, b.jti);
    assert_eq!(a.expires_at, Some(now() + Duration::minutes(15)));
}

#[test]
fn time_claims_issuer_audience_and_type() {
    let key = es256();
    let v = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap());
    let sign = |claims: NewClaims| {
        key.sign(&claims, now(), &mut OsRng)
            .unwrap()
            .token
            .expose_secret()
            .to_owned()
    };
    let five = sign(NewClaims::new().lifetime(Duration::minutes(5)).unwrap());
    // Leeway 60 s on exp.
    assert!(v.verify(&five, now() + Duration::seconds(359)).is_ok());
    assert_eq!(
        v.verify(&five, now() + Duration::seconds(360)).unwrap_err(),
        JwtError::Expired
    );
    let strict = v.clone().leeway(Duration::ZERO).unwrap();
    assert_eq!(
        strict
            .verify(&five, now() + Duration::seconds(300))
            .unwrap_err(),
        JwtError::Expired
    );
    assert!(v.clone().leeway(Duration::minutes(11)).is_err());
    // nbf and iat in the future.
    let later = sign(NewClaims::new().not_before(now() + Duration::minutes(5)));
    assert_eq!(v.verify(&later, now()).unwrap_err(), JwtError::NotYetValid);
    assert!(v.verify(&later, now() + Duration::minutes(4)).is_ok());
    let future = key
        .sign(&NewClaims::new(), now() + Duration::minutes(2), &mut OsRng)
        .unwrap();
    assert_eq!(
        v.verify(future.token.expose_secret(), now()).unwrap_err(),
        JwtError::IssuedInFuture
    );
    // exp required by default.
    let forever = sign(NewClaims::new().danger_no_expiry());
    assert_eq!(
        v.verify(&forever, now()).unwrap_err(),
        JwtError::MissingClaim("exp")
    );
    assert!(
        v.clone()
            .danger_allow_missing_exp()
            .verify(&forever, now())
            .is_ok()
    );
    // Issuer and audience exactly.
    let t = sign(NewClaims::new().issuer("https://a.example").audience("api"));
    assert_eq!(
        v.clone()
            .issuer("https://a.example/")
            .verify(&t, now())
            .unwrap_err(),
        JwtError::WrongIssuer
    );
    assert_eq!(
        v.clone().audience("API").verify(&t, now()).unwrap_err(),
        JwtError::WrongAudience
    );
    assert!(
        v.clone()
            .issuer("https://a.example")
            .audience("other")
            .audience("api")
            .verify(&t, now())
            .is_ok()
    );
    let no_aud = sign(NewClaims::new());
    assert_eq!(
        v.clone()
            .audience("api")
            .verify(&no_aud, now())
            .unwrap_err(),
        JwtError::WrongAudience
    );
    assert_eq!(
        v.clone().issuer("x").verify(&no_aud, now()).unwrap_err(),
        JwtError::WrongIssuer
    );
    // typ.
    let at = sign(NewClaims::new().typ("at+jwt"));
    let app = sign(NewClaims::new().typ("application/AT+JWT"));
    let need = v.clone().required_typ("at+jwt");
    assert!(need.verify(&at, now()).is_ok());
    assert!(need.verify(&app, now()).is_ok());
    assert_eq!(need.verify(&five, now()).unwrap_err(), JwtError::WrongType);
    // A default header (recognised without parsing) still reports and checks its typ.
    let default = v.clone().required_typ("jwt").verify(&five, now()).unwrap();
    assert_eq!(default.header.typ.as_deref(), Some("JWT"));
    // Multi-byte text around the prefix boundary is compared, never sliced apart.
    for typ in ["aéééééé", "application/", "applicationé/at+jwt", "ééééééé"] {
        let odd = sign(NewClaims::new().typ(typ));
        assert_eq!(
            need.verify(&odd, now()).unwrap_err(),
            JwtError::WrongType,
            "{typ}"
        );
    }
    assert!(v.clone().max_len(10).is_err());
}

#[test]
fn verify_allow_expired_reports_expiry_only_for_good_signatures() {
    let key = es256();
    let v = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap()).issuer("iss");
    let signed = key
        .sign(
            &NewClaims::new()
                .issuer("iss")
                .lifetime(Duration::minutes(5))
                .unwrap(),
            now(),
            &mut OsRng,
        )
        .unwrap();
    let token = signed.token.expose_secret();
    let later = now() + Duration::hours(3);
    assert_eq!(v.verify(token, later).unwrap_err(), JwtError::Expired);
    let m = v
        .verify_allow_expired::<serde_json::Map<String, Value>>(token, later)
        .unwrap();
    assert!(m.expired);
    assert_eq!(m.verified.claims.jti, signed.jti);
    let fresh = v
        .verify_allow_expired::<serde_json::Map<String, Value>>(token, now())
        .unwrap();
    assert!(!fresh.expired);
    // A bad signature is still a bad signature, not "expired".
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(
        v.verify_allow_expired::<Value>(&forged, later).unwrap_err(),
        JwtError::BadSignature | JwtError::Malformed(_)
    ));
    // Other checks still apply.
    assert_eq!(
        v.clone()
            .audience("x")
            .verify_allow_expired::<Value>(token, later)
            .unwrap_err(),
        JwtError::WrongAudience
    );
}

#[test]
fn deny_list_by_issuer_and_jti() {
    let key = es256();
    let list = Arc::new(MemoryDenyList::default());
    let v = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap())
        .deny_list(list.clone());
    let signed = key
        .sign(
            &NewClaims::new().issuer("https://a.example"),
            now(),
            &mut OsRng,
        )
        .unwrap();
    let token = signed.token.expose_secret();
    assert!(v.verify(token, now()).is_ok());
    list.deny(
        "https://b.example",
        signed.jti.as_deref().unwrap(),
        signed.expires_at.unwrap(),
    );
    assert!(v.verify(token, now()).is_ok(), "another issuer's jti");
    list.deny(
        "https://a.example",
        signed.jti.as_deref().unwrap(),
        signed.expires_at.unwrap(),
    );
    assert_eq!(v.verify(token, now()).unwrap_err(), JwtError::Revoked);
    assert_eq!(list.purge(now() + Duration::hours(2)), 2);
    let no_jti = key
        .sign(&NewClaims::new().without_jti(), now(), &mut OsRng)
        .unwrap();
    assert_eq!(
        v.verify(no_jti.token.expose_secret(), now()).unwrap_err(),
        JwtError::MissingClaim("jti")
    );
}

fn refresh_tokens() -> RefreshTokens {
    RefreshTokens::new(RefreshPolicy::default(), Digester::Sha256, &[9u8; 32]).unwrap()
}

/// After the HMAC key of the digests rotates, a family stored under the old key still
/// rotates (its token is matched under the old key), instead of being revoked as reused.
#[test]
fn refresh_families_survive_an_hmac_key_rotation() {
    use portcullis_token::{KeyId, KeyRing};
    let old = KeyRing::new(KeyId::new("k1").unwrap(), &[1u8; 32]).unwrap();
    let rotated = old
        .clone()
        .rotate_to(KeyId::new("k2").unwrap(), &[2u8; 32])
        .unwrap();
    let before =
        RefreshTokens::new(RefreshPolicy::default(), Digester::Hmac(old), &[9u8; 32]).unwrap();
    let after = RefreshTokens::new(
        RefreshPolicy::default(),
        Digester::Hmac(rotated),
        &[9u8; 32],
    )
    .unwrap();
    let t0 = now();
    let (first, mut family) = before.start(&mut OsRng, "user_1", vec!["read".into()], t0);
    let first = first.render().expose_secret().to_owned();
    let next = after
        .rotate(&mut family, &first, None, t0 + Duration::minutes(1))
        .unwrap();
    assert!(!next.in_grace);
    assert!(family.revoked_at.is_none());
    assert_eq!(family.current.key_id().map(KeyId::as_str), Some("k2"));
    // Its successor rotates on under the new key.
    let next = next.token.render().expose_secret().to_owned();
    after
        .rotate(&mut family, &next, None, t0 + Duration::minutes(2))
        .unwrap();
}

#[test]
fn refresh_family_rules() {
    let tokens = refresh_tokens();
    let t0 = now();
    let scopes = vec!["read".to_owned(), "write".to_owned()];
    let (first, mut family) = tokens.start(&mut OsRng, "user_1", scopes.clone(), t0);
    let first = first.render().expose_secret().to_owned();
    assert_eq!(family.expires_at, t0 + Duration::days(7));

    let second = tokens
        .rotate(&mut family, &first, None, t0 + Duration::hours(1))
        .unwrap();
    assert!(!second.in_grace);
    assert_eq!(second.scopes, scopes);
    assert_eq!(second.token.id().to_string(), family.family_id);
    let second_text = second.token.render().expose_secret().to_owned();
    assert_ne!(second_text, first);
    // Concurrent presenter within 30 s: the same successor, family intact.
    let twin = tokens
        .rotate(
            &mut family,
            &first,
            None,
            t0 + Duration::hours(1) + Duration::seconds(30),
        )
        .unwrap();
    assert!(twin.in_grace);
    assert_eq!(twin.token.render().expose_secret(), second_text);
    assert!(family.revoked_at.is_none());
    // Narrowing is allowed, widening refused (and nothing is written).
    let narrowed = tokens
        .rotate(
            &mut family,
            &second_text,
            Some(&["read".to_owned()]),
            t0 + Duration::hours(2),
        )
        .unwrap();
    assert_eq!(narrowed.scopes, vec!["read".to_owned()]);
    let third = narrowed.token.render().expose_secret().to_owned();
    let before = family.clone();
    assert_eq!(
        tokens
            .rotate(
                &mut family,
                &third,
                Some(&["admin".to_owned()]),
                t0 + Duration::hours(3)
            )
            .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::ScopeWidened)
    );
    assert_eq!(family, before);
    // Absolute lifetime is never extended.
    assert_eq!(narrowed.expires_at, t0 + Duration::days(7));
    assert_eq!(
        tokens
            .rotate(&mut family.clone(), &third, None, t0 + Duration::days(7))
            .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Expired)
    );
    // Reuse of an old token outside grace revokes the family; afterwards even the current one fails.
    assert_eq!(
        tokens
            .rotate(&mut family, &second_text, None, t0 + Duration::hours(4))
            .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Reused)
    );
    assert!(family.revoked_at.is_some());
    assert_eq!(
        tokens
            .rotate(&mut family, &third, None, t0 + Duration::hours(4))
            .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Revoked)
    );
    // Garbage and other families' tokens.
    assert_eq!(
        tokens.rotate(&mut family, "nope", None, t0).unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Invalid)
    );
    let (other, _) = tokens.start(&mut OsRng, "user_2", vec![], t0);
    let (_, mut fresh) = tokens.start(&mut OsRng, "user_1", vec![], t0);
    assert_eq!(
        tokens
            .rotate(&mut fresh, other.render().expose_secret(), None, t0)
            .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Invalid)
    );
    assert!(RefreshPolicy::new(Duration::days(1), Duration::minutes(6)).is_err());
    assert!(RefreshTokens::new(RefreshPolicy::default(), Digester::Sha256, &[1; 16]).is_err());
    assert_eq!(format!("{tokens:?}").matches("[redacted]").count(), 1);
}

/// The store's memory backend applies the same rules through `prepare`/`finish`, and
/// the two family records have one serde shape.
#[tokio::test]
async fn refresh_family_matches_portcullis_store() {
    use portcullis_store::model::{RefreshFamily as StoreFamily, Rotation};
    use portcullis_store::{MemoryStore, RefreshFamilyStore};

    let tokens = refresh_tokens();
    let store = MemoryStore::default();
    let t0 = now();
    let (first, family) = tokens.start(&mut OsRng, "user_1", vec!["read".into()], t0);
    let stored: StoreFamily =
        serde_json::from_value(serde_json::to_value(&family).unwrap()).unwrap();
    store.create_family(&stored).await.unwrap();
    let first = first.render().expose_secret().to_owned();

    async fn exchange(
        store: &MemoryStore,
        tokens: &RefreshTokens,
        presented: &str,
        at: OffsetDateTime,
    ) -> Result<portcullis_jwt::refresh::Exchange, JwtError> {
        let prepared = tokens.prepare(presented)?;
        let rotation = store
            .rotate(
                &prepared.family_id,
                &prepared.presented,
                &prepared.successor,
                at,
                tokens.policy().grace(),
            )
            .await
            .unwrap();
        let convert = |f: &StoreFamily| -> RefreshFamily {
            serde_json::from_value(serde_json::to_value(f).unwrap()).unwrap()
        };
        let (family, outcome);
        match rotation {
            Rotation::Rotated(f) => {
                family = convert(&f);
                outcome = StoreOutcome::Rotated(&family);
            }
            Rotation::Grace(f) => {
                family = convert(&f);
                outcome = StoreOutcome::Grace(&family);
            }
            Rotation::Reused => {
                return tokens.finish(prepared, StoreOutcome::Reused, None);
            }
            Rotation::Revoked => {
                return tokens.finish(prepared, StoreOutcome::Revoked, None);
            }
            Rotation::Expired => {
                return tokens.finish(prepared, StoreOutcome::Expired, None);
            }
            _ => {
                return tokens.finish(prepared, StoreOutcome::NotFound, None);
            }
        }
        tokens.finish(prepared.clone(), outcome, None)
    }

    let second = exchange(&store, &tokens, &first, t0 + Duration::minutes(1))
        .await
        .unwrap();
    let twin = exchange(
        &store,
        &tokens,
        &first,
        t0 + Duration::minutes(1) + Duration::seconds(10),
    )
    .await
    .unwrap();
    assert!(twin.in_grace);
    assert_eq!(
        twin.token.render().expose_secret(),
        second.token.render().expose_secret()
    );
    assert_eq!(
        exchange(&store, &tokens, &first, t0 + Duration::minutes(5))
            .await
            .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Reused)
    );
    assert_eq!(
        exchange(
            &store,
            &tokens,
            second.token.render().expose_secret(),
            t0 + Duration::minutes(5)
        )
        .await
        .unwrap_err(),
        JwtError::Refresh(RefreshRefusal::Revoked)
    );
}

#[test]
fn introspection_shapes() {
    let key = es256();
    let v = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap());
    let claims = NewClaims::new()
        .issuer("https://am.example/oauth2")
        .subject("demo")
        .audience("client_1")
        .claim("scope", json!("openid mail"))
        .unwrap()
        .claim("client_id", json!("client_1"))
        .unwrap()
        .claim("mail", json!("demo@example.com"))
        .unwrap()
        .claim("realm", json!("/"))
        .unwrap();
    let signed = key.sign(&claims, now(), &mut OsRng).unwrap();
    let token = signed.token.expose_secret();
    let r = introspect::introspect(&v, token, now());
    assert_eq!(r["active"], true);
    assert_eq!(r["scope"], "openid mail");
    assert_eq!(r["client_id"], "client_1");
    assert_eq!(r["token_type"], "Bearer");
    assert_eq!(r["exp"], signed.expires_at.unwrap().unix_timestamp());
    assert_eq!(r["sub"], "demo");
    assert_eq!(r["aud"], "client_1");
    let info = introspect::introspect_tokeninfo(&v, token, now() + Duration::seconds(100));
    assert_eq!(info["scope"], json!(["openid", "mail"]));
    assert_eq!(info["mail"], "demo@example.com");
    assert_eq!(info["expires_in"], 3500);
    assert_eq!(info["realm"], "/");
    assert!(!info.to_string().contains(token));
    for bad in ["", "x.y.z", &token[..token.len() - 2]] {
        assert_eq!(
            introspect::introspect(&v, bad, now()),
            json!({"active": false})
        );
        assert_eq!(
            introspect::introspect_tokeninfo(&v, bad, now()),
            json!({"active": false})
        );
    }
    assert_eq!(
        introspect::introspect(&v, token, now() + Duration::days(1)),
        json!({"active": false})
    );
}

#[test]
fn oidc_helpers() {
    // OpenID Connect Core 1.0 appendix A.4 (code and token).
    assert_eq!(
        oidc::c_hash(
            Algorithm::RS256,
            "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
        ),
        "LDktKdoQak3Pk0cnXxCltA"
    );
    assert_eq!(
        oidc::at_hash(
            Algorithm::RS256,
            "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        ),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
    assert_eq!(oidc::s_hash(Algorithm::ES384, "state").len(), 32);
    assert_eq!(oidc::at_hash(Algorithm::EdDSA, "t").len(), 43);
    let key = es256();
    let v = Verifier::new(Jwks::from_keys([key.public_key().unwrap()]).unwrap());
    let claims = NewClaims::new()
        .claim("nonce", json!("n-0S6_WzA2Mj"))
        .unwrap()
        .claim("auth_time", json!(now().unix_timestamp() - 600))
        .unwrap()
        .claim("at_hash", json!(oidc::at_hash(Algorithm::ES256, "access")))
        .unwrap();
    let signed = key.sign(&claims, now(), &mut OsRng).unwrap();
    let c = v
        .verify(signed.token.expose_secret(), now())
        .unwrap()
        .claims;
    assert!(oidc::check_nonce(&c, "n-0S6_WzA2Mj").is_ok());
    assert_eq!(
        oidc::check_nonce(&c, "other").unwrap_err(),
        JwtError::WrongNonce
    );
    assert!(oidc::check_at_hash(&c, Algorithm::ES256, "access").is_ok());
    assert!(oidc::check_at_hash(&c, Algorithm::ES256, "other").is_err());
    assert_eq!(
        oidc::check_c_hash(&c, Algorithm::ES256, "code").unwrap_err(),
        JwtError::MissingClaim("c_hash")
    );
    assert_eq!(
        oidc::auth_time(&c).unwrap(),
        Some(now() - Duration::minutes(10))
    );
    assert!(oidc::check_max_age(&c, Duration::minutes(15), now(), Duration::ZERO).is_ok());
    assert_eq!(
        oidc::check_max_age(&c, Duration::minutes(5), now(), Duration::ZERO).unwrap_err(),
        JwtError::AuthTooOld
    );
}
