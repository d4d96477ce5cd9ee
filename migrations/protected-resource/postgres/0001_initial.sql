-- What the resource owners post. The author is always the token's `sub`.
CREATE TABLE posts (
    id         TEXT PRIMARY KEY,
    author     TEXT NOT NULL,
    message    TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
