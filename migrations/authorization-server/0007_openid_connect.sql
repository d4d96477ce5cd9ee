-- OpenID Connect (Core 1.0, RP-Initiated Logout 1.0).
--
-- Users' standard claims (Core §5.1): `name`, `email`, and whether the
-- email was verified, as a time (NULL: not verified), like every other
-- flag here.
ALTER TABLE users ADD COLUMN name TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- Clients: the exact URIs they may name as `post_logout_redirect_uri`
-- (space-separated, like redirect_uris), and the `alg` of their ID tokens
-- (Core §15.1: RS256 unless the client registered another).
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'RS256';

-- Sessions: when their user logged in (Core §2 `auth_time`); NULL before login.
ALTER TABLE sessions ADD COLUMN auth_time BIGINT;

-- Pending requests: the OpenID Connect parameters of Core §3.1.2.1.
-- login_required: prompt=login, or max_age elapsed (a time; NULL: no);
-- authenticated_at: when the user logged in for this very request;
-- consent_required: prompt=consent (a time; NULL: a remembered consent may
-- answer).
ALTER TABLE authorization_requests ADD COLUMN nonce TEXT;
ALTER TABLE authorization_requests ADD COLUMN login_hint TEXT;
ALTER TABLE authorization_requests ADD COLUMN login_required_at BIGINT;
ALTER TABLE authorization_requests ADD COLUMN authenticated_at BIGINT;
ALTER TABLE authorization_requests ADD COLUMN consent_required_at BIGINT;

-- Codes carry the nonce and the login time into the ID token (Core §3.1.3.6).
ALTER TABLE authorization_codes ADD COLUMN nonce TEXT;
ALTER TABLE authorization_codes ADD COLUMN auth_time BIGINT;

-- Tokens keep the login time, so that a refresh answers an ID token with the
-- same auth_time (Core §12.2).
ALTER TABLE tokens ADD COLUMN auth_time BIGINT;
