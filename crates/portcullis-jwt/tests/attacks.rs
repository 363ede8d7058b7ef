//! The attack suite: every token here must be refused, with the right error kind, and
//! no error may echo the token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use portcullis_core::OsRng;
use portcullis_jwt::{Algorithm, Jwks, JwtError, Key, KeySpec, Malformed, NewClaims, Verifier};
use serde_json::{Value, json};
use time::OffsetDateTime;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn payload() -> Value {
    json!({"sub": "admin", "exp": 1_800_000_600, "iat": 1_800_000_000})
}

/// A token with this exact header and payload text, signed by `key` (or with `sig`).
fn craft(header: &str, payload: &str, key: Option<&Key>) -> String {
    let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
    let sig = key
        .map(|k| k.sign_raw(input.as_bytes()).unwrap())
        .unwrap_or_default();
    format!("{input}.{}", B64.encode(sig))
}

fn check(verifier: &Verifier, token: &str, want: &JwtError) {
    let got = verifier.verify(token, now()).unwrap_err();
    assert_eq!(&got, want, "token {token}");
    for text in [format!("{got}"), format!("{got:?}")] {
        for segment in token.split('.').filter(|s| s.len() > 4) {
            assert!(!text.contains(segment), "error echoes the token: {text}");
        }
    }
}

struct Victim {
    rsa: Key,
    ec: Key,
    verifier: Verifier,
}

fn victim() -> Victim {
    let rsa = Key::generate(KeySpec::new(Algorithm::RS256)).unwrap();
    let ec = Key::generate(KeySpec::new(Algorithm::ES256)).unwrap();
    let verifier = Verifier::new(
        Jwks::from_keys([rsa.public_key().unwrap(), ec.public_key().unwrap()]).unwrap(),
    );
    Victim { rsa, ec, verifier }
}

#[test]
fn genuine_tokens_verify() {
    let v = victim();
    for key in [&v.rsa, &v.ec] {
        let header = json!({"alg": key.alg().name(), "kid": key.kid()}).to_string();
        let token = craft(&header, &payload().to_string(), Some(key));
        assert_eq!(
            v.verifier
                .verify(&token, now())
                .unwrap()
                .claims
                .sub
                .as_deref(),
            Some("admin")
        );
    }
}

#[test]
fn alg_none_is_refused_in_any_case() {
    let v = victim();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "kid": v.rsa.kid()}).to_string();
        check(
            &v.verifier,
            &craft(&header, &payload().to_string(), None),
            &JwtError::AlgNone,
        );
    }
    // Also with a signature present.
    let header = json!({"alg": "none", "kid": v.ec.kid()}).to_string();
    check(
        &v.verifier,
        &craft(&header, &payload().to_string(), Some(&v.ec)),
        &JwtError::AlgNone,
    );
}

#[test]
fn hs256_signed_with_the_rsa_public_pem_is_refused() {
    let v = victim();
    let pem = v.rsa.to_public_pem().unwrap();
    // The attacker's HMAC key is the victim's public key text, the classic confusion.
    let forged_key = Key::hmac(Algorithm::HS256, pem.as_bytes()).unwrap();
    let header = json!({"alg": "HS256", "kid": v.rsa.kid()}).to_string();
    check(
        &v.verifier,
        &craft(&header, &payload().to_string(), Some(&forged_key)),
        &JwtError::AlgorithmMismatch,
    );
    // A set with only the RSA key and a token without kid: same answer.
    let single = Verifier::new(Jwks::from_keys([v.rsa.public_key().unwrap()]).unwrap());
    let header = json!({"alg": "HS256"}).to_string();
    check(
        &single,
        &craft(&header, &payload().to_string(), Some(&forged_key)),
        &JwtError::AlgorithmMismatch,
    );
    // And an HMAC key never verifies an RS256 token.
    let hmac = Key::generate(KeySpec::new(Algorithm::HS256)).unwrap();
    let hmac_only = Verifier::new(Jwks::from_keys([hmac.clone()]).unwrap());
    let header = json!({"alg": "RS256", "kid": hmac.kid()}).to_string();
    check(
        &hmac_only,
        &craft(&header, &payload().to_string(), Some(&v.rsa)),
        &JwtError::AlgorithmMismatch,
    );
}

#[test]
fn other_alg_of_the_same_family_is_refused() {
    let v = victim();
    let ps = v.rsa.clone().with_alg(Algorithm::PS256).unwrap();
    let header = json!({"alg": "PS256", "kid": v.rsa.kid()}).to_string();
    check(
        &v.verifier,
        &craft(&header, &payload().to_string(), Some(&ps)),
        &JwtError::AlgorithmMismatch,
    );
}

