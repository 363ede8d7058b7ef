//! The hashing policy: target hashes, transparent upgrade, peppers, normalisation,
//! bcrypt's 72 bytes, limits and configuration bounds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::SecretBytes;
use portcullis_password::{
    Argon2Params, CostLimits, Error, Hasher, HasherConfig, LongPasswords, Pepper, Scheme, Target,
    Verified, identify,
};

/// Cheap argon2id parameters so the suite runs in moments.
const FAST: Argon2Params = Argon2Params {
    m_cost: 1024,
    t_cost: 1,
    p_cost: 1,
};

fn config() -> HasherConfig {
    HasherConfig {
        target: Target::Argon2id(FAST),
        ..HasherConfig::default()
    }
}

fn hasher() -> Hasher {
    Hasher::new(config()).unwrap()
}

fn pepper(id: &str, byte: u8) -> Pepper {
    Pepper::new(id, SecretBytes::from(vec![byte; 32])).unwrap()
}

fn upgraded(v: Verified) -> String {
    match v {
        Verified::Valid { upgrade: Some(h) } => h,
        other => panic!("expected a valid result with an upgrade, got {other:?}"),
    }
}

#[test]
fn default_target_is_owasp_argon2id() {
    let h = Hasher::new(HasherConfig::default()).unwrap();
    let stored = h.hash("pw").unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert_eq!(identify(&stored).unwrap(), Scheme::Argon2id);
}

#[test]
fn hash_then_verify() {
    let h = hasher();
    let stored = h.hash("correct horse battery staple").unwrap();
    assert_eq!(
        h.verify("correct horse battery staple", &stored).unwrap(),
        Verified::Valid { upgrade: None }
    );
    assert_eq!(
        h.verify("correct horse battery stapler", &stored).unwrap(),
        Verified::Invalid
    );
    assert_eq!(h.verify("", &stored).unwrap(), Verified::Invalid);
    assert!(!h.needs_rehash(&stored).unwrap());
    // Salts differ, so two hashes of one password differ.
    assert_ne!(stored, h.hash("correct horse battery staple").unwrap());
}

#[test]
fn legacy_hash_upgrades_to_the_target() {
    let h = hasher();
    let legacy = "$1$saltstri$qQY4WxjABChYG1ccLpfkz/"; // openssl passwd -1 -salt saltstri password
    assert!(h.needs_rehash(legacy).unwrap());
    let new = upgraded(h.verify("password", legacy).unwrap());
    assert!(new.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{new}");
    assert_eq!(
        h.verify("password", &new).unwrap(),
        Verified::Valid { upgrade: None }
    );
    assert_eq!(h.verify("Password", legacy).unwrap(), Verified::Invalid);
}

#[test]
fn changed_parameters_upgrade() {
    let old = Hasher::new(HasherConfig {
        target: Target::Argon2id(Argon2Params {
            m_cost: 2048,
            ..FAST
        }),
        ..HasherConfig::default()
    })
    .unwrap();
    let stored = old.hash("pw").unwrap();
    let h = hasher();
    assert!(h.needs_rehash(&stored).unwrap());
    let new = upgraded(h.verify("pw", &stored).unwrap());
    assert!(!h.needs_rehash(&new).unwrap());
}

#[test]
fn nfkc_normalisation() {
    let h = hasher();
    // U+FB01 LATIN SMALL LIGATURE FI normalises to "fi"; U+00C5 and "A" + U+030A agree.
    let stored = h.hash("ﬁnance").unwrap();
    assert!(h.verify("finance", &stored).unwrap().is_valid());
    assert!(h.verify("ﬁnance", &stored).unwrap().is_valid());
    let stored = h.hash("\u{00C5}ngstr\u{00F6}m").unwrap();
    assert!(
        h.verify("A\u{030A}ngstro\u{0308}m", &stored)
            .unwrap()
            .is_valid()
    );

    // An argon2id hash made without normalisation still verifies, and is upgraded.
    let raw = Hasher::new(HasherConfig {
        normalize: false,
        ..config()
    })
    .unwrap();
    let unnormalised = raw.hash("ﬁnance").unwrap();
    assert!(raw.verify("ﬁnance", &unnormalised).unwrap().is_valid());
    assert_eq!(
        raw.verify("finance", &unnormalised).unwrap(),
        Verified::Invalid
    );
    let new = upgraded(h.verify("ﬁnance", &unnormalised).unwrap());
    assert!(h.verify("finance", &new).unwrap().is_valid());
}

#[test]
fn legacy_hashes_are_verified_over_the_password_as_typed() {
    // md5-crypt of the ligature itself, as a system without normalisation stored it.
    let h = hasher();
    let raw = Hasher::new(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::Refuse,
        },
        normalize: false,
        ..HasherConfig::default()
    })
    .unwrap();
    let legacy_bcrypt = raw.hash("ﬁnance").unwrap();
    let new = upgraded(h.verify("ﬁnance", &legacy_bcrypt).unwrap());
    assert!(h.verify("finance", &new).unwrap().is_valid());
    // The legacy hash was made over the ligature, so "finance" does not match it.
    assert_eq!(
        h.verify("finance", &legacy_bcrypt).unwrap(),
        Verified::Invalid
    );
}

