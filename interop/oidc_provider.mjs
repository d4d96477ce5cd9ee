// oidc-provider (npm, by panva), a certified OpenID Provider, unchanged and
// configured only through its documented configuration, as a foreign
// OpenID Provider for our client "Strava":
//   - one client registration: Strava, confidential, `client_secret_basic`
//     at the token endpoint (RFC 6749 §2.3.1), the authorization code flow
//     only, its redirect URI and its post-logout redirect URI
//     (RP-Initiated Logout 1.0 §3), both compared exactly;
//   - PKCE required of every client (RFC 7636; S256 is the only method
//     oidc-provider offers);
//   - one person, `ada`, with the claims `name` and `preferred_username`
//     (scope `profile`) and `email` (scope `email`), Core §5.4;
//   - its built-in development interactions as the person's pages: a
//     login form (`login`, `password`; any password) and a consent form;
//   - RP-initiated logout at its `end_session_endpoint`;
//   - a fresh RSA key signs ID tokens (RS256), fresh keys sign its cookies.
// Everything else is oidc-provider's defaults. It speaks HTTP on loopback,
// as its development settings allow.
//
// Usage: node oidc_provider.mjs REDIRECT_URI POST_LOGOUT_REDIRECT_URI [PORT]
// Listens on 127.0.0.1:PORT (default 0: a free port), prints its issuer
// URL on one line once listening, and stops when stdin closes or on
// SIGTERM.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import Provider from "oidc-provider";

const CLIENT_ID = "strava";
const CLIENT_SECRET = "strava-secret";

const PERSON = {
  sub: "ada",
  name: "Ada Lovelace",
  preferred_username: "ada",
  email: "ada@example.org",
};

/** Core §5.4: the claims each scope releases. */
const CLAIMS = {
  openid: ["sub"],
  profile: ["name", "preferred_username"],
  email: ["email"],
};

/** The one person this provider knows; `undefined` for anyone else. */
async function findAccount(_ctx, id) {
  if (id !== PERSON.sub) {
    return undefined;
  }
  return {
    accountId: id,
    async claims() {
      return { ...PERSON };
    },
  };
}

/** A fresh RS256 signing key, as a private JWK. */
function signingKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: "jwk" }),
    kid: randomBytes(8).toString("hex"),
    use: "sig",
    alg: "RS256",
  };
}

function configuration(redirectUri, postLogoutRedirectUri) {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [postLogoutRedirectUri],
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    findAccount,
    claims: CLAIMS,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
  };
}

function main([redirectUri, postLogoutRedirectUri, port = "0"]) {
  if (!redirectUri || !postLogoutRedirectUri) {
    console.error("usage: node oidc_provider.mjs REDIRECT_URI POST_LOGOUT_REDIRECT_URI [PORT]");
    process.exit(2);
  }
  // Bound first: the issuer names the port.
  const server = createServer();
  server.listen(Number(port), "127.0.0.1", () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    const provider = new Provider(issuer, configuration(redirectUri, postLogoutRedirectUri));
    server.on("request", provider.callback());
    console.log(issuer);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.stdin.on("end", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2));
