# Build the single binary in a Bun image, run it from a slim one.
FROM oven/bun:1.4 AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/hookgate --create-home hookgate
COPY --from=build /src/dist/hookgate /usr/local/bin/hookgate
USER hookgate
WORKDIR /var/lib/hookgate
# Mount the config at /etc/hookgate/webhooks.config.ts and keep /var/lib/hookgate on a volume (the SQLite outbox).
ENV HOOKGATE_CONFIG=/etc/hookgate/webhooks.config.ts
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hookgate"]
CMD ["serve"]
