//! Invitations: issue, list pending, revoke by (email, scope), redeem.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_token::invite::{self, InviteRecord, InviteRequest, Inviter, PendingInvite};
use portcullis_token::{
    Digester, OpaqueToken, Purpose, RedeemCheck, SingleUseConfig, SingleUseTokens, TokenError,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

fn tokens() -> SingleUseTokens {
    SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256)
}

#[test]
fn issue_list_revoke_redeem() {
    let tokens = tokens();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let t0 = at(1_718_648_493);
    let mut invites: Vec<InviteRecord> = Vec::new();
    let mut issued_tokens: Vec<OpaqueToken> = Vec::new();
    for (i, (email, scope)) in [
        ("ada@example.com", Some("org_1")),
        ("Bob@Example.com", Some("org_1")),
        ("ada@example.com", Some("org_2")),
        ("carol@example.com", None),
    ]
    .into_iter()
    .enumerate()
    {
        let mut request = InviteRequest::new(email)
            .inviter(Inviter {
                user_id: Some("user_9".into()),
                email: Some("owner@example.com".into()),
            })
            .roles(["Member"]);
        if let Some(scope) = scope {
            request = request.scope(scope);
        }
        // PropelAuth's example invite lives 5 days.
        request = request.lifetime(Duration::days(5));
        let (token, record) =
            invite::issue(&tokens, &mut rng, request, t0 + Duration::minutes(i as i64)).unwrap();
        assert_eq!(record.token.purpose, Purpose::Invite);
        invites.push(record);
        issued_tokens.push(token);
    }

    let pending = invite::pending(&invites, Some("org_1"), t0 + Duration::hours(1));
    assert_eq!(
        pending
            .iter()
            .map(|p| p.invitee_email.as_str())
            .collect::<Vec<_>>(),
        ["ada@example.com", "bob@example.com"]
    );
    let first: &PendingInvite = &pending[0];
    assert_eq!(first.created_at, t0);
    assert_eq!(
        first.expires_at.unix_timestamp() - first.created_at.unix_timestamp(),
        432_000
    );
    assert_eq!(first.inviter_user_id.as_deref(), Some("user_9"));
    assert_eq!(first.inviter_email.as_deref(), Some("owner@example.com"));
    assert_eq!(first.roles, ["Member"]);
    let json = serde_json::to_value(first).unwrap();
    assert_eq!(json["created_at"], 1_718_648_493);
    assert_eq!(json["expires_at"], 1_719_080_493);
    assert_eq!(
        invite::pending(&invites, None, t0 + Duration::hours(1)).len(),
        4
    );
    assert_eq!(invite::pending(&invites, Some("org_3"), t0).len(), 0);
    // Expired invites are no longer pending.
    assert!(invite::pending(&invites, None, t0 + Duration::days(6)).is_empty());

    // Revoke ada in org_1 only; case and spaces do not matter.
    let later = t0 + Duration::hours(2);
    assert_eq!(
        invite::revoke(&mut invites, " ADA@example.com", Some("org_1"), later),
        1
    );
    assert_eq!(
        invite::revoke(&mut invites, "ada@example.com", Some("org_1"), later),
        0
    );
    assert_eq!(invites[0].token.revoked_at, Some(later));
    assert!(invites[2].is_pending(later));
    assert_eq!(invite::pending(&invites, Some("org_1"), later).len(), 1);
    // Scope None means "no organisation", not "any".
    assert_eq!(
        invite::revoke(&mut invites, "ada@example.com", None, later),
        0
    );

    // A revoked invite refuses; a pending one redeems once.
    let check = RedeemCheck::new(Purpose::Invite);
    let presented =
        |i: usize| OpaqueToken::parse(issued_tokens[i].render().expose_secret()).unwrap();
    assert_eq!(
        tokens.redeem(&invites[0].token, &presented(0), &check, later),
        Err(TokenError::Revoked)
    );
    let redemption = tokens
        .redeem(
            &invites[2].token,
            &presented(2),
            &check.clone().subject("ada@example.com").scope("org_2"),
            later,
        )
        .unwrap();
    assert!(redemption.apply(&mut invites[2].token));
    assert!(!invites[2].is_pending(later));
    // Accepted invites are neither pending nor revocable.
    assert_eq!(
        invite::revoke(&mut invites, "ada@example.com", Some("org_2"), later),
        0
    );

    let json = serde_json::to_string(&invites[1]).unwrap();
    assert_eq!(
        serde_json::from_str::<InviteRecord>(&json).unwrap(),
        invites[1]
    );
    assert_eq!(invites[1].invitee_email(), "bob@example.com");
}

#[test]
fn invitee_addresses_are_checked() {
    let tokens = tokens();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for bad in ["", "ada", "@example.com", "ada@", "a@b@c"] {
        assert_eq!(
            invite::issue(&tokens, &mut rng, InviteRequest::new(bad), at(0)).unwrap_err(),
            TokenError::Invalid("invitee email"),
            "{bad}"
        );
    }
    let (_, record) = invite::issue(&tokens, &mut rng, InviteRequest::new("x@y"), at(0)).unwrap();
    assert_eq!(
        record.token.expires_at - record.token.created_at,
        Duration::days(7)
    );
    assert!(record.is_for("X@Y", None));
}
