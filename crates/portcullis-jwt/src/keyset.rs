//! Signing key sets and rotation.
//!
//! A key moves through four states:
//!
//! | state | published in the JWKS | signs | leaves when |
//! |---|---|---|---|
//! | next | yes | no | the next [`KeySet::rotate`] makes it current |
//! | current | yes | yes (the only one) | the next rotation retires it |
//! | retired | yes, until `retire_until` | no | `retire_until` passes (then removed) |
//! | removed | no | no | |
//!
//! Publishing the next key one rotation ahead lets every cached JWKS learn it before
//! the first token it signs appears; keeping a retired key published for the grace
//! period (by default one day, at least as long as the longest token lifetime) lets
//! tokens it signed verify until they expire.
//!
//! The serialized set holds the private keys as private JWKs: store it like any other
//! secret (encrypted at rest, never in logs). The public document is
//! [`KeySet::public_jwks`].

use portcullis_core::CryptoRng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::claims::NewClaims;
use crate::error::JwtError;
use crate::jwks::Jwks;
use crate::jws::Signed;
use crate::key::{Key, KeySpec};

/// The default time a retired key stays published (one day).
pub const DEFAULT_GRACE: Duration = Duration::days(1);

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Published, not yet signing.
    Next,
    /// The one signing key.
    Current,
    /// Published for verification only, until `retire_until`.
    Retired,
}

/// How new keys are made and how long retired keys stay published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationPolicy {
    /// What [`KeySet::rotate`] generates.
    pub spec: KeySpec,
    /// How long a retired key stays published (0 .. 400 days).
    #[serde(with = "seconds")]
    pub grace: Duration,
}

mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.whole_seconds())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::seconds(i64::deserialize(d)?))
    }
}

impl RotationPolicy {
    /// A policy generating `spec` keys with the default grace period.
    #[must_use]
    pub const fn new(spec: KeySpec) -> Self {
        Self {
            spec,
            grace: DEFAULT_GRACE,
        }
    }

    /// The same policy with another grace period.
    ///
    /// # Errors
    /// [`JwtError::Setting`] outside 0 .. 400 days.
    pub fn with_grace(mut self, grace: Duration) -> Result<Self, JwtError> {
        if grace.is_negative() || grace > Duration::days(400) {
            return Err(JwtError::Setting("grace must be within 0 .. 400 days"));
        }
        self.grace = grace;
        Ok(self)
    }
}

/// One key of a [`KeySet`] with its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    /// The key (serialized as its private JWK).
    #[serde(
        rename = "jwk",
        serialize_with = "ser_key",
        deserialize_with = "de_key"
    )]
    pub key: Key,
    /// Its state.
    pub state: KeyState,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// For a retired key: when it stops being published.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retire_until: Option<OffsetDateTime>,
}

fn ser_key<S: Serializer>(key: &Key, s: S) -> Result<S::Ok, S::Error> {
    let text = key.to_private_jwk().map_err(serde::ser::Error::custom)?;
    let value: Value =
        serde_json::from_str(text.expose_secret()).map_err(serde::ser::Error::custom)?;
    value.serialize(s)
}

fn de_key<'de, D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
    let value = Value::deserialize(d)?;
    Key::from_jwk(&value).map_err(serde::de::Error::custom)
}

/// A serde-persistable set of signing keys with rotation.
///
/// ```
/// use portcullis_core::OsRng;
/// use portcullis_jwt::{Algorithm, KeySpec, NewClaims};
/// use portcullis_jwt::keyset::{KeySet, RotationPolicy};
/// use time::OffsetDateTime;
///
/// let now = OffsetDateTime::now_utc();
/// let mut keys = KeySet::new(RotationPolicy::new(KeySpec::new(Algorithm::EdDSA)), now)?;
/// let old = keys.sign(&NewClaims::new().subject("u1"), now, &mut OsRng)?;
/// keys.rotate(now)?;
/// assert_ne!(keys.current().map(|k| k.kid()), Some(old.kid.as_str()));
/// // The retired key is still published, so the old token still verifies.
/// assert!(keys.verifier(now)?.verify(old.token.expose_secret(), now).is_ok());
/// assert_eq!(keys.public_jwks(now)?["keys"].as_array().map(Vec::len), Some(3));
/// # Ok::<(), portcullis_jwt::JwtError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySet {
    /// How new keys are made.
    pub policy: RotationPolicy,
    keys: Vec<KeyEntry>,
}

impl KeySet {
    /// A set with a fresh current key and a fresh next key.
    ///
    /// # Errors
    /// [`JwtError::Crypto`] if key generation fails.
    pub fn new(policy: RotationPolicy, now: OffsetDateTime) -> Result<Self, JwtError> {
        let mut set = Self::empty(policy);
        set.add(Key::generate(policy.spec)?, KeyState::Current, now)?;
        set.add(Key::generate(policy.spec)?, KeyState::Next, now)?;
        Ok(set)
    }

    /// A set without keys.
    #[must_use]
    pub const fn empty(policy: RotationPolicy) -> Self {
        Self {
            policy,
            keys: Vec::new(),
        }
    }

