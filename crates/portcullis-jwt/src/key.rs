//! Signing and verification keys: generation, PKCS#8 PEM, JWK (RFC 7517, 7518 section 6,
//! RFC 8037) and the RFC 7638 thumbprint.
//!
//! A [`Key`] holds one algorithm and its material already parsed into aws-lc-rs objects
//! (an `rsa::KeyPair`, an `EcdsaKeyPair`, an `Ed25519KeyPair`, an `hmac::Key`, or a
//! `ParsedPublicKey`), so signing and verifying never re-parse DER or JWK members. This
//! is the main difference from `jsonwebtoken`, whose `EncodingKey` keeps DER bytes and
//! parses them on every `encode` (measured at 2.56x bare RS256 signing on this machine)
//! and whose `DecodingKey` for RSA re-builds the key on every `decode`.
//!
//! Key generation and the RSA/ECDSA signing nonces use aws-lc-rs's own CSPRNG, which
//! does not accept a caller's generator: that is the one place this crate draws
//! randomness the caller did not pass in.
//!
//! HMAC keys exist only when created as symmetric ([`Key::generate`] with an HS
//! algorithm, [`Key::hmac`], or an `oct` JWK), so an RSA public key can never be
//! turned into an HMAC secret (the classic HS256-with-the-public-PEM attack).

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsBigEndian, AsDer};
use aws_lc_rs::rsa::{KeyPairComponents, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey};
use aws_lc_rs::{hmac, rand as lc_rand};
use pkcs8::der::Decode as _;
use portcullis_core::{SecretBytes, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::alg::Algorithm;
use crate::b64;
use crate::error::JwtError;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";

/// RSA modulus sizes [`Key::generate`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RsaBits {
    /// 2048 bits (the default; RFC 7518 section 3.3 minimum).
    #[serde(rename = "2048")]
    B2048,
    /// 3072 bits.
    #[serde(rename = "3072")]
    B3072,
    /// 4096 bits.
    #[serde(rename = "4096")]
    B4096,
}

impl RsaBits {
    /// Parses 2048, 3072 or 4096.
    ///
    /// # Errors
    /// [`JwtError::Setting`] for any other size.
    pub fn from_bits(bits: u32) -> Result<Self, JwtError> {
        match bits {
            2048 => Ok(Self::B2048),
            3072 => Ok(Self::B3072),
            4096 => Ok(Self::B4096),
            _ => Err(JwtError::Setting("RSA keys are 2048, 3072 or 4096 bits")),
        }
    }
}

/// What to generate: an algorithm, and for RSA a modulus size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySpec {
    /// The algorithm the key will sign with.
    pub alg: Algorithm,
    /// The RSA modulus size (ignored for other algorithms).
    #[serde(default = "default_bits")]
    pub rsa_bits: RsaBits,
}

const fn default_bits() -> RsaBits {
    RsaBits::B2048
}

impl KeySpec {
    /// A spec for `alg` (RSA: 2048 bits).
    #[must_use]
    pub const fn new(alg: Algorithm) -> Self {
        Self {
            alg,
            rsa_bits: RsaBits::B2048,
        }
    }

    /// The same spec with another RSA modulus size.
    #[must_use]
    pub const fn with_rsa_bits(mut self, bits: RsaBits) -> Self {
        self.rsa_bits = bits;
        self
    }
}

/// The key type, as JWK `kty`/`crv` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `oct`: an HMAC secret.
    Oct,
    /// `RSA`.
    Rsa,
    /// `EC` on `P-256`.
    P256,
    /// `EC` on `P-384`.
    P384,
    /// `OKP` on `Ed25519`.
    Ed25519,
}

struct RsaPublic {
    n: Vec<u8>,
    e: Vec<u8>,
}

enum Private {
    None,
    Hmac {
        secret: SecretBytes,
        key: Box<hmac::Key>,
    },
    Rsa(aws_lc_rs::rsa::KeyPair),
    Ec(signature::EcdsaKeyPair),
    Ed(signature::Ed25519KeyPair),
}

enum Public {
    /// HMAC keys have no public half.
    None,
    Rsa(RsaPublic),
    /// The uncompressed SEC1 point `04 || x || y`.
    Ec(Vec<u8>),
    Ed(Vec<u8>),
}

struct Material {
    kty: KeyType,
    private: Private,
    public: Public,
    /// The verification key, parsed once for the key's algorithm (None for HMAC).
    parsed: Option<ParsedPublicKey>,
}

