//! Single-use tokens: issue, peek, redeem, every refusal, bindings and the code fallback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use portcullis_core::{Duration, OffsetDateTime};
use portcullis_token::pkce::{ChallengeMethod, CodeChallenge, CodeVerifier, PkcePolicy};
use portcullis_token::purpose::Lifetimes;
use portcullis_token::{
    Attributes, Digester, IssueRequest, KeyId, KeyRing, OpaqueToken, Purpose, RedeemCheck,
    RedirectAllowList, SingleUseConfig, SingleUseTokens, TokenError, TokenRecord,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(5)
}

fn tokens() -> SingleUseTokens {
    SingleUseTokens::new(SingleUseConfig::default(), Digester::Sha256)
}

/// The token as the holder would present it: rendered, then parsed back.
fn presented(token: &OpaqueToken) -> OpaqueToken {
    OpaqueToken::parse(token.render().expose_secret()).unwrap()
}

#[test]
fn issued_token_redeems_once() {
    let tokens = tokens();
    let issued = tokens
        .issue(
            &mut rng(),
            IssueRequest::new(Purpose::Login, "user_1"),
            now(),
        )
        .unwrap();
    let mut record = issued.record;
    assert_eq!(record.id, *issued.token.id());
    assert_eq!(record.subject, "user_1");
    assert_eq!(record.purpose, Purpose::Login);
    assert_eq!(record.created_at, now());
    assert_eq!(record.expires_at, now() + Duration::minutes(60));
    assert!(issued.code.is_none() && record.code.is_none());
    assert!(record.is_live(now()));

    let token = presented(&issued.token);
    let check = RedeemCheck::new(Purpose::Login).subject("user_1");
    let redemption = tokens.redeem(&record, &token, &check, now()).unwrap();
    assert_eq!(redemption.id, record.id);
    assert_eq!(redemption.consumed_at, now());
    assert!(redemption.apply(&mut record));
    assert_eq!(record.consumed_at, Some(now()));
    // The second writer's compare-and-set does not take effect.
    assert!(!redemption.apply(&mut record));
    assert_eq!(
        tokens.redeem(&record, &token, &check, now()),
        Err(TokenError::AlreadyUsed)
    );
    assert_eq!(
        tokens.peek(&record, &token, &check, now()),
        Err(TokenError::AlreadyUsed)
    );
    assert!(!record.is_live(now()));
}

#[test]
fn each_failure_is_its_own_refusal() {
    let tokens = tokens();
    let mut rng = rng();
    let issued = tokens
        .issue(
            &mut rng,
            IssueRequest::new(Purpose::PasswordReset, "user_1").scope("org_1"),
            now(),
        )
        .unwrap();
    let record = issued.record;
    let token = presented(&issued.token);
    let ok = RedeemCheck::new(Purpose::PasswordReset)
        .subject("user_1")
        .scope("org_1");
    assert!(tokens.redeem(&record, &token, &ok, now()).is_ok());

    let other = OpaqueToken::generate(&mut rng);
    assert_eq!(
        tokens.redeem(&record, &other, &ok, now()),
        Err(TokenError::InvalidSecret)
    );
    // Right secret under another id: the id is part of what is checked.
    let swapped = OpaqueToken::from_parts(*other.id(), token.secret().clone());
    assert_eq!(
        tokens.redeem(&record, &swapped, &ok, now()),
        Err(TokenError::InvalidSecret)
    );
    assert_eq!(
        tokens.redeem(&record, &token, &RedeemCheck::new(Purpose::Login), now()),
        Err(TokenError::WrongPurpose)
    );
    assert_eq!(
        tokens.redeem(
            &record,
            &token,
            &RedeemCheck::new(Purpose::PasswordReset).subject("user_2"),
            now()
        ),
        Err(TokenError::WrongSubject)
    );
    assert_eq!(
        tokens.redeem(
            &record,
            &token,
            &RedeemCheck::new(Purpose::PasswordReset).scope("org_2"),
            now()
        ),
        Err(TokenError::WrongScope)
    );
    let expiry = record.expires_at;
    assert!(
        tokens
            .redeem(&record, &token, &ok, expiry - Duration::SECOND)
            .is_ok()
    );
    assert_eq!(
        tokens.redeem(&record, &token, &ok, expiry),
        Err(TokenError::Expired)
    );
    let mut revoked = record.clone();
    revoked.revoke(now());
    // A revocation between the judge and the write wins: the write does not take effect.
    let redemption = tokens.redeem(&record, &token, &ok, now()).unwrap();
    assert!(!redemption.apply(&mut revoked.clone()));
    assert_eq!(
        tokens.redeem(&revoked, &token, &ok, now()),
        Err(TokenError::Revoked)
    );
    // A wrong secret hides everything else about the record.
    assert_eq!(
        tokens.redeem(&revoked, &other, &RedeemCheck::new(Purpose::Login), expiry),
        Err(TokenError::InvalidSecret)
    );
    // For an id with no record, the same refusal.
    assert_eq!(tokens.refuse_unknown(&other), TokenError::InvalidSecret);
}

