//! Targets for the portcullis-jwt decoders: compact JWS verification, JWK and JWKS
//! parsing.
//!
//! The verifier's keys are fixed (test keys, published here on purpose) so that seed
//! tokens signed by them reach the claim checks.

use std::sync::OnceLock;

use portcullis_core::{OffsetDateTime, OsRng};
use portcullis_jwt::{Jwks, JwtError, Key, Malformed, NewClaims, Verifier};

const ES256_JWK: &str = r#"{"kty":"EC","crv":"P-256","x":"Lf5I0oh1xZOyE9L3EaQ7KYK8f-koClrj26uV6qp2WPg","y":"6EMC0NUa1A_ZnSKelDk13g46Fpl7kAq9RQhB0n6MrNY","d":"9TZXFTbhC3ALHOqyYuiQITNrUEH3XXSHOa34O9XVF_M","kid":"fuzz-es256","alg":"ES256"}"#;
const EDDSA_JWK: &str = r#"{"kty":"OKP","crv":"Ed25519","x":"jvc1aGTD_v4m8qO9ww56sbCxAj3VmnTp3PyzSEEvdrA","d":"97R2bov2SRdnohAUdAVPKPHNXCK3QYHdaCHWzUxin5E","kid":"fuzz-eddsa","alg":"EdDSA"}"#;
const HS256_JWK: &str = r#"{"kty":"oct","k":"uq09zQL02P851J07qzpo2XWUViO5j-tTFPfcChlptqA","kid":"fuzz-hs256","alg":"HS256"}"#;

fn keys() -> &'static [Key] {
    static KEYS: OnceLock<Vec<Key>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [ES256_JWK, EDDSA_JWK, HS256_JWK]
            .iter()
            .map(|jwk| Key::from_jwk_str(jwk).unwrap())
            .collect()
    })
}

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let keys = keys().iter().map(|k| {
            if k.is_symmetric() {
                k.clone()
            } else {
                k.public_key().unwrap()
            }
        });
        Verifier::new(Jwks::from_keys(keys).unwrap())
            .issuer("https://fuzz.example")
            .audience("fuzz")
    })
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap()
}

fn no_echo(error: &JwtError, _input: &str) {
    // Errors of a decoder carry only fixed text and typed details, never a string
    // taken from the input: the two variants with a dynamic string (a caller's claim
    // name, a transport failure) cannot come from decoding. Comparing the message with
    // the input instead would flag inputs that merely spell part of a fixed message.
    assert!(
        !matches!(error, JwtError::ReservedClaim(_) | JwtError::Fetch(_)),
        "decoder error with a dynamic string: {error:?}"
    );
}

/// Arbitrary bytes as a token: never a panic, never an error echoing the input, and an
/// accepted token re-verifies to the same claims and survives no single-byte change
/// of its signature. Inputs that start with `{` are also signed as a payload by every
/// key: such a token must never fail for a reason of form or signature.
pub fn verify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let v = verifier();
    match v.verify(text, now()) {
        Ok(verified) => {
            let again = v.verify(text, now()).unwrap();
            assert_eq!(again, verified);
            let dot = text.rfind('.').unwrap();
            let mut bytes = text.as_bytes().to_vec();
            bytes[dot + 1] = if bytes[dot + 1] == b'A' { b'B' } else { b'A' };
            let changed = std::str::from_utf8(&bytes).unwrap();
            assert!(
                v.verify(changed, now()).is_err(),
                "a changed signature verified"
            );
        }
        Err(error) => no_echo(&error, text),
    }
    if text.trim_start().starts_with('{')
        && text.len() < 4096
        && let Ok(payload) =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
    {
        for key in keys() {
            let token = key.sign_payload(Some("JWT"), &payload).unwrap();
            match v.verify(token.expose_secret(), now()) {
                Ok(verified) => assert_eq!(&*verified.header.kid, key.kid()),
                Err(JwtError::Malformed(Malformed::Payload)) => {
                    // Registered claims of the wrong type (say "exp": "soon").
                }
                Err(
                    e @ (JwtError::Malformed(_)
                    | JwtError::BadSignature
                    | JwtError::UnknownKid
                    | JwtError::AlgorithmMismatch
                    | JwtError::TooLarge),
                ) => panic!("our own token refused as {e:?}"),
                Err(_) => {}
            }
        }
    }
}

/// Arbitrary bytes as a JWK: an accepted key exports and re-imports to the same kid
/// and thumbprint; a private key signs a token its public half verifies.
pub fn jwk(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = match Key::from_jwk_str(text) {
        Ok(key) => key,
        Err(error) => return no_echo(&error, text),
    };
    let thumb = key.thumbprint();
    if key.is_private() {
        let again = Key::from_jwk_str(key.to_private_jwk().unwrap().expose_secret()).unwrap();
        assert_eq!(
            (again.kid(), again.thumbprint(), again.alg()),
            (key.kid(), thumb.clone(), key.alg())
        );
        let signed = key.sign(&NewClaims::new(), now(), &mut OsRng).unwrap();
        let check = if key.is_symmetric() {
            key.clone()
        } else {
            key.public_key().unwrap()
        };
        Verifier::new(Jwks::from_keys([check]).unwrap())
            .verify(signed.token.expose_secret(), now())
            .unwrap();
    }
    if !key.is_symmetric() {
        let public = Key::from_jwk(&key.to_public_jwk().unwrap()).unwrap();
        assert_eq!((public.kid(), public.thumbprint()), (key.kid(), thumb));
        assert!(!public.is_private());
        let pem = Key::from_pem(&key.to_public_pem().unwrap(), Some(key.alg())).unwrap();
        assert_eq!(pem.thumbprint(), public.thumbprint());
    }
}

/// Arbitrary bytes as a JWKS: an accepted set publishes a document that reads back to
/// the same kids, and holds no private or symmetric key.
pub fn jwks(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let set = match Jwks::from_json(text) {
        Ok(set) => set,
        Err(error) => return no_echo(&error, text),
    };
    assert!(set.keys().all(|k| !k.is_private() && !k.is_symmetric()));
    let doc = set.to_json().unwrap().to_string();
    let again = Jwks::from_json(&doc).unwrap();
    let kids = |s: &Jwks| s.keys().map(|k| k.kid().to_owned()).collect::<Vec<_>>();
    assert_eq!(kids(&again), kids(&set));
}