#[test]
fn peppers_rotate() {
    let first = Hasher::new(HasherConfig {
        pepper: Some(pepper("2025", 1)),
        ..config()
    })
    .unwrap();
    let stored = first.hash("pw").unwrap();
    assert!(stored.contains(",keyid=MjAyNQ$"), "{stored}");
    assert_eq!(
        first.verify("pw", &stored).unwrap(),
        Verified::Valid { upgrade: None }
    );

    // Without the pepper the hash cannot be checked at all.
    assert_eq!(
        hasher().verify("pw", &stored).unwrap_err(),
        Error::UnknownPepper
    );
    // The same key id with another key: the password no longer matches.
    let wrong_key = Hasher::new(HasherConfig {
        pepper: Some(pepper("2025", 9)),
        ..config()
    })
    .unwrap();
    assert_eq!(wrong_key.verify("pw", &stored).unwrap(), Verified::Invalid);

    // Rotation: new pepper current, old one retired.
    let second = Hasher::new(HasherConfig {
        pepper: Some(pepper("2026", 2)),
        retired_peppers: vec![pepper("2025", 1)],
        ..config()
    })
    .unwrap();
    assert!(second.needs_rehash(&stored).unwrap());
    let new = upgraded(second.verify("pw", &stored).unwrap());
    assert!(new.contains(",keyid=MjAyNg$"), "{new}");
    assert!(!second.needs_rehash(&new).unwrap());

    // A hash made before any pepper verifies under a peppered hasher and is upgraded.
    let plain = hasher().hash("pw").unwrap();
    assert!(upgraded(second.verify("pw", &plain).unwrap()).contains("keyid="));
}

#[test]
fn pepper_bounds_and_redaction() {
    assert!(Pepper::new("k", SecretBytes::from(vec![0; 15])).is_err());
    assert!(Pepper::new("", SecretBytes::from(vec![0; 16])).is_err());
    assert!(Pepper::new("a$b", SecretBytes::from(vec![0; 16])).is_err());
    let p = Pepper::new("k1", SecretBytes::from(b"super secret pepper!".to_vec())).unwrap();
    let shown = format!(
        "{p:?} {:?}",
        Hasher::new(HasherConfig {
            pepper: Some(p.clone()),
            ..config()
        })
        .unwrap()
    );
    assert!(!shown.contains("super secret"), "{shown}");
}

#[test]
fn bcrypt_target_refuses_long_passwords_by_default() {
    let h = Hasher::new(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::Refuse,
        },
        ..HasherConfig::default()
    })
    .unwrap();
    let stored = h.hash(&"a".repeat(72)).unwrap();
    assert!(stored.starts_with("$2b$10$"));
    assert!(h.verify(&"a".repeat(72), &stored).unwrap().is_valid());
    assert_eq!(
        h.hash(&"a".repeat(73)).unwrap_err(),
        Error::PasswordTooLong { max: 72 }
    );
    // Legacy verification truncates as bcrypt always did: a 73-byte password matches
    // the hash of its first 72 bytes.
    assert!(h.verify(&"a".repeat(73), &stored).unwrap().is_valid());
}

#[test]
fn bcrypt_prehash_keeps_every_byte() {
    let h = Hasher::new(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::PrehashHmacSha384,
        },
        pepper: Some(pepper("p1", 7)),
        ..HasherConfig::default()
    })
    .unwrap();
    let long = "x".repeat(100);
    let stored = h.hash(&long).unwrap();
    assert!(
        stored.starts_with("$bcrypt-hmac-sha384$k=cDE$2b$10$"),
        "{stored}"
    );
    assert_eq!(identify(&stored).unwrap(), Scheme::BcryptHmacSha384);
    assert!(h.verify(&long, &stored).unwrap().is_valid());
    let mut other = long.clone();
    other.replace_range(99.., "y");
    assert_eq!(h.verify(&other, &stored).unwrap(), Verified::Invalid);
    assert!(!h.needs_rehash(&stored).unwrap());
}

#[test]
fn bcrypt_truncation_must_be_chosen_by_name() {
    let h = Hasher::new(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::DangerTruncate,
        },
        ..HasherConfig::default()
    })
    .unwrap();
    let stored = h.hash(&"b".repeat(80)).unwrap();
    assert!(h.verify(&"b".repeat(72), &stored).unwrap().is_valid());
}

