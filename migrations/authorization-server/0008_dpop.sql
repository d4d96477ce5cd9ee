-- DPoP (RFC 9449): tokens bound to a key the client proves it holds.
--
-- Tokens: the RFC 7638 thumbprint (`jkt`) of the key an access token is
-- bound to (§6), or a public client's refresh token (§5); NULL: a bearer
-- token.
ALTER TABLE tokens ADD COLUMN dpop_jkt TEXT;

-- The `dpop_jkt` of an authorization request (§10), carried into its code.
ALTER TABLE authorization_requests ADD COLUMN dpop_jkt TEXT;
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;

-- Clients registered with `dpop_bound_access_tokens` (§5.2): 1 when a token
-- request without a proof is refused, else 0.
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens BIGINT NOT NULL DEFAULT 0;

-- Proofs accepted here (§11.1): each proof's `jti`, hashed with its key's
-- thumbprint, until its `iat` window has passed; a second use within it is a
-- replay. In the database, so every instance of the server shares it.
CREATE TABLE dpop_proofs (
    proof_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dpop_proofs_expires_at ON dpop_proofs (expires_at);
