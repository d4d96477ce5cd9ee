-- Key rotation (`authorization-server key rotate`). A key is published in
-- the JWK Set from its creation, signs from `active_from` (the newest key
-- whose `active_from` has passed signs), stops signing at `retired_at` (its
-- successor's `active_from`) and stays published until `publish_until`
-- (`retired_at` + the access-token lifetime + a margin), so that every
-- token it signed can be verified until it expires. NULL: not retired yet.
ALTER TABLE signing_keys ADD COLUMN active_from BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN retired_at BIGINT;
ALTER TABLE signing_keys ADD COLUMN publish_until BIGINT;
UPDATE signing_keys SET active_from = created_at;
-- One key per activation second, so that the signer is never ambiguous: a
-- second rotation within the same second is refused instead of creating a
-- twin.
CREATE UNIQUE INDEX signing_keys_active_from ON signing_keys (active_from);
