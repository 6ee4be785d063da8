import { defineConfig, env } from "hookgate";

/**
 * Workestra-style webhooks (reference/workestra-webhooks.txt): `sha256=<hex>` in `X-Workestra-Signature`
 * (the github scheme renamed), the `{ id, type, created_at, workspace_id, data }` payload, attempts at once,
 * then after 5s, 30s, 2m and 10m, and the endpoint disabled after 5 failures. Test events of any type
 * (`endpoint.verify` included) go out with POST /api/v1/endpoints/{id}/test.
 */
export default defineConfig({
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN") }] },
  // Workestra counts failures only ("disabled after 5 failures"): no minimum streak age.
  delivery: { schedule: ["5s", "30s", "2m", "10m"], autoDisableAfter: 5, autoDisableWindow: "0s" },
  sources: [{ type: "http", id: "app", tokens: [{ name: "crm", token: env("INGEST_TOKEN"), events: ["contact.*", "deal.*", "activity.*"] }] }],
  endpoints: [
    {
      id: "my-app", url: "https://your-app.com/webhooks/workestra", events: ["contact.*", "deal.won"],
      secret: env("WORKESTRA_SECRET"), signing: { scheme: "github", header: "X-Workestra-Signature" },
      transform: (event) => ({ id: event.id, type: event.type, created_at: event.timestamp, workspace_id: "ws_abc123", data: event.data }),
    },
  ],
});
