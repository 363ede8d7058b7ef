//! The facade exposes each primitive crate as a module.

#[test]
fn core_is_reexported() {
    let token = portcullis::core::random::token(32, portcullis::core::TokenEncoding::Hex);
    assert_eq!(token.len(), 64);
    assert_eq!(format!("{token}"), "[redacted]");
}

#[test]
fn otp_is_reexported() {
    use portcullis::otp::{OtpSecret, SecretPolicy, Totp};

    let secret =
        OtpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", SecretPolicy::Standard).unwrap();
    let now = portcullis::core::time::from_unix_seconds(59).unwrap();
    let totp = Totp::new().with_digits(8).unwrap();
    assert_eq!(
        totp.generate(&secret, now).unwrap().expose_secret(),
        "94287082"
    );
}

#[test]
fn token_is_reexported() {
    use portcullis::token::{Digester, OpaqueToken};
    let token = OpaqueToken::generate(&mut portcullis::core::OsRng);
    let stored = Digester::Sha256.digest(token.secret());
    let presented = OpaqueToken::parse(token.render().expose_secret()).unwrap();
    assert_eq!(Digester::Sha256.verify(&stored, presented.secret()), Ok(()));
    assert!(format!("{token:?}").contains("[redacted]"));
}

#[test]
fn store_is_reexported() {
    use portcullis::core::{Duration, OffsetDateTime};
    use portcullis::store::{CounterStore, DenyListStore, MemoryStore, SqliteStore};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let now = OffsetDateTime::now_utc();
        let memory = MemoryStore::new();
        memory
            .deny("jti-1", now + Duration::minutes(5))
            .await
            .unwrap();
        assert!(memory.is_denied("jti-1", now).await.unwrap());
        assert!(!memory.is_denied("jti-2", now).await.unwrap());

        let sqlite = SqliteStore::open_in_memory().await.unwrap();
        for expected in 1..=3 {
            let count = sqlite
                .increment("ip:203.0.113.9", Duration::minutes(1), now)
                .await
                .unwrap();
            assert_eq!(count.count, expected);
        }
        assert_eq!(
            sqlite
                .count("ip:203.0.113.9", now + Duration::minutes(1))
                .await
                .unwrap(),
            0
        );
    });
}
