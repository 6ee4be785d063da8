import { expect } from "bun:test";
import { newId } from "../../src/core/ids.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import type { Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { adminClient } from "./support.ts";

export interface TenantApp extends TestApp {
  logs: string[];
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
}

/** A gateway on loopback with the ops admin token, a retry a second after a failure, and every log line kept. */
export async function startTenantApp(overrides: Partial<ConfigInput> = {}, now?: () => number): Promise<TenantApp> {
  const logs: string[] = [];
  const app = await startTestApp(baseConfig({ ...overrides, delivery: { schedule: ["1s", "1s"], jitter: 0, ...overrides.delivery } as never }), { now, logs });
  return Object.assign(app, {
    logs,
    api: adminClient(app.url),
  });
}

/** An API endpoint of `tenant` (null: global). */
export async function tenantEndpoint(app: TenantApp, tenant: string | null, url: string): Promise<string> {
  const created = await app.api("POST", "/endpoints", { url, events: ["order.*"], verify: false, ...(tenant ? { tenant } : {}) });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** An event of `tenant` delivered to these endpoints now (deliveries take their endpoint's tenant), bypassing routing. */
export async function tenantEvent(app: TenantApp, tenant: string | null, endpoints: { id: string; tenant: string | null }[]) {
  const now = Date.now();
  const id = newId("evt", now);
  const deliveries = endpoints.map((e) => ({ id: newId("dlv"), endpoint_id: e.id, next_attempt_at: now }));
  await app.store.ingest([{ event: { id, source: "app", type: "order.created", timestamp: new Date(now).toISOString(), data: '{"n":1}', dedupe_key: id, idempotency_key: null, received_at: now, tenant, ordering_key: null }, deliveries }], []);
  const db = dbOf(app.store);
  await db.updateTable("events").set({ tenant }).where("id", "=", id).execute();
  for (const [k, d] of deliveries.entries()) await db.updateTable("deliveries").set({ tenant: endpoints[k]!.tenant }).where("id", "=", d.id).execute();
  for (const e of endpoints) void app.dispatcher.claim(app.registry.get(e.id)!);
  return { id, deliveries: deliveries.map((d) => d.id) };
}

const idsOf = (rx: Receiver) => rx.requests.map((r) => r.headers["webhook-id"]);

/**
 * DELETE /tenants/{id} through the API: acme's endpoint (failing, so it would retry) stops receiving, acme's rows go
 * with the counts answered, and globex and the global endpoint carry on untouched.
 */
export async function deleteTenantWalk(app: TenantApp, rx: { acme: Receiver; globex: Receiver; global: Receiver }) {
  rx.acme.respond(() => new Response("down", { status: 503 }));
  const ep = {
    acme: { id: await tenantEndpoint(app, "acme", rx.acme.url), tenant: "acme" },
    globex: { id: await tenantEndpoint(app, "globex", rx.globex.url), tenant: "globex" },
    global: { id: await tenantEndpoint(app, null, rx.global.url), tenant: null },
  };
  const ofAcme = await tenantEvent(app, "acme", [ep.acme, ep.global]);
  const ofGlobex = await tenantEvent(app, "globex", [ep.globex, ep.global]);
  await waitFor(() => idsOf(rx.acme).includes(ofAcme.id) && idsOf(rx.globex).includes(ofGlobex.id) && idsOf(rx.global).length === 2, { timeoutMs: 10_000, what: "first attempts" });
  const db = dbOf(app.store);
  await waitFor(async () => (await db.selectFrom("attempts").select("id").where("delivery_id", "in", ofAcme.deliveries).execute()).length === 2, { timeoutMs: 10_000, what: "acme's attempts recorded" });

  const deleted = await app.api("DELETE", "/tenants/acme");
  expect(deleted.status).toBe(200);
  expect(deleted.body).toEqual({ deleted: { endpoints: 1, events: 1, deliveries: 2 } });
  const seen = rx.acme.requests.length;

  expect(await db.selectFrom("endpoints").select("id").where("tenant", "=", "acme").execute()).toEqual([]);
  expect(await db.selectFrom("events").select("id").where("id", "=", ofAcme.id).execute()).toEqual([]);
  expect(await db.selectFrom("deliveries").select("id").where("id", "in", ofAcme.deliveries).execute()).toEqual([]);
  expect(await db.selectFrom("attempts").select("id").where("delivery_id", "in", ofAcme.deliveries).execute()).toEqual([]);
  expect(app.registry.get(ep.acme.id)).toBeUndefined();
  expect((await app.api("GET", "/tenants/acme")).status).toBe(404);
  expect((await app.api("GET", `/endpoints/${ep.acme.id}`)).status).toBe(404);
  expect((await app.api("DELETE", "/tenants/acme")).status).toBe(404);

  // globex keeps receiving while acme's retry (due a second after its failure) would have come and gone.
  const later = await tenantEvent(app, "globex", [ep.globex]);
  await waitFor(() => idsOf(rx.globex).includes(later.id), { timeoutMs: 10_000, what: "globex's next event" });
  await Bun.sleep(1_500);
  expect(rx.acme.requests.length).toBe(seen);
  expect((await app.api("GET", "/tenants/globex")).body).toMatchObject({ id: "globex", endpoints: 1 });
  expect((await db.selectFrom("deliveries").select("id").where("id", "in", ofGlobex.deliveries).execute()).length).toBe(2);
  expect((await app.api("GET", `/events/${ofGlobex.id}`)).status).toBe(200);
}
