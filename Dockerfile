# Multi-stage build of the one-file Duet (web app and migrations inside the binary).
# Not exercised by CI: the development machines have no Docker engine (see docs/deploy.md).

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm python3 curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/build-frontend.sh \
    && cargo build --release -p duet-backend --features embed-frontend

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --uid 10001 duet \
    && mkdir -p /data && chown duet /data
COPY --from=build /src/target/release/duet /usr/local/bin/duet
USER duet
ENV HOST=0.0.0.0 PORT=8080 DATA_DIR=/data DUET_ENV=production
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/duet"]
