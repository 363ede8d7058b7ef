//! Custom claims: caller data that travels with a session into its JWT.
//!
//! Updates follow Stytch's `session_custom_claims`: each top-level key in the update
//! sets or replaces that key, and a `null` value deletes it. Names a JWT verifier relies
//! on are reserved (the registered claims of RFC 7519 section 4.1 and the namespace
//! claim portcullis writes the session into), and the whole set is bounded in size
//! (default 4 KiB of JSON) because it is copied into every session JWT and cookie.

use serde_json::{Map, Value};

use crate::SessionError;

/// Claim names no caller may set.
pub const RESERVED: &[&str] = &["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Default bound on the serialised custom claims.
pub const DEFAULT_MAX_BYTES: usize = 4096;

/// Applies `update` to `claims`: set or replace each key, delete keys whose value is
/// `null`. `namespace` is the claim the session itself is written under, also reserved.
/// On error `claims` is left unchanged.
///
/// ```
/// use serde_json::json;
/// use portcullis_session::claims::apply_update;
///
/// let mut claims = json!({"plan": "free", "beta": true}).as_object().unwrap().clone();
/// let update = json!({"plan": "pro", "beta": null}).as_object().unwrap().clone();
/// apply_update(&mut claims, &update, "portcullis_session", 4096).unwrap();
/// assert_eq!(serde_json::Value::Object(claims), json!({"plan": "pro"}));
/// ```
///
/// # Errors
/// [`SessionError::ReservedClaim`] for a reserved name; [`SessionError::ClaimsTooLarge`]
/// when the result would exceed `max_bytes` of JSON.
pub fn apply_update(
    claims: &mut Map<String, Value>,
    update: &Map<String, Value>,
    namespace: &str,
    max_bytes: usize,
) -> Result<(), SessionError> {
    if let Some(name) = update
        .keys()
        .find(|k| RESERVED.contains(&k.as_str()) || *k == namespace)
    {
        return Err(SessionError::ReservedClaim { name: name.clone() });
    }
    let mut next = claims.clone();
    for (key, value) in update {
        if value.is_null() {
            next.remove(key);
        } else {
            next.insert(key.clone(), value.clone());
        }
    }
    let size = serde_json::to_vec(&next).map_or(usize::MAX, |v| v.len());
    if size > max_bytes {
        return Err(SessionError::ClaimsTooLarge {
            size,
            max: max_bytes,
        });
    }
    *claims = next;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn set_replace_delete() {
        let mut claims = map(json!({"a": 1, "b": {"x": 1}}));
        apply_update(
            &mut claims,
            &map(json!({"b": {"y": 2}, "c": "new", "a": null})),
            "ns",
            4096,
        )
        .unwrap();
        assert_eq!(Value::Object(claims), json!({"b": {"y": 2}, "c": "new"}));
    }

    #[test]
    fn reserved_names_are_refused_and_nothing_changes() {
        let mut claims = map(json!({"a": 1}));
        for name in ["sub", "exp", "iss", "aud", "jti", "nbf", "iat", "ns"] {
            let err = apply_update(&mut claims, &map(json!({"ok": 1, name: "x"})), "ns", 4096)
                .unwrap_err();
            assert_eq!(err, SessionError::ReservedClaim { name: name.into() });
        }
        assert_eq!(Value::Object(claims), json!({"a": 1}));
    }

    #[test]
    fn size_is_bounded() {
        let mut claims = Map::new();
        let big = "x".repeat(5000);
        let err = apply_update(&mut claims, &map(json!({"big": big})), "ns", 4096).unwrap_err();
        assert!(matches!(
            err,
            SessionError::ClaimsTooLarge { max: 4096, .. }
        ));
        assert!(claims.is_empty());
        // Deleting keys can bring an oversized set back under the bound.
        apply_update(&mut claims, &map(json!({"small": "y"})), "ns", 4096).unwrap();
        assert_eq!(claims.len(), 1);
    }
}
