# shellcheck shell=bash
# `scripts/demo --tls`: the same demo over HTTPS (sourced by scripts/demo,
# which provides `start`, `pids` and `database_dir`). See docs/tls.md.
#
# - A local certificate authority and a certificate for localhost and
#   127.0.0.1 are made once in data/tls/ (a small Rust example using rcgen;
#   no openssl needed).
# - Every role serves HTTPS with that certificate (--tls-cert, --tls-key),
#   the issuer and every URL are https://localhost:…, and the back channels
#   (the resource's introspection, the client's metadata/token/revocation
#   and API calls) trust the local authority with --ca-cert.
# - Its databases live in data/tls/, apart from the plain demo's: the demo
#   registrations name http:// URLs, so this demo registers `strava-tls`
#   (redirect URI https://localhost:9000/callback) and `protected-resource-tls`
#   (resource https://localhost:9002) once, keeping their generated secrets
#   in data/tls/secrets.env.

tls_dir=data/tls

make_certificates() {
    if [ -f "$tls_dir/ca.pem" ] && [ -f "$tls_dir/server.pem" ] && [ -f "$tls_dir/server-key.pem" ]; then
        echo "using the local certificate authority in $tls_dir/"
        return 0
    fi
    echo "making a local certificate authority and a localhost certificate in $tls_dir/…"
    cargo run --release --locked -p service-kit --example make-demo-certs -- "$tls_dir"
}

# register KIND CLIENT_ID ARGS...: `client add` once; prints the secret.
register() {
    local output
    output=$(target/release/authorization-server client add \
        --database-url "sqlite://$tls_dir/authorization-server.db" "$@")
    sed -n 's/^client_secret: //p' <<<"$output"
}

register_tls_clients() {
    local secrets="$tls_dir/secrets.env"
    if [ -f "$secrets" ]; then
        # shellcheck disable=SC1090
        source "$secrets"
        return 0
    fi
    local listed
    listed=$(target/release/authorization-server client list \
        --database-url "sqlite://$tls_dir/authorization-server.db")
    if grep -q "strava-tls" <<<"$listed"; then
        echo "$tls_dir/authorization-server.db has the TLS clients but $secrets is gone;" >&2
        echo "remove $tls_dir/*.db and start again" >&2
        exit 1
    fi
    STRAVA_TLS_SECRET=$(register --client-id strava-tls --kind confidential \
        --redirect-uri https://localhost:9000/callback \
        --scope "profile post personal-message" \
        --grant authorization_code --grant refresh_token)
    RESOURCE_TLS_SECRET=$(register --client-id protected-resource-tls \
        --kind protected-resource --resource-id https://localhost:9002)
    (
        umask 077
        printf 'STRAVA_TLS_SECRET=%q\nRESOURCE_TLS_SECRET=%q\n' \
            "$STRAVA_TLS_SECRET" "$RESOURCE_TLS_SECRET" >"$secrets"
    )
}

start_over_tls() {
    make_certificates
    local tls=(--tls-cert "$tls_dir/server.pem" --tls-key "$tls_dir/server-key.pem")
    local ca=(--ca-cert "$tls_dir/ca.pem")
    database_dir=$tls_dir

    echo "starting over HTTPS:"
    start authorization-server --demo "${tls[@]}" --issuer https://localhost:9001
    register_tls_clients
    start protected-resource "${tls[@]}" "${ca[@]}" \
        --issuer https://localhost:9001 \
        --introspection-url https://localhost:9001/introspect \
        --resource-id https://localhost:9002 \
        --client-id protected-resource-tls --client-secret "$RESOURCE_TLS_SECRET"
    start client "${tls[@]}" "${ca[@]}" \
        --issuer https://localhost:9001 \
        --client-id strava-tls --client-secret "$STRAVA_TLS_SECRET" \
        --redirect-uri https://localhost:9000/callback \
        --resource-url https://localhost:9002

    cat <<INFO

The demo is running over HTTPS.

  Open https://localhost:9000       Strava, the client: connect your Facebook account
  Log in as  hamza / hamza-password  (or alice / alice-password)
  The wall:  https://localhost:9002  Facebook, the protected resource
  Metadata:  https://localhost:9001/.well-known/oauth-authorization-server

The certificates come from a local certificate authority made for this demo:
  $tls_dir/ca.pem
Your browser does not know it yet. Either
  - trust it (best: one import covers the three servers):
      Firefox:   Settings > Privacy & Security > Certificates > View Certificates
                 > Authorities > Import… $tls_dir/ca.pem ("identify websites")
      Chromium:  chrome://certificate-manager (or chrome://settings/certificates)
                 > Authorities > Import $tls_dir/ca.pem
      curl:      curl --cacert $tls_dir/ca.pem https://localhost:9002/healthz
  - or accept the warning once on each of https://localhost:9001, :9002 and
    :9000 (open each once before connecting).
Remove the authority from your browser when you are done; its key is not kept.

Logs are in data/logs/. Press Ctrl-C to stop.
INFO
}