/// A signing or verification key with its algorithm and `kid`.
///
/// Cloning is cheap (the parsed material is shared). `Debug` shows the kid, the
/// algorithm and whether private material is present, never the material.
///
/// ```
/// use portcullis_jwt::{Algorithm, Key, KeySpec};
///
/// let key = Key::generate(KeySpec::new(Algorithm::ES256))?;
/// let public = key.to_public_jwk()?;
/// assert_eq!(public["kty"], "EC");
/// assert!(public.get("d").is_none());
/// let again = Key::from_jwk(&public)?;
/// assert_eq!(again.kid(), key.kid()); // the RFC 7638 thumbprint
/// assert!(!again.is_private());
/// # Ok::<(), portcullis_jwt::JwtError>(())
/// ```
#[derive(Clone)]
pub struct Key {
    /// Shared, so a verified token names its key without copying the kid.
    kid: Arc<str>,
    alg: Algorithm,
    material: Arc<Material>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kty", &self.material.kty)
            .field(
                "private",
                &if self.is_private() {
                    "[redacted]"
                } else {
                    "none"
                },
            )
            .finish()
    }
}

fn crypto<E>(_: E) -> JwtError {
    JwtError::Crypto
}

fn bad(reason: &'static str) -> impl FnOnce(aws_lc_rs::error::KeyRejected) -> JwtError {
    move |_| JwtError::InvalidKey(reason)
}

const fn kty_of(alg: Algorithm) -> KeyType {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => KeyType::Oct,
        Algorithm::ES256 => KeyType::P256,
        Algorithm::ES384 => KeyType::P384,
        Algorithm::EdDSA => KeyType::Ed25519,
        _ => KeyType::Rsa,
    }
}

const fn rsa_params(alg: Algorithm) -> Option<&'static signature::RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn rsa_encoding(alg: Algorithm) -> &'static dyn signature::RsaEncoding {
    match alg {
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => &signature::RSA_PKCS1_SHA256,
    }
}

fn hmac_alg(alg: Algorithm) -> hmac::Algorithm {
    match alg {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    }
}

const fn ec_signing(kty: KeyType) -> &'static signature::EcdsaSigningAlgorithm {
    match kty {
        KeyType::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        _ => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    }
}

