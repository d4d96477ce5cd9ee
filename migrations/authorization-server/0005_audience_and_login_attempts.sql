-- RFC 8707 audience restriction (RFC 9700 §2.3). A token is for the
-- resource its client asked for with `resource`; when it asked for none, for
-- the client's default resource (`client add --default-resource`). NULL: the
-- client must name a resource in every request (it never gets a token for
-- every registered resource).
ALTER TABLE clients ADD COLUMN default_resource TEXT;

-- Login attempts are counted before the password check (a reservation row),
-- so a burst of simultaneous attempts gets at most the allowed number of
-- checks. A failed attempt's row stays (it is the failure record); a
-- successful one deletes its own address reservation by attempt_id. Rows
-- written before this migration have none.
ALTER TABLE login_failures ADD COLUMN attempt_id TEXT;
