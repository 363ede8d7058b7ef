//! An axum service on the portcullis facade, as a service would wire it: password
//! sign-up and login (lockout, transparent hash upgrade), TOTP enrolment and the
//! second step of login, magic links with the two-step confirm page, a session cookie,
//! sign-out, and the JWKS endpoint that lets other services verify session JWTs.
//!
//! `cargo run -p portcullis-example-axum` serves it on 127.0.0.1:3000 with SQLite in
//! memory; `tests/service.rs` drives it end to end. Emails go to an in-memory
//! [`Outbox`] here; a real service hands them to its mail provider in a
//! [`Sender`] implementation.
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use portcullis::core::{OffsetDateTime, OsRng, SecretBytes, random};
use portcullis::email::{EmailFlowError, Message, Sender};
use portcullis::flows::{AccountError, LoginError, Portcullis};
use portcullis::jwt::{Algorithm, KeySet, KeySpec, RotationPolicy};
use portcullis::otp::{KeyRing, RecoveryCodes, ServerKey, TotpEnrollments};
use portcullis::sealed::SealingKey;
use portcullis::second_factor::SecondFactorConfig;
use portcullis::session::http::CookieConfig;
use portcullis::session::jwt::SessionJwtConfig;
use portcullis::session::{Session, Stage, TerminationReason};
use portcullis::sessions::Issued;
use portcullis::store::SqliteStore;
use serde::Deserialize;
use serde_json::json;

/// Messages the flows asked to send; a real service emails them instead.
#[derive(Debug, Default)]
pub struct Outbox(Mutex<Vec<Message>>);

impl Outbox {
    /// Takes everything sent so far (tests read links from here).
    pub fn drain(&self) -> Vec<Message> {
        self.0
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }
}

impl Sender for Outbox {
    async fn send(&self, message: Message) -> Result<(), String> {
        self.0
            .lock()
            .map_err(|_| "outbox poisoned".to_owned())?
            .push(message);
        Ok(())
    }
}

/// What every handler shares.
#[derive(Debug)]
pub struct App {
    auth: Portcullis<SqliteStore>,
    keys: KeySet,
    cookie: CookieConfig,
    /// Where emails go in this example.
    pub outbox: Outbox,
}

type Shared = Arc<App>;

impl App {
    /// An app on `store`, with fresh keys (a real service loads its keys and sealing
    /// key from its secret store, so that they survive restarts).
    ///
    /// # Errors
    /// A key or configuration error.
    pub fn new(
        store: SqliteStore,
        cookie: CookieConfig,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let now = OffsetDateTime::now_utc();
        let mut keys = KeySet::new(RotationPolicy::new(KeySpec::new(Algorithm::ES256)), now)?;
        keys.rotate(now)?;
        let signing = keys.current().ok_or("no signing key")?.clone();
        let key = || SecretBytes::from(random::bytes(32).expose_secret().to_vec());
        let second_factor = SecondFactorConfig {
            issuer: "Example".to_owned(),
            sealing_key: SealingKey::new("seal-1", &key())?,
            recovery_keys: KeyRing::new(vec![ServerKey::new("rc-1", key())?])?,
            enrollments: TotpEnrollments::new(),
            recovery_codes: RecoveryCodes::new(),
        };
        let auth = Portcullis::builder(store)
            .second_factor(second_factor)
            .session_jwt(
                signing,
                keys.verifier(now)?,
                SessionJwtConfig::new("https://example.com"),
            )
            .build()?;
        Ok(Self {
            auth,
            keys,
            cookie,
            outbox: Outbox::default(),
        })
    }
}

