"""Authlib, a third-party OAuth 2.0 library, against our authorization
server: the proof that it speaks the standards, not a dialect of its own.

Each step uses Authlib's own code for the protocol, with our demo data:
  1. RFC 8414 metadata, validated by Authlib's `AuthorizationServerMetadata`;
  2. the authorization code grant with PKCE S256 (RFC 6749 §4.1, RFC 7636)
     for the confidential client `strava` (client_secret_basic) and the
     public client `strava-mobile`, with the RFC 9207 `iss` checked;
  3. a refresh (RFC 6749 §6) and its rotation;
  4. introspection (RFC 7662) as the protected resource;
  5. revocation (RFC 7009) of the refresh token, seen by introspection;
  6. the client credentials grant is refused to a client not allowed it.

Usage: python authlib_oauth2.py ISSUER [CA_FILE]
Exits 0 when every step held; otherwise prints the step that failed.
"""

from urllib.parse import parse_qs, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from user_agent import UserAgent, run_script, trusting

RESOURCE = "http://localhost:9002"
RESOURCE_CLIENT = ("protected-resource-1", "protected-resource-secret-1")


def metadata(issuer, verify):
    http = trusting(requests.Session(), verify)
    document = http.get(issuer + "/.well-known/oauth-authorization-server", timeout=10).json()
    AuthorizationServerMetadata(document).validate()
    assert document["issuer"] == issuer, document["issuer"]
    assert "S256" in document["code_challenge_methods_supported"]
    return document


def code_flow(server, verify, client_id, client_secret, redirect_uri, scope):
    session = OAuth2Session(
        client_id,
        client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if client_secret else "none",
    )
    trusting(session, verify)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        server["authorization_endpoint"], code_verifier=verifier, resource=RESOURCE
    )
    person = UserAgent("hamza", "hamza-password", verify)
    redirect = person.authorize(url, redirect_uri)
    # RFC 9207 §2.4: the client compares `iss` with the issuer it used.
    assert parse_qs(urlparse(redirect).query).get("iss") == [server["issuer"]], redirect
    token = session.fetch_token(
        server["token_endpoint"],
        authorization_response=redirect,
        state=state,
        code_verifier=verifier,
        resource=RESOURCE,
    )
    assert token["token_type"].lower() == "bearer", token
    assert set(token["scope"].split()) == set(scope.split()), token
    return session, token


def introspect(server, verify, token):
    resource = OAuth2Session(*RESOURCE_CLIENT, token_endpoint_auth_method="client_secret_basic")
    trusting(resource, verify)
    answer = resource.introspect_token(server["introspection_endpoint"], token=token)
    assert answer.status_code == 200, answer.text
    return answer.json()


def main(issuer, verify):
    server = metadata(issuer, verify)
    print("metadata: valid for Authlib")

    session, token = code_flow(
        server, verify, "strava", "strava-secret", "http://localhost:9000/callback", "profile post"
    )
    print("authorization code + PKCE (confidential client): tokens")
    active = introspect(server, verify, token["access_token"])
    assert active["active"] is True and active["client_id"] == "strava", active
    assert active["username"] == "hamza", active
    print("introspection: active, for strava and hamza")

    refreshed = session.refresh_token(server["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"], "refresh tokens rotate"
    assert introspect(server, verify, token["refresh_token"])["active"] is False
    print("refresh: new tokens, the old refresh token spent")

    answer = session.revoke_token(
        server["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    assert answer.status_code == 200, answer.text
    assert introspect(server, verify, refreshed["refresh_token"])["active"] is False
    print("revocation: the refresh token is no longer active")

    _, public = code_flow(
        server, verify, "strava-mobile", None, "http://127.0.0.1:8765/callback", "profile"
    )
    assert introspect(server, verify, public["access_token"])["active"] is True
    print("authorization code + PKCE (public client): tokens")

    machine = OAuth2Session("strava", "strava-secret", token_endpoint_auth_method="client_secret_post")
    trusting(machine, verify)
    try:
        machine.fetch_token(server["token_endpoint"], grant_type="client_credentials")
        raise AssertionError("strava may not use client_credentials")
    except Exception as refused:  # Authlib raises OAuthError with the RFC code
        assert "unauthorized_client" in str(refused), refused
    print("client credentials: refused with unauthorized_client")


if __name__ == "__main__":
    run_script(main)