const fn coord_len(kty: KeyType) -> usize {
    match kty {
        KeyType::P384 => 48,
        _ => 32,
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn parse_public(alg: Algorithm, public: &Public) -> Result<Option<ParsedPublicKey>, JwtError> {
    let parsed = match public {
        Public::None => return Ok(None),
        Public::Rsa(rsa) => {
            let params =
                rsa_params(alg).ok_or(JwtError::KeyUse("RSA key needs an RS or PS algorithm"))?;
            PublicKeyComponents {
                n: &rsa.n[..],
                e: &rsa.e[..],
            }
            .to_parsed_public_key(params)
            .map_err(bad("RSA public key rejected"))?
        }
        Public::Ec(point) => {
            let verify: &'static dyn signature::VerificationAlgorithm = match alg {
                Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
                _ => return Err(JwtError::KeyUse("EC key needs its ES algorithm")),
            };
            ParsedPublicKey::new(verify, point).map_err(bad("EC public point rejected"))?
        }
        Public::Ed(x) => {
            if alg != Algorithm::EdDSA {
                return Err(JwtError::KeyUse("Ed25519 key needs EdDSA"));
            }
            ParsedPublicKey::new(&signature::ED25519, x)
                .map_err(bad("Ed25519 public key rejected"))?
        }
    };
    Ok(Some(parsed))
}

fn check_alg(kty: KeyType, alg: Algorithm) -> Result<(), JwtError> {
    let ok = match kty {
        KeyType::Oct => alg.is_hmac(),
        KeyType::Rsa => alg.is_rsa(),
        KeyType::P256 => alg == Algorithm::ES256,
        KeyType::P384 => alg == Algorithm::ES384,
        KeyType::Ed25519 => alg == Algorithm::EdDSA,
    };
    if ok {
        Ok(())
    } else {
        Err(JwtError::KeyUse("algorithm does not fit the key type"))
    }
}

const fn default_alg(kty: KeyType) -> Algorithm {
    match kty {
        KeyType::Oct => Algorithm::HS256,
        KeyType::Rsa => Algorithm::RS256,
        KeyType::P256 => Algorithm::ES256,
        KeyType::P384 => Algorithm::ES384,
        KeyType::Ed25519 => Algorithm::EdDSA,
    }
}

fn rsa_public_of(pair: &aws_lc_rs::rsa::KeyPair) -> RsaPublic {
    let public = pair.public_key();
    RsaPublic {
        n: public.modulus().big_endian_without_leading_zero().to_vec(),
        e: public.exponent().big_endian_without_leading_zero().to_vec(),
    }
}

impl Key {
    fn assemble(
        kty: KeyType,
        alg: Algorithm,
        private: Private,
        public: Public,
        kid: Option<String>,
    ) -> Result<Self, JwtError> {
        check_alg(kty, alg)?;
        if let Public::Rsa(rsa) = &public
            && rsa.n.len() < 256
        {
            return Err(JwtError::InvalidKey("RSA modulus below 2048 bits"));
        }
        let parsed = parse_public(alg, &public)?;
        let material = Arc::new(Material {
            kty,
            private,
            public,
            parsed,
        });
        let mut key = Self {
            kid: Arc::from(""),
            alg,
            material,
        };
        key.kid = match kid {
            Some(kid) => kid.into(),
            None => key.thumbprint().into(),
        };
        Ok(key)
    }

    /// A fresh key for `spec`, its kid the RFC 7638 thumbprint. HMAC secrets are as
    /// long as the hash (32, 48 or 64 bytes, RFC 7518 section 3.2).
    ///
    /// # Errors
    /// [`JwtError::Crypto`] if the backend fails.
    pub fn generate(spec: KeySpec) -> Result<Self, JwtError> {
        let alg = spec.alg;
        match kty_of(alg) {
            KeyType::Oct => {
                let mut secret = Zeroizing::new(vec![0u8; alg.hash_len()]);
                lc_rand::fill(&mut secret).map_err(crypto)?;
                Self::hmac(alg, &secret)
            }
            KeyType::Rsa => {
                let size = match spec.rsa_bits {
                    RsaBits::B2048 => KeySize::Rsa2048,
                    RsaBits::B3072 => KeySize::Rsa3072,
                    RsaBits::B4096 => KeySize::Rsa4096,
                };
                let pair = aws_lc_rs::rsa::KeyPair::generate(size).map_err(crypto)?;
                let public = Public::Rsa(rsa_public_of(&pair));
                Self::assemble(KeyType::Rsa, alg, Private::Rsa(pair), public, None)
            }
            kty @ (KeyType::P256 | KeyType::P384) => {
                let pair = signature::EcdsaKeyPair::generate(ec_signing(kty)).map_err(crypto)?;
                let public = Public::Ec(pair.public_key().as_ref().to_vec());
                Self::assemble(kty, alg, Private::Ec(pair), public, None)
            }
            KeyType::Ed25519 => {
                let pair = signature::Ed25519KeyPair::generate().map_err(crypto)?;
                let public = Public::Ed(pair.public_key().as_ref().to_vec());
                Self::assemble(KeyType::Ed25519, alg, Private::Ed(pair), public, None)
            }
        }
    }

    /// An HMAC key from a secret, for an HS algorithm. The secret must be at least as
    /// long as the hash (RFC 7518 section 3.2).
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for a non-HMAC algorithm, [`JwtError::InvalidKey`] for a
    /// short secret.
    pub fn hmac(alg: Algorithm, secret: &[u8]) -> Result<Self, JwtError> {
        if !alg.is_hmac() {
            return Err(JwtError::KeyUse("HMAC keys need an HS algorithm"));
        }
        if secret.len() < alg.hash_len() {
            return Err(JwtError::InvalidKey("HMAC secret shorter than the hash"));
        }
        let key = Box::new(hmac::Key::new(hmac_alg(alg), secret));
        let private = Private::Hmac {
            secret: SecretBytes::new(secret.to_vec()),
            key,
        };
        Self::assemble(KeyType::Oct, alg, private, Public::None, None)
    }

    /// The same key with another kid (any string).
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into().into();
        self
    }

    /// The same key for another algorithm of its type (an RSA key for PS256 instead of
    /// RS256, an HMAC key for HS512).
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] when `alg` does not fit the key type.
    pub fn with_alg(self, alg: Algorithm) -> Result<Self, JwtError> {
        if alg == self.alg {
            return Ok(self);
        }
        let kty = self.material.kty;
        check_alg(kty, alg)?;
        if let Private::Hmac { secret, .. } = &self.material.private {
            let kid = self.kid.to_string();
            return Ok(Self::hmac(alg, secret.expose_secret())?.with_kid(kid));
        }
        // Re-derive from the private or public document so the parsed key matches alg.
        let kid = self.kid.to_string();
        let jwk = if self.is_private() {
            let text = self.to_private_jwk()?;
            serde_json::from_str::<Value>(text.expose_secret()).map_err(|_| JwtError::Crypto)?
        } else {
            self.to_public_jwk()?
        };
        let mut jwk = jwk;
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert("alg".into(), Value::from(alg.name()));
        }
        Ok(Self::from_jwk(&jwk)?.with_kid(kid))
    }

    /// The key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key id, shared rather than copied.
    pub(crate) fn kid_shared(&self) -> Arc<str> {
        Arc::clone(&self.kid)
    }

    /// The one algorithm this key signs and verifies with.
    #[must_use]
    pub const fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        self.material.kty
    }

    /// Whether the key can sign (holds private material or an HMAC secret).
    #[must_use]
    pub fn is_private(&self) -> bool {
        !matches!(self.material.private, Private::None)
    }

    /// Whether this is an HMAC (symmetric) key.
    #[must_use]
    pub fn is_symmetric(&self) -> bool {
        self.material.kty == KeyType::Oct
    }

    /// The public half only (the same kid and algorithm).
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for an HMAC key, which has no public half.
    pub fn public_key(&self) -> Result<Self, JwtError> {
        let public = match &self.material.public {
            Public::None => return Err(JwtError::KeyUse("HMAC keys have no public half")),
            Public::Rsa(rsa) => Public::Rsa(RsaPublic {
                n: rsa.n.clone(),
                e: rsa.e.clone(),
            }),
            Public::Ec(p) => Public::Ec(p.clone()),
            Public::Ed(x) => Public::Ed(x.clone()),
        };
        let material = Arc::new(Material {
            kty: self.material.kty,
            private: Private::None,
            public,
            parsed: self.material.parsed.clone(),
        });
        Ok(Self {
            kid: self.kid.clone(),
            alg: self.alg,
            material,
        })
    }

    /// Signs `message` into `buf` (512 bytes hold an RSA-4096 signature) and returns
    /// the signature, so signing a token copies it no further than needed.
    pub(crate) fn sign_into<'a>(
        &self,
        message: &[u8],
        buf: &'a mut [u8; 512],
    ) -> Result<&'a [u8], JwtError> {
        fn copy<'a>(buf: &'a mut [u8; 512], sig: &[u8]) -> Result<&'a [u8], JwtError> {
            let out = buf.get_mut(..sig.len()).ok_or(JwtError::Crypto)?;
            out.copy_from_slice(sig);
            Ok(out)
        }
        match &self.material.private {
            Private::None => Err(JwtError::KeyUse("public keys cannot sign")),
            Private::Hmac { key, .. } => copy(buf, hmac::sign(key, message).as_ref()),
            Private::Ec(pair) => copy(
                buf,
                pair.sign(&lc_rand::SystemRandom::new(), message)
                    .map_err(crypto)?
                    .as_ref(),
            ),
            Private::Ed(pair) => copy(buf, pair.try_sign(message).map_err(crypto)?.as_ref()),
            Private::Rsa(pair) => {
                let out = buf
                    .get_mut(..pair.public_modulus_len())
                    .ok_or(JwtError::Crypto)?;
                pair.sign(
                    rsa_encoding(self.alg),
                    &lc_rand::SystemRandom::new(),
                    message,
                    out,
                )
                .map_err(crypto)?;
                Ok(out)
            }
        }
    }

    /// Signs `message` and returns the raw signature bytes.
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for a public key, [`JwtError::Crypto`] if the backend fails.
    pub fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, JwtError> {
        let mut buf = [0u8; 512];
        Ok(self.sign_into(message, &mut buf)?.to_vec())
    }

    /// The length of this key's signatures in bytes.
    #[must_use]
    pub fn signature_len(&self) -> usize {
        match (&self.material.public, self.material.kty) {
            (Public::Rsa(rsa), _) => rsa.n.len(),
            (_, KeyType::P256 | KeyType::Ed25519) => 64,
            (_, KeyType::P384) => 96,
            _ => self.alg.hash_len(),
        }
    }

    /// Verifies a raw signature over `message` with this key's algorithm. HMAC tags are
    /// compared in constant time.
    ///
    /// # Errors
    /// [`JwtError::BadSignature`] when it does not verify.
    pub fn verify_raw(&self, message: &[u8], sig: &[u8]) -> Result<(), JwtError> {
        if let Private::Hmac { key, .. } = &self.material.private {
            return hmac::verify(key, message, sig).map_err(|_| JwtError::BadSignature);
        }
        match &self.material.parsed {
            Some(parsed) => parsed
                .verify_sig(message, sig)
                .map_err(|_| JwtError::BadSignature),
            None => Err(JwtError::BadSignature),
        }
    }

    /// The RFC 7638 JWK thumbprint: SHA-256 of the required public members in
    /// lexicographic order without whitespace, base64url.
    #[must_use]
    pub fn thumbprint(&self) -> String {
        let canonical = match (&self.material.public, &self.material.private) {
            (Public::Rsa(rsa), _) => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                b64::encode(&rsa.e),
                b64::encode(&rsa.n)
            ),
            (Public::Ec(point), _) => {
                let len = coord_len(self.material.kty);
                let (x, y) = point
                    .get(1..)
                    .unwrap_or_default()
                    .split_at(len.min(point.len().saturating_sub(1)));
                format!(
                    r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                    if self.material.kty == KeyType::P384 {
                        "P-384"
                    } else {
                        "P-256"
                    },
                    b64::encode(x),
                    b64::encode(y)
                )
            }
            (Public::Ed(x), _) => format!(
                r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
                b64::encode(x)
            ),
            (Public::None, Private::Hmac { secret, .. }) => {
                let canonical = Zeroizing::new(format!(
                    r#"{{"k":"{}","kty":"oct"}}"#,
                    b64::encode(secret.expose_secret())
                ));
                return b64::encode(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes())
                        .as_ref(),
                );
            }
            (Public::None, _) => String::new(),
        };
        b64::encode(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref(),
        )
    }

    fn public_members(&self, obj: &mut Map<String, Value>) -> Result<(), JwtError> {
        match &self.material.public {
            Public::None => return Err(JwtError::KeyUse("HMAC keys have no public JWK")),
            Public::Rsa(rsa) => {
                obj.insert("kty".into(), "RSA".into());
                obj.insert("n".into(), b64::encode(&rsa.n).into());
                obj.insert("e".into(), b64::encode(&rsa.e).into());
            }
            Public::Ec(point) => {
                let len = coord_len(self.material.kty);
                if point.len() != 1 + 2 * len {
                    return Err(JwtError::Crypto);
                }
                obj.insert("kty".into(), "EC".into());
                obj.insert(
                    "crv".into(),
                    if self.material.kty == KeyType::P384 {
                        "P-384"
                    } else {
                        "P-256"
                    }
                    .into(),
                );
                obj.insert("x".into(), b64::encode(&point[1..=len]).into());
                obj.insert("y".into(), b64::encode(&point[1 + len..]).into());
            }
            Public::Ed(x) => {
                obj.insert("kty".into(), "OKP".into());
                obj.insert("crv".into(), "Ed25519".into());
                obj.insert("x".into(), b64::encode(x).into());
            }
        }
        Ok(())
    }

    /// The public JWK: `kty`, `kid`, `alg`, `use: "sig"` and the public members only.
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for an HMAC key, which must never be published.
    pub fn to_public_jwk(&self) -> Result<Value, JwtError> {
        let mut obj = Map::new();
        self.public_members(&mut obj)?;
        obj.insert("kid".into(), self.kid.to_string().into());
        obj.insert("alg".into(), self.alg.name().into());
        obj.insert("use".into(), "sig".into());
        Ok(Value::Object(obj))
    }

    /// The private JWK (RFC 7518 section 6.2.2, 6.3.2, 6.4; RFC 8037 section 2), as JSON
    /// text in a zeroizing string.
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for a public key.
    pub fn to_private_jwk(&self) -> Result<SecretString, JwtError> {
        let mut obj = Map::new();
        match &self.material.private {
            Private::None => return Err(JwtError::KeyUse("public keys have no private JWK")),
            Private::Hmac { secret, .. } => {
                obj.insert("kty".into(), "oct".into());
                obj.insert("k".into(), b64::encode(secret.expose_secret()).into());
            }
            Private::Rsa(pair) => {
                self.public_members(&mut obj)?;
                let der = pair.as_der().map_err(crypto)?;
                let info = pkcs8::PrivateKeyInfoRef::from_der(der.as_ref()).map_err(crypto)?;
                let rsa = pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                    .map_err(crypto)?;
                for (name, value) in [
                    ("d", rsa.private_exponent.as_bytes()),
                    ("p", rsa.prime1.as_bytes()),
                    ("q", rsa.prime2.as_bytes()),
                    ("dp", rsa.exponent1.as_bytes()),
                    ("dq", rsa.exponent2.as_bytes()),
                    ("qi", rsa.coefficient.as_bytes()),
                ] {
                    obj.insert(name.into(), b64::encode(value).into());
                }
            }
            Private::Ec(pair) => {
                self.public_members(&mut obj)?;
                let d = pair.private_key().as_be_bytes().map_err(crypto)?;
                obj.insert("d".into(), b64::encode(d.as_ref()).into());
            }
            Private::Ed(pair) => {
                self.public_members(&mut obj)?;
                let seed = pair.seed().map_err(crypto)?;
                let d = seed.as_be_bytes().map_err(crypto)?;
                obj.insert("d".into(), b64::encode(d.as_ref()).into());
            }
        }
        obj.insert("kid".into(), self.kid.to_string().into());
        obj.insert("alg".into(), self.alg.name().into());
        let text = serde_json::to_string(&Value::Object(obj)).map_err(crypto)?;
        Ok(SecretString::new(text))
    }

    /// Reads a JWK (public or private). The algorithm is the JWK's `alg`, or the type's
    /// default (RS256 for RSA, ES256/ES384 by curve, EdDSA, HS256 for `oct`); the kid is
    /// the JWK's `kid` or the RFC 7638 thumbprint. Unknown members are ignored (RFC
    /// 7517 section 4); duplicate members are refused.
    ///
    /// # Errors
    /// [`JwtError::InvalidKey`] for anything malformed or unsupported (multi-prime RSA,
    /// other curves, `use` other than `sig`), [`JwtError::KeyUse`] when `alg` does not fit.
    pub fn from_jwk(jwk: &Value) -> Result<Self, JwtError> {
        let doc = JwkDoc::deserialize(jwk).map_err(|_| JwtError::InvalidKey("malformed JWK"))?;
        doc.into_key()
    }

    /// Reads a JWK from JSON text.
    ///
    /// # Errors
    /// As [`Key::from_jwk`].
    pub fn from_jwk_str(text: &str) -> Result<Self, JwtError> {
        if !text.trim_start().starts_with('{') {
            return Err(JwtError::InvalidKey("JWK is not a JSON object"));
        }
        let doc: JwkDoc =
            serde_json::from_str(text).map_err(|_| JwtError::InvalidKey("malformed JWK"))?;
        doc.into_key()
    }

    /// Reads a PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`) or an X.509
    /// SubjectPublicKeyInfo public key (`-----BEGIN PUBLIC KEY-----`). `alg` defaults to
    /// the type's default; the kid is the thumbprint.
    ///
    /// # Errors
    /// [`JwtError::InvalidKey`] for other labels, encrypted keys and unsupported types.
    pub fn from_pem(pem: &str, alg: Option<Algorithm>) -> Result<Self, JwtError> {
        let (label, der) = pkcs8::der::pem::decode_vec(pem.as_bytes())
            .map_err(|_| JwtError::InvalidKey("malformed PEM"))?;
        let der = Zeroizing::new(der);
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der, alg),
            "PUBLIC KEY" => Self::from_spki_der(&der, alg),
            _ => Err(JwtError::InvalidKey(
                "PEM label is not PRIVATE KEY or PUBLIC KEY",
            )),
        }
    }

    /// Reads a PKCS#8 `PrivateKeyInfo` DER document.
    ///
    /// # Errors
    /// [`JwtError::InvalidKey`] for malformed or unsupported keys.
    pub fn from_pkcs8_der(der: &[u8], alg: Option<Algorithm>) -> Result<Self, JwtError> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|_| JwtError::InvalidKey("malformed PKCS#8"))?;
        let oid = info.algorithm.oid.to_string();
        match oid.as_str() {
            OID_RSA => {
                let pair =
                    aws_lc_rs::rsa::KeyPair::from_pkcs8(der).map_err(bad("RSA key rejected"))?;
                let public = Public::Rsa(rsa_public_of(&pair));
                Self::assemble(
                    KeyType::Rsa,
                    alg.unwrap_or(Algorithm::RS256),
                    Private::Rsa(pair),
                    public,
                    None,
                )
            }
            OID_EC => {
                let curve = info
                    .algorithm
                    .parameters_oid()
                    .map_err(|_| JwtError::InvalidKey("EC key without a named curve"))?
                    .to_string();
                let kty = match curve.as_str() {
                    OID_P256 => KeyType::P256,
                    OID_P384 => KeyType::P384,
                    _ => return Err(JwtError::InvalidKey("unsupported curve")),
                };
                let pair = signature::EcdsaKeyPair::from_pkcs8(ec_signing(kty), der)
                    .map_err(bad("EC key rejected"))?;
                let public = Public::Ec(pair.public_key().as_ref().to_vec());
                Self::assemble(
                    kty,
                    alg.unwrap_or(default_alg(kty)),
                    Private::Ec(pair),
                    public,
                    None,
                )
            }
            OID_ED25519 => {
                let pair = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(bad("Ed25519 key rejected"))?;
                let public = Public::Ed(pair.public_key().as_ref().to_vec());
                Self::assemble(
                    KeyType::Ed25519,
                    alg.unwrap_or(Algorithm::EdDSA),
                    Private::Ed(pair),
                    public,
                    None,
                )
            }
            _ => Err(JwtError::InvalidKey("unsupported key algorithm")),
        }
    }

    /// Reads an X.509 SubjectPublicKeyInfo DER document.
    ///
    /// # Errors
    /// [`JwtError::InvalidKey`] for malformed or unsupported keys.
    pub fn from_spki_der(der: &[u8], alg: Option<Algorithm>) -> Result<Self, JwtError> {
        let info = pkcs8::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|_| JwtError::InvalidKey("malformed SubjectPublicKeyInfo"))?;
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or(JwtError::InvalidKey("malformed SubjectPublicKeyInfo"))?;
        let oid = info.algorithm.oid.to_string();
        match oid.as_str() {
            OID_RSA => {
                let rsa = pkcs1::RsaPublicKeyRef::from_der(bits)
                    .map_err(|_| JwtError::InvalidKey("malformed RSA public key"))?;
                let public = Public::Rsa(RsaPublic {
                    n: strip_zeros(rsa.modulus.as_bytes()).to_vec(),
                    e: strip_zeros(rsa.public_exponent.as_bytes()).to_vec(),
                });
                Self::assemble(
                    KeyType::Rsa,
                    alg.unwrap_or(Algorithm::RS256),
                    Private::None,
                    public,
                    None,
                )
            }
            OID_EC => {
                let curve = info
                    .algorithm
                    .parameters_oid()
                    .map_err(|_| JwtError::InvalidKey("EC key without a named curve"))?
                    .to_string();
                let kty = match curve.as_str() {
                    OID_P256 => KeyType::P256,
                    OID_P384 => KeyType::P384,
                    _ => return Err(JwtError::InvalidKey("unsupported curve")),
                };
                if bits.len() != 1 + 2 * coord_len(kty) || bits[0] != 4 {
                    return Err(JwtError::InvalidKey("EC point is not uncompressed"));
                }
                Self::assemble(
                    kty,
                    alg.unwrap_or(default_alg(kty)),
                    Private::None,
                    Public::Ec(bits.to_vec()),
                    None,
                )
            }
            OID_ED25519 => {
                if bits.len() != 32 {
                    return Err(JwtError::InvalidKey("Ed25519 public key is not 32 bytes"));
                }
                Self::assemble(
                    KeyType::Ed25519,
                    alg.unwrap_or(Algorithm::EdDSA),
                    Private::None,
                    Public::Ed(bits.to_vec()),
                    None,
                )
            }
            _ => Err(JwtError::InvalidKey("unsupported key algorithm")),
        }
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for public and HMAC keys.
    pub fn to_pkcs8_pem(&self) -> Result<SecretString, JwtError> {
        let der: Zeroizing<Vec<u8>> = Zeroizing::new(match &self.material.private {
            Private::Rsa(pair) => pair.as_der().map_err(crypto)?.as_ref().to_vec(),
            Private::Ec(pair) => pair.to_pkcs8v1().map_err(crypto)?.as_ref().to_vec(),
            Private::Ed(pair) => pair.to_pkcs8v1().map_err(crypto)?.as_ref().to_vec(),
            Private::None => return Err(JwtError::KeyUse("public keys have no PKCS#8 form")),
            Private::Hmac { .. } => return Err(JwtError::KeyUse("HMAC keys have no PKCS#8 form")),
        });
        let pem = pkcs8::der::pem::encode_string("PRIVATE KEY", pkcs8::LineEnding::LF, &der)
            .map_err(crypto)?;
        Ok(SecretString::new(pem))
    }

    /// The public key as SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    ///
    /// # Errors
    /// [`JwtError::KeyUse`] for HMAC keys.
    pub fn to_public_pem(&self) -> Result<String, JwtError> {
        let parsed = self
            .material
            .parsed
            .as_ref()
            .ok_or(JwtError::KeyUse("HMAC keys have no public key"))?;
        let der = parsed.as_der().map_err(crypto)?;
        pkcs8::der::pem::encode_string("PUBLIC KEY", pkcs8::LineEnding::LF, der.as_ref())
            .map_err(crypto)
    }
}

