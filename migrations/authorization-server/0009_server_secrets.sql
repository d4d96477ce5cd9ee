-- Secrets the server makes for itself and shares between its instances
-- (service_kit::database::secrets): the key of its DPoP nonces (RFC 9449 §8,
-- under --dpop-nonce). A nonce key lets one only make nonces, so it is kept
-- in clear, unlike the signing keys.
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);