#[test]
fn scope_expected_but_absent_is_refused() {
    let tokens = tokens();
    let issued = tokens
        .issue(&mut rng(), IssueRequest::new(Purpose::Login, "u"), now())
        .unwrap();
    let token = presented(&issued.token);
    assert_eq!(
        tokens.redeem(
            &issued.record,
            &token,
            &RedeemCheck::new(Purpose::Login).scope("org_1"),
            now()
        ),
        Err(TokenError::WrongScope)
    );
}

#[test]
fn peek_validates_without_consuming() {
    let tokens = tokens();
    let issued = tokens
        .issue(
            &mut rng(),
            IssueRequest::new(Purpose::PasswordReset, "user_1"),
            now(),
        )
        .unwrap();
    let record = issued.record;
    let token = presented(&issued.token);
    let check = RedeemCheck::new(Purpose::PasswordReset);
    for _ in 0..3 {
        let peek = tokens.peek(&record, &token, &check, now()).unwrap();
        assert!(!peek.requires_verifier && !peek.has_code);
        assert_eq!(peek.expires_at, now() + Duration::minutes(30));
    }
    assert_eq!(record.consumed_at, None);
    assert!(tokens.redeem(&record, &token, &check, now()).is_ok());
    assert_eq!(
        tokens.peek(
            &record,
            &OpaqueToken::generate(&mut ChaCha20Rng::seed_from_u64(99)),
            &check,
            now()
        ),
        Err(TokenError::InvalidSecret)
    );
    assert_eq!(
        tokens.peek(&record, &token, &check, record.expires_at),
        Err(TokenError::Expired)
    );
}

#[test]
fn pkce_binding() {
    let tokens = tokens();
    let mut rng = rng();
    let verifier = CodeVerifier::generate(&mut rng);
    let issued = tokens
        .issue(
            &mut rng,
            IssueRequest::new(Purpose::Login, "user_1").code_challenge(verifier.challenge()),
            now(),
        )
        .unwrap();
    let record = issued.record;
    let token = presented(&issued.token);
    let bare = RedeemCheck::new(Purpose::Login);
    // Peek does not need the verifier (the scanner and the confirm page have none).
    assert!(
        tokens
            .peek(&record, &token, &bare, now())
            .unwrap()
            .requires_verifier
    );
    assert_eq!(
        tokens.redeem(&record, &token, &bare, now()),
        Err(TokenError::VerifierRequired)
    );
    let other = CodeVerifier::generate(&mut rng);
    assert_eq!(
        tokens.redeem(
            &record,
            &token,
            &RedeemCheck::new(Purpose::Login).code_verifier(other.expose_secret()),
            now()
        ),
        Err(TokenError::PkceMismatch)
    );
    assert_eq!(
        tokens.redeem(
            &record,
            &token,
            &RedeemCheck::new(Purpose::Login).code_verifier("too-short"),
            now()
        ),
        Err(TokenError::Malformed(
            portcullis_token::Format::CodeVerifier
        ))
    );
    assert!(
        tokens
            .redeem(
                &record,
                &token,
                &RedeemCheck::new(Purpose::Login).code_verifier(verifier.expose_secret()),
                now()
            )
            .is_ok()
    );
    // Lifecycle refusals come before the binding ones.
    assert_eq!(
        tokens.redeem(&record, &token, &bare, record.expires_at),
        Err(TokenError::Expired)
    );
}

