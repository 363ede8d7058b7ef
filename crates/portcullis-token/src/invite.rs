//! Invitations: issue, list the pending ones, revoke by (email, scope).
//!
//! Modelled on Stytch `magic_links/email/invite` and `revoke_invite` (revocation names
//! the address, not the token) and PropelAuth `invite_user`, `pending_org_invites`
//! (`created_at`, `expires_at`, inviter) and `DELETE pending_org_invites` by
//! `{invitee_email, org_id}`.
//!
//! An invite is a single-use [`TokenRecord`] with purpose [`Purpose::Invite`], the
//! invitee's normalised email as subject and the organisation (if any) as scope, plus
//! the inviter and the roles to grant. It is redeemed like any other token
//! ([`SingleUseTokens::redeem`] with `RedeemCheck::new(Purpose::Invite)`); a revoked
//! invite refuses with [`TokenError::Revoked`].
//!
//! Listing and revoking run over records the caller has loaded; a store does the same
//! with one query keyed by `(subject, purpose, scope)`, which is why those are plain
//! fields of the record.
//!
//! ```
//! use portcullis_core::{Duration, OffsetDateTime};
//! use portcullis_token::invite::{self, InviteRequest, Inviter};
//! use portcullis_token::{Digester, SingleUseConfig, SingleUseTokens};
//! # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! # let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256);
//! let now = OffsetDateTime::from_unix_timestamp(1_718_648_493).unwrap();
//!
//! let request = InviteRequest::new(" Ada@Example.com ")
//!     .scope("org_1")
//!     .inviter(Inviter::user("user_9"))
//!     .roles(["Owner"]);
//! let (token, record) = invite::issue(&tokens, &mut rng, request, now)?;
//! let mut invites = vec![record];
//!
//! let pending = invite::pending(&invites, Some("org_1"), now);
//! assert_eq!(pending[0].invitee_email, "ada@example.com");
//! assert_eq!(pending[0].expires_at - pending[0].created_at, Duration::days(7));
//!
//! assert_eq!(invite::revoke(&mut invites, "ADA@example.com", Some("org_1"), now), 1);
//! assert!(invite::pending(&invites, Some("org_1"), now).is_empty());
//! # Ok::<(), portcullis_token::TokenError>(())
//! ```

use portcullis_core::{CryptoRng, Duration, OffsetDateTime};
use serde::{Deserialize, Serialize};

use crate::error::TokenError;
use crate::opaque::OpaqueToken;
use crate::purpose::Purpose;
use crate::redirect::AllowedRedirect;
use crate::single_use::{IssueRequest, Metadata, SingleUseTokens, TokenRecord};

/// Who sent an invitation. Both fields may be empty (an invitation from the backend).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inviter {
    /// The inviting user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The inviting user's email.
    #[serde(default)]
    pub email: Option<String>,
}

impl Inviter {
    /// An inviter known by user id.
    #[must_use]
    pub fn user(user_id: impl Into<String>) -> Self {
        Self {
            user_id: Some(user_id.into()),
            email: None,
        }
    }
}

/// The stored form of an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRecord {
    /// The token record: subject is the normalised invitee email, scope the organisation.
    pub token: TokenRecord,
    /// Who invited.
    #[serde(default)]
    pub inviter: Inviter,
    /// Roles to grant on acceptance.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl InviteRecord {
    /// The invitee's normalised email.
    #[must_use]
    pub fn invitee_email(&self) -> &str {
        &self.token.subject
    }

    /// Whether the invitation can still be accepted at `now`.
    #[must_use]
    pub fn is_pending(&self, now: OffsetDateTime) -> bool {
        self.token.is_live(now)
    }

    /// Whether this invitation is for `email` in `scope` (the email is normalised first).
    #[must_use]
    pub fn is_for(&self, email: &str, scope: Option<&str>) -> bool {
        self.token.subject == normalize_email(email) && self.token.scope.as_deref() == scope
    }
}

/// One row of a pending-invites listing (PropelAuth `pending_org_invites` fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvite {
    /// The invitee's normalised email.
    pub invitee_email: String,
    /// The organisation or project, if any.
    pub scope: Option<String>,
    /// When the invitation was sent (Unix seconds when serialized).
    #[serde(with = "time::serde::timestamp")]
    pub created_at: OffsetDateTime,
    /// When it stops being acceptable (Unix seconds when serialized).
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// The inviting user's id.
    pub inviter_user_id: Option<String>,
    /// The inviting user's email.
    pub inviter_email: Option<String>,
    /// Roles to grant.
    pub roles: Vec<String>,
}

