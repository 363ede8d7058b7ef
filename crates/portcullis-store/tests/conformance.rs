//! The conformance suite against every backend. Redis and PostgreSQL run when
//! `PORTCULLIS_REDIS_URL` / `PORTCULLIS_POSTGRES_URL` are set (and must, with
//! `PORTCULLIS_REQUIRE_BACKENDS=1`); each case works in its own key prefix or schema
//! and removes it afterwards.

mod common;

mod memory {
    portcullis_store::conformance_tests!(super::common::open_memory());
}

#[cfg(feature = "sqlite")]
mod sqlite {
    portcullis_store::conformance_tests!(super::common::open_sqlite());
}

#[cfg(feature = "postgres")]
mod postgres {
    portcullis_store::conformance_tests!(super::common::open_postgres());
}

#[cfg(feature = "redis")]
mod redis {
    portcullis_store::conformance_tests!(super::common::open_redis());
}
