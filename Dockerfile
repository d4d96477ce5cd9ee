# One image holding the three roles; docker-compose.yml picks the binary.
#
# Build stage: the same `cargo build --release --locked` as everywhere else.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bins

# Run stage: a small Debian with the three binaries, run as a non-root user.
# curl is here for the health checks only.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin oauth \
    && install -d -o oauth -g oauth -m 0700 /var/lib/oauth
COPY --from=build /src/target/release/authorization-server /usr/local/bin/
COPY --from=build /src/target/release/protected-resource /usr/local/bin/
COPY --from=build /src/target/release/client /usr/local/bin/
USER oauth
# A role's files (with --demo on Postgres, the authorization server's
# key-encryption key, ./data/authorization-server.kek) live here;
# docker-compose.yml keeps this folder in a volume.
WORKDIR /var/lib/oauth
