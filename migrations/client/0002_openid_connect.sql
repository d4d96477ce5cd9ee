-- Signing in with OpenID Connect (Core 1.0, RP-Initiated Logout 1.0).

-- The people who signed in. OpenID Connect Core §2: `sub` is unique only
-- within its issuer, so a person is the pair (issuer, subject); `id` is
-- this client's own random key for them. `name` is the `name` claim of the
-- last sign-in (Core §5.1), shown on the home page.
CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    name       TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (issuer, subject)
);

-- A signed-in session names its person and keeps the ID token it got, for
-- `id_token_hint` at sign-out (RP-Initiated Logout 1.0 §2). NULL: an
-- anonymous visitor.
ALTER TABLE sessions ADD COLUMN person_id TEXT REFERENCES people (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN id_token TEXT;

-- What an authorization request is for: `connect` (delegated access to
-- Facebook, RFC 6749 §4.1) or `sign_in` (authentication, Core §3.1), and
-- for a sign-in the SHA-256 of its `nonce` (Core §3.1.2.1, §15.5.2).
ALTER TABLE authorization_requests ADD COLUMN purpose TEXT NOT NULL DEFAULT 'connect';
ALTER TABLE authorization_requests ADD COLUMN nonce_hash TEXT;
