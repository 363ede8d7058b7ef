//! JWT claims (RFC 7519 section 4): the registered ones typed, the rest kept as the
//! caller's own type (by default a JSON object).
//!
//! NumericDate values are `time::OffsetDateTime` here and whole seconds since the epoch
//! on the wire; fractional seconds written by other issuers are read and rounded down.

use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::error::JwtError;

/// The registered claim names (RFC 7519 section 4.1). Custom claims may not use them.
pub const RESERVED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The `aud` claim: one audience (written as a string) or several (an array).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience, written as a JSON string.
    One(String),
    /// Several audiences, written as a JSON array.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` names `name`.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Self::One(one) => one == name,
            Self::Many(many) => many.iter().any(|a| a == name),
        }
    }

    /// The audiences as a slice-like iterator.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Self::One(one) => (Some(one.as_str()), &[][..]),
            Self::Many(many) => (None, many.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl From<&str> for Audience {
    fn from(value: &str) -> Self {
        Self::One(value.to_owned())
    }
}

impl From<String> for Audience {
    fn from(value: String) -> Self {
        Self::One(value)
    }
}

impl From<Vec<String>> for Audience {
    fn from(value: Vec<String>) -> Self {
        Self::Many(value)
    }
}

/// Serde for an optional NumericDate.
pub mod numeric_date {
    use super::{Deserializer, OffsetDateTime, Serializer, de};
    use serde::Deserialize as _;

    /// Writes whole seconds since the epoch, or nothing.
    ///
    /// # Errors
    /// Only the serializer's own errors.
    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(at: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_i64(at.unix_timestamp()),
            None => s.serialize_none(),
        }
    }

    /// Reads seconds since the epoch (integer or fraction, rounded down).
    ///
    /// # Errors
    /// A non-number or a value outside the representable years.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let Some(number) = Option::<serde_json::Number>::deserialize(d)? else {
            return Ok(None);
        };
        let seconds = if let Some(i) = number.as_i64() {
            i
        } else if let Some(f) = number.as_f64() {
            if !f.is_finite() || f.abs() > 1e15 {
                return Err(de::Error::custom("NumericDate out of range"));
            }
            #[allow(clippy::cast_possible_truncation)]
            {
                f.floor() as i64
            }
        } else {
            return Err(de::Error::custom("NumericDate out of range"));
        };
        OffsetDateTime::from_unix_timestamp(seconds)
            .map(Some)
            .map_err(|_| de::Error::custom("NumericDate out of range"))
    }
}

/// The claims of a token: the registered ones, and `custom` for everything else.
///
/// `C` is the caller's type for the other claims; the default keeps them as a JSON
/// object. The registered names are consumed before `C` sees the rest, so `C` cannot
/// shadow them.
///
/// Reading is one pass over the payload: registered claims are decoded into their
/// fields as they come, and `C` is deserialized directly from the remaining members
/// (see [`ClaimsSeed`]). A registered claim given twice, or of the wrong type, is an
/// error; a custom claim given twice is refused by a struct `C` and, for a map, the
/// last one is kept (RFC 7519 section 4 allows either).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claims<C = Map<String, Value>> {
    /// Issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audience(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Expiry.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "numeric_date::serialize"
    )]
    pub exp: Option<OffsetDateTime>,
    /// Not before.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "numeric_date::serialize"
    )]
    pub nbf: Option<OffsetDateTime>,
    /// Issued at.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "numeric_date::serialize"
    )]
    pub iat: Option<OffsetDateTime>,
    /// Token id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub custom: C,
}

/// A claim name as read: one of the registered names, or another one (borrowed from
/// the payload when it has no escapes).
enum Name<'de> {
    Iss,
    Sub,
    Aud,
    Exp,
    Nbf,
    Iat,
    Jti,
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> Name<'de> {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "iss" => Self::Iss,
            "sub" => Self::Sub,
            "aud" => Self::Aud,
            "exp" => Self::Exp,
            "nbf" => Self::Nbf,
            "iat" => Self::Iat,
            "jti" => Self::Jti,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Name<'de>, E> {
                Ok(Name::of(name).unwrap_or(Name::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name<'de>, E> {
                Ok(Name::of(name).unwrap_or_else(|| Name::Owned(name.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

struct Date(Option<OffsetDateTime>);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        numeric_date::deserialize(d).map(Date)
    }
}

fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

/// The registered claims met so far while the custom part is being read.
#[derive(Default)]
struct Registered {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<Date>,
    nbf: Option<Date>,
    iat: Option<Date>,
    jti: Option<String>,
}

/// The claims object with the registered names taken out, handed to the custom part's
/// deserializer as a map of its own. Registered claims are decoded into `registered`
/// as they pass, so the payload is read once and the custom part is built directly
/// from it, with no intermediate JSON tree.
struct Rest<'a, A> {
    map: A,
    registered: &'a mut Registered,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Rest<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        use serde::de::IntoDeserializer as _;
        let r = &mut *self.registered;
        loop {
            let Some(name) = self.map.next_key::<Name<'de>>()? else {
                return Ok(None);
            };
            match name {
                Name::Iss => once(&mut r.iss, self.map.next_value()?, "iss")?,
                Name::Sub => once(&mut r.sub, self.map.next_value()?, "sub")?,
                Name::Aud => once(&mut r.aud, self.map.next_value()?, "aud")?,
                Name::Jti => once(&mut r.jti, self.map.next_value()?, "jti")?,
                Name::Exp => once(&mut r.exp, self.map.next_value()?, "exp")?,
                Name::Nbf => once(&mut r.nbf, self.map.next_value()?, "nbf")?,
                Name::Iat => once(&mut r.iat, self.map.next_value()?, "iat")?,
                Name::Borrowed(name) => {
                    return seed
                        .deserialize(de::value::BorrowedStrDeserializer::new(name))
                        .map(Some);
                }
                Name::Owned(name) => return seed.deserialize(name.into_deserializer()).map(Some),
            }
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        None
    }
}

impl<'de, A: de::MapAccess<'de>> Deserializer<'de> for &mut Rest<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        struct enum identifier ignored_any
    }
}

