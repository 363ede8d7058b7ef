//! `portcullis demo`: the library end to end on the embedded default store (SQLite),
//! with no server and nothing to configure.
//!
//! It signs a user up, shows a wrong password locking the login (unknown logins alike),
//! imports users from four older systems with the hashes they kept and upgrades each
//! to argon2id at its first sign-in, enrols TOTP (the QR code written to a file) and
//! signs in with a code and with a recovery code, issues a session JWT and verifies it
//! against the published JWKS, signs a new user in by magic link (bound to the
//! requesting browser by PKCE), then lists and revokes sessions. Each step prints what
//! happened; no secret is printed. The demo plays the user's authenticator app, so it
//! computes the codes itself.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use portcullis::core::{Duration, OffsetDateTime, OsRng, SecretBytes, random};
use portcullis::email::{Message, Sender};
use portcullis::flows::{LoginError, Portcullis};
use portcullis::jwt::{Algorithm, Jwks, KeySet, KeySpec, RotationPolicy};
use portcullis::otp::{
    KeyRing, OtpSecret, RecoveryCodes, SecretPolicy, ServerKey, Totp, TotpEnrollments,
};
use portcullis::password::{ImportRecord, identify};
use portcullis::sealed::SealingKey;
use portcullis::second_factor::SecondFactorConfig;
use portcullis::session::jwt::{self, JwtCheck, SessionJwtConfig};
use portcullis::session::{SessionPolicy, Stage, Status, TerminationReason};
use portcullis::store::{PageRequest, SqliteStore, Store};

/// Options of `portcullis demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A SQLite file to keep the demo's data in (default: an in-memory database).
    #[arg(long)]
    db: Option<PathBuf>,
}

type DemoResult = Result<(), Box<dyn std::error::Error>>;

/// Users of older systems, each with the password its hash was made from (the hashes
/// are vectors from pyca bcrypt 4.0, passlib 1.7.4 and Django 4.2,
/// `tests/vectors/password`).
const IMPORTS: [(&str, &str, &str); 4] = [
    (
        "rails",
        "Rails / Devise (bcrypt)",
        r#"{"hash": "$2b$05$Km18pGo7gODsBSqSQ0W3H.ps0xOp2JokzMrgCQuXtTpeQvklrAnSm"}"#,
    ),
    (
        "php",
        "phpBB / WordPress (phpass)",
        r#"{"hash": "$P$66aj7oufMHmgPSlv6.7qC1Yka3C60K1"}"#,
    ),
    (
        "django",
        "Django (pbkdf2_sha256)",
        r#"{"hash": "pbkdf2_sha256$1000$JgB2NKwvubA0q82oFUwc3B$jDKSH4OkDo5jkBy9+v7Ai4+rCs1a0zKHwHPM64W1emo="}"#,
    ),
    (
        "unix",
        "an md5-crypt /etc/shadow",
        r#"{"hash": "$1$iUuJ.JJb$e/nSpq2c5IHswpEblLTAW1"}"#,
    ),
];

/// The password every imported hash above was made from.
const OLD_PASSWORD: &str = "correct horse battery staple";

/// Runs the demo.
///
/// # Errors
/// A store or flow failure (none is expected on a working machine).
pub fn run(args: &DemoArgs, out: &mut impl Write) -> DemoResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = match &args.db {
            Some(path) => SqliteStore::open(path, 4).await?,
            None => SqliteStore::open_in_memory().await?,
        };
        let where_ = args
            .db
            .as_ref()
            .map_or_else(|| "in memory".to_owned(), |p| p.display().to_string());
        writeln!(out, "store: SQLite ({where_}), migrations applied on open")?;
        let now = OffsetDateTime::now_utc();
        // A real service loads these from its configuration; the demo makes fresh ones.
        let mut keys = KeySet::new(RotationPolicy::new(KeySpec::new(Algorithm::ES256)), now)?;
        keys.rotate(now)?;
        let signing = keys.current().ok_or("no current key")?.clone();
        let issuer = "https://auth.example.com";
        let second_factor = SecondFactorConfig {
            issuer: "portcullis demo".to_owned(),
            sealing_key: SealingKey::new("seal-1", &random_key())?,
            recovery_keys: KeyRing::new(vec![ServerKey::new("rc-1", random_key())?])?,
            enrollments: TotpEnrollments::new(),
            recovery_codes: RecoveryCodes::new(),
        };
        let auth = Portcullis::builder(store)
            .second_factor(second_factor)
            .session_jwt(signing, keys.verifier(now)?, SessionJwtConfig::new(issuer))
            .build()?;
        demo(&auth, &keys, issuer, &args.qr_dir(), out).await
    })
}