/// The members of a JWK this crate reads.
#[derive(Deserialize)]
struct JwkDoc {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    d: Option<SecretString>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    p: Option<SecretString>,
    #[serde(default)]
    q: Option<SecretString>,
    #[serde(default)]
    dp: Option<SecretString>,
    #[serde(default)]
    dq: Option<SecretString>,
    #[serde(default)]
    qi: Option<SecretString>,
    #[serde(default)]
    oth: Option<Value>,
    #[serde(default)]
    k: Option<SecretString>,
}

fn member(value: Option<&str>, name: &'static str) -> Result<Vec<u8>, JwtError> {
    let text = value.ok_or(JwtError::InvalidKey(name))?;
    b64::decode(text.as_bytes()).ok_or(JwtError::InvalidKey(name))
}

fn secret_member(
    value: Option<&SecretString>,
    name: &'static str,
) -> Result<Zeroizing<Vec<u8>>, JwtError> {
    member(value.map(SecretString::expose_secret), name).map(Zeroizing::new)
}

impl JwkDoc {
    fn into_key(self) -> Result<Key, JwtError> {
        if self.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(JwtError::InvalidKey("JWK use is not sig"));
        }
        let alg = self
            .alg
            .as_deref()
            .map(Algorithm::parse)
            .transpose()
            .map_err(|_| JwtError::InvalidKey("unsupported JWK alg"))?;
        let kid = self.kid.clone();
        match self.kty.as_str() {
            "oct" => {
                let k = secret_member(self.k.as_ref(), "oct JWK needs k")?;
                let key = Key::hmac(alg.unwrap_or(Algorithm::HS256), &k)?;
                Ok(match kid {
                    Some(kid) => key.with_kid(kid),
                    None => key,
                })
            }
            "RSA" => {
                if self.oth.is_some() {
                    return Err(JwtError::InvalidKey(
                        "multi-prime RSA keys are not supported",
                    ));
                }
                let n = member(self.n.as_deref(), "RSA JWK needs n")?;
                let e = member(self.e.as_deref(), "RSA JWK needs e")?;
                let n = strip_zeros(&n).to_vec();
                let e = strip_zeros(&e).to_vec();
                let alg = alg.unwrap_or(Algorithm::RS256);
                let private = if self.d.is_some() {
                    let d = secret_member(self.d.as_ref(), "RSA JWK d")?;
                    let p = secret_member(self.p.as_ref(), "RSA private JWK needs p")?;
                    let q = secret_member(self.q.as_ref(), "RSA private JWK needs q")?;
                    let dp = secret_member(self.dp.as_ref(), "RSA private JWK needs dp")?;
                    let dq = secret_member(self.dq.as_ref(), "RSA private JWK needs dq")?;
                    let qi = secret_member(self.qi.as_ref(), "RSA private JWK needs qi")?;
                    let components = KeyPairComponents {
                        public_key: PublicKeyComponents {
                            n: &n[..],
                            e: &e[..],
                        },
                        d: &d[..],
                        p: &p[..],
                        q: &q[..],
                        dP: &dp[..],
                        dQ: &dq[..],
                        qInv: &qi[..],
                    };
                    Private::Rsa(
                        aws_lc_rs::rsa::KeyPair::from_components(&components)
                            .map_err(bad("RSA private key rejected"))?,
                    )
                } else {
                    Private::None
                };
                Key::assemble(
                    KeyType::Rsa,
                    alg,
                    private,
                    Public::Rsa(RsaPublic { n, e }),
                    kid,
                )
            }
            "EC" => {
                let kty = match self.crv.as_deref() {
                    Some("P-256") => KeyType::P256,
                    Some("P-384") => KeyType::P384,
                    _ => return Err(JwtError::InvalidKey("unsupported EC curve")),
                };
                let len = coord_len(kty);
                let x = member(self.x.as_deref(), "EC JWK needs x")?;
                let y = member(self.y.as_deref(), "EC JWK needs y")?;
                if x.len() != len || y.len() != len {
                    return Err(JwtError::InvalidKey("EC coordinate has the wrong length"));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let private = match &self.d {
                    Some(_) => {
                        let d = secret_member(self.d.as_ref(), "EC JWK d")?;
                        if d.len() != len {
                            return Err(JwtError::InvalidKey("EC d has the wrong length"));
                        }
                        Private::Ec(
                            signature::EcdsaKeyPair::from_private_key_and_public_key(
                                ec_signing(kty),
                                &d,
                                &point,
                            )
                            .map_err(bad("EC private key rejected"))?,
                        )
                    }
                    None => Private::None,
                };
                Key::assemble(
                    kty,
                    alg.unwrap_or(default_alg(kty)),
                    private,
                    Public::Ec(point),
                    kid,
                )
            }
            "OKP" => {
                if self.crv.as_deref() != Some("Ed25519") {
                    return Err(JwtError::InvalidKey("unsupported OKP curve"));
                }
                let x = member(self.x.as_deref(), "OKP JWK needs x")?;
                if x.len() != 32 {
                    return Err(JwtError::InvalidKey("Ed25519 x is not 32 bytes"));
                }
                let private = match &self.d {
                    Some(_) => {
                        let d = secret_member(self.d.as_ref(), "OKP JWK d")?;
                        Private::Ed(
                            signature::Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                                .map_err(bad("Ed25519 private key rejected"))?,
                        )
                    }
                    None => Private::None,
                };
                Key::assemble(
                    KeyType::Ed25519,
                    alg.unwrap_or(Algorithm::EdDSA),
                    private,
                    Public::Ed(x),
                    kid,
                )
            }
            _ => Err(JwtError::InvalidKey("unsupported kty")),
        }
    }
}
