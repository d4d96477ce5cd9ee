-- A small table for the database layer's own tests.
CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    claimed_at BIGINT
);
