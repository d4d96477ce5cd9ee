-- The client's own tables. Nothing here is ever sent to the browser except
-- through pages; tokens live only in `connections`.

-- Browser sessions. The cookie holds an opaque random id; only its SHA-256
-- is stored. Each session is one runner of "Strava" (there is no login).
-- The id is replaced when the session gets connected (ON UPDATE CASCADE
-- carries its rows along).
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    -- Anti-CSRF token of this session's forms (hidden input).
    csrf_token TEXT NOT NULL,
    -- One-shot outcome of the last action (JSON), shown by the next page.
    notice     TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Demo runs seeded for each new session.
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    title        TEXT NOT NULL,
    distance_m   BIGINT NOT NULL,
    duration_s   BIGINT NOT NULL,
    run_date     TEXT NOT NULL
);
CREATE INDEX runs_by_session ON runs (session_hash);

-- Authorization requests in flight (RFC 6749 §4.1.1, RFC 7636 §4.1):
-- `state` (hashed) and the PKCE verifier, bound to the session, single use.
CREATE TABLE authorization_requests (
    state_hash    TEXT PRIMARY KEY,
    session_hash  TEXT NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    code_verifier TEXT NOT NULL,
    scope         TEXT NOT NULL,
    -- The origin the browser started from (its session cookie lives there).
    browser_origin TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
CREATE INDEX authorization_requests_by_session ON authorization_requests (session_hash);

-- The tokens of a connected session (RFC 6749 §5.1). Kept server-side only.
CREATE TABLE connections (
    session_hash  TEXT PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    access_token  TEXT NOT NULL,
    refresh_token TEXT,
    scope         TEXT NOT NULL,
    -- NULL when the authorization server did not say (expires_in absent).
    expires_at    BIGINT,
    -- Set while one request refreshes the tokens, so that no other request
    -- presents the same (then spent) refresh token.
    refreshing_since BIGINT,
    connected_at  BIGINT NOT NULL
);

-- "Behind the scenes": the steps of the session's last flow, secrets shortened.
CREATE TABLE trace_steps (
    session_hash TEXT NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    title        TEXT NOT NULL,
    rfc          TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    request      TEXT,
    response     TEXT
);
CREATE INDEX trace_steps_by_session ON trace_steps (session_hash, seq);
