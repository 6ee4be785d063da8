import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { adminApi } from "./portal-support.ts";

/**
 * A customer at scale for the portal's browser tests, on the compiled binary: tenant `acme` with 240 endpoints
 * (every tenth answers 500, every twentieth is disabled) and 2,400 deliveries of ten events to all of them, a few
 * endpoints of another tenant, and a catalog with an operator type beside the customer's. Built through the
 * ingest and admin APIs only: the deliveries are real, their attempts reached a real receiver.
 */
export const SCALE = { endpoints: 240, events: 10 } as const;
export const ADMIN = "portal-scale-admin-token-0123456789";
const INGEST = "portal-scale-ingest-token-0123456789";

export interface ScaleFixture {
  gateway: Running; receiver: Receiver; origin: string;
  admin: ReturnType<typeof adminApi>;
  /** Endpoint ids of acme, oldest first. */
  endpoints: string[];
  session(scopes?: ("read" | "write")[], expiresIn?: number): Promise<{ token: string; url: string; expiresAt: string }>;
  stop(): Promise<void>;
}

export const nameOf = (i: number) => `Store ${String(i).padStart(3, "0")} orders`;

function config(receiverPort: number): string {
  return `import { defineConfig, v } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  portal: { brand: { name: "Acme Cloud — Webhooks", color: "#0b5cad" } },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "app", token: "${INGEST}", events: ["*"] }] }],
  events: {
    "order.created": { description: "A customer placed an order", schema: v.object({ orderId: v.string(), total: v.number(), currency: v.picklist(["EUR", "USD"]) }) },
    "order.refunded": { description: "An order was refunded in full or in part", schema: v.object({ orderId: v.string(), amount: v.number() }) },
    "job.created": { description: "A job was scheduled", schema: v.object({ jobId: v.string(), region: v.picklist(["eu", "us"]) }), example: { jobId: "job_42", region: "eu" } },
  },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], schedule: ["1h"] },
  tenants: { allowNetworks: ["127.0.0.0/8"], requestsPerSecond: 10000 },
});
// receiver on ${receiverPort}
`;
}

export async function startScaleFixture(): Promise<ScaleFixture> {
  const receiver = startReceiver((req) => new Response(req.path.includes("/failing-") ? "upstream down" : "ok", { status: req.path.includes("/failing-") ? 500 : 200 }));
  const gateway = await startBinary(writeConfig(config(receiver.port)));
  const admin = adminApi(gateway.url, ADMIN);
  const base = receiver.url.replace("/hooks", "");
  const endpoints: string[] = [];
  for (let i = 0; i < SCALE.endpoints; i++) {
    const path = i % 10 === 9 ? `failing-${i}` : `store-${i}`;
    const created = await admin<{ id: string }>("POST", "/endpoints", {
      url: `${base}/${path}`, events: ["order.*", "job.created"], description: nameOf(i), tenant: "acme", verify: false, enabled: i % 20 !== 19,
    });
    endpoints.push(created.id);
  }
  for (const [tenant, name] of [["globex", "Globex CRM"], ["globex", "Globex billing"]]) {
    await admin("POST", "/endpoints", { url: `${base}/${tenant}`, events: ["*"], description: name, tenant, verify: false });
  }
  await admin("PUT", "/tenants/globex", { name: "Globex Corp" });
  await admin("PUT", "/tenants/acme", { name: "Acme Inc" });
  const events = Array.from({ length: SCALE.events }, (_, i) => ({ type: "order.created", tenant: "acme", data: { orderId: `ord_${i}`, total: 10 + i, currency: "EUR" } }));
  const ingested = await fetch(`${gateway.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${INGEST}`, "content-type": "application/json" }, body: JSON.stringify(events) });
  if (ingested.status !== 202) throw new Error(`ingest answered ${ingested.status}: ${await ingested.text()}`);
  // Settled: every delivery of an enabled endpoint attempted once (the failing ones wait an hour to retry).
  const deadline = Date.now() + 120_000;
  for (;;) {
    const pending = await admin<{ total: number }>("GET", "/deliveries?tenant=acme&status=pending&page=1&limit=1");
    const waiting = SCALE.events * (SCALE.endpoints / 20);
    if (pending.total <= waiting) break;
    if (Date.now() > deadline) throw new Error(`deliveries not settled: ${pending.total} pending`);
    await Bun.sleep(250);
  }
  return {
    gateway, receiver, admin, endpoints, origin: new URL(gateway.url).origin,
    session: (scopes = ["read", "write"], expiresIn) => admin("POST", "/tenants/acme/sessions", { scopes, ...(expiresIn && { expiresIn }) }),
    async stop() { await gateway.stop(); receiver.stop(); },
  };
}
