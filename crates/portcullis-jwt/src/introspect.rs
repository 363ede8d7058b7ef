//! Token introspection answers: RFC 7662 section 2.2 and ForgeRock AM's `/oauth2/tokeninfo`.
//!
//! Both answer `{"active": false}` and nothing else for any token that is not valid
//! (expired, revoked, bad signature, malformed, unknown key), as RFC 7662 section 2.2
//! asks, so the answer tells a caller nothing about why. Neither answer echoes the
//! token (ForgeRock's tokeninfo does; this shape leaves `access_token` out).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::claims::Claims;
use crate::jws::{Verified, Verifier};

/// The scopes of a token: the `scope` claim (space-separated, RFC 8693 section 4.2 and
/// RFC 9068) or, failing that, an `scp` array (Azure AD, Okta).
#[must_use]
pub fn scopes(claims: &Claims) -> Vec<String> {
    if let Some(scope) = claims.custom.get("scope").and_then(Value::as_str) {
        return scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    claims
        .custom
        .get("scp")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `{"active": false}`.
#[must_use]
pub fn inactive() -> Value {
    json!({ "active": false })
}

fn put(map: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(name.to_owned(), value);
    }
}

/// The RFC 7662 response for a verified token: `active: true`, `scope`, `client_id`,
/// `username`, `token_type` ("Bearer"), `exp`, `iat`, `nbf`, `sub`, `aud`, `iss`, `jti`.
#[must_use]
pub fn rfc7662(verified: &Verified) -> Value {
    let c = &verified.claims;
    let mut map = Map::new();
    map.insert("active".into(), Value::Bool(true));
    let scopes = scopes(c);
    if !scopes.is_empty() {
        map.insert("scope".into(), Value::String(scopes.join(" ")));
    }
    put(
        &mut map,
        "client_id",
        c.custom
            .get("client_id")
            .or_else(|| c.custom.get("azp"))
            .cloned(),
    );
    put(
        &mut map,
        "username",
        c.custom
            .get("username")
            .or_else(|| c.custom.get("preferred_username"))
            .cloned(),
    );
    map.insert("token_type".into(), Value::String("Bearer".into()));
    put(&mut map, "exp", c.exp.map(|t| t.unix_timestamp().into()));
    put(&mut map, "iat", c.iat.map(|t| t.unix_timestamp().into()));
    put(&mut map, "nbf", c.nbf.map(|t| t.unix_timestamp().into()));
    put(&mut map, "sub", c.sub.clone().map(Value::String));
    put(
        &mut map,
        "aud",
        c.aud.as_ref().and_then(|a| serde_json::to_value(a).ok()),
    );
    put(&mut map, "iss", c.iss.clone().map(Value::String));
    put(&mut map, "jti", c.jti.clone().map(Value::String));
    Value::Object(map)
}

/// The ForgeRock AM tokeninfo shape for a verified token at `now`: `scope` as an array,
/// `expires_in` in seconds, `token_type`, `client_id`, `sub`, `realm` (if the token has
/// one), `grant_type` (if it has one), and each scope's claim value when the token
/// carries a claim of that name (ForgeRock lists scope values that way).
#[must_use]
pub fn tokeninfo(verified: &Verified, now: OffsetDateTime) -> Value {
    let c = &verified.claims;
    let scopes = scopes(c);
    let mut map = Map::new();
    for scope in &scopes {
        if let Some(value) = c.custom.get(scope) {
            map.insert(scope.clone(), value.clone());
        }
    }
    map.insert("scope".into(), json!(scopes));
    map.insert("token_type".into(), Value::String("Bearer".into()));
    put(
        &mut map,
        "expires_in",
        c.exp.map(|exp| (exp - now).whole_seconds().max(0).into()),
    );
    put(
        &mut map,
        "client_id",
        c.custom
            .get("client_id")
            .or_else(|| c.custom.get("azp"))
            .cloned(),
    );
    put(&mut map, "sub", c.sub.clone().map(Value::String));
    put(&mut map, "realm", c.custom.get("realm").cloned());
    put(&mut map, "grant_type", c.custom.get("grant_type").cloned());
    Value::Object(map)
}

/// Verifies `token` and answers as RFC 7662 does: the response, or `{"active": false}`.
#[must_use]
pub fn introspect(verifier: &Verifier, token: &str, now: OffsetDateTime) -> Value {
    verifier
        .verify(token, now)
        .map_or_else(|_| inactive(), |v| rfc7662(&v))
}

/// Verifies `token` and answers in the ForgeRock tokeninfo shape, or `{"active": false}`.
#[must_use]
pub fn introspect_tokeninfo(verifier: &Verifier, token: &str, now: OffsetDateTime) -> Value {
    verifier
        .verify(token, now)
        .map_or_else(|_| inactive(), |v| tokeninfo(&v, now))
}
