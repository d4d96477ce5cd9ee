// openid-client, a third-party client library (npm), as a device without
// a browser (RFC 8628) against our authorization server, with the demo
// public client `strava-watch`:
//   1. the metadata names the device authorization endpoint and the
//      device_code grant (RFC 8628 §4);
//   2. a device authorization request (§3.1): a user code of our alphabet
//      shown XXXX-XXXX, the verification URI, the URI with the code in it,
//      the lifetime and the polling interval (§3.2);
//   3. openid-client polls the token endpoint (§3.4) while the person opens
//      the URI with the code, signs in and approves: tokens for the scope
//      asked, with a refresh token, which a refresh grant then uses;
//   4. another request that the person denies: the polling ends with
//      access_denied (§3.5).
//
// The person at the browser is played by the test that runs this script
// (person.mjs says how).
//
// Usage: node openid_client_device.mjs ISSUER
// (NODE_EXTRA_CA_CERTS names the test authority of an HTTPS issuer.)
// Prints one line per step held and `ok` last; exits 1 at the first failure.

import assert from "node:assert/strict";
import * as client from "openid-client";

import { answerDevice, run } from "./person.mjs";

const CLIENT_ID = "strava-watch";
const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** Starts polling for `codes`; the promise, its rejection handled later. */
function poll(config, codes) {
  const polling = client.pollDeviceAuthorizationGrant(config, codes);
  polling.catch(() => {});
  return polling;
}

async function main(issuer) {
  const config = await client.discovery(new URL(issuer), CLIENT_ID, undefined, client.None());
  const server = config.serverMetadata();
  assert.equal(server.device_authorization_endpoint, `${issuer}/device_authorization`);
  assert.ok(server.grant_types_supported.includes(DEVICE_CODE_GRANT));
  console.log("metadata: the device authorization endpoint and grant");

  const codes = await client.initiateDeviceAuthorization(config, { scope: "profile post" });
  assert.match(codes.user_code, USER_CODE);
  assert.equal(codes.verification_uri, `${issuer}/device`);
  assert.equal(
    codes.verification_uri_complete,
    `${issuer}/device?user_code=${codes.user_code}`,
  );
  assert.equal(codes.expires_in, 600);
  assert.equal(codes.interval, 5);
  console.log("device authorization: a user code, where to type it, and the interval");

  const polling = poll(config, codes);
  await answerDevice("approve", codes.verification_uri_complete, codes.user_code);
  const tokens = await polling;
  assert.equal(tokens.token_type.toLowerCase(), "bearer");
  assert.deepEqual(tokens.scope.split(" ").sort(), ["post", "profile"]);
  assert.ok(tokens.refresh_token, "a refresh token for a client with the refresh grant");
  console.log("polling: tokens once the person approved");

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  console.log("refresh: new tokens for the device");

  const denied = await client.initiateDeviceAuthorization(config, { scope: "post" });
  const refused = poll(config, denied);
  await answerDevice("deny", denied.verification_uri, denied.user_code);
  await assert.rejects(refused, (refusal) => {
    assert.equal(refusal.error, "access_denied", String(refusal));
    return true;
  });
  console.log("polling: access_denied once the person denied");
}

run(() => main(process.argv[2]));
