# Build the single binary in a Bun image, run it from a slim one.
FROM oven/bun:1.4 AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
# .dockerignore keeps the host's node_modules, data/, *.db and master.key out of this copy.
COPY . .
RUN bun run build

FROM debian:bookworm-slim
# The user has a fixed uid and gid (999), so a host folder mounted at /var/lib/hookgate can be given to it: chown 999:999.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 999 hookgate \
 && useradd --system --uid 999 --gid hookgate --home-dir /var/lib/hookgate --create-home --shell /usr/sbin/nologin hookgate
COPY --from=build /src/dist/hookgate /usr/local/bin/hookgate
USER hookgate
WORKDIR /var/lib/hookgate
# Mount the config's folder (not the file: an editor's save replaces the file, and a file mount keeps the old one)
# at /etc/hookgate, with store: { sqlite: "/var/lib/hookgate/hookgate.db" }, and keep /var/lib/hookgate on a volume
# (or a host folder owned by 999:999): the SQLite outbox and master.key (back it up, or set HOOKGATE_MASTER_KEY).
ENV HOOKGATE_CONFIG=/etc/hookgate/webhooks.config.ts
VOLUME /var/lib/hookgate
EXPOSE 8080
# Ready = migrations ran, the store is writable and not draining (GET /readyz); the address comes from the config.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/hookgate", "health"]
# SIGTERM drains (ingest answers 503, attempts in flight finish). Docker kills after 10 s by default, shorter
# than an attempt may take (delivery.timeoutMs): run with `docker run --stop-timeout 30` (compose: stop_grace_period: 30s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hookgate"]
CMD ["serve"]
