-- Dynamic client registration (RFC 7591) and its management (RFC 7592).
--
-- Clients: the human-readable `client_name` (RFC 7591 §2), and the SHA-256
-- of the registration access token (RFC 7592 §3) of a client registered at
-- `/register`; NULL for a client added by `client add`, which cannot be
-- managed over HTTP.
ALTER TABLE clients ADD COLUMN client_name TEXT;
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT;

-- Initial access tokens (RFC 7591 §3, made by `registration-token`): the
-- SHA-256 of each, usable until `expires_at`.
CREATE TABLE initial_access_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
