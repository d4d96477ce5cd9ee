-- Runs and connections belong to an owner: a browser session (an
-- anonymous visitor, as before) or a person signed in with OpenID Connect
-- (any of their browsers). Exactly one of `session_hash` and `person_id`
-- is set. SQLite cannot relax NOT NULL or change a primary key in place,
-- so both tables are rebuilt with their rows.

CREATE TABLE runs_by_owner (
    id           TEXT PRIMARY KEY,
    session_hash TEXT REFERENCES sessions (id_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    person_id    TEXT REFERENCES people (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    distance_m   BIGINT NOT NULL,
    duration_s   BIGINT NOT NULL,
    run_date     TEXT NOT NULL,
    CHECK ((session_hash IS NULL) <> (person_id IS NULL))
);
INSERT INTO runs_by_owner (id, session_hash, person_id, title, distance_m, duration_s, run_date)
    SELECT id, session_hash, NULL, title, distance_m, duration_s, run_date FROM runs;
DROP TABLE runs;
ALTER TABLE runs_by_owner RENAME TO runs;
CREATE INDEX runs_by_session ON runs (session_hash);
CREATE INDEX runs_by_person ON runs (person_id);

CREATE TABLE connections_by_owner (
    session_hash  TEXT UNIQUE REFERENCES sessions (id_hash) ON DELETE CASCADE ON UPDATE CASCADE,
    person_id     TEXT UNIQUE REFERENCES people (id) ON DELETE CASCADE,
    access_token  TEXT NOT NULL,
    refresh_token TEXT,
    scope         TEXT NOT NULL,
    expires_at    BIGINT,
    refreshing_since BIGINT,
    connected_at  BIGINT NOT NULL,
    CHECK ((session_hash IS NULL) <> (person_id IS NULL))
);
INSERT INTO connections_by_owner (session_hash, person_id, access_token, refresh_token, scope,
                                  expires_at, refreshing_since, connected_at)
    SELECT session_hash, NULL, access_token, refresh_token, scope, expires_at,
           refreshing_since, connected_at FROM connections;
DROP TABLE connections;
ALTER TABLE connections_by_owner RENAME TO connections;
