-- The authorization server's tables. The same definitions serve SQLite and
-- Postgres: text, BIGINT integers, time as Unix seconds, 0/1 flags avoided
-- (a NULL or non-NULL timestamp says whether something happened).

-- Resource owners (RFC 6749 §1.1). Passwords are argon2id PHC strings.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Registered clients (RFC 6749 §2). kind: confidential | public |
-- protected_resource. secret_hash is the SHA-256 of a high-entropy secret
-- (NULL for public clients). Lists are space-separated.
CREATE TABLE clients (
    client_id     TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    secret_hash   TEXT,
    redirect_uris TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    grant_types   TEXT NOT NULL,
    resource_id   TEXT,
    created_at    BIGINT NOT NULL
);

-- Browser sessions. Only the hash of the cookie value is stored; user_id is
-- NULL before login. csrf_token is bound to the session.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Validated authorization requests waiting for login and consent.
CREATE TABLE authorization_requests (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    state          TEXT,
    code_challenge TEXT NOT NULL,
    audience       TEXT NOT NULL,
    user_id        TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);

-- Authorization codes (RFC 6749 §4.1.2), stored as hashes, single use.
-- replayed_at: a second redemption was attempted (its tokens are revoked).
CREATE TABLE authorization_codes (
    code_hash      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    username       TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    code_challenge TEXT,
    audience       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT,
    replayed_at    BIGINT
);

-- Access and refresh tokens, stored as hashes. A family is every token
-- descended from one grant (one code, or one client_credentials request).
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    family_id  TEXT NOT NULL,
    code_hash  TEXT,
    client_id  TEXT NOT NULL,
    user_id    TEXT,
    username   TEXT,
    scope      TEXT NOT NULL,
    audience   TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_code ON tokens (code_hash);
CREATE INDEX tokens_by_user_and_client ON tokens (user_id, client_id);

-- Remembered consent: what a user approved for a client.
CREATE TABLE consents (
    user_id    TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- Failed logins, per account ("user:NAME") and per address ("addr:IP").
CREATE TABLE login_failures (
    subject   TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, failed_at);
