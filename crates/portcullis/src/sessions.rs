//! Sessions on a store: start, authenticate by token, step up, revoke, list.
//!
//! `portcullis-session` decides (is this session usable, what changes when a factor is
//! added); `portcullis-store` remembers atomically. [`Sessions`] joins the two so that
//! every decision is persisted in the same call that makes it:
//!
//! - a presented token is looked up by the digest of its secret under every digest key
//!   still accepted (the current one first), so rotating the server key does not sign
//!   anyone out;
//! - a use is recorded with [`SessionStore::touch_session`], which refuses a session
//!   terminated meanwhile by another process (revocation wins a race with a use);
//! - an idle timeout found on use terminates the session in the store as well;
//! - completing a second factor or stepping up moves the session to a new token in the
//!   same write (fixation defence), and returns the new token to hand to the client;
//! - with a signing key ([`Sessions::with_jwt`]), a session also gets a short-lived
//!   JWT: [`Sessions::authenticate_jwt`] believes a fresh one without the store, and
//!   refreshes a stale one from the store while the session lives (the trade-off is in
//!   [`portcullis_session::jwt`]).

use std::sync::Arc;

use portcullis_core::{CryptoRng, OffsetDateTime};
use portcullis_jwt::revocation::deny_list_key;
use portcullis_jwt::{Key, Signed, Verifier};
use portcullis_session::jwt::{self, JwtCheck, SessionClaims, SessionJwtConfig, SessionJwtError};
use portcullis_session::token::{self, SessionToken};
use portcullis_session::{
    AuthenticationFactor, NewSession, Session, SessionError, SessionPolicy, Status, Termination,
    TerminationReason, lifecycle,
};
use portcullis_store::{DenyListStore, Listing, PageRequest, SessionStore, StoreError};
use portcullis_token::Digester;

/// Why a session call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionFlowError {
    /// No session is stored under the presented token (never issued, rotated away, or
    /// purged).
    #[error("unknown session")]
    Unknown,
    /// The session exists but refused the use (expired, terminated, idle, pending).
    #[error(transparent)]
    Refused(#[from] SessionError),
    /// The store failed; nothing is known about the session.
    #[error(transparent)]
    Store(StoreError),
    /// A session JWT was refused or could not be signed.
    #[error(transparent)]
    Jwt(#[from] SessionJwtError),
    /// The JWT's id is on the deny-list.
    #[error("session JWT revoked")]
    JwtRevoked,
    /// JWT calls need [`Sessions::with_jwt`].
    #[error("session JWTs are not configured")]
    JwtNotConfigured,
}

impl From<StoreError> for SessionFlowError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::Unknown,
            StoreError::Revoked => Self::Refused(SessionError::Terminated),
            other => Self::Store(other),
        }
    }
}

/// A session just started or moved to a new token, and the token to give its holder.
#[derive(Debug)]
pub struct Issued {
    /// The session as stored.
    pub session: Session,
    /// The token (cookie value or bearer token); only its digest was stored.
    pub token: SessionToken,
}

/// A session authenticated by its JWT.
#[derive(Debug)]
pub struct JwtAuthenticated {
    /// What the session is (from the JWT when fresh, from the store when refreshed).
    pub claims: SessionClaims,
    /// The replacement JWT when the presented one was stale: hand it to the client.
    pub refreshed: Option<Signed>,
}

/// What signs and checks session JWTs.
#[derive(Debug, Clone)]
struct JwtSetup {
    key: Arc<Key>,
    verifier: Verifier,
    config: SessionJwtConfig,
    deny_list: bool,
}

/// Sessions kept in a [`SessionStore`].
#[derive(Debug, Clone)]
pub struct Sessions<S> {
    store: S,
    policy: SessionPolicy,
    digester: Digester,
    jwt: Option<JwtSetup>,
}

impl<S: SessionStore> Sessions<S> {
    /// Sessions in `store`, living by `policy`, tokens digested with `digester` (SHA-256,
    /// or HMAC-SHA256 under a server key so that a copy of the table alone cannot even
    /// check a guessed token).
    ///
    /// # Errors
    /// [`SessionError::InvalidPolicy`] when `policy` is outside its bounds.
    pub fn new(store: S, policy: SessionPolicy, digester: Digester) -> Result<Self, SessionError> {
        policy.validate()?;
        Ok(Self {
            store,
            policy,
            digester,
            jwt: None,
        })
    }