#[test]
fn configuration_bounds() {
    let bad = |c: HasherConfig| matches!(Hasher::new(c), Err(Error::InvalidConfig { .. }));
    assert!(bad(HasherConfig {
        max_password_bytes: 10,
        ..config()
    }));
    assert!(bad(HasherConfig {
        target: Target::Argon2id(Argon2Params {
            m_cost: 512,
            ..FAST
        }),
        ..config()
    }));
    assert!(bad(HasherConfig {
        target: Target::Argon2id(Argon2Params { p_cost: 17, ..FAST }),
        ..config()
    }));
    assert!(bad(HasherConfig {
        target: Target::Bcrypt {
            cost: 9,
            long_passwords: LongPasswords::Refuse
        },
        ..config()
    }));
    assert!(bad(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::PrehashHmacSha384
        },
        ..config()
    }));
    assert!(bad(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::Refuse
        },
        pepper: Some(pepper("p", 1)),
        ..config()
    }));
    // A target beyond the configured limits is refused too.
    assert!(matches!(
        Hasher::new(HasherConfig {
            limits: CostLimits {
                argon2_memory_kib: 512,
                ..CostLimits::default()
            },
            ..config()
        }),
        Err(Error::CostTooHigh { .. })
    ));
}

#[test]
fn password_length_is_bounded() {
    let h = hasher();
    let stored = h.hash("pw").unwrap();
    let long = "p".repeat(1025);
    assert_eq!(
        h.hash(&long).unwrap_err(),
        Error::PasswordTooLong { max: 1024 }
    );
    assert_eq!(
        h.verify(&long, &stored).unwrap_err(),
        Error::PasswordTooLong { max: 1024 }
    );
    assert!(h.hash(&"p".repeat(1024)).is_ok());
}

#[test]
fn cost_limits_are_enforced_before_hashing() {
    let h = hasher();
    // Cost 31 would take days; it must be refused at once.
    let hostile = "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    assert_eq!(
        h.verify("pw", hostile).unwrap_err(),
        Error::CostTooHigh {
            scheme: "bcrypt",
            parameter: "cost",
            value: 31,
            limit: 16
        }
    );
    let huge_argon = "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWQ";
    assert_eq!(
        h.verify("pw", huge_argon).unwrap_err().kind(),
        "cost_too_high"
    );
    let huge_scrypt = "$scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        h.verify("pw", huge_scrypt).unwrap_err().kind(),
        "cost_too_high"
    );
    let many_pbkdf2 =
        "$pbkdf2-sha256$i=4000000000,l=32$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        h.verify("pw", many_pbkdf2).unwrap_err().kind(),
        "cost_too_high"
    );
}

#[test]
fn unknown_user_is_always_invalid() {
    let h = hasher();
    assert_eq!(h.verify_unknown_user("anything"), Verified::Invalid);
    assert_eq!(h.verify_unknown_user(""), Verified::Invalid);
}

#[test]
fn errors_never_contain_the_password() {
    let h = hasher();
    let secret = "hunter2-Ω-secret";
    for stored in [
        "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "nonsense",
        "$P$short",
    ] {
        let e = h.verify(secret, stored).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }
}

#[test]
fn hasher_checks_password_history() {
    use portcullis_password::{PasswordPolicy, PolicyContext, PolicySettings, Violation};
    let h = hasher();
    let bcrypt = Hasher::new(HasherConfig {
        target: Target::Bcrypt {
            cost: 10,
            long_passwords: LongPasswords::Refuse,
        },
        ..HasherConfig::default()
    })
    .unwrap();
    let previous = vec![
        h.hash("Old-Password-2024!").unwrap(),
        bcrypt.hash("an older bcrypt passphrase, 2019").unwrap(),
    ];
    let policy = PasswordPolicy::new(PolicySettings {
        history_depth: 5,
        ..PolicySettings::default()
    })
    .unwrap();
    let reused = policy.check(
        "Old-Password-2024!",
        &PolicyContext::new().history(&previous, &h),
    );
    assert!(!reused.valid_password);
    assert!(reused.violations.contains(&Violation::Reused), "{reused:?}");
    // A hash in another scheme counts too.
    let reused = policy.check(
        "an older bcrypt passphrase, 2019",
        &PolicyContext::new().history(&previous, &h),
    );
    assert!(reused.violations.contains(&Violation::Reused), "{reused:?}");
    let fresh = policy.check(
        "correct horse battery staple quietly",
        &PolicyContext::new().history(&previous, &h),
    );
    assert!(!fresh.violations.contains(&Violation::Reused), "{fresh:?}");
}