/// The routes.
pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/signup", post(sign_up))
        .route("/login", post(login))
        .route("/login/totp", post(login_totp))
        .route("/totp/enroll", post(enroll_totp))
        .route("/totp/confirm", post(confirm_totp))
        .route("/magic-link", post(send_magic_link).get(magic_link_page))
        .route("/magic-link/redeem", post(redeem_magic_link))
        .route("/me", get(me))
        .route("/session-jwt", post(session_jwt))
        .route("/logout", post(logout))
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(app)
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct Email {
    email: String,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

fn status(code: StatusCode, error: &str) -> Response {
    (code, Json(json!({ "error": error }))).into_response()
}

fn login_refusal(e: &LoginError) -> Response {
    match e {
        LoginError::InvalidCredentials => status(StatusCode::UNAUTHORIZED, "invalid_credentials"),
        LoginError::Locked { until } => (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({ "error": "locked", "until": until.unix_timestamp() })),
        )
            .into_response(),
        LoginError::Disabled => status(StatusCode::FORBIDDEN, "disabled"),
        LoginError::SecondFactor(_) => status(StatusCode::UNAUTHORIZED, "second_factor"),
        _ => status(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

/// The response for a new session: its cookie, and whether a second factor is due.
fn with_session(app: &App, issued: &Issued) -> Response {
    let token = issued.token.render();
    let cookie = app
        .cookie
        .set_cookie(token.expose_secret(), issued.session.expires_at);
    let pending = issued.session.stage == Stage::PendingSecondFactor;
    let mut response = Json(json!({
        "user_id": issued.session.user_id,
        "session_id": issued.session.session_id,
        "second_factor_required": pending,
    }))
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn session_token<'h>(app: &App, headers: &'h HeaderMap) -> Option<&'h str> {
    let cookie = headers.get(header::COOKIE)?.to_str().ok()?;
    app.cookie.from_cookie_header(cookie)
}

/// The full session of the request's cookie.
async fn current(app: &App, headers: &HeaderMap) -> Result<Session, Response> {
    let token = session_token(app, headers)
        .ok_or_else(|| status(StatusCode::UNAUTHORIZED, "no_session"))?;
    app.auth
        .sessions()
        .authenticate_token(token, OffsetDateTime::now_utc(), None)
        .await
        .map_err(|_| status(StatusCode::UNAUTHORIZED, "no_session"))
}

async fn sign_up(State(app): State<Shared>, Json(body): Json<Credentials>) -> Response {
    let user_id = format!(
        "user_{}",
        random::token(12, portcullis::core::TokenEncoding::Hex)
    );
    match app
        .auth
        .sign_up(
            &mut OsRng,
            &body.email,
            &user_id,
            &body.password,
            OffsetDateTime::now_utc(),
        )
        .await
    {
        Ok(done) => with_session(&app, &done.issued),
        Err(AccountError::WeakPassword(verdict)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "error": "weak_password", "score": verdict.score })),
        )
            .into_response(),
        Err(AccountError::LoginTaken) => status(StatusCode::CONFLICT, "login_taken"),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

async fn login(State(app): State<Shared>, Json(body): Json<Credentials>) -> Response {
    match app
        .auth
        .login_password(
            &mut OsRng,
            &body.email,
            &body.password,
            OffsetDateTime::now_utc(),
        )
        .await
    {
        Ok(issued) => with_session(&app, &issued),
        Err(e) => login_refusal(&e),
    }
}

async fn login_totp(
    State(app): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Code>,
) -> Response {
    let Some(pending) = session_token(&app, &headers) else {
        return status(StatusCode::UNAUTHORIZED, "no_session");
    };
    match app
        .auth
        .complete_totp(&mut OsRng, pending, &body.code, OffsetDateTime::now_utc())
        .await
    {
        Ok(issued) => with_session(&app, &issued),
        Err(e) => login_refusal(&e),
    }
}

/// The login of the session's user (accounts are keyed by login; the example keeps
/// the email as a custom claim would in a real service, here looked up by listing).
async fn login_of(app: &App, session: &Session) -> Option<String> {
    app.auth
        .account_of_user(&session.user_id, OffsetDateTime::now_utc())
        .await
        .ok()
        .map(|a| a.login)
}

async fn enroll_totp(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let session = match current(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(login) = login_of(&app, &session).await else {
        return status(StatusCode::NOT_FOUND, "no_account");
    };
    match app
        .auth
        .enroll_totp(&mut OsRng, &login, OffsetDateTime::now_utc())
        .await
    {
        Ok(started) => Json(json!({
            "otpauth_uri": started.uri.to_uri().expose_secret(),
            "expires_at": started.expires_at.unix_timestamp(),
        }))
        .into_response(),
        Err(_) => status(StatusCode::CONFLICT, "cannot_enroll"),
    }
}

async fn confirm_totp(
    State(app): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Code>,
) -> Response {
    let session = match current(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(login) = login_of(&app, &session).await else {
        return status(StatusCode::NOT_FOUND, "no_account");
    };
    match app
        .auth
        .confirm_totp(&login, &body.code, OffsetDateTime::now_utc())
        .await
    {
        Ok(codes) => Json(json!({
            "recovery_codes": codes.iter().map(|c| c.expose_secret().to_owned()).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(_) => status(StatusCode::UNAUTHORIZED, "wrong_code"),
    }
}

async fn send_magic_link(State(app): State<Shared>, Json(body): Json<Email>) -> Response {
    match app
        .auth
        .send_magic_link(
            &mut OsRng,
            &app.outbox,
            &body.email,
            None,
            OffsetDateTime::now_utc(),
        )
        .await
    {
        // The same answer whether or not the address has an account.
        Ok(_token_id) => StatusCode::ACCEPTED.into_response(),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

/// The `GET` of the emailed link: only peeks, and shows a button that `POST`s the
/// token, so mail scanners that open links consume nothing.
async fn magic_link_page(State(app): State<Shared>, Query(q): Query<Token>) -> Response {
    match app
        .auth
        .peek_email_token(
            &q.token,
            portcullis::token::Purpose::Login,
            OffsetDateTime::now_utc(),
        )
        .await
    {
        // The token passed the format check in `peek` (base64url and one dot), so it
        // needs no escaping in the attribute.
        Ok(_) => Html(format!(
            "<form method=post action=/magic-link/redeem>\
             <input type=hidden name=token value=\"{}\">\
             <button>Sign in</button></form>",
            q.token
        ))
        .into_response(),
        Err(_) => status(StatusCode::GONE, "link_expired_or_used"),
    }
}

async fn redeem_magic_link(State(app): State<Shared>, Json(body): Json<Token>) -> Response {
    let user_id = format!(
        "user_{}",
        random::token(12, portcullis::core::TokenEncoding::Hex)
    );
    match app
        .auth
        .redeem_magic_link(
            &mut OsRng,
            &body.token,
            None,
            |_| user_id,
            OffsetDateTime::now_utc(),
        )
        .await
    {
        Ok(issued) => with_session(&app, &issued),
        Err(EmailFlowError::Token(_)) => status(StatusCode::GONE, "link_expired_or_used"),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

async fn me(State(app): State<Shared>, headers: HeaderMap) -> Response {
    match current(&app, &headers).await {
        Ok(session) => Json(json!({
            "user_id": session.user_id,
            "session_id": session.session_id,
            "factors": session.authentication_factors.iter().map(|f| f.kind).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(r) => r,
    }
}

/// A short-lived JWT of the session, for calls to other services that verify it
/// against `/.well-known/jwks.json`.
async fn session_jwt(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let session = match current(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match app
        .auth
        .sessions()
        .issue_jwt(&mut OsRng, &session, OffsetDateTime::now_utc())
    {
        Ok(signed) => Json(json!({ "jwt": signed.token.expose_secret() })).into_response(),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}

async fn logout(State(app): State<Shared>, headers: HeaderMap) -> Response {
    if let Ok(session) = current(&app, &headers).await {
        let _ = app
            .auth
            .sessions()
            .revoke(
                &session.session_id,
                OffsetDateTime::now_utc(),
                TerminationReason::Logout,
            )
            .await;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&app.cookie.clear_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn jwks(State(app): State<Shared>) -> Response {
    match app.keys.public_jwks(OffsetDateTime::now_utc()) {
        Ok(document) => Json(document).into_response(),
        Err(_) => status(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    }
}