    /// Adds a key (an imported one, say). Adding a current key retires the previous
    /// current key; adding a next key replaces a previous next key, which is removed.
    ///
    /// # Errors
    /// [`JwtError::DuplicateKid`] when the kid is taken; [`JwtError::KeyUse`] for a
    /// public key as current or next (it could not sign).
    pub fn add(&mut self, key: Key, state: KeyState, now: OffsetDateTime) -> Result<(), JwtError> {
        if self.keys.iter().any(|e| e.key.kid() == key.kid()) {
            return Err(JwtError::DuplicateKid);
        }
        if state != KeyState::Retired && !key.is_private() {
            return Err(JwtError::KeyUse(
                "current and next keys must be able to sign",
            ));
        }
        let grace_end = now + self.policy.grace;
        match state {
            KeyState::Current => {
                for e in &mut self.keys {
                    if e.state == KeyState::Current {
                        e.state = KeyState::Retired;
                        e.retire_until = Some(grace_end);
                    }
                }
            }
            KeyState::Next => self.keys.retain(|e| e.state != KeyState::Next),
            KeyState::Retired => {}
        }
        self.keys.push(KeyEntry {
            key,
            state,
            created_at: now,
            retire_until: (state == KeyState::Retired).then_some(grace_end),
        });
        Ok(())
    }

    /// Advances the set: the next key becomes current (a fresh one if there was no
    /// next), the current key is retired until `now + grace`, a fresh next key is
    /// made, and retired keys whose grace has ended are removed.
    ///
    /// # Errors
    /// [`JwtError::Crypto`] if key generation fails.
    pub fn rotate(&mut self, now: OffsetDateTime) -> Result<(), JwtError> {
        self.prune(now);
        let grace_end = now + self.policy.grace;
        let fresh_next = Key::generate(self.policy.spec)?;
        let has_next = self.keys.iter().any(|e| e.state == KeyState::Next);
        let fresh_current = if has_next {
            None
        } else {
            Some(Key::generate(self.policy.spec)?)
        };
        for e in &mut self.keys {
            match e.state {
                KeyState::Current => {
                    e.state = KeyState::Retired;
                    e.retire_until = Some(grace_end);
                }
                KeyState::Next => e.state = KeyState::Current,
                KeyState::Retired => {}
            }
        }
        if let Some(key) = fresh_current {
            self.keys.push(KeyEntry {
                key,
                state: KeyState::Current,
                created_at: now,
                retire_until: None,
            });
        }
        self.keys.push(KeyEntry {
            key: fresh_next,
            state: KeyState::Next,
            created_at: now,
            retire_until: None,
        });
        Ok(())
    }

    /// Removes retired keys whose grace has ended; returns how many.
    pub fn prune(&mut self, now: OffsetDateTime) -> usize {
        let before = self.keys.len();
        self.keys.retain(|e| !Self::gone(e, now));
        before - self.keys.len()
    }

    fn gone(e: &KeyEntry, now: OffsetDateTime) -> bool {
        e.state == KeyState::Retired && e.retire_until.is_none_or(|until| until <= now)
    }

    /// The signing key.
    #[must_use]
    pub fn current(&self) -> Option<&Key> {
        self.keys
            .iter()
            .find(|e| e.state == KeyState::Current)
            .map(|e| &e.key)
    }

    /// Every entry, in the order added.
    pub fn entries(&self) -> impl Iterator<Item = &KeyEntry> {
        self.keys.iter()
    }

    /// The entry with this kid.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&KeyEntry> {
        self.keys.iter().find(|e| e.key.kid() == kid)
    }

    /// Signs with the current key.
    ///
    /// # Errors
    /// [`JwtError::NoSigningKey`] without a current key; as [`Key::sign`] otherwise.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        claims: &NewClaims,
        now: OffsetDateTime,
        rng: &mut R,
    ) -> Result<Signed, JwtError> {
        self.current()
            .ok_or(JwtError::NoSigningKey)?
            .sign(claims, now, rng)
    }

    fn published(&self, now: OffsetDateTime) -> impl Iterator<Item = &Key> {
        self.keys
            .iter()
            .filter(move |e| !Self::gone(e, now))
            .map(|e| &e.key)
    }

    /// The public JWKS document `{"keys": [...]}` at `now`: exactly the published keys
    /// (next, current, retired within grace), public members only. HMAC keys are never
    /// published.
    ///
    /// # Errors
    /// [`JwtError::Crypto`] if a key cannot be exported.
    pub fn public_jwks(&self, now: OffsetDateTime) -> Result<Value, JwtError> {
        let keys = self
            .published(now)
            .filter(|k| !k.is_symmetric())
            .map(Key::to_public_jwk)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(serde_json::json!({ "keys": keys }))
    }

    /// The verification keys at `now`: public halves of the published asymmetric keys,
    /// and the published HMAC keys themselves.
    ///
    /// # Errors
    /// [`JwtError::DuplicateKid`] cannot happen for a set built through [`KeySet::add`].
    pub fn verification_keys(&self, now: OffsetDateTime) -> Result<Jwks, JwtError> {
        let keys = self
            .published(now)
            .map(|k| {
                if k.is_symmetric() {
                    Ok(k.clone())
                } else {
                    k.public_key()
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Jwks::from_keys(keys)
    }

    /// A [`Verifier`](crate::Verifier) over [`KeySet::verification_keys`] with the
    /// default validation.
    ///
    /// # Errors
    /// As [`KeySet::verification_keys`].
    pub fn verifier(&self, now: OffsetDateTime) -> Result<crate::Verifier, JwtError> {
        Ok(crate::Verifier::new(self.verification_keys(now)?))
    }
}
