-- portcullis-store schema, version 1. The same text runs on SQLite and PostgreSQL.
-- Instants are BIGINT Unix nanoseconds except recovery codes' used_at, which keeps
-- the Unix seconds of portcullis-otp's record. Every payload is the record's JSON.

CREATE TABLE IF NOT EXISTS portcullis_single_use (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    subject TEXT NOT NULL,
    purpose TEXT NOT NULL,
    scope TEXT,
    expires_at BIGINT NOT NULL,
    consumed_at BIGINT,
    revoked_at BIGINT,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT,
    payload TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS portcullis_single_use_subject ON portcullis_single_use (kind, subject, purpose);
CREATE INDEX IF NOT EXISTS portcullis_single_use_expiry ON portcullis_single_use (expires_at);

CREATE TABLE IF NOT EXISTS portcullis_totp_steps (
    factor_id TEXT PRIMARY KEY,
    last_step BIGINT NOT NULL,
    keep_until BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS portcullis_recovery_sets (
    user_id TEXT PRIMARY KEY,
    scheme TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS portcullis_recovery_codes (
    user_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    digest TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, digest)
);

CREATE TABLE IF NOT EXISTS portcullis_counters (
    key TEXT PRIMARY KEY,
    count BIGINT NOT NULL,
    resets_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS portcullis_deny_list (
    jti TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS portcullis_refresh_families (
    family_id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    current_digest TEXT NOT NULL,
    previous_digest TEXT,
    rotated_at BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_outcome TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS portcullis_refresh_families_subject ON portcullis_refresh_families (subject);

CREATE TABLE IF NOT EXISTS portcullis_credentials (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT,
    org_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    name TEXT,
    metadata TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS portcullis_credentials_user ON portcullis_credentials (kind, user_id, created_at);
CREATE INDEX IF NOT EXISTS portcullis_credentials_org ON portcullis_credentials (kind, org_id, created_at);

CREATE TABLE IF NOT EXISTS portcullis_sessions (
    session_id TEXT PRIMARY KEY,
    token_digest TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    last_accessed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    terminated_at BIGINT,
    termination TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS portcullis_sessions_user ON portcullis_sessions (user_id, started_at);
CREATE INDEX IF NOT EXISTS portcullis_sessions_expiry ON portcullis_sessions (expires_at);