#[test]
fn plain_pkce_needs_the_policy() {
    let verifier = "p".repeat(60);
    let lax = PkcePolicy::danger_allow_plain();
    let challenge = CodeChallenge::parse(&verifier, ChallengeMethod::Plain, lax).unwrap();
    let request = || IssueRequest::new(Purpose::Login, "u").code_challenge(challenge.clone());
    assert_eq!(
        tokens().issue(&mut rng(), request(), now()).unwrap_err(),
        TokenError::PlainPkceDisabled
    );
    let lax_tokens = SingleUseTokens::new(SingleUseConfig::default().pkce(lax), Digester::Sha256);
    let issued = lax_tokens.issue(&mut rng(), request(), now()).unwrap();
    let token = presented(&issued.token);
    let check = RedeemCheck::new(Purpose::Login).code_verifier(&verifier);
    assert!(
        lax_tokens
            .redeem(&issued.record, &token, &check, now())
            .is_ok()
    );
    // If the policy is tightened later, stored plain challenges stop redeeming.
    assert_eq!(
        tokens().redeem(&issued.record, &token, &check, now()),
        Err(TokenError::PlainPkceDisabled)
    );
}

#[test]
fn ip_and_user_agent_binding() {
    let tokens = tokens();
    let ip = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
    let attributes = Attributes::new(ip, "Mozilla/5.0 (X11)");
    let issued = tokens
        .issue(
            &mut rng(),
            IssueRequest::new(Purpose::Login, "u").attributes(attributes.clone()),
            now(),
        )
        .unwrap();
    let record = issued.record;
    assert_eq!(record.binding.ip_address, Some(ip));
    let token = presented(&issued.token);
    let strict = |a: Attributes| {
        RedeemCheck::new(Purpose::Login)
            .attributes(a)
            .require_ip_match()
            .require_user_agent_match()
    };
    assert!(
        tokens
            .redeem(&record, &token, &strict(attributes.clone()), now())
            .is_ok()
    );
    // IPv4-mapped IPv6 is the same client.
    let mapped = IpAddr::V6(Ipv4Addr::new(203, 0, 113, 7).to_ipv6_mapped());
    assert!(
        tokens
            .redeem(
                &record,
                &token,
                &strict(Attributes::new(mapped, "Mozilla/5.0 (X11)")),
                now()
            )
            .is_ok()
    );
    let elsewhere = IpAddr::V6(Ipv6Addr::LOCALHOST);
    assert_eq!(
        tokens.redeem(
            &record,
            &token,
            &strict(Attributes::new(elsewhere, "Mozilla/5.0 (X11)")),
            now()
        ),
        Err(TokenError::IpMismatch)
    );
    assert_eq!(
        tokens.redeem(
            &record,
            &token,
            &strict(Attributes::new(ip, "curl/8")),
            now()
        ),
        Err(TokenError::UserAgentMismatch)
    );
    assert_eq!(
        tokens.redeem(&record, &token, &strict(Attributes::default()), now()),
        Err(TokenError::IpMismatch)
    );
    // Not required: not checked.
    let lax = RedeemCheck::new(Purpose::Login).attributes(Attributes::new(elsewhere, "curl/8"));
    assert!(tokens.redeem(&record, &token, &lax, now()).is_ok());

    // A token issued without attributes never satisfies a required match.
    let bare = tokens
        .issue(&mut rng(), IssueRequest::new(Purpose::Login, "u"), now())
        .unwrap();
    assert_eq!(
        tokens.redeem(
            &bare.record,
            &presented(&bare.token),
            &strict(attributes),
            now()
        ),
        Err(TokenError::IpMismatch)
    );
}

