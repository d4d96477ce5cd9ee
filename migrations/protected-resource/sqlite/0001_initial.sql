-- The protected resource's own tables. Owners are always the `sub` of an
-- introspected token, never anything a request says.

-- Resource owners this resource has seen: the sub <-> username pairs of
-- active introspection answers. A username is known here once its owner
-- has used a token at this resource; messages are addressed by username.
-- If the authorization server ever gives one username to another sub, the
-- most recently seen pair wins.
CREATE TABLE users (
    sub      TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    seen_at  BIGINT NOT NULL
);
CREATE INDEX users_by_username ON users (username, seen_at);

-- What the resource owners post, and through which client.
-- The ids only grow, so "newest first" is "largest id first".
CREATE TABLE posts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    author     TEXT NOT NULL,
    message    TEXT NOT NULL,
    client_id  TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX posts_by_author ON posts (author, id);

-- Personal messages between resource owners (subs on both ends).
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sender     TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    text       TEXT NOT NULL,
    client_id  TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_by_recipient ON messages (recipient, id);