#[test]
fn psychic_ecdsa_signature_is_refused() {
    let v = victim();
    let header = json!({"alg": "ES256", "kid": v.ec.kid()}).to_string();
    let input = format!(
        "{}.{}",
        B64.encode(&header),
        B64.encode(payload().to_string())
    );
    check(
        &v.verifier,
        &format!("{input}.{}", B64.encode([0u8; 64])),
        &JwtError::BadSignature,
    );
    // r = s = n (the group order) is as bad as zero.
    let n = hex_decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let sig: Vec<u8> = n.iter().chain(n.iter()).copied().collect();
    check(
        &v.verifier,
        &format!("{input}.{}", B64.encode(sig)),
        &JwtError::BadSignature,
    );
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn unknown_kid_is_refused() {
    let v = victim();
    let stranger = Key::generate(KeySpec::new(Algorithm::ES256)).unwrap();
    let header = json!({"alg": "ES256", "kid": stranger.kid()}).to_string();
    check(
        &v.verifier,
        &craft(&header, &payload().to_string(), Some(&stranger)),
        &JwtError::UnknownKid,
    );
    // No kid with two keys in the set: which one would it be? Refused.
    let header = json!({"alg": "ES256"}).to_string();
    check(
        &v.verifier,
        &craft(&header, &payload().to_string(), Some(&v.ec)),
        &JwtError::UnknownKid,
    );
}

#[test]
fn embedded_jwk_jku_x5u_x5c_are_never_used() {
    let v = victim();
    let attacker = Key::generate(KeySpec::new(Algorithm::ES256)).unwrap();
    let jwk = attacker.to_public_jwk().unwrap();
    // The attacker's key is in the header and its kid names it: not in our set.
    let header = json!({"alg": "ES256", "kid": attacker.kid(), "jwk": jwk}).to_string();
    check(
        &v.verifier,
        &craft(&header, &payload().to_string(), Some(&attacker)),
        &JwtError::UnknownKid,
    );
    // The kid names our key, signed by the attacker: our key is used, and says no.
    for extra in [
        json!({"jwk": jwk}),
        json!({"jku": "https://attacker.example/jwks.json"}),
        json!({"x5u": "https://attacker.example/cert.pem"}),
        json!({"x5c": ["MIIB"]}),
    ] {
        let mut header = json!({"alg": "ES256", "kid": v.ec.kid()});
        header
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        check(
            &v.verifier,
            &craft(&header.to_string(), &payload().to_string(), Some(&attacker)),
            &JwtError::BadSignature,
        );
    }
}

#[test]
fn crit_header_is_refused_even_when_signed() {
    let v = victim();
    for crit in [json!(["exp"]), json!(["b64"]), json!([]), json!("x")] {
        let header =
            json!({"alg": "ES256", "kid": v.ec.kid(), "crit": crit, "exp": 1, "b64": true})
                .to_string();
        check(
            &v.verifier,
            &craft(&header, &payload().to_string(), Some(&v.ec)),
            &JwtError::UnsupportedCrit,
        );
    }
}

#[test]
fn padding_and_non_canonical_base64_are_refused() {
    let v = victim();
    let header = json!({"alg": "ES256", "kid": v.ec.kid()}).to_string();
    let good = craft(&header, &payload().to_string(), Some(&v.ec));
    let parts: Vec<&str> = good.split('.').collect();
    for (i, _) in parts.iter().enumerate() {
        let mut padded: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
        padded[i].push('=');
        check(
            &v.verifier,
            &padded.join("."),
            &JwtError::Malformed(Malformed::Base64),
        );
    }
    // Standard-alphabet characters and whitespace.
    let plus = format!("{}.{}.+{}", parts[0], parts[1], &parts[2][1..]);
    check(&v.verifier, &plus, &JwtError::Malformed(Malformed::Base64));
    check(
        &v.verifier,
        &format!(" {good}"),
        &JwtError::Malformed(Malformed::Base64),
    );
    // Non-zero unused bits in the last character: a second spelling of the same bytes.
    // A 64-byte ES256 signature is 86 characters, so its last one carries 4 unused bits.
    let sig = parts[2];
    assert_eq!(sig.len(), 86);
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let twin = alphabet
        .chars()
        .nth(alphabet.find(last).unwrap() ^ 1)
        .unwrap();
    let token = format!("{}.{}.{}{twin}", parts[0], parts[1], &sig[..sig.len() - 1]);
    check(&v.verifier, &token, &JwtError::Malformed(Malformed::Base64));
}

#[test]
fn wrong_segment_counts_are_refused() {
    let v = victim();
    let header = json!({"alg": "ES256", "kid": v.ec.kid()}).to_string();
    let good = craft(&header, &payload().to_string(), Some(&v.ec));
    let seg = JwtError::Malformed(Malformed::Segments);
    check(&v.verifier, &format!("{good}.extra"), &seg);
    check(&v.verifier, &format!("{good}."), &seg);
    check(&v.verifier, &format!("{good}.a.b"), &seg);
    check(&v.verifier, &good[..good.rfind('.').unwrap()], &seg);
    check(&v.verifier, "", &seg);
    check(&v.verifier, "abc", &seg);
}

#[test]
fn huge_tokens_are_refused_before_decoding() {
    let v = victim();
    let header = json!({"alg": "ES256", "kid": v.ec.kid(), "pad": "x".repeat(9000)}).to_string();
    let token = craft(&header, &payload().to_string(), Some(&v.ec));
    check(&v.verifier, &token, &JwtError::TooLarge);
    let big_payload = json!({"exp": 1_800_000_600, "blob": "y".repeat(20_000)}).to_string();
    let token = craft(
        &json!({"alg": "ES256", "kid": v.ec.kid()}).to_string(),
        &big_payload,
        Some(&v.ec),
    );
    check(&v.verifier, &token, &JwtError::TooLarge);
    // A larger limit accepts it.
    let roomy = v.verifier.clone().max_len(64 * 1024).unwrap();
    assert!(roomy.verify(&token, now()).is_ok());
}

#[test]
fn non_object_json_is_refused() {
    let v = victim();
    let header = json!({"alg": "ES256", "kid": v.ec.kid()}).to_string();
    for body in [
        "[1,2]",
        "null",
        "\"exp\"",
        "123",
        "true",
        "{\"exp\":1800000600",
        "{\"exp\":\"soon\"}",
        "{\"aud\":5,\"exp\":1800000600}",
        "{\"exp\":1800000600,\"exp\":1900000000}",
    ] {
        check(
            &v.verifier,
            &craft(&header, body, Some(&v.ec)),
            &JwtError::Malformed(Malformed::Payload),
        );
    }
    for header in [
        json!(["ES256", v.ec.kid()]).to_string(),
        "null".to_owned(),
        json!({"kid": v.ec.kid()}).to_string(),
        json!({"alg": 256, "kid": v.ec.kid()}).to_string(),
        format!(
            "{{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"{}\"}}",
            v.ec.kid()
        ),
        "{\"alg\":\"ES256\"".to_owned(),
    ] {
        check(
            &v.verifier,
            &craft(&header, &payload().to_string(), Some(&v.ec)),
            &JwtError::Malformed(Malformed::Header),
        );
    }
    // Not UTF-8 at all.
    let token = format!(
        "{}.{}.{}",
        B64.encode([0xff, 0xfe]),
        B64.encode("{}"),
        B64.encode([0; 64])
    );
    check(&v.verifier, &token, &JwtError::Malformed(Malformed::Header));
}

#[test]
fn unsupported_algorithms_are_refused() {
    let v = victim();
    for alg in ["ES512", "RS1", "HS1", "ES256K", "Ed25519"] {
        let header = json!({"alg": alg, "kid": v.ec.kid()}).to_string();
        check(
            &v.verifier,
            &craft(&header, &payload().to_string(), Some(&v.ec)),
            &JwtError::UnsupportedAlgorithm,
        );
    }
}

#[test]
fn signature_of_the_wrong_length_is_malformed() {
    let v = victim();
    let header = json!({"alg": "ES256", "kid": v.ec.kid()}).to_string();
    let input = format!(
        "{}.{}",
        B64.encode(&header),
        B64.encode(payload().to_string())
    );
    // A DER-encoded ECDSA signature (what OpenSSL emits) is not the JWS form.
    check(
        &v.verifier,
        &format!("{input}.{}", B64.encode([0x30u8; 70])),
        &JwtError::Malformed(Malformed::Signature),
    );
    check(
        &v.verifier,
        &format!("{input}."),
        &JwtError::Malformed(Malformed::Signature),
    );
}

#[test]
fn tokens_we_sign_with_another_key_of_the_same_kid_are_refused() {
    let v = victim();
    let impostor = Key::generate(KeySpec::new(Algorithm::ES256))
        .unwrap()
        .with_kid(v.ec.kid());
    let signed = impostor.sign(&NewClaims::new(), now(), &mut OsRng).unwrap();
    check(
        &v.verifier,
        signed.token.expose_secret(),
        &JwtError::BadSignature,
    );
}