fn random_key() -> SecretBytes {
    SecretBytes::from(random::bytes(32).expose_secret().to_vec())
}

impl DemoArgs {
    fn qr_dir(&self) -> PathBuf {
        self.db
            .as_ref()
            .and_then(|p| p.parent().map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(std::env::temp_dir)
    }
}

async fn demo<S: Store>(
    auth: &Portcullis<S>,
    keys: &KeySet,
    issuer: &str,
    qr_dir: &std::path::Path,
    out: &mut impl Write,
) -> DemoResult {
    let now = OffsetDateTime::now_utc();
    let login = format!("ada+{}@example.com", now.unix_timestamp());
    let password = "a long and unusual passphrase";

    writeln!(out, "\n1. sign-up")?;
    let weak = auth
        .sign_up(&mut OsRng, &login, "user-ada", "password1", now)
        .await;
    writeln!(
        out,
        "   weak password 'password1': {}",
        outcome(&weak.map(|_| ()))
    )?;
    let signed_up = auth
        .sign_up(&mut OsRng, &login, "user-ada", password, now)
        .await?;
    let hash = signed_up
        .account
        .password_hash
        .as_deref()
        .unwrap_or_default();
    writeln!(
        out,
        "   {login}: account created, hash {}, session {}",
        identify(hash)?.name(),
        signed_up.issued.session.session_id
    )?;

    writeln!(
        out,
        "\n2. sign-in and lockout (5 failures in 15 minutes lock the login)"
    )?;
    auth.login_password(&mut OsRng, &login, password, now)
        .await?;
    writeln!(out, "   right password: signed in")?;
    for who in [login.as_str(), "nobody@example.com"] {
        let mut answers = Vec::new();
        for _ in 0..5 {
            let refused = auth
                .login_password(&mut OsRng, who, "not my password", now)
                .await
                .err();
            answers.push(match refused {
                Some(LoginError::InvalidCredentials) => "invalid".to_owned(),
                Some(LoginError::Locked { until }) => {
                    format!("locked for {} s", (until - now).whole_seconds())
                }
                other => format!("{other:?}"),
            });
        }
        writeln!(out, "   {who}, wrong password x5: {}", answers.join(", "))?;
    }
    let locked = auth.login_password(&mut OsRng, &login, password, now).await;
    writeln!(
        out,
        "   right password while locked: {}",
        outcome(&locked.map(|_| ()))
    )?;
    auth.unlock(&login, now).await?;
    auth.login_password(&mut OsRng, &login, password, now)
        .await?;
    writeln!(out, "   after an administrator unlock: signed in")?;

    writeln!(
        out,
        "\n3. users imported with their old hashes, upgraded at first sign-in"
    )?;
    for (i, (who, system, record)) in IMPORTS.iter().enumerate() {
        let who = format!("{who}+{}@example.com", now.unix_timestamp());
        let record = ImportRecord::from_json_str(record)?;
        let imported = auth
            .import(&who, &format!("user-imported-{i}"), &record, system, now)
            .await?;
        let before = identify(imported.password_hash.as_deref().unwrap_or_default())?;
        auth.login_password(&mut OsRng, &who, OLD_PASSWORD, now)
            .await?;
        let after = auth.account(&who).await?;
        let after = identify(after.password_hash.as_deref().unwrap_or_default())?;
        writeln!(
            out,
            "   from {system}: {} -> signed in with the old password -> now {}",
            before.name(),
            after.name()
        )?;
    }

    writeln!(out, "\n4. TOTP as a second factor")?;
    let started = auth.enroll_totp(&mut OsRng, &login, now).await?;
    let qr = qr_dir.join(format!("portcullis-demo-totp-{}.svg", now.unix_timestamp()));
    std::fs::write(&qr, portcullis::otp::qr::svg(&started.uri)?.expose_secret())?;
    writeln!(
        out,
        "   enrolment pending; QR code written to {}",
        qr.display()
    )?;
    let seed = OtpSecret::from_base32(started.secret.expose_secret(), SecretPolicy::Standard)?;
    let app = |at: OffsetDateTime| Totp::new().generate(&seed, at);
    let recovery = auth
        .confirm_totp(&login, app(now)?.expose_secret(), now)
        .await?;
    writeln!(
        out,
        "   first code accepted: factor active, {} recovery codes issued (shown once)",
        recovery.len()
    )?;
    let pending = auth
        .login_password(&mut OsRng, &login, password, now)
        .await?;
    writeln!(
        out,
        "   password sign-in now stops at: {:?}",
        pending.session.stage
    )?;
    let pending_token = pending.token.render();
    let replay = auth
        .complete_totp(
            &mut OsRng,
            pending_token.expose_secret(),
            app(now)?.expose_secret(),
            now,
        )
        .await;
    writeln!(
        out,
        "   the enrolment code again: {}",
        outcome(&replay.map(|_| ()))
    )?;
    let later = now + Duration::seconds(30);
    let full = auth
        .complete_totp(
            &mut OsRng,
            pending_token.expose_secret(),
            app(later)?.expose_secret(),
            later,
        )
        .await?;
    writeln!(
        out,
        "   30 s later, the next code: {:?} session, new token (the pending one is dead)",
        full.session.stage
    )?;
    let pending = auth
        .login_password(&mut OsRng, &login, password, later)
        .await?;
    let recovered = auth
        .complete_recovery(
            &mut OsRng,
            pending.token.render().expose_secret(),
            recovery[0].expose_secret(),
            later,
        )
        .await?;
    let again = auth
        .complete_recovery(
            &mut OsRng,
            auth.login_password(&mut OsRng, &login, password, later)
                .await?
                .token
                .render()
                .expose_secret(),
            recovery[0].expose_secret(),
            later,
        )
        .await;
    writeln!(
        out,
        "   recovery code: {} ({:?} session); the same code again: {}",
        if recovered.session.stage == Stage::Full {
            "accepted"
        } else {
            "?"
        },
        recovered.session.stage,
        outcome(&again.map(|_| ()))
    )?;

    writeln!(out, "\n5. session JWT, verified against the published JWKS")?;
    let signed = auth
        .sessions()
        .issue_jwt(&mut OsRng, &full.session, later)?;
    let published = serde_json::to_string(&keys.public_jwks(later)?)?;
    writeln!(
        out,
        "   JWKS published: {} keys (retired, current, next), public parts only",
        keys.public_jwks(later)?["keys"]
            .as_array()
            .map_or(0, Vec::len)
    )?;
    let verifier = SessionJwtConfig::new(issuer)
        .verifier(portcullis::jwt::Verifier::new(Jwks::from_json(&published)?));
    let checked = jwt::check(
        &verifier,
        signed.token.expose_secret(),
        &SessionPolicy::default(),
        later,
    )?;
    if let JwtCheck::Fresh { claims, .. } = &checked {
        writeln!(
            out,
            "   a service holding only the JWKS accepts it: session {}, user {}, factors {:?}",
            claims.session_id,
            claims.user_id,
            claims
                .authentication_factors
                .iter()
                .map(|f| f.kind)
                .collect::<Vec<_>>()
        )?;
    }
    let stale_at = later + Duration::minutes(7);
    let refreshed = auth
        .sessions()
        .authenticate_jwt(&mut OsRng, signed.token.expose_secret(), stale_at)
        .await?;
    writeln!(
        out,
        "   7 minutes later it is stale: refreshed from the store -> new JWT: {}",
        refreshed.refreshed.is_some()
    )?;

    writeln!(out, "\n6. magic link (the sender is the demo's inbox)")?;
    let inbox = Inbox::default();
    let verifier = portcullis::token::pkce::CodeVerifier::generate(&mut OsRng);
    let link_to = format!("linus+{}@example.com", now.unix_timestamp());
    auth.send_magic_link(
        &mut OsRng,
        &inbox,
        &link_to,
        Some(verifier.challenge()),
        later,
    )
    .await?;
    let token = inbox.take_link().ok_or("no link was sent")?;
    let peek = auth
        .peek_email_token(
            token.expose_secret(),
            portcullis::token::Purpose::Login,
            later,
        )
        .await?;
    writeln!(
        out,
        "   link sent to {link_to}; opening it only peeks (verifier required: {})",
        peek.requires_verifier
    )?;
    let elsewhere = auth
        .redeem_magic_link(
            &mut OsRng,
            token.expose_secret(),
            None,
            |_| String::new(),
            later,
        )
        .await;
    writeln!(
        out,
        "   redeemed from another browser: {}",
        outcome(&elsewhere.map(|_| ()))
    )?;
    let signed_in = auth
        .redeem_magic_link(
            &mut OsRng,
            token.expose_secret(),
            Some(verifier.expose_secret()),
            |_| "user-linus".to_owned(),
            later,
        )
        .await?;
    let again = auth
        .redeem_magic_link(
            &mut OsRng,
            token.expose_secret(),
            Some(verifier.expose_secret()),
            |_| String::new(),
            later,
        )
        .await;
    writeln!(
        out,
        "   redeemed by the requesting browser: account created, {} session for {}; again: {}",
        format!("{:?}", signed_in.session.stage).to_lowercase(),
        signed_in.session.user_id,
        outcome(&again.map(|_| ()))
    )?;

    writeln!(out, "\n7. sessions: list, authenticate, revoke everywhere")?;
    let sessions = auth.sessions();
    let active = sessions
        .list(
            "user-ada",
            Some(Status::Active),
            stale_at,
            PageRequest::default(),
        )
        .await?;
    writeln!(
        out,
        "   user-ada has {} active sessions",
        active.items.len()
    )?;
    let token = full.token.render();
    sessions
        .authenticate_token(token.expose_secret(), stale_at, None)
        .await?;
    writeln!(out, "   the TOTP-completed session's token authenticates")?;
    let ended = sessions
        .revoke_all("user-ada", None, stale_at, TerminationReason::RevokedAll)
        .await?;
    let after = sessions
        .authenticate_token(token.expose_secret(), stale_at, None)
        .await;
    writeln!(
        out,
        "   sign out everywhere: {ended} sessions ended; the token now: {}",
        outcome(&after.map(|_| ()))
    )?;
    writeln!(out, "\ndone")?;
    Ok(())
}

/// The demo's mail: keeps what the flows hand over.
#[derive(Default)]
struct Inbox(std::sync::Mutex<Vec<Message>>);

impl Sender for Inbox {
    async fn send(&self, message: Message) -> Result<(), String> {
        self.0
            .lock()
            .map_err(|_| "inbox poisoned".to_owned())?
            .push(message);
        Ok(())
    }
}

impl Inbox {
    fn take_link(&self) -> Option<portcullis::core::SecretString> {
        match self.0.lock().ok()?.pop()? {
            Message::MagicLink { token, .. } => Some(token),
            _ => None,
        }
    }
}

fn outcome<E: std::fmt::Display>(result: &Result<(), E>) -> String {
    match result {
        Ok(()) => "accepted".to_owned(),
        Err(e) => format!("refused ({e})"),
    }
}