/// What to invite: built with [`InviteRequest::new`] and the chained setters.
#[derive(Debug, Clone)]
pub struct InviteRequest {
    email: String,
    scope: Option<String>,
    inviter: Inviter,
    roles: Vec<String>,
    lifetime: Option<Duration>,
    redirect_url: Option<AllowedRedirect>,
    metadata: Metadata,
}

impl InviteRequest {
    /// An invitation for `email` (normalised: trimmed, lower-cased).
    #[must_use]
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            scope: None,
            inviter: Inviter::default(),
            roles: Vec::new(),
            lifetime: None,
            redirect_url: None,
            metadata: Metadata::new(),
        }
    }

    /// Into this organisation or project.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sent by this inviter.
    #[must_use]
    pub fn inviter(mut self, inviter: Inviter) -> Self {
        self.inviter = inviter;
        self
    }

    /// Granting these roles.
    #[must_use]
    pub fn roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// This lifetime instead of the invite default (Stytch `invite_expiration_minutes`).
    #[must_use]
    pub const fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Where the invitation link leads.
    #[must_use]
    pub fn redirect_url(mut self, url: AllowedRedirect) -> Self {
        self.redirect_url = Some(url);
        self
    }

    /// Caller data kept with the invitation.
    #[must_use]
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }
}

/// Issues an invitation token and the record to store.
///
/// # Errors
/// [`TokenError::Invalid`] for an address without exactly one `@` between non-empty
/// parts; otherwise as [`SingleUseTokens::issue`].
pub fn issue<R: CryptoRng + ?Sized>(
    tokens: &SingleUseTokens,
    rng: &mut R,
    request: InviteRequest,
    now: OffsetDateTime,
) -> Result<(OpaqueToken, InviteRecord), TokenError> {
    let email = normalize_email(&request.email);
    let valid = matches!(email.split_once('@'), Some((local, domain))
        if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if !valid {
        return Err(TokenError::Invalid("invitee email"));
    }
    let mut issue = IssueRequest::new(Purpose::Invite, email).metadata(request.metadata);
    if let Some(scope) = request.scope {
        issue = issue.scope(scope);
    }
    if let Some(lifetime) = request.lifetime {
        issue = issue.lifetime(lifetime);
    }
    if let Some(url) = request.redirect_url {
        issue = issue.redirect_url(url);
    }
    let issued = tokens.issue(rng, issue, now)?;
    Ok((
        issued.token,
        InviteRecord {
            token: issued.record,
            inviter: request.inviter,
            roles: request.roles,
        },
    ))
}

/// The invitations still acceptable at `now`, in `scope` if given (all scopes
/// otherwise), oldest first.
#[must_use]
pub fn pending<'a, I>(invites: I, scope: Option<&str>, now: OffsetDateTime) -> Vec<PendingInvite>
where
    I: IntoIterator<Item = &'a InviteRecord>,
{
    let mut rows: Vec<PendingInvite> = invites
        .into_iter()
        .filter(|invite| invite.is_pending(now))
        .filter(|invite| scope.is_none() || invite.token.scope.as_deref() == scope)
        .map(|invite| PendingInvite {
            invitee_email: invite.token.subject.clone(),
            scope: invite.token.scope.clone(),
            created_at: invite.token.created_at,
            expires_at: invite.token.expires_at,
            inviter_user_id: invite.inviter.user_id.clone(),
            inviter_email: invite.inviter.email.clone(),
            roles: invite.roles.clone(),
        })
        .collect();
    rows.sort_by(|a, b| (a.created_at, &a.invitee_email).cmp(&(b.created_at, &b.invitee_email)));
    rows
}

/// Revokes every pending invitation for `email` in `scope`; returns how many.
/// Invitations already accepted, revoked or expired are left as they are.
pub fn revoke<'a, I>(invites: I, email: &str, scope: Option<&str>, now: OffsetDateTime) -> usize
where
    I: IntoIterator<Item = &'a mut InviteRecord>,
{
    let mut revoked = 0;
    for invite in invites {
        if invite.is_for(email, scope) && invite.is_pending(now) {
            invite.token.revoke(now);
            revoked += 1;
        }
    }
    revoked
}

/// The form in which emails are stored and compared: trimmed and lower-cased.
///
/// Lower-casing the local part is not RFC 5321 (which lets hosts treat it as case
/// sensitive) but is what every mail provider in practice does, and what users expect:
/// `Ada@Example.com` and `ada@example.com` are one invitee.
#[must_use]
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
