import { defineConfig, env } from "hookgate";

/**
 * CE Pro-style webhooks (reference/cepro-webhooks.txt): hex HMAC of the raw body in `X-CEPro-Signature`,
 * `X-CEPro-Event` and `X-CEPro-Delivery` headers, the `{ event, timestamp, webhook_id, data }` payload,
 * retries after 1m, 5m, 30m and 2h, https only. Endpoints created through the admin API are pinged on save
 * and kept only on a 2xx, as CE Pro does.
 */
export default defineConfig({
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN") }] },
  events: {
    estimate_created: {}, estimate_sent: {}, proposal_created: {}, proposal_sent: {}, proposal_accepted: {},
    proposal_declined: {}, job_created: {}, job_completed: {}, invoice_paid: {}, client_created: {}, ping: {},
  },
  delivery: { schedule: ["1m", "5m", "30m", "2h"] },
  sources: [{ type: "http", id: "app", tokens: [{ name: "cepro", token: env("INGEST_TOKEN") }] }],
  endpoints: [
    {
      id: "crm", url: "https://crm.example.com/webhooks/cepro", events: ["proposal_accepted", "job_completed"],
      secret: env("CEPRO_SECRET"), signing: { scheme: "hex", header: "X-CEPro-Signature" },
      headers: {
        "X-CEPro-Event": ({ event }) => event.type,
        "X-CEPro-Delivery": ({ deliveryId }) => deliveryId,
      },
      transform: (event) => ({ event: event.type, timestamp: event.timestamp, webhook_id: event.id, data: event.data }),
    },
  ],
});
