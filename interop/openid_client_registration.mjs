// openid-client, a strict third-party OAuth client (npm), registering
// itself at our authorization server (RFC 7591, its
// `dynamicClientRegistration`) and then using that registration:
//   1. RFC 8414 metadata names a `registration_endpoint`; without an
//      initial access token, registration is refused (`invalid_token`);
//   2. with one, openid-client registers and gets a client id and secret;
//   3. the code flow with `state` and PKCE S256 (the RFC 9207 `iss`
//      checked) for our demo resource, then a refresh, authenticated with
//      the issued secret;
//   4. the registration deleted at its `registration_client_uri` with the
//      registration access token (RFC 7592 §2.3): the client is refused.
//
// The person at the browser is played by the test that runs this script
// (person.mjs says how).
//
// Usage: node openid_client_registration.mjs ISSUER INITIAL_ACCESS_TOKEN
// (NODE_EXTRA_CA_CERTS names the test authority of an HTTPS issuer.)
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import * as client from "openid-client";

import { codeFlow } from "./code_flow.mjs";
import { run } from "./person.mjs";

const REDIRECT_URI = "http://localhost:9000/callback";
const SCOPE = "profile post";
const RESOURCE = "http://localhost:9002";

const METADATA = {
  client_name: "openid-client, registered",
  redirect_uris: [REDIRECT_URI],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
  scope: SCOPE,
};

async function main(issuer, initialAccessToken) {
  await assert.rejects(client.dynamicClientRegistration(new URL(issuer), METADATA), (refusal) => {
    assert.equal(refusal.status ?? refusal.cause?.status, 401, String(refusal));
    return true;
  });
  console.log("registration without an initial access token: 401");

  const config = await client.dynamicClientRegistration(new URL(issuer), METADATA, undefined, {
    initialAccessToken,
  });
  assert.ok(config.serverMetadata().registration_endpoint);
  const registered = config.clientMetadata();
  assert.ok(registered.client_id);
  assert.ok(registered.client_secret);
  assert.equal(registered.client_secret_expires_at, 0);
  assert.ok(registered.registration_access_token);
  assert.equal(registered.registration_client_uri, `${issuer}/register/${registered.client_id}`);
  console.log("registration: a client id, a secret and a registration access token");

  const tokens = await codeFlow(config, {
    authorize: client.buildAuthorizationUrl,
    parameters: { redirect_uri: REDIRECT_URI, scope: SCOPE, resource: RESOURCE },
  });
  assert.ok(tokens.access_token);
  assert.ok(tokens.refresh_token);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);
  console.log("code flow with PKCE and a refresh as the registered client");

  const deleted = await fetch(registered.registration_client_uri, {
    method: "DELETE",
    headers: { authorization: `Bearer ${registered.registration_access_token}` },
  });
  assert.equal(deleted.status, 204);
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), (refusal) => {
    assert.ok(refusal instanceof client.ResponseBodyError, String(refusal));
    assert.equal(refusal.error, "invalid_client");
    return true;
  });
  console.log("deleted: the client is refused (invalid_client)");
}

run(() => main(process.argv[2], process.argv[3]));
