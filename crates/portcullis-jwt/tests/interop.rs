//! Interoperability with the `jsonwebtoken` crate (aws-lc-rs backend), both ways, for
//! every algorithm both implement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use jsonwebtoken as jwt;
use portcullis_core::OsRng;
use portcullis_jwt::{Algorithm, Jwks, Key, KeySpec, NewClaims, Verifier};
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

fn their_alg(alg: Algorithm) -> jwt::Algorithm {
    alg.name().parse().unwrap()
}

fn keys_for(key: &Key) -> (jwt::EncodingKey, jwt::DecodingKey) {
    if key.is_symmetric() {
        let jwk: Value =
            serde_json::from_str(key.to_private_jwk().unwrap().expose_secret()).unwrap();
        let secret = jwk["k"].as_str().unwrap();
        return (
            jwt::EncodingKey::from_base64_secret(&b64_std(secret)).unwrap(),
            jwt::DecodingKey::from_base64_secret(&b64_std(secret)).unwrap(),
        );
    }
    let private = key.to_pkcs8_pem().unwrap();
    let private = private.expose_secret().as_bytes();
    let encoding = match key.alg() {
        Algorithm::ES256 | Algorithm::ES384 => jwt::EncodingKey::from_ec_pem(private),
        Algorithm::EdDSA => jwt::EncodingKey::from_ed_pem(private),
        _ => jwt::EncodingKey::from_rsa_pem(private),
    }
    .unwrap();
    // Their decoding key from our public JWK document.
    let jwk: jwt::jwk::Jwk = serde_json::from_value(key.to_public_jwk().unwrap()).unwrap();
    (encoding, jwt::DecodingKey::from_jwk(&jwk).unwrap())
}

fn b64_std(url: &str) -> String {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(url)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[test]
fn ours_verified_by_jsonwebtoken_and_theirs_by_us() {
    let now = OffsetDateTime::now_utc();
    for alg in portcullis_jwt::alg::ALL {
        let key = Key::generate(KeySpec::new(alg)).unwrap();
        let (encoding, decoding) = keys_for(&key);
        let mut validation = jwt::Validation::new(their_alg(alg));
        validation.set_issuer(&["https://auth.example"]);
        validation.set_audience(&["api"]);

        // Ours -> theirs.
        let claims = NewClaims::new()
            .issuer("https://auth.example")
            .subject("user_1")
            .audience("api")
            .lifetime(Duration::minutes(5))
            .unwrap()
            .claim("https://example.com/roles", json!(["admin"]))
            .unwrap();
        let signed = key.sign(&claims, now, &mut OsRng).unwrap();
        let data =
            jwt::decode::<Map<String, Value>>(signed.token.expose_secret(), &decoding, &validation)
                .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
        assert_eq!(data.claims["sub"], "user_1");
        assert_eq!(data.claims["jti"].as_str(), signed.jti.as_deref());
        assert_eq!(data.claims["https://example.com/roles"], json!(["admin"]));

        // Theirs -> ours.
        let mut header = jwt::Header::new(their_alg(alg));
        header.kid = Some(key.kid().to_owned());
        let body = json!({
            "iss": "https://auth.example", "aud": ["api", "other"], "sub": "user_2",
            "exp": (now + Duration::minutes(5)).unix_timestamp(), "iat": now.unix_timestamp(),
        });
        let token = jwt::encode(&header, &body, &encoding).unwrap();
        let verify_key = if alg.is_hmac() {
            key.clone()
        } else {
            key.public_key().unwrap()
        };
        let verified = Verifier::new(Jwks::from_keys([verify_key]).unwrap())
            .issuer("https://auth.example")
            .audience("api")
            .verify(&token, now)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(verified.claims.sub.as_deref(), Some("user_2"));
        assert_eq!(verified.header.alg, alg);
    }
}
