import { defineConfig, env } from "hookgate";

/**
 * Field-service-style webhooks (reference/field-service-webhooks.txt): Basic auth (or none) to the receiver,
 * no signature, https only, created deactivated until an admin turns it on, retries after 5 and 10 minutes
 * (3 attempts in all), and every attempt's status, response headers and body in the delivery log.
 */
export default defineConfig({
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN") }] },
  events: {
    "job.created": {}, "job.updated": {}, "job.assigned": {}, "job.image_created": {}, "job.document_created": {},
    "job.status_changed": {}, "estimate.created": {}, "estimate.updated": {}, "signed_document.signed": {}, "signable_document.signed": {},
  },
  delivery: { schedule: ["5m", "10m"] },
  sources: [{ type: "http", id: "app", tokens: [{ name: "app", token: env("INGEST_TOKEN") }] }],
  endpoints: [
    { id: "salesforce", url: "https://sf.example.com/hooks", events: ["job.*", "estimate.*"], enabled: false,
      signing: { scheme: "none" }, auth: { type: "basic", username: env("SF_USER"), password: env("SF_PASSWORD") } },
  ],
});
