//! The example service driven over its router, as a browser and another service would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use portcullis::core::OffsetDateTime;
use portcullis::email::Message;
use portcullis::jwt::{Jwks, Verifier};
use portcullis::otp::{OtpSecret, SecretPolicy, Totp};
use portcullis::session::SessionPolicy;
use portcullis::session::http::CookieConfig;
use portcullis::session::jwt::{self, JwtCheck, SessionJwtConfig};
use portcullis::store::SqliteStore;
use portcullis_example_axum::{App, router};
use serde_json::{Value, json};
use tower::ServiceExt as _;

struct Client {
    app: Arc<App>,
    cookie: Option<String>,
}

impl Client {
    async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie.as_str());
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = router(self.app.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap().to_owned();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }
}

#[tokio::test]
async fn a_user_signs_up_enrols_totp_and_signs_in_again() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let app = Arc::new(App::new(store, CookieConfig::development()).unwrap());
    let mut browser = Client {
        app: app.clone(),
        cookie: None,
    };
    let credentials =
        json!({"email": "ada@example.com", "password": "a long and unusual passphrase"});

    let (status, body) = browser
        .call(
            "POST",
            "/signup",
            Some(json!({"email": "ada@example.com", "password": "password"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = browser
        .call("POST", "/signup", Some(credentials.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        browser
            .cookie
            .as_deref()
            .unwrap()
            .starts_with("portcullis_session=")
    );
    let (status, me) = browser.call("GET", "/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["factors"], json!(["password"]));

    // Enrol TOTP, playing the authenticator app.
    let (status, enrol) = browser.call("POST", "/totp/enroll", None).await;
    assert_eq!(status, StatusCode::OK, "{enrol}");
    let uri = enrol["otpauth_uri"].as_str().unwrap();
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let seed = OtpSecret::from_base32(secret, SecretPolicy::Standard).unwrap();
    let now = OffsetDateTime::now_utc();
    let code = Totp::new().generate(&seed, now).unwrap();
    let (status, confirmed) = browser
        .call(
            "POST",
            "/totp/confirm",
            Some(json!({"code": code.expose_secret()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["recovery_codes"].as_array().unwrap().len(), 10);

    // Sign out, then sign in: the password alone stops at the second factor.
    let (status, _) = browser.call("POST", "/logout", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        browser.call("GET", "/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, login) = browser
        .call("POST", "/login", Some(credentials.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(login["second_factor_required"], true);
    assert_eq!(
        browser.call("GET", "/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let next = Totp::new()
        .generate(&seed, now + portcullis::core::Duration::seconds(30))
        .unwrap();
    // The code spent on the enrolment is refused; the next step's code (inside the
    // verification window of one step either side) completes the sign-in.
    let (status, _) = browser
        .call(
            "POST",
            "/login/totp",
            Some(json!({"code": code.expose_secret()})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = browser
        .call(
            "POST",
            "/login/totp",
            Some(json!({"code": next.expose_secret()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, me) = browser.call("GET", "/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["factors"], json!(["password", "totp"]));

    // Wrong passwords lock the login.
    let mut stranger = Client {
        app: app.clone(),
        cookie: None,
    };
    let wrong = json!({"email": "ada@example.com", "password": "nope"});
    let mut last = StatusCode::OK;
    for _ in 0..5 {
        last = stranger.call("POST", "/login", Some(wrong.clone())).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn magic_links_and_the_jwks_endpoint() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let app = Arc::new(App::new(store, CookieConfig::development()).unwrap());
    let mut browser = Client {
        app: app.clone(),
        cookie: None,
    };
    let (status, _) = browser
        .call(
            "POST",
            "/magic-link",
            Some(json!({"email": "grace@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let Some(Message::MagicLink { token, .. }) = app.outbox.drain().pop() else {
        panic!("no link sent");
    };
    // Opening the link (a scanner would) only shows the confirm page.
    let (status, page) = browser
        .call(
            "GET",
            &format!("/magic-link?token={}", token.expose_secret()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.as_str().unwrap().contains("<form method=post"));
    let (status, _) = browser
        .call(
            "POST",
            "/magic-link/redeem",
            Some(json!({"token": token.expose_secret()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = browser
        .call(
            "POST",
            "/magic-link/redeem",
            Some(json!({"token": token.expose_secret()})),
        )
        .await;
    assert_eq!(status, StatusCode::GONE);

    // Another service verifies the session JWT with only the published JWKS.
    let (status, body) = browser.call("POST", "/session-jwt", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, jwks) = browser.call("GET", "/.well-known/jwks.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!jwks.to_string().contains("\"d\""), "no private parts");
    let verifier = SessionJwtConfig::new("https://example.com")
        .verifier(Verifier::new(Jwks::from_json(&jwks.to_string()).unwrap()));
    let checked = jwt::check(
        &verifier,
        body["jwt"].as_str().unwrap(),
        &SessionPolicy::default(),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert!(matches!(checked, JwtCheck::Fresh { .. }));
}
