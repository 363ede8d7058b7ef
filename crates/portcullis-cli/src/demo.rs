//! `portcullis demo`: the library end to end on the embedded default store (SQLite),
//! with no server and nothing to configure.
//!
//! It signs a user up, shows a wrong password locking the login (unknown logins alike),
//! imports users from three older systems with the hashes they kept and upgrades each
//! to argon2id at its first sign-in, then lists and revokes sessions. Each step prints
//! what happened; no secret is printed.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use portcullis::core::{OffsetDateTime, OsRng};
use portcullis::flows::{LoginError, Portcullis};
use portcullis::password::{ImportRecord, identify};
use portcullis::session::{Status, TerminationReason};
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
/// are vectors from passlib 1.7.4 and Django 4.2, `tests/vectors/password`).
const IMPORTS: [(&str, &str, &str); 3] = [
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
        demo(Portcullis::builder(store).build()?, out).await
    })
}

async fn demo<S: Store>(auth: Portcullis<S>, out: &mut impl Write) -> DemoResult {
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

    writeln!(out, "\n4. sessions: list, authenticate, revoke everywhere")?;
    let sessions = auth.sessions();
    let newest = auth
        .login_password(&mut OsRng, &login, password, now)
        .await?;
    let active = sessions
        .list(
            "user-ada",
            Some(Status::Active),
            now,
            PageRequest::default(),
        )
        .await?;
    writeln!(
        out,
        "   user-ada has {} active sessions",
        active.items.len()
    )?;
    let token = newest.token.render();
    sessions
        .authenticate_token(token.expose_secret(), now, None)
        .await?;
    writeln!(out, "   the newest session's token authenticates")?;
    let ended = sessions
        .revoke_all("user-ada", None, now, TerminationReason::RevokedAll)
        .await?;
    let after = sessions
        .authenticate_token(token.expose_secret(), now, None)
        .await;
    writeln!(
        out,
        "   sign out everywhere: {ended} sessions ended; the token now: {}",
        outcome(&after.map(|_| ()))
    )?;
    writeln!(out, "\ndone")?;
    Ok(())
}

fn outcome<E: std::fmt::Display>(result: &Result<(), E>) -> String {
    match result {
        Ok(()) => "accepted".to_owned(),
        Err(e) => format!("refused ({e})"),
    }
}