    /// Also issue session JWTs, signed by `key` (a private key; rotate by building
    /// again with the new current key) and checked by `verifier` (the published keys,
    /// so JWTs of the previous key stay valid for their few minutes).
    ///
    /// # Errors
    /// [`SessionFlowError::Jwt`] for a lifetime out of bounds or a public key.
    pub fn with_jwt(
        mut self,
        key: Key,
        verifier: Verifier,
        config: SessionJwtConfig,
    ) -> Result<Self, SessionFlowError> {
        config.validate().map_err(SessionJwtError::from)?;
        if !key.is_private() {
            return Err(SessionJwtError::from(portcullis_jwt::JwtError::KeyUse(
                "session JWTs need a private key",
            ))
            .into());
        }
        self.jwt = Some(JwtSetup {
            key: Arc::new(key),
            verifier: config.verifier(verifier),
            config,
            deny_list: false,
        });
        Ok(self)
    }

    fn jwt_setup(&self) -> Result<&JwtSetup, SessionFlowError> {
        self.jwt.as_ref().ok_or(SessionFlowError::JwtNotConfigured)
    }

    /// A session JWT for `session` (which must be active and full).
    ///
    /// # Errors
    /// [`SessionFlowError::JwtNotConfigured`]; the refusals of [`jwt::issue`].
    pub fn issue_jwt<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        session: &Session,
        now: OffsetDateTime,
    ) -> Result<Signed, SessionFlowError> {
        let setup = self.jwt_setup()?;
        Ok(jwt::issue(
            session,
            &setup.key,
            &setup.config,
            &self.policy,
            now,
            rng,
        )?)
    }

    /// Authenticates a presented session JWT at `now`. A fresh one is believed as it
    /// is (no store round trip, unless the deny-list is on); a stale one is refreshed
    /// from the store: the session must still authenticate (which records the use),
    /// and a new JWT is returned in [`JwtAuthenticated::refreshed`].
    ///
    /// # Errors
    /// [`SessionFlowError::Jwt`] for a JWT that is not validly signed for us;
    /// [`SessionFlowError::JwtRevoked`]; for a stale JWT, the refusals of
    /// [`Sessions::authenticate_token`] (a revoked session never refreshes).
    pub async fn authenticate_jwt<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<JwtAuthenticated, SessionFlowError>
    where
        S: DenyListStore,
    {
        let setup = self.jwt_setup()?;
        match jwt::check(&setup.verifier, presented, &self.policy, now)? {
            JwtCheck::Fresh { claims, jti } => {
                if setup.deny_list
                    && let Some(jti) = jti
                    && self
                        .store
                        .is_denied(&deny_list_key(&setup.config.issuer, &jti), now)
                        .await
                        .map_err(SessionFlowError::Store)?
                {
                    return Err(SessionFlowError::JwtRevoked);
                }
                Ok(JwtAuthenticated {
                    claims,
                    refreshed: None,
                })
            }
            JwtCheck::Stale { claims } => {
                let session = self.store.get_session(&claims.session_id).await?;
                let session = self.record_use(session, now, None).await?;
                let refreshed = self.issue_jwt(rng, &session, now)?;
                Ok(JwtAuthenticated {
                    claims: SessionClaims::of(&session),
                    refreshed: Some(refreshed),
                })
            }
        }
    }

    /// Consult the store's jti deny-list on every fresh JWT: revocation by
    /// [`Sessions::deny_jwt`] then takes effect at once, for one small store read per
    /// JWT authentication.
    #[must_use]
    pub fn with_jwt_deny_list(mut self) -> Self {
        if let Some(setup) = &mut self.jwt {
            setup.deny_list = true;
        }
        self
    }

    /// The store underneath.
    pub const fn store(&self) -> &S {
        &self.store
    }

    /// The policy sessions live by.
    pub const fn policy(&self) -> &SessionPolicy {
        &self.policy
    }

    /// Starts a session (full, or pending its second factor when `new` says so) and
    /// stores it under a new token.
    ///
    /// # Errors
    /// The refusals of [`lifecycle::start`]; a store failure.
    pub async fn start<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        new: NewSession,
        now: OffsetDateTime,
    ) -> Result<Issued, SessionFlowError> {
        let session = lifecycle::start(&self.policy, rng, new, now)?;
        self.create(rng, session).await
    }

    /// Stores a session built elsewhere (impersonation, import) under a new token.
    ///
    /// # Errors
    /// A store failure ([`StoreError::Conflict`] if the id is taken).
    pub async fn create<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        session: Session,
    ) -> Result<Issued, SessionFlowError> {
        let token = SessionToken::issue(rng, &self.digester);
        self.store
            .create_session(&session, token.digest())
            .await
            .map_err(SessionFlowError::Store)?;
        Ok(Issued { session, token })
    }

    /// Starts a session for the user of a JWT issued elsewhere (Stytch
    /// `sessions/migrate`, `exchange_access_token`): the token is verified by
    /// `verifier` (the other system's keys, issuer and audience), its `sub` becomes the
    /// user id, and its other claims become custom claims (reserved names dropped). The
    /// session records an `imported` factor naming the issuer.
    ///
    /// # Errors
    /// [`SessionFlowError::Jwt`] when the token does not verify or has no `sub` or
    /// `iss`; the refusals of [`lifecycle::import`]; a store failure.
    pub async fn exchange_jwt<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        verifier: &Verifier,
        external: &str,
        duration_minutes: Option<u32>,
        now: OffsetDateTime,
    ) -> Result<Issued, SessionFlowError> {
        let verified = verifier
            .verify(external, now)
            .map_err(SessionJwtError::from)?;
        let claims = verified.claims;
        let (Some(user_id), Some(issuer)) = (claims.sub.as_deref(), claims.iss.as_deref()) else {
            return Err(SessionJwtError::NotSessionJwt.into());
        };
        let session = lifecycle::import(
            &self.policy,
            rng,
            user_id,
            issuer,
            &claims.custom,
            duration_minutes,
            now,
        )?;
        self.create(rng, session).await
    }

    /// The session a presented token names, whatever its state (no use recorded).
    ///
    /// # Errors
    /// [`SessionError::MalformedToken`], [`SessionFlowError::Unknown`], a store failure.
    pub async fn find_by_token(&self, presented: &str) -> Result<Session, SessionFlowError> {
        for digest in token::lookup_digests(presented, &self.digester)? {
            match self.store.get_session_by_token(&digest).await {
                Err(StoreError::NotFound) => {}
                found => return Ok(found?),
            }
        }
        Err(SessionFlowError::Unknown)
    }

    /// Authenticates a presented session token at `now`: the session must be active,
    /// full (not waiting for a second factor), within its idle timeout and absolute
    /// lifetime. The use is recorded; with `extend_minutes` the session's expiry moves
    /// to now + N (capped by the absolute lifetime). Returns the session as stored.
    ///
    /// # Errors
    /// [`SessionError::MalformedToken`], [`SessionFlowError::Unknown`], the refusals of
    /// [`lifecycle::authenticate`] (an idle session is terminated in the store), a store
    /// failure.
    pub async fn authenticate_token(
        &self,
        presented: &str,
        now: OffsetDateTime,
        extend_minutes: Option<u32>,
    ) -> Result<Session, SessionFlowError> {
        let session = self.find_by_token(presented).await?;
        self.record_use(session, now, extend_minutes).await
    }

    /// Authenticates a session already found (by token, or by id from a verified
    /// session JWT) and records the use.
    pub(crate) async fn record_use(
        &self,
        mut session: Session,
        now: OffsetDateTime,
        extend_minutes: Option<u32>,
    ) -> Result<Session, SessionFlowError> {
        if let Err(refusal) =
            lifecycle::authenticate(&mut session, &self.policy, now, extend_minutes)
        {
            if let Some(termination) = session
                .termination
                .filter(|_| refusal == SessionError::IdleTimeout)
            {
                self.store
                    .revoke_session(&session.session_id, termination)
                    .await
                    .map_err(SessionFlowError::Store)?;
            }
            return Err(refusal.into());
        }
        Ok(self
            .store
            .touch_session(
                &session.session_id,
                session.last_accessed_at,
                session.expires_at,
            )
            .await?)
    }

    /// Completes a session waiting for its second factor with `factor`, and moves it
    /// to a new token (the pending session's token stops working).
    ///
    /// # Errors
    /// [`SessionError::NotPending`], the refusals of [`lifecycle::complete_second_factor`],
    /// a store failure.
    pub async fn complete_second_factor<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        presented: &str,
        factor: AuthenticationFactor,
        now: OffsetDateTime,
        duration_minutes: Option<u32>,
    ) -> Result<Issued, SessionFlowError> {
        let mut session = self.find_by_token(presented).await?;
        let token = lifecycle::complete_second_factor(
            &mut session,
            &self.policy,
            factor,
            now,
            duration_minutes,
            rng,
            &self.digester,
        )?;
        self.store
            .update_session(&session, Some(token.digest()))
            .await?;
        Ok(Issued { session, token })
    }

    /// Adds a factor to a full session (step-up) and moves it to a new token.
    ///
    /// # Errors
    /// The refusals of [`lifecycle::add_factor`], a store failure.
    pub async fn step_up<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        presented: &str,
        factor: AuthenticationFactor,
        now: OffsetDateTime,
    ) -> Result<Issued, SessionFlowError> {
        let mut session = self.find_by_token(presented).await?;
        let token =
            lifecycle::add_factor(&mut session, &self.policy, factor, now, rng, &self.digester)?;
        self.store
            .update_session(&session, Some(token.digest()))
            .await?;
        Ok(Issued { session, token })
    }

    /// Ends one session; false if it had already ended.
    ///
    /// # Errors
    /// [`SessionFlowError::Unknown`], a store failure.
    pub async fn revoke(
        &self,
        session_id: &str,
        now: OffsetDateTime,
        reason: TerminationReason,
    ) -> Result<bool, SessionFlowError> {
        Ok(self
            .store
            .revoke_session(session_id, termination(now, reason))
            .await?)
    }

    /// Ends every live session of `user_id` except `keep` (PropelAuth
    /// `logout_all_sessions`; after a credential change, unless the caller preserves
    /// them). Returns how many ended.
    ///
    /// # Errors
    /// A store failure.
    pub async fn revoke_all(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: OffsetDateTime,
        reason: TerminationReason,
    ) -> Result<u64, SessionFlowError> {
        Ok(self
            .store
            .revoke_sessions(user_id, keep, termination(now, reason))
            .await?)
    }

    /// The user's sessions with `status` at `now` (all when `None`), newest first.
    ///
    /// # Errors
    /// A store failure (an invalid page is [`StoreError::Invalid`]).
    pub async fn list(
        &self,
        user_id: &str,
        status: Option<Status>,
        now: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Listing<Session>, SessionFlowError> {
        self.store
            .list_sessions(user_id, status, now, page)
            .await
            .map_err(SessionFlowError::Store)
    }
}

impl<S: SessionStore + DenyListStore> Sessions<S> {
    /// Denies a session JWT by its `jti` until its `exp` (sign-out of a device whose JWT
    /// must stop working at once; effective with [`Sessions::with_jwt_deny_list`]). The
    /// entry is keyed by (issuer, jti), as RFC 7519 makes a jti unique per issuer.
    ///
    /// # Errors
    /// [`SessionFlowError::JwtNotConfigured`]; a store failure.
    pub async fn deny_jwt(
        &self,
        jti: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), SessionFlowError> {
        let issuer = &self.jwt_setup()?.config.issuer;
        self.store
            .deny(&deny_list_key(issuer, jti), expires_at)
            .await
            .map_err(SessionFlowError::Store)
    }
}

const fn termination(now: OffsetDateTime, reason: TerminationReason) -> Termination {
    Termination {
        terminated_at: now,
        reason,
    }
}