/// Reads a claims object, the custom part through `seed`: for callers that choose at
/// run time what to keep of the custom claims (one namespaced claim, say) without
/// building the rest. `Claims<C>`'s own `Deserialize` is this with `C`'s.
#[derive(Debug, Clone, Copy)]
pub struct ClaimsSeed<S>(pub S);

impl<'de, S: de::DeserializeSeed<'de>> de::DeserializeSeed<'de> for ClaimsSeed<S> {
    type Value = Claims<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Claims<S::Value>, D::Error> {
        struct V<S>(S);
        impl<'de, S: de::DeserializeSeed<'de>> de::Visitor<'de> for V<S> {
            type Value = Claims<S::Value>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let mut registered = Registered::default();
                let mut rest = Rest {
                    map,
                    registered: &mut registered,
                };
                let custom = self.0.deserialize(&mut rest)?;
                // A custom type may stop before the end of the object; the registered
                // claims after that point still count, and the rest is skipped.
                while de::MapAccess::next_key::<de::IgnoredAny>(&mut rest)?.is_some() {
                    de::MapAccess::next_value::<de::IgnoredAny>(&mut rest)?;
                }
                let r = registered;
                Ok(Claims {
                    iss: r.iss,
                    sub: r.sub,
                    aud: r.aud,
                    exp: r.exp.and_then(|d| d.0),
                    nbf: r.nbf.and_then(|d| d.0),
                    iat: r.iat.and_then(|d| d.0),
                    jti: r.jti,
                    custom,
                })
            }
        }
        d.deserialize_map(V(self.0))
    }
}

impl<'de, C: Deserialize<'de>> Deserialize<'de> for Claims<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::DeserializeSeed::deserialize(ClaimsSeed(std::marker::PhantomData::<C>), d)
    }
}

/// How the `jti` of a new token is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jti {
    /// 128 random bits from the caller's generator, base64url (the default).
    Random,
    /// This value.
    Given(String),
    /// No `jti` claim.
    Omit,
}

/// Access-token lifetime ForgeRock AM uses by default (3600 s).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::seconds(3600);
/// Refresh-token lifetime ForgeRock AM uses by default (604800 s, seven days).
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::seconds(604_800);
/// The longest lifetime [`NewClaims::lifetime`] accepts (400 days).
pub const MAX_LIFETIME: Duration = Duration::days(400);

/// What to put in a new token. Registered claims are set through their methods;
/// `iat` is `now`, `exp` is `now + lifetime` (default [`ACCESS_TOKEN_LIFETIME`]), and a
/// random `jti` is added unless told otherwise.
///
/// ```
/// use portcullis_jwt::NewClaims;
/// use serde_json::json;
/// use time::Duration;
///
/// let claims = NewClaims::new()
///     .issuer("https://auth.example.com")
///     .subject("user_1")
///     .audience("api")
///     .lifetime(Duration::minutes(5))?
///     .claim("https://example.com/session", json!({"id": "s_1"}))?;
/// assert!(NewClaims::new().claim("exp", json!(0)).is_err()); // reserved
/// # Ok::<(), portcullis_jwt::JwtError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NewClaims {
    pub(crate) iss: Option<String>,
    pub(crate) sub: Option<String>,
    pub(crate) aud: Option<Audience>,
    pub(crate) lifetime: Option<Duration>,
    pub(crate) not_before: Option<OffsetDateTime>,
    pub(crate) issued_at: bool,
    pub(crate) jti: Jti,
    pub(crate) typ: Option<String>,
    pub(crate) custom: Map<String, Value>,
}

impl Default for NewClaims {
    fn default() -> Self {
        Self::new()
    }
}

