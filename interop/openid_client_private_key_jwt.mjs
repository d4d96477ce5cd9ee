// openid-client, a strict third-party OAuth client (npm), authenticating
// with its own `private_key_jwt` (RFC 7523 §2.2, its `PrivateKeyJwt`)
// against our authorization server:
//   1. RFC 8414 metadata: `private_key_jwt` among the token endpoint's
//      methods, with ES256 among its signing algorithms;
//   2. the authorization request pushed first (RFC 9126, the client is
//      registered with `--require-par`), authenticated by an assertion
//      signed by the client's key (no secret exists); the browser carries
//      only `client_id` and `request_uri`;
//   3. the code flow with `state` and PKCE S256, the RFC 9207 `iss`
//      checked, the code exchanged with a fresh assertion;
//   4. a refresh, with a fresh assertion;
//   5. the same client with another key is refused (`invalid_client`).
// That is the FAPI 2.0 shape: PAR, PKCE, asymmetric client authentication.
//
// The person at the browser is played by the test that runs this script
// (person.mjs says how).
//
// Usage: node openid_client_private_key_jwt.mjs ISSUER CLIENT_ID KEY_PEM
// KEY_PEM: the client's PKCS#8 P-256 private key, whose public key the
// client was registered with (`client add --auth-method private_key_jwt
// --jwks`); its redirect URI is http://localhost:9000/callback.
// (NODE_EXTRA_CA_CERTS names the test authority of an HTTPS issuer.)
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import * as client from "openid-client";

import { codeFlow } from "./code_flow.mjs";
import { run } from "./person.mjs";

const REDIRECT_URI = "http://localhost:9000/callback";
const SCOPE = "profile post";
const ES256 = { name: "ECDSA", namedCurve: "P-256" };

/** A PKCS#8 private key (a Node KeyObject) as the CryptoKey openid-client signs with. */
async function signingKey(keyObject) {
  const der = keyObject.export({ format: "der", type: "pkcs8" });
  return crypto.subtle.importKey("pkcs8", der, ES256, false, ["sign"]);
}

async function configuration(issuer, clientId, key) {
  return client.discovery(
    new URL(issuer),
    clientId,
    { token_endpoint_auth_method: "private_key_jwt" },
    client.PrivateKeyJwt(key),
  );
}

async function main(issuer, clientId, pemFile) {
  const key = await signingKey(createPrivateKey(readFileSync(pemFile)));
  const config = await configuration(issuer, clientId, key);
  const server = config.serverMetadata();
  assert.ok(server.token_endpoint_auth_methods_supported.includes("private_key_jwt"));
  assert.ok(server.token_endpoint_auth_signing_alg_values_supported.includes("ES256"));
  console.log("metadata: private_key_jwt with ES256 offered");

  assert.ok(server.pushed_authorization_request_endpoint);
  const tokens = await codeFlow(config, {
    authorize: client.buildAuthorizationUrlWithPAR,
    parameters: { redirect_uri: REDIRECT_URI, scope: SCOPE },
    sent: (url) => {
      assert.deepEqual([...url.searchParams.keys()].sort(), ["client_id", "request_uri"]);
      console.log(
        "pushed with a private_key_jwt assertion: the browser carries only client_id and request_uri",
      );
    },
  });
  assert.ok(tokens.access_token);
  assert.ok(tokens.refresh_token);
  console.log("code flow with PKCE: the code exchanged with a private_key_jwt assertion");

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  console.log("refresh: a new access token with a fresh assertion");

  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const impostor = await configuration(issuer, clientId, await signingKey(other));
  await assert.rejects(client.refreshTokenGrant(impostor, refreshed.refresh_token), (refusal) => {
    assert.ok(refusal instanceof client.ResponseBodyError, String(refusal));
    assert.equal(refusal.error, "invalid_client");
    return true;
  });
  console.log("another key: invalid_client");
}

run(() => main(process.argv[2], process.argv[3], process.argv[4]));
