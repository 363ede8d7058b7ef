//! Invitations and email verification, sent through the caller's
//! [`Sender`] like every emailed link.

use portcullis_core::{CryptoRng, OffsetDateTime};
use portcullis_session::{AuthenticationFactor, FactorType, NewSession};
use portcullis_store::{Store, StoreError};
use portcullis_token::invite::{self, InviteRecord, InviteRequest};
use portcullis_token::{IssueRequest, OpaqueToken, Purpose, RedeemCheck};

use crate::accounts::Account;
use crate::audit::AuditEvent;
use crate::email::{EmailFlowError, Message, Sender};
use crate::flows::{AccountError, Portcullis};
use crate::sessions::Issued;

impl<S: Store> Portcullis<S> {
    /// Invites `request`'s address (into its scope, with its roles): stores the
    /// invitation and hands the link to `sender` (Stytch `magic_links/email/invite`,
    /// PropelAuth `invite_user`).
    ///
    /// # Errors
    /// [`EmailFlowError::Token`] for a bad request; a store or sender failure.
    pub async fn invite<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        sender: &impl Sender,
        request: InviteRequest,
        now: OffsetDateTime,
    ) -> Result<InviteRecord, EmailFlowError> {
        let (token, record) =
            invite::issue(&self.tokens, rng, request, now).map_err(EmailFlowError::Token)?;
        self.store.put(&record).await?;
        self.emit(AuditEvent::LinkSent {
            to: record.invitee_email().to_owned(),
            purpose: "invite",
        });
        sender
            .send(Message::Invite {
                to: record.invitee_email().to_owned(),
                token: token.render().into(),
                scope: record.token.scope.clone(),
                expires_at: record.token.expires_at,
            })
            .await
            .map_err(EmailFlowError::Send)?;
        Ok(record)
    }

    /// Revokes every pending invitation of `email` (in `scope`, or any scope): Stytch
    /// `revoke_invite` and PropelAuth's `DELETE pending_org_invites` name the address,
    /// not the token. Returns how many were revoked.
    ///
    /// # Errors
    /// A store failure.
    pub async fn revoke_invites(
        &self,
        email: &str,
        scope: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<u64, EmailFlowError> {
        Ok(self
            .store
            .revoke_for_subject::<InviteRecord>(
                &invite::normalize_email(email),
                Purpose::Invite.as_str(),
                scope,
                now,
            )
            .await?)
    }

    /// Accepts an invitation: consumes it, creates the invitee's account if needed
    /// (`user_id_for` names a new user), and signs them in with the invitation's roles
    /// and organisation.
    ///
    /// # Errors
    /// [`EmailFlowError::Token`] for a used, revoked, expired or unknown invitation; a
    /// store failure.
    pub async fn accept_invite<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        presented: &str,
        user_id_for: impl FnOnce(&str) -> String,
        now: OffsetDateTime,
    ) -> Result<Issued, EmailFlowError> {
        let token = OpaqueToken::parse(presented).map_err(EmailFlowError::Token)?;
        let key = token.id().to_string();
        let record = match self.store.peek::<InviteRecord>(&key, now).await {
            Ok(record) => record,
            Err(StoreError::NotFound) => {
                return Err(EmailFlowError::Token(self.tokens.refuse_unknown(&token)));
            }
            Err(other) => return Err(other.into()),
        };
        let _redemption = self
            .tokens
            .redeem(
                &record.token,
                &token,
                &RedeemCheck::new(Purpose::Invite),
                now,
            )
            .map_err(EmailFlowError::Token)?;
        let record: InviteRecord = self.store.consume(&key, now).await?;
        let account = self
            .account_or_create(record.invitee_email(), user_id_for, "invite", now)
            .await?;
        let factor = AuthenticationFactor::new(FactorType::MagicLink, now);
        let mut new = NewSession::new(account.user_id.clone(), factor);
        new.roles.clone_from(&record.roles);
        new.organization_id.clone_from(&record.token.scope);
        new.second_factor_required = account.second_factor_required(now);
        self.sessions
            .start(rng, new, now)
            .await
            .map_err(|e| EmailFlowError::Account(AccountError::Session(e)))
    }

    /// Sends a link proving the account's address receives mail.
    ///
    /// # Errors
    /// [`AccountError::Unknown`]; a store or sender failure.
    pub async fn send_email_verification<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        sender: &impl Sender,
        login: &str,
        now: OffsetDateTime,
    ) -> Result<(), EmailFlowError> {
        let account = self.account(login).await?;
        let issued = self
            .tokens
            .issue(
                rng,
                IssueRequest::new(Purpose::EmailVerification, account.login.clone()),
                now,
            )
            .map_err(EmailFlowError::Token)?;
        self.store.put(&issued.record).await?;
        self.emit(AuditEvent::LinkSent {
            to: account.login.clone(),
            purpose: "email_verification",
        });
        sender
            .send(Message::EmailVerification {
                to: account.login,
                token: issued.token.render().into(),
                expires_at: issued.record.expires_at,
            })
            .await
            .map_err(EmailFlowError::Send)
    }

    /// Redeems an email-verification link: the account's address is marked verified.
    ///
    /// # Errors
    /// [`EmailFlowError::Token`]; a store failure.
    pub async fn verify_email(
        &self,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<Account, EmailFlowError> {
        let record = self
            .consume_link(presented, Purpose::EmailVerification, None, now)
            .await?;
        let account = self.account(&record.subject).await?;
        Ok(self
            .replace_account(&account, |a| a.email_verified_at = Some(now))
            .await?)
    }

    /// The account under `login`, created (passwordless, address proven) if there is
    /// none; refused when disabled or deleted.
    pub(crate) async fn account_or_create(
        &self,
        login: &str,
        user_id_for: impl FnOnce(&str) -> String,
        how: &'static str,
        now: OffsetDateTime,
    ) -> Result<Account, EmailFlowError> {
        let account = match self.account(login).await {
            Ok(account) => account,
            Err(AccountError::Unknown) => {
                let mut account = Account::new(login, user_id_for(login), None, now);
                account.email_verified_at = Some(now);
                match self.store.create_credential(&account).await {
                    Ok(()) => {
                        self.emit(AuditEvent::AccountCreated {
                            login: account.login.clone(),
                            user_id: account.user_id.clone(),
                            how,
                        });
                        account
                    }
                    // Created by a concurrent redemption: use it.
                    Err(StoreError::Conflict) => self.account(login).await?,
                    Err(other) => return Err(other.into()),
                }
            }
            Err(other) => return Err(other.into()),
        };
        if account.disabled.is_some() || account.deleted_at.is_some() {
            return Err(EmailFlowError::Account(AccountError::Unknown));
        }
        Ok(account)
    }
}
