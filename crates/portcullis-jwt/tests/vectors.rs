//! The vectors in `tests/vectors/jwt/` (made by its `generate.py` with PyJWT and
//! jwcrypto, plus the RFCs' own examples), and our tokens for PyJWT to check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;

use portcullis_core::OsRng;
use portcullis_jwt::{Algorithm, Jwks, JwtError, Key, KeySpec, NewClaims, Verifier};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/jwt")
}

fn read_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join(name)).unwrap()).unwrap()
}

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

fn signing_input(token: &str) -> &str {
    &token[..token.rfind('.').unwrap()]
}

fn signature(token: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&token[token.rfind('.').unwrap() + 1..])
        .unwrap()
}

#[test]
fn rfc7515_appendix_a_tokens_verify() {
    let rfc = read_json("rfc.json");
    for (name, alg) in [
        ("rfc7515_a1_hs256", Algorithm::HS256),
        ("rfc7515_a2_rs256", Algorithm::RS256),
        ("rfc7515_a3_es256", Algorithm::ES256),
    ] {
        let v = &rfc[name];
        let key = Key::from_jwk(&v["jwk"]).unwrap();
        assert_eq!(key.alg(), alg, "{name}");
        let token = v["token"].as_str().unwrap();
        let verifier = Verifier::new(Jwks::from_keys([key.clone()]).unwrap());
        let verified = verifier.verify(token, at(1_300_819_000)).unwrap();
        assert_eq!(verified.claims.iss.as_deref(), Some("joe"), "{name}");
        assert_eq!(verified.claims.exp, Some(at(1_300_819_380)), "{name}");
        assert_eq!(
            verified.claims.custom["http://example.com/is_root"],
            json!(true)
        );
        // 1300819380 + 60 s leeway is the first refused second.
        assert_eq!(
            verifier.verify(token, at(1_300_819_439)).map(|_| ()),
            Ok(())
        );
        assert_eq!(
            verifier.verify(token, at(1_300_819_440)).unwrap_err(),
            JwtError::Expired
        );
        // HS256 and RS256 (PKCS#1 v1.5) are deterministic: we must produce the RFC's bytes.
        if alg != Algorithm::ES256 {
            assert_eq!(
                key.sign_raw(signing_input(token).as_bytes()).unwrap(),
                signature(token),
                "{name}"
            );
        }
    }
}

#[test]
fn rfc8037_a4_ed25519_signature_and_thumbprint() {
    let v = &read_json("rfc.json")["rfc8037_a4_ed25519"];
    let key = Key::from_jwk(&v["jwk"]).unwrap();
    assert_eq!(key.alg(), Algorithm::EdDSA);
    assert_eq!(key.kid(), v["thumbprint"].as_str().unwrap());
    let token = v["token"].as_str().unwrap();
    let input = signing_input(token).as_bytes();
    // Ed25519 is deterministic: our signature over the RFC's input is the RFC's.
    assert_eq!(key.sign_raw(input).unwrap(), signature(token));
    key.public_key()
        .unwrap()
        .verify_raw(input, &signature(token))
        .unwrap();
    let mut bad = signature(token);
    bad[0] ^= 1;
    assert_eq!(key.verify_raw(input, &bad), Err(JwtError::BadSignature));
    // The A.4 payload is not a JSON object, so as a JWT it is malformed.
    let verifier = Verifier::new(Jwks::from_keys([key]).unwrap());
    assert_eq!(
        verifier.verify(token, at(0)).unwrap_err(),
        JwtError::Malformed(portcullis_jwt::Malformed::Payload)
    );
}

