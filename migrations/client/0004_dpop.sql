-- DPoP (RFC 9449): each connection proves possession of its own key pair.
-- The key is made when the flow starts (`/connect`) and kept with the
-- authorization request, then with the connection: the private key as
-- PKCS#8 DER, base64url, a secret like the tokens next to it (never sent,
-- shown or logged). NULL: no DPoP (`--no-dpop`, or a server that does not
-- offer it).
ALTER TABLE authorization_requests ADD COLUMN dpop_key TEXT;
ALTER TABLE connections ADD COLUMN dpop_key TEXT;

-- RFC 6749 §5.1 `token_type` of the connection's access token: `DPoP` when
-- the server bound it to the key (RFC 9449 §5), else `Bearer`.
ALTER TABLE connections ADD COLUMN token_type TEXT NOT NULL DEFAULT 'Bearer';