impl NewClaims {
    /// No claims yet: `iat` on, random `jti`, lifetime [`ACCESS_TOKEN_LIFETIME`],
    /// header `typ: "JWT"`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            iss: None,
            sub: None,
            aud: None,
            lifetime: Some(ACCESS_TOKEN_LIFETIME),
            not_before: None,
            issued_at: true,
            jti: Jti::Random,
            typ: Some(crate::jws::DEFAULT_TYP.to_owned()),
            custom: Map::new(),
        }
    }

    /// Sets `iss`.
    #[must_use]
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.iss = Some(iss.into());
        self
    }

    /// Sets `sub`.
    #[must_use]
    pub fn subject(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// Sets `aud` to one audience (a string) or several (an array).
    #[must_use]
    pub fn audience(mut self, aud: impl Into<Audience>) -> Self {
        self.aud = Some(aud.into());
        self
    }

    /// Sets the lifetime: `exp = now + lifetime`.
    ///
    /// # Errors
    /// [`JwtError::Setting`] unless 0 < lifetime <= [`MAX_LIFETIME`].
    pub fn lifetime(mut self, lifetime: Duration) -> Result<Self, JwtError> {
        if !lifetime.is_positive() || lifetime > MAX_LIFETIME {
            return Err(JwtError::Setting("lifetime must be within 0 s .. 400 days"));
        }
        self.lifetime = Some(lifetime);
        Ok(self)
    }

    /// Sets the lifetime in minutes (PropelAuth's `duration_in_minutes`).
    ///
    /// # Errors
    /// As [`NewClaims::lifetime`].
    pub fn lifetime_minutes(self, minutes: u32) -> Result<Self, JwtError> {
        self.lifetime(Duration::minutes(i64::from(minutes)))
    }

    /// Issues a token without `exp`. Verifiers here refuse such tokens unless told
    /// otherwise; use only for tokens checked against a store on every use.
    #[must_use]
    pub fn danger_no_expiry(mut self) -> Self {
        self.lifetime = None;
        self
    }

    /// Sets `nbf`.
    #[must_use]
    pub fn not_before(mut self, at: OffsetDateTime) -> Self {
        self.not_before = Some(at);
        self
    }

    /// Omits `iat`.
    #[must_use]
    pub fn without_issued_at(mut self) -> Self {
        self.issued_at = false;
        self
    }

    /// Sets `jti` to `jti` instead of a random value.
    #[must_use]
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Jti::Given(jti.into());
        self
    }

    /// Omits `jti`.
    #[must_use]
    pub fn without_jti(mut self) -> Self {
        self.jti = Jti::Omit;
        self
    }

    /// Sets the header `typ` (`JWT` by default; `at+jwt` for RFC 9068 access tokens).
    #[must_use]
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Adds one custom claim. Use a collision-resistant name (a URI you control, RFC
    /// 7519 section 4.2) for anything that is not a public claim.
    ///
    /// # Errors
    /// [`JwtError::ReservedClaim`] for a registered name.
    pub fn claim(mut self, name: impl Into<String>, value: Value) -> Result<Self, JwtError> {
        let name = name.into();
        if RESERVED.contains(&name.as_str()) {
            return Err(JwtError::ReservedClaim(name));
        }
        self.custom.insert(name, value);
        Ok(self)
    }

    /// Merges every member of `claims`, which must serialize to a JSON object.
    ///
    /// # Errors
    /// [`JwtError::ClaimsNotObject`] if it is not an object, [`JwtError::ReservedClaim`]
    /// if it names a registered claim.
    pub fn custom(mut self, claims: &impl Serialize) -> Result<Self, JwtError> {
        let Ok(Value::Object(map)) = serde_json::to_value(claims) else {
            return Err(JwtError::ClaimsNotObject);
        };
        if let Some(name) = map.keys().find(|k| RESERVED.contains(&k.as_str())) {
            return Err(JwtError::ReservedClaim(name.clone()));
        }
        self.custom.extend(map);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Scope {
        scope: String,
    }

    #[test]
    fn registered_claims_are_taken_wherever_they_stand() {
        let json = r#"{"scope":"read","iss":"a","extra":[1,{"x":2}],"exp":10,"sub":"u"}"#;
        let claims: Claims<Scope> = serde_json::from_str(json).unwrap();
        assert_eq!(claims.custom.scope, "read");
        assert_eq!(claims.iss.as_deref(), Some("a"));
        assert_eq!(claims.sub.as_deref(), Some("u"));
        assert_eq!(claims.exp.unwrap().unix_timestamp(), 10);

        let map: Claims = serde_json::from_str(json).unwrap();
        assert_eq!(map.custom.len(), 2);
        assert!(!map.custom.contains_key("iss"));
    }

    #[test]
    fn escaped_names_are_read_and_duplicates_refused() {
        // "\u0069ss" is "iss" spelled with an escape: still the registered claim.
        let claims: Claims = serde_json::from_str(r#"{"\u0069ss":"a","n\u0061me":1}"#).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("a"));
        assert_eq!(claims.custom["name"], 1);
        assert!(serde_json::from_str::<Claims>(r#"{"iss":"a","\u0069ss":"b"}"#).is_err());
        assert!(serde_json::from_str::<Claims<Scope>>(r#"{"scope":"a","scope":"b"}"#).is_err());
        assert!(serde_json::from_str::<Claims>(r#"{"exp":"soon"}"#).is_err());
        assert!(serde_json::from_str::<Claims<Scope>>(r#"{"iss":"a"}"#).is_err());
    }
}
