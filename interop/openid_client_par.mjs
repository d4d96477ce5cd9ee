// openid-client (npm) with pushed authorization requests (RFC 9126)
// against our authorization server, with our demo data, as the
// confidential client `strava`, once per client authentication method:
//   1. the metadata names `pushed_authorization_request_endpoint` (§5);
//   2. openid-client pushes the request with PKCE S256 and `state`
//      (`buildAuthorizationUrlWithPAR`, §2.1), authenticated with the
//      method; the browser's URL carries only `client_id` and
//      `request_uri` (§4);
//   3. the code of that request is redeemed (PKCE, `state`, RFC 9207 `iss`
//      checked by openid-client), then the refresh token;
//   4. a push naming an unregistered redirect URI is refused at once with
//      `invalid_request` (§2.3), before any browser is involved.
//
// The person at the browser is played by the test that runs this script
// (person.mjs says how).
//
// Usage: node openid_client_par.mjs ISSUER [METHODS]
// METHODS: space-separated client authentication methods, among
// `client_secret_basic` and `client_secret_post` (default: both).
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import * as client from "openid-client";

import { codeFlow } from "./code_flow.mjs";
import { run } from "./person.mjs";

const CLIENT_ID = "strava";
const CLIENT_SECRET = "strava-secret";
const REDIRECT_URI = "http://localhost:9000/callback";
const SCOPE = "profile post";

/** openid-client's client authentication for `method`. */
function authentication(method) {
  switch (method) {
    case "client_secret_basic":
      return client.ClientSecretBasic(CLIENT_SECRET);
    case "client_secret_post":
      return client.ClientSecretPost(CLIENT_SECRET);
    default:
      throw new Error(`unknown client authentication method ${method}`);
  }
}

/** Steps 2 and 3 with `method`. */
async function pushedFlow(config, method) {
  const tokens = await codeFlow(config, {
    authorize: client.buildAuthorizationUrlWithPAR,
    parameters: { redirect_uri: REDIRECT_URI, scope: SCOPE },
    sent: (url) => {
      const sent = [...url.searchParams.keys()].sort();
      assert.deepEqual(sent, ["client_id", "request_uri"], url.href);
      assert.match(url.searchParams.get("request_uri"), /^urn:ietf:params:oauth:request_uri:/);
      console.log(`${method}: pushed; the browser carries only client_id and request_uri`);
    },
  });
  assert.ok(tokens.access_token);
  assert.deepEqual(tokens.scope.split(" ").sort(), ["post", "profile"]);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  console.log(`${method}: code of the pushed request redeemed, then refreshed`);
}

/** Step 4. */
async function refusedPush(config, method) {
  await assert.rejects(
    client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: "http://localhost:9000/elsewhere",
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    }),
    (refusal) => {
      assert.ok(refusal instanceof client.ResponseBodyError, String(refusal));
      assert.equal(refusal.error, "invalid_request");
      return true;
    },
  );
  console.log(`${method}: an unregistered redirect URI is refused at push time`);
}

async function main(issuer, methods = "client_secret_basic client_secret_post") {
  for (const method of methods.split(" ").filter(Boolean)) {
    const config = await client.discovery(
      new URL(issuer),
      CLIENT_ID,
      undefined,
      authentication(method),
    );
    const endpoint = config.serverMetadata().pushed_authorization_request_endpoint;
    assert.equal(endpoint, `${issuer}/par`);
    console.log(`${method}: metadata names the pushed authorization request endpoint`);
    await pushedFlow(config, method);
    await refusedPush(config, method);
  }
}

run(() => main(process.argv[2], process.argv[3]));
