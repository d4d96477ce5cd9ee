-- Keys that sign RFC 9068 JWT access tokens (--access-token-format jwt).
-- Which key signs and how long each is published: see 0003. The
-- private half is stored (base64url Ed25519 seed) so that every instance
-- sharing this database signs with the same key.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