#[test]
fn one_time_code_fallback() {
    let tokens = tokens();
    let mut rng = rng();
    let verifier = CodeVerifier::generate(&mut rng);
    // A code alone is refused: it needs a PKCE binding.
    assert_eq!(
        tokens
            .issue(
                &mut rng,
                IssueRequest::new(Purpose::Login, "u").with_code(),
                now()
            )
            .unwrap_err(),
        TokenError::Invalid("a one-time code needs a PKCE code challenge")
    );
    let issued = tokens
        .issue(
            &mut rng,
            IssueRequest::new(Purpose::Login, "u")
                .code_challenge(verifier.challenge())
                .with_code(),
            now(),
        )
        .unwrap();
    let code = issued.code.unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.expose_secret().bytes().all(|b| b.is_ascii_digit()));
    let mut record = issued.record;
    let fallback = record.code.clone().unwrap();
    assert_eq!((fallback.failed_attempts, fallback.max_attempts), (0, 5));
    let id = *issued.token.id();
    let with_verifier = RedeemCheck::new(Purpose::Login).code_verifier(verifier.expose_secret());

    let wrong = if code.expose_secret() == "000000" {
        "000001"
    } else {
        "000000"
    };
    // The code needs the verifier of the browser that asked; without it (or with
    // another browser's), a right and a wrong code get the same refusal, even with the
    // budget spent, so the id in the link lets nobody test codes.
    let other_verifier = CodeVerifier::generate(&mut rng);
    let other_browser =
        RedeemCheck::new(Purpose::Login).code_verifier(other_verifier.expose_secret());
    let mut spent = record.clone();
    spent.code.as_mut().unwrap().failed_attempts = 5;
    for candidate in [code.expose_secret(), wrong] {
        for judged in [&record, &spent] {
            assert_eq!(
                tokens.redeem_code(
                    judged,
                    &id,
                    candidate,
                    &RedeemCheck::new(Purpose::Login),
                    now()
                ),
                Err(TokenError::VerifierRequired)
            );
            assert_eq!(
                tokens.redeem_code(judged, &id, candidate, &other_browser, now()),
                Err(TokenError::PkceMismatch)
            );
        }
    }
    let debug = format!("{with_verifier:?}");
    assert!(!debug.contains(verifier.expose_secret()), "{debug}");
    assert!(debug.contains("[redacted]"));
    for attempt in 1..=5 {
        assert_eq!(
            tokens.redeem_code(&record, &id, wrong, &with_verifier, now()),
            Err(TokenError::WrongCode)
        );
        record.record_wrong_code();
        assert_eq!(record.code.as_ref().unwrap().failed_attempts, attempt);
    }
    // Dead after the budget, even with the right code.
    assert_eq!(
        tokens.redeem_code(&record, &id, code.expose_secret(), &with_verifier, now()),
        Err(TokenError::TooManyAttempts)
    );
    record.code.as_mut().unwrap().failed_attempts = 4;
    // Right code under another token id: refused as a wrong code.
    let other_id = *OpaqueToken::generate(&mut rng).id();
    assert_eq!(
        tokens.redeem_code(
            &record,
            &other_id,
            code.expose_secret(),
            &with_verifier,
            now()
        ),
        Err(TokenError::WrongCode)
    );
    for bad in ["12345", "12345a", "12345678901", ""] {
        assert_eq!(
            tokens.redeem_code(&record, &id, bad, &with_verifier, now()),
            Err(TokenError::Malformed(portcullis_token::Format::OneTimeCode))
        );
    }
    let redemption = tokens
        .redeem_code(&record, &id, code.expose_secret(), &with_verifier, now())
        .unwrap();
    assert!(redemption.apply(&mut record));
    // Consumed by the code, the link is dead too, and vice versa.
    assert_eq!(
        tokens.redeem(&record, &presented(&issued.token), &with_verifier, now()),
        Err(TokenError::AlreadyUsed)
    );
    assert_eq!(
        tokens.redeem_code(&record, &id, code.expose_secret(), &with_verifier, now()),
        Err(TokenError::AlreadyUsed)
    );

    // A token without a code has no fallback.
    let plain = tokens
        .issue(&mut rng, IssueRequest::new(Purpose::Login, "u"), now())
        .unwrap();
    assert_eq!(
        tokens.redeem_code(
            &plain.record,
            plain.token.id(),
            "123456",
            &with_verifier,
            now()
        ),
        Err(TokenError::NoCodeFallback)
    );
}

#[test]
fn code_settings_are_bounded() {
    assert!(SingleUseConfig::default().code_digits(5).is_err());
    assert!(SingleUseConfig::default().code_digits(11).is_err());
    assert!(SingleUseConfig::default().code_max_attempts(0).is_err());
    assert!(SingleUseConfig::default().code_max_attempts(11).is_err());
    let config = SingleUseConfig::default()
        .code_digits(8)
        .unwrap()
        .code_max_attempts(3)
        .unwrap();
    let tokens = SingleUseTokens::new(config, Digester::Sha256);
    let mut rng = rng();
    let verifier = CodeVerifier::generate(&mut rng);
    let issued = tokens
        .issue(
            &mut rng,
            IssueRequest::new(Purpose::Login, "u")
                .code_challenge(verifier.challenge())
                .with_code(),
            now(),
        )
        .unwrap();
    assert_eq!(issued.code.unwrap().len(), 8);
    assert_eq!(issued.record.code.unwrap().max_attempts, 3);
}

