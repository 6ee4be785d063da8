import { defineConfig, env } from "hookgate";

/**
 * CleanEstimatePro-style webhooks (reference/cleanestimatepro-webhook-signing.txt): hex HMAC in
 * `X-Webhook-Signature` (the hex scheme's default header), `X-Webhook-ID/-Event/-Timestamp/-Attempt` headers,
 * the `{ event, timestamp, data }` payload, retries after about 10s, 60s and 300s. Inbound callbacks use
 * `Authorization: Bearer`, never a token in the query string: hookgate's ingest refuses query tokens.
 */
export default defineConfig({
  store: { sqlite: "./data/hookgate.db" },
  events: {
    "lead.created": {}, "lead.status_changed": {}, "estimate.created": {}, "estimate.accepted": {},
    "job.created": {}, "job.completed": {}, "invoice.created": {}, "invoice.paid": {},
  },
  delivery: { schedule: ["10s", "60s", "300s"] },
  sources: [{ type: "http", id: "email-inbound", path: "/api/webhooks/email-inbound", tokens: [{ name: "mailgun", token: env("EMAIL_INBOUND_WEBHOOK_SECRET") }] }],
  endpoints: [
    {
      id: "erp", url: "https://erp.example.com/cep", events: ["job.*", "invoice.*"],
      secret: env("CEP_WEBHOOK_SECRET"), signing: { scheme: "hex" },
      headers: {
        "X-Webhook-ID": ({ deliveryId }) => deliveryId,
        "X-Webhook-Event": ({ event }) => event.type,
        "X-Webhook-Timestamp": ({ timestamp }) => String(timestamp),
        "X-Webhook-Attempt": ({ attempt }) => String(attempt),
      },
      transform: (event) => ({ event: event.type, timestamp: event.timestamp, data: event.data }),
    },
  ],
});
