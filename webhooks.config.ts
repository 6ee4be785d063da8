import { defineConfig, env, v } from "hookgate";

/**
 * hookgate's demo config: `bun run start` serves it on an embedded SQLite file in ./data.
 * Run the demo receiver beside it (`bun config/demo-receiver.ts`) to watch signed deliveries arrive.
 * Loopback delivery is allowed here for the demo only; production configs keep the defaults.
 */
export default defineConfig({
  server: { host: "127.0.0.1", port: Number(env("PORT", "8080")) },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN", "dev-admin-token-change-me"), scopes: ["read", "write"] }] },
  events: {
    "job.completed": { description: "A job is done", schema: v.object({ jobId: v.string() }) },
    "invoice.paid": { description: "An invoice was paid" },
    ping: { description: "A test event" },
  },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8", "::1/128"] },
  sources: [
    { type: "http", id: "app", path: "/v1/events",
      tokens: [{ name: "demo", token: env("HOOKGATE_INGEST_TOKEN", "dev-ingest-token-change-me"), events: ["*"] }] },
  ],
  endpoints: [
    { id: "demo-receiver", url: "http://127.0.0.1:9000/hooks", events: ["*"],
      secret: env("DEMO_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), signing: { scheme: "standard" } },
  ],
});