#[test]
fn rfc7638_thumbprint() {
    let v = &read_json("rfc.json")["rfc7638_3_1"];
    let mut jwk = v["jwk"].clone();
    jwk.as_object_mut().unwrap().remove("kid");
    let key = Key::from_jwk(&jwk).unwrap();
    assert_eq!(
        key.thumbprint(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    assert_eq!(key.kid(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    // A kid in the JWK wins over the thumbprint.
    assert_eq!(Key::from_jwk(&v["jwk"]).unwrap().kid(), "2011-04-29");
}

fn verifier_for(entry: &Value) -> Verifier {
    let alg = entry["alg"].as_str().unwrap();
    let keys = if alg.starts_with("HS") {
        Jwks::from_keys([Key::from_jwk(&entry["private_jwk"]).unwrap()]).unwrap()
    } else {
        Jwks::from_json(&json!({ "keys": [entry["public_jwk"]] }).to_string()).unwrap()
    };
    assert_eq!(keys.len(), 1, "{alg}");
    Verifier::new(keys)
        .issuer("https://issuer.example")
        .audience("portcullis-tests")
}

#[test]
fn pyjwt_and_jwcrypto_tokens() {
    let keys = read_json("keys.json");
    let text = std::fs::read_to_string(dir().join("tokens.jsonl")).unwrap();
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for line in text.lines() {
        let t: Value = serde_json::from_str(line).unwrap();
        let alg = t["alg"].as_str().unwrap();
        let verifier = verifier_for(&keys[alg]);
        let outcome = verifier.verify(t["token"].as_str().unwrap(), at(t["now"].as_i64().unwrap()));
        let got = match &outcome {
            Ok(v) => {
                assert_eq!(v.claims.sub.as_deref(), Some("user_1"));
                assert_eq!(
                    v.claims.custom["https://example.com/claims"]["role"],
                    "admin"
                );
                "ok"
            }
            Err(e) => e.kind(),
        };
        assert_eq!(
            got,
            t["expect"].as_str().unwrap(),
            "{alg} {} {}",
            t["library"],
            t["case"]
        );
        *seen.entry(format!("{alg}/{}", t["case"])).or_default() += 1;
    }
    assert_eq!(seen.len(), 12 * 6, "every algorithm and case");
    assert!(seen.values().all(|&n| n == 2), "both libraries");
}

#[test]
fn jwcrypto_keys_import_in_every_form() {
    let keys = read_json("keys.json");
    for (alg, entry) in keys.as_object().unwrap() {
        let alg: Algorithm = alg.parse().unwrap();
        let private = Key::from_jwk(&entry["private_jwk"]).unwrap();
        assert!(private.is_private());
        assert_eq!(private.alg(), alg);
        // jwcrypto's thumbprint is our default kid.
        let mut no_kid = entry["private_jwk"].clone();
        no_kid.as_object_mut().unwrap().remove("kid");
        assert_eq!(
            Key::from_jwk(&no_kid).unwrap().kid(),
            entry["kid"].as_str().unwrap(),
            "{alg}"
        );
        if alg.is_hmac() {
            assert!(
                private.to_public_jwk().is_err(),
                "HMAC keys are never published"
            );
            continue;
        }
        let public = private.to_public_jwk().unwrap();
        for member in ["kty", "n", "e", "crv", "x", "y", "kid", "alg"] {
            assert_eq!(
                public.get(member),
                entry["public_jwk"].get(member),
                "{alg} {member}"
            );
        }
        assert!(public.get("d").is_none());
        let from_pem = Key::from_pem(entry["pkcs8_pem"].as_str().unwrap(), Some(alg)).unwrap();
        assert_eq!(from_pem.kid(), entry["kid"].as_str().unwrap());
        assert!(from_pem.is_private());
        let from_spki = Key::from_pem(entry["spki_pem"].as_str().unwrap(), Some(alg)).unwrap();
        assert_eq!(from_spki.kid(), entry["kid"].as_str().unwrap());
        assert!(!from_spki.is_private());
        // A key signs; its PEM and JWK round trips verify.
        let signed = from_pem
            .sign(&NewClaims::new(), OffsetDateTime::now_utc(), &mut OsRng)
            .unwrap();
        let reread =
            Key::from_pem(from_pem.to_pkcs8_pem().unwrap().expose_secret(), Some(alg)).unwrap();
        let via_jwk = Key::from_jwk_str(reread.to_private_jwk().unwrap().expose_secret()).unwrap();
        let spki = Key::from_pem(&via_jwk.to_public_pem().unwrap(), Some(alg)).unwrap();
        Verifier::new(Jwks::from_keys([spki]).unwrap())
            .verify(signed.token.expose_secret(), OffsetDateTime::now_utc())
            .unwrap();
    }
}

/// Tokens we sign, for `generate.py --check-ours` (PyJWT and jwcrypto) to verify.
/// `PORTCULLIS_WRITE_VECTORS=1` rewrites the file; otherwise the committed tokens must
/// still verify here, so the file and the code cannot drift apart.
#[test]
fn ours_for_pyjwt() {
    let path = dir().join("ours.jsonl");
    let iss = "https://portcullis.example";
    let aud = "pyjwt";
    if std::env::var_os("PORTCULLIS_WRITE_VECTORS").is_some() {
        let now = at(1_796_083_200); // 2026-12-01
        let mut out = String::new();
        for alg in portcullis_jwt::alg::ALL {
            let key = Key::generate(KeySpec::new(alg)).unwrap();
            let jwk: Value = if alg.is_hmac() {
                serde_json::from_str(key.to_private_jwk().unwrap().expose_secret()).unwrap()
            } else {
                key.to_public_jwk().unwrap()
            };
            let claims = NewClaims::new()
                .issuer(iss)
                .subject("user_1")
                .audience(vec![aud.to_owned(), "other".to_owned()])
                .lifetime(Duration::minutes(5))
                .unwrap()
                .claim(
                    "https://example.com/session",
                    json!({"id": "s_1", "n": [1, 2]}),
                )
                .unwrap();
            let signed = key.sign(&claims, now, &mut OsRng).unwrap();
            let verified = Verifier::new(Jwks::from_keys([key]).unwrap())
                .verify(signed.token.expose_secret(), now)
                .unwrap();
            let line = json!({
                "alg": alg.name(), "jwk": jwk, "token": signed.token.expose_secret(),
                "iss": iss, "aud": aud, "now": now.unix_timestamp(),
                "exp": signed.expires_at.unwrap().unix_timestamp(),
                "claims": serde_json::to_value(&verified.claims).unwrap(),
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        std::fs::write(&path, out).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let mut algs = Vec::new();
    for line in text.lines() {
        let item: Value = serde_json::from_str(line).unwrap();
        let key = Key::from_jwk(&item["jwk"]).unwrap();
        let verified = Verifier::new(Jwks::from_keys([key]).unwrap())
            .issuer(iss)
            .audience(aud)
            .verify(
                item["token"].as_str().unwrap(),
                at(item["now"].as_i64().unwrap()),
            )
            .unwrap();
        assert_eq!(
            serde_json::to_value(&verified.claims).unwrap(),
            item["claims"]
        );
        algs.push(item["alg"].as_str().unwrap().to_owned());
    }
    assert_eq!(algs.len(), 12, "one token per algorithm");
}
