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
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin oauth
COPY --from=build /src/target/release/authorization-server /usr/local/bin/
COPY --from=build /src/target/release/protected-resource /usr/local/bin/
COPY --from=build /src/target/release/client /usr/local/bin/
USER oauth
