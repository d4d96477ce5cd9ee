-- Browser sessions of the client's own users.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
