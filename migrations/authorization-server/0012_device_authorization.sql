-- The device authorization grant (RFC 8628): one row per device
-- authorization request (§3.1), from the codes it hands out to the tokens
-- it is redeemed for.
--
-- device_code_hash, user_code_hash: the SHA-256 of each code; neither is
--   stored in clear. A user code is unique among the rows kept (§6.1).
-- consent_id: names the row in the consent form shown at /device.
-- interval: the seconds the device must wait between polls; grows by 5 at
--   each `slow_down` (§3.5). last_polled_at: the time of the last poll.
-- user_id, username, auth_time: who entered the user code (set once: the
--   user code is spent then). granted_scope: what they approved.
-- approved_at / denied_at: their answer. redeemed_at: the device got its
--   tokens (once). replayed_at: it presented the device code again after
--   that (its tokens are revoked, as for authorization codes).
CREATE TABLE device_authorizations (
    device_code_hash TEXT PRIMARY KEY,
    user_code_hash   TEXT NOT NULL UNIQUE,
    consent_id       TEXT NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    scope            TEXT NOT NULL,
    audience         TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    poll_interval    BIGINT NOT NULL,
    last_polled_at   BIGINT,
    user_id          TEXT,
    username         TEXT,
    auth_time        BIGINT,
    user_code_used_at BIGINT,
    granted_scope    TEXT,
    approved_at      BIGINT,
    denied_at        BIGINT,
    redeemed_at      BIGINT,
    replayed_at      BIGINT
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
