-- private_key_jwt client authentication (RFC 7523 §2.2).
--
-- Clients: how each authenticates (RFC 7591 §2 `token_endpoint_auth_method`;
-- NULL: its kind's default, `client_secret_basic` for a confidential client
-- or a protected resource, `none` for a public client), and the JWK Set of
-- public keys its assertions are signed with (RFC 7591 §2 `jwks`).
ALTER TABLE clients ADD COLUMN token_endpoint_auth_method TEXT;
ALTER TABLE clients ADD COLUMN jwks TEXT;

-- Assertions accepted here (RFC 7523 §3 item 7): each assertion's `jti`,
-- hashed with its client id, until its `exp` has passed; a second use
-- before then is a replay (after it, the assertion is refused as expired).
-- In the database, so every instance of the server shares it.
CREATE TABLE client_assertion_jtis (
    jti_hash   TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX client_assertion_jtis_expires_at ON client_assertion_jtis (expires_at);
