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
/// fields as they come, the others are collected into a JSON object that `C` is then
/// built from (for the default `C` that is a move). A registered claim given twice, or
/// of the wrong type, is an error.
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

enum Name {
    Iss,
    Sub,
    Aud,
    Exp,
    Nbf,
    Iat,
    Jti,
    Other(String),
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Name;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a claim name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
                Ok(match name {
                    "iss" => Name::Iss,
                    "sub" => Name::Sub,
                    "aud" => Name::Aud,
                    "exp" => Name::Exp,
                    "nbf" => Name::Nbf,
                    "iat" => Name::Iat,
                    "jti" => Name::Jti,
                    other => Name::Other(other.to_owned()),
                })
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

impl<'de, C: de::DeserializeOwned> Deserialize<'de> for Claims<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<C>(std::marker::PhantomData<C>);
        impl<'de, C: de::DeserializeOwned> de::Visitor<'de> for V<C> {
            type Value = Claims<C>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Claims<C>, A::Error> {
                let (mut iss, mut sub, mut aud, mut jti) = (None, None, None, None);
                let (mut exp, mut nbf, mut iat): (Option<Date>, Option<Date>, Option<Date>) =
                    (None, None, None);
                let mut rest = Map::new();
                while let Some(name) = map.next_key::<Name>()? {
                    match name {
                        Name::Iss => once(&mut iss, map.next_value::<String>()?, "iss")?,
                        Name::Sub => once(&mut sub, map.next_value::<String>()?, "sub")?,
                        Name::Aud => once(&mut aud, map.next_value::<Audience>()?, "aud")?,
                        Name::Jti => once(&mut jti, map.next_value::<String>()?, "jti")?,
                        Name::Exp => once(&mut exp, map.next_value::<Date>()?, "exp")?,
                        Name::Nbf => once(&mut nbf, map.next_value::<Date>()?, "nbf")?,
                        Name::Iat => once(&mut iat, map.next_value::<Date>()?, "iat")?,
                        Name::Other(other) => {
                            let value = map.next_value::<Value>()?;
                            if rest.insert(other, value).is_some() {
                                return Err(de::Error::custom("duplicate claim"));
                            }
                        }
                    }
                }
                let custom = C::deserialize(Value::Object(rest)).map_err(de::Error::custom)?;
                Ok(Claims {
                    iss,
                    sub,
                    aud,
                    exp: exp.and_then(|d| d.0),
                    nbf: nbf.and_then(|d| d.0),
                    iat: iat.and_then(|d| d.0),
                    jti,
                    custom,
                })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
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
            typ: Some("JWT".to_owned()),
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
