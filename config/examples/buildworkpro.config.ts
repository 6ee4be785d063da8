import { defineConfig, env } from "hookgate";

/**
 * BuildWorkPro-style webhooks (reference/buildworkpro-webhooks.txt): Stripe-style `t=..,v1=..` signatures in a
 * `BuildWorkPro-Signature` header, 7 attempts (now, 30s, 2m, 15m, 1h, 6h, 24h) with jitter, a 10 s timeout,
 * permanent 4xx stop at once (408/429 retried), and an endpoint disabled after 20 consecutive failures.
 * These are hookgate's defaults, so only the scheme and header name are set.
 */
export default defineConfig({
  server: { port: 8080 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN"), scopes: ["read", "write"] }] },
  events: {
    "bid.created": {}, "bid.accepted": {}, "bid.rejected": {},
    "project.created": {}, "project.status_changed": {},
    "pay_app.submitted": {}, "pay_app.approved": {},
    "change_order.submitted": {}, "change_order.approved": {},
    "contact.created": {},
  },
  delivery: { timeoutMs: 10_000, autoDisableAfter: 20 },
  sources: [{ type: "http", id: "app", tokens: [{ name: "bwp", token: env("INGEST_TOKEN"), events: ["*"] }] }],
  endpoints: [
    { id: "sales-bids", url: "https://hooks.example.com/bwp", events: ["bid.accepted"], description: "Notify sales when a bid is won",
      secret: env("BWP_WEBHOOK_SECRET"), signing: { scheme: "stripe", header: "BuildWorkPro-Signature" } },
  ],
});
