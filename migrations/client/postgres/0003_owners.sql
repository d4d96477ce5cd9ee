-- Runs and connections belong to an owner: a browser session (an
-- anonymous visitor, as before) or a person signed in with OpenID Connect
-- (any of their browsers). Exactly one of `session_hash` and `person_id`
-- is set. Postgres relaxes the columns in place.

ALTER TABLE runs ALTER COLUMN session_hash DROP NOT NULL;
ALTER TABLE runs ADD COLUMN person_id TEXT REFERENCES people (id) ON DELETE CASCADE;
ALTER TABLE runs ADD CONSTRAINT runs_one_owner
    CHECK ((session_hash IS NULL) <> (person_id IS NULL));
CREATE INDEX runs_by_person ON runs (person_id);

ALTER TABLE connections DROP CONSTRAINT connections_pkey;
ALTER TABLE connections ALTER COLUMN session_hash DROP NOT NULL;
ALTER TABLE connections ADD CONSTRAINT connections_session_hash_key UNIQUE (session_hash);
ALTER TABLE connections ADD COLUMN person_id TEXT UNIQUE REFERENCES people (id) ON DELETE CASCADE;
ALTER TABLE connections ADD CONSTRAINT connections_one_owner
    CHECK ((session_hash IS NULL) <> (person_id IS NULL));
