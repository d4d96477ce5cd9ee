-- Pushed authorization requests (RFC 9126).
--
-- Clients registered with `require_pushed_authorization_requests` (§6):
-- 1 when `/authorize` refuses their requests unless pushed first, else 0.
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests BIGINT NOT NULL DEFAULT 0;

-- Requests pushed to `/par` (§2), waiting for the browser to bring their
-- `request_uri` to `/authorize` (§4). Stored by the SHA-256 of the
-- `request_uri`, with the client that pushed them and their parameters
-- (form-urlencoded, client credentials left out); `used_at` is set once,
-- when `/authorize` spends the request.
CREATE TABLE pushed_authorization_requests (
    request_uri_hash TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL,
    parameters       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT
);
CREATE INDEX pushed_authorization_requests_client
    ON pushed_authorization_requests (client_id, expires_at);
CREATE INDEX pushed_authorization_requests_expires_at
    ON pushed_authorization_requests (expires_at);