#[test]
fn lifetimes_per_purpose_and_per_request() {
    let tokens = tokens();
    let mut rng = rng();
    for (purpose, minutes) in [
        (Purpose::Login, 60),
        (Purpose::Signup, 10080),
        (Purpose::Invite, 10080),
        (Purpose::PasswordReset, 30),
        (Purpose::EmailVerification, 1440),
        (Purpose::EmailChange, 1440),
        (Purpose::custom("discovery").unwrap(), 60),
    ] {
        let record = tokens
            .issue(&mut rng, IssueRequest::new(purpose.clone(), "u"), now())
            .unwrap()
            .record;
        assert_eq!(
            record.expires_at - record.created_at,
            Duration::minutes(minutes),
            "{purpose}"
        );
    }
    let record = tokens
        .issue(
            &mut rng,
            IssueRequest::new(Purpose::Login, "u").lifetime(Duration::minutes(5)),
            now(),
        )
        .unwrap()
        .record;
    assert_eq!(record.expires_at, now() + Duration::minutes(5));
    for bad in [Duration::minutes(4), Duration::minutes(10081)] {
        assert!(matches!(
            tokens.issue(
                &mut rng,
                IssueRequest::new(Purpose::Login, "u").lifetime(bad),
                now()
            ),
            Err(TokenError::OutOfBounds { .. })
        ));
    }
    let mut lifetimes = Lifetimes::default();
    lifetimes
        .set(Purpose::Login, Duration::minutes(15))
        .unwrap();
    let custom = SingleUseTokens::new(
        SingleUseConfig::default().lifetimes(lifetimes),
        Digester::Sha256,
    );
    let record = custom
        .issue(&mut rng, IssueRequest::new(Purpose::Login, "u"), now())
        .unwrap()
        .record;
    assert_eq!(record.expires_at, now() + Duration::minutes(15));
    assert_eq!(
        tokens
            .issue(&mut rng, IssueRequest::new(Purpose::Login, ""), now())
            .unwrap_err(),
        TokenError::Invalid("empty subject")
    );
    let end_of_time = OffsetDateTime::from_unix_timestamp(253_402_300_000).unwrap();
    assert_eq!(
        tokens
            .issue(
                &mut rng,
                IssueRequest::new(Purpose::Signup, "u"),
                end_of_time
            )
            .unwrap_err(),
        TokenError::Invalid("expiry out of range")
    );
}

#[test]
fn records_round_trip_and_hold_no_secret() {
    let ring = KeyRing::new(KeyId::new("pepper-1").unwrap(), &[9; 32]).unwrap();
    let tokens = SingleUseTokens::new(SingleUseConfig::default(), Digester::Hmac(ring));
    let mut rng = rng();
    let verifier = CodeVerifier::generate(&mut rng);
    let allow = RedirectAllowList::new(["https://app.example.com/login"]).unwrap();
    let mut metadata = portcullis_token::Metadata::new();
    metadata.insert("locale".into(), "fr".into());
    let issued = tokens
        .issue(
            &mut rng,
            IssueRequest::new(Purpose::Login, "user_1")
                .scope("org_1")
                .code_challenge(verifier.challenge())
                .with_code()
                .attributes(Attributes::new(IpAddr::V4(Ipv4Addr::LOCALHOST), "ua"))
                .redirect_url(allow.check("https://app.example.com/login").unwrap())
                .metadata(metadata),
            now(),
        )
        .unwrap();
    let json = serde_json::to_string(&issued.record).unwrap();
    let back: TokenRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, issued.record);
    assert!(json.contains("\"created_at\":1700000000"), "{json}");
    assert!(
        json.contains("\"digest\":\"hmac-sha256:pepper-1:"),
        "{json}"
    );
    assert!(
        json.contains("\"redirect_url\":\"https://app.example.com/login\""),
        "{json}"
    );
    let rendered = issued.token.render();
    let secret_part = &rendered.expose_secret()[23..];
    assert!(!json.contains(secret_part));
    assert!(!json.contains(verifier.expose_secret()));
    let code = issued.code.unwrap();
    assert!(!json.contains(&format!("\"{}\"", code.expose_secret())));
    // And the judge works on the record read back.
    let check = RedeemCheck::new(Purpose::Login).code_verifier(verifier.expose_secret());
    assert!(
        tokens
            .redeem(&back, &presented(&issued.token), &check, now())
            .is_ok()
    );
    // Debug output of what was issued shows no secret either.
    let debug = format!("{:?}", issued.token);
    assert!(!debug.contains(secret_part));
}
