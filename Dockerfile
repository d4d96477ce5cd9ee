# One image holding the three roles; docker-compose.yml picks the binary.
#
# Build stage: the same `cargo build --release --locked` as everywhere else.
# BuildKit cache mounts keep the crate registry and the target folder
# between builds, so an edit rebuilds what it touches, not every crate;
# the binaries are copied out of the cached folder to /out.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bins \
    && mkdir -p /out \
    && cp target/release/authorization-server target/release/protected-resource \
        target/release/client /out/

# Run stage: a small Debian with the three binaries, run as a non-root user.
# curl is here for the health checks only.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin oauth \
    && install -d -o oauth -g oauth -m 0700 /var/lib/oauth
COPY --from=build /out/ /usr/local/bin/
USER oauth
# A role's files (with --demo on Postgres, the authorization server's
# key-encryption key, ./data/authorization-server.kek) live here;
# docker-compose.yml keeps this folder in a volume.
WORKDIR /var/lib/oauth
# docker-compose.yml names the role to run; alone, the image says which
# there are.
CMD ["sh", "-c", "echo 'run one of: authorization-server, protected-resource, client (each with --help)'"]
