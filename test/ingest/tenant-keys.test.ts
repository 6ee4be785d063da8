import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, INGEST_TOKEN, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

// DESIGN §9: idempotency keys are scoped to (source, token name, tenant); one tenant's key never makes another
// tenant's event a duplicate. Run on both stores: the key is what the store's unique index sees.
const STORES = [{ name: "sqlite", skip: false }, { name: "postgres", skip: skipPg }];

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`idempotency keys are per tenant (${kind.name} store)`, () => {
    let receiver: Receiver;
    let app: TestApp;
    let pg: TestDatabase | null = null;

    beforeAll(async () => {
      receiver = startReceiver();
      pg = kind.name === "postgres" ? await createDatabase() : null;
      app = await startTestApp(baseConfig({
        ...(pg && { store: { postgres: pg.url } }),
        endpoints: ["acme", "beta"].map((tenant) => ({ id: tenant, tenant, url: `${receiver.url}/${tenant}`, events: ["*"], signing: { scheme: "none" as const } })),
      }));
    });
    afterAll(async () => { await app.close(); receiver.stop(); await pg?.drop(); });

    const post = (body: unknown, headers: Record<string, string> = {}) => fetch(`${app.url}/v1/events`, {
      method: "POST", headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body),
    });
    const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as { id: string; deliveries: number; duplicate?: true } });
    /** The event ids each tenant's endpoint received. */
    const deliveredTo = (tenant: string) => receiver.requests.filter((r) => r.path === `/hooks/${tenant}`).map((r) => r.headers["webhook-id"]);

    test("the global token's key K for acme, then for beta: two events, each delivered to its tenant; K again for acme is acme's duplicate", async () => {
      const acme = await answer(await post({ type: "order.created", data: { n: 1 }, id: "K", tenant: "acme" }));
      const beta = await answer(await post({ type: "order.created", data: { n: 2 }, id: "K", tenant: "beta" }));
      expect([acme.status, beta.status]).toEqual([202, 202]);
      expect(beta.body.id).not.toBe(acme.body.id);
      await waitFor(() => deliveredTo("acme").includes(acme.body.id) && deliveredTo("beta").includes(beta.body.id), { timeoutMs: 5_000, what: "each tenant's delivery" });
      expect(deliveredTo("acme")).not.toContain(beta.body.id);
      expect(deliveredTo("beta")).not.toContain(acme.body.id);

      const again = await answer(await post({ type: "order.created", data: { n: 3 }, id: "K", tenant: "acme" }));
      expect(again).toEqual({ status: 200, body: { id: acme.body.id, deliveries: 1, duplicate: true } });
      const againBeta = await answer(await post({ type: "order.created", data: { n: 4 }, id: "K", tenant: "beta" }));
      expect(againBeta).toEqual({ status: 200, body: { id: beta.body.id, deliveries: 1, duplicate: true } });
      // Without a tenant, K is a third key of its own.
      const global = await answer(await post({ type: "order.created", data: { n: 5 }, id: "K" }));
      expect(global.status).toBe(202);
      const rows = await dbOf(app.store).selectFrom("events").select(["tenant", "data"]).where("idempotency_key", "=", "K").orderBy("id").execute();
      expect(rows.map((r) => [r.tenant, JSON.parse(r.data).n])).toEqual([["acme", 1], ["beta", 2], [null, 5]]);
    });

    test("an array with one key under two tenants stores two events; its repeat is all duplicates", async () => {
      const batch = [
        { type: "order.created", data: { n: 1 }, id: "mixed", tenant: "acme" },
        { type: "order.created", data: { n: 2 }, id: "mixed", tenant: "beta" },
        { type: "order.created", data: { n: 3 }, id: "mixed", tenant: "acme" },
      ];
      const first = await post(batch);
      expect(first.status).toBe(202);
      const { events } = (await first.json()) as { events: { id: string; deliveries: number; duplicate?: true }[] };
      expect(events[0]!.id).not.toBe(events[1]!.id);
      expect(events[2]).toEqual({ id: events[0]!.id, deliveries: 1, duplicate: true });
      expect(events.slice(0, 2).map((e) => e.duplicate)).toEqual([undefined, undefined]);

      const repeat = await post(batch);
      expect(repeat.status).toBe(200);
      const again = ((await repeat.json()) as { events: { id: string; duplicate: boolean }[] }).events;
      expect(again.map((e) => [e.id, e.duplicate])).toEqual([[events[0]!.id, true], [events[1]!.id, true], [events[0]!.id, true]]);
    });

    test("the Idempotency-Key header is per tenant too", async () => {
      const send = (tenant: string) => post({ type: "order.created", data: {}, tenant }, { "idempotency-key": "hdr-K" });
      const acme = await answer(await send("acme"));
      const beta = await answer(await send("beta"));
      expect([acme.status, beta.status]).toEqual([202, 202]);
      expect(beta.body.id).not.toBe(acme.body.id);
      expect(await answer(await send("acme"))).toEqual({ status: 200, body: { id: acme.body.id, deliveries: 1, duplicate: true } });
    });

    test("a source's emit: the same id under two tenants is two events", async () => {
      const [a] = await app.ingest.emit("app", [{ type: "row.added", data: 1, id: "row-1", tenant: "acme" }]);
      const [b] = await app.ingest.emit("app", [{ type: "row.added", data: 2, id: "row-1", tenant: "beta" }]);
      expect([a!.duplicate, b!.duplicate]).toEqual([false, false]);
      expect(b!.id).not.toBe(a!.id);
    });
  });
}
