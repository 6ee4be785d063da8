import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { newId } from "../../src/core/ids.ts";
import type { Store } from "../../src/store/types.ts";
import { dbOf, storedEndpoint } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";
import { TenantScope } from "../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

setDefaultTimeout(30_000);


const endpointRow = (id: string, tenant: string | null) => storedEndpoint(id, { tenant, createdAt: Date.now(), updatedAt: Date.now() });

/** One event of `tenant` with a delivery to each endpoint (a delivery's tenant is its endpoint's), and one attempt each. */
async function seedEvent(store: Store, tenant: string | null, endpoints: { id: string; tenant: string | null }[]) {
  const now = Date.now();
  const id = newId("evt", now);
  const deliveries = endpoints.map((e) => ({ id: newId("dlv"), endpoint_id: e.id, next_attempt_at: now + 60_000 }));
  await store.ingest([{ event: { id, source: "app", type: "order.created", timestamp: new Date(now).toISOString(), data: "{}", dedupe_key: id, idempotency_key: null, received_at: now, tenant, ordering_key: null }, deliveries }], []);
  const db = dbOf(store);
  // The ingest hot path may not write `tenant` on this branch yet: set it as the routing work will.
  await db.updateTable("events").set({ tenant }).where("id", "=", id).execute();
  for (const [k, d] of deliveries.entries()) {
    await db.updateTable("deliveries").set({ tenant: endpoints[k]!.tenant }).where("id", "=", d.id).execute();
    await db.insertInto("attempts").values({
      id: newId("att"), delivery_id: d.id, endpoint_id: d.endpoint_id, number: 1, trigger: "scheduled", started_at: now, url: "u",
      request_headers: "{}", request_body: null, status_code: 500, response_headers: "{}", response_body: "", duration_ms: 1, error: "HTTP 500",
    }).execute();
  }
  return { id, deliveries: deliveries.map((d) => d.id) };
}

const session = (tenant: string) => ({ hash: `${tenant}-${Math.random().toString(36).slice(2)}`, tenant, scopes: ["read", "write"], expiresAt: Date.now() + 3_600_000 });

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`tenant queries: ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
    });
    afterAll(async () => { await store.close(); await cleanup(); });

    test("note creates unnamed tenants and keeps what a PUT set", async () => {
      await store.tenants.put("n-acme", { name: "Acme", metadata: '{"plan":"pro"}' }, 1_000);
      await store.tenants.note(["n-acme", "n-new", "n-new"], 2_000);
      expect(await store.tenants.get("n-acme")).toEqual({ id: "n-acme", name: "Acme", metadata: '{"plan":"pro"}', created_at: 1_000, updated_at: 1_000, endpoints: 0 });
      expect(await store.tenants.get("n-new")).toEqual({ id: "n-new", name: null, metadata: null, created_at: 2_000, updated_at: 2_000, endpoints: 0 });
      await store.tenants.put("n-acme", { name: null, metadata: null }, 3_000);
      expect(await store.tenants.get("n-acme")).toMatchObject({ name: null, metadata: null, created_at: 1_000, updated_at: 3_000 });
    });

    test("page: by id, with each tenant's endpoint count", async () => {
      for (const id of ["p-c", "p-a", "p-b"]) await store.tenants.note([id], 1);
      for (const [id, tenant] of [["p-ep1", "p-a"], ["p-ep2", "p-a"], ["p-ep3", "p-c"], ["p-ep4", null]] as const) await store.admin.insertEndpoint(endpointRow(id, tenant));
      const all = [];
      let after: string | undefined = "p-";
      for (;;) {
        const { rows, more } = await store.tenants.page(after, 2);
        all.push(...rows.filter((r) => r.id.startsWith("p-")));
        if (!more || !rows.at(-1)!.id.startsWith("p-")) break;
        after = rows.at(-1)!.id;
      }
      expect(all.map((r) => [r.id, r.endpoints])).toEqual([["p-a", 2], ["p-b", 0], ["p-c", 1]]);
      expect(await store.tenants.endpointCount("p-a")).toBe(2);
    });

    test("page with search: an id's start or a name's part, ignoring case; % and _ are plain characters", async () => {
      await store.tenants.put("s-globex", { name: "Globex Corporation", metadata: null }, 1);
      await store.tenants.put("s-initech", { name: "Initech", metadata: null }, 1);
      await store.tenants.put("s-x_1", { name: "100% real", metadata: null }, 1);
      await store.tenants.put("s-xa1", { name: "A 100 percent store", metadata: null }, 1);
      const ids = async (search: string, after?: string, limit = 50) => (await store.tenants.page(after, limit, search)).rows.map((r) => r.id);
      expect(await ids("S-GLO")).toEqual(["s-globex"]);
      expect(await ids("corp")).toEqual(["s-globex"]);
      expect((await ids("s-")).sort()).toEqual(["s-globex", "s-initech", "s-x_1", "s-xa1"]);
      expect(await ids("s-x_")).toEqual(["s-x_1"]); // _ is not "any character": s-xa1 stays out
      expect(await ids("100%")).toEqual(["s-x_1"]); // nor is % "anything": "A 100 percent store" stays out
      expect(await ids("ini")).toEqual(["s-initech"]); // by its name: the id starts with "s-"
      expect(await ids("nitec")).toEqual(["s-initech"]);
      expect(await ids("itech-")).toEqual([]);
      const first = await store.tenants.page(undefined, 1, "s-g");
      expect([first.rows.map((r) => r.id), first.more]).toEqual([["s-globex"], false]);
      const paged = await store.tenants.page(undefined, 1, "s-");
      expect(paged.more).toBe(true);
      expect(await ids("s-", paged.rows[0]!.id)).toHaveLength(3);
    });

    test("remove: the tenant's endpoints, events, deliveries (also to global endpoints), attempts, sessions and record go; nothing else", async () => {
      const eps = { a: { id: "r-a", tenant: "r-acme" }, b: { id: "r-b", tenant: "r-globex" }, g: { id: "r-g", tenant: null } };
      for (const e of Object.values(eps)) await store.admin.insertEndpoint(endpointRow(e.id, e.tenant));
      await store.tenants.note(["r-acme", "r-globex"], 1);
      const ofA = await seedEvent(store, "r-acme", [eps.a, eps.g]);
      const ofB = await seedEvent(store, "r-globex", [eps.b, eps.g]);
      const global = await seedEvent(store, null, [eps.g]);
      for (const s of [session("r-acme"), session("r-acme"), session("r-globex")]) await store.tenants.createSession(s, 1);

      expect(await store.tenants.remove("r-acme")).toEqual({ endpoints: 1, events: 1, deliveries: 2 });

      const db = dbOf(store);
      const ids = async (table: "endpoints" | "events" | "deliveries" | "attempts", column: string, values: string[]) =>
        (await db.selectFrom(table).select("id").where(column as never, "in", values as never).execute()).length;
      expect(await ids("endpoints", "id", ["r-a", "r-b", "r-g"])).toBe(2);
      expect(await store.admin.endpoint("r-a", ALL)).toBeUndefined();
      expect(await ids("events", "id", [ofA.id, ofB.id, global.id])).toBe(2);
      expect(await ids("deliveries", "id", ofA.deliveries)).toBe(0);
      expect(await ids("deliveries", "id", [...ofB.deliveries, ...global.deliveries])).toBe(3);
      expect(await ids("attempts", "delivery_id", ofA.deliveries)).toBe(0);
      expect(await ids("attempts", "delivery_id", [...ofB.deliveries, ...global.deliveries])).toBe(3);
      const sessions = await db.selectFrom("tenant_sessions").select("tenant").where("tenant", "in", ["r-acme", "r-globex"]).execute();
      expect(sessions.map((s) => s.tenant)).toEqual(["r-globex"]);
      expect(await store.tenants.get("r-acme")).toBeUndefined();
      expect(await store.tenants.get("r-globex")).toMatchObject({ endpoints: 1 });
      expect(await store.tenants.remove("r-acme")).toEqual({ endpoints: 0, events: 0, deliveries: 0 });
    });

    test("remove leaves no attempts, also none recorded after it by an attempt that was in flight", async () => {
      const eps = { a: { id: "l-a", tenant: "l-acme" }, g: { id: "l-g", tenant: null } };
      for (const e of Object.values(eps)) await store.admin.insertEndpoint(endpointRow(e.id, e.tenant));
      const ofA = await seedEvent(store, "l-acme", [eps.a, eps.g]);
      const global = await seedEvent(store, null, [eps.g]);
      await store.tenants.remove("l-acme");
      // Both attempts were in flight at the remove (one to the global endpoint, which stays), and end now.
      const late = [...ofA.deliveries, global.deliveries[0]!].map((id, k) => ({
        attempt: { id: newId("att"), delivery_id: id, endpoint_id: k === 0 ? "l-a" : "l-g", number: 2, trigger: "scheduled" as const, started_at: Date.now(), url: "u",
          request_headers: "{}", request_body: null, status_code: 200, response_headers: "{}", response_body: "", duration_ms: 1, error: null },
        delivery: { id, status: "succeeded" as const, attempts: 2, next_attempt_at: null },
        endpoint: null,
      }));
      expect((await store.recordAttempts(late)).disabled).toEqual([]);
      const db = dbOf(store);
      expect(await db.selectFrom("attempts").select("id").where("delivery_id", "in", ofA.deliveries).execute()).toEqual([]);
      expect(await db.selectFrom("attempts").select("id").where("endpoint_id", "=", "l-a").execute()).toEqual([]);
      // The other delivery's record in the same batch is written.
      expect(await db.selectFrom("attempts").select("number").where("delivery_id", "=", global.deliveries[0]!).orderBy("number").execute()).toEqual([{ number: 1 }, { number: 2 }]);
      expect(await db.selectFrom("deliveries").select("status").where("id", "=", global.deliveries[0]!).executeTakeFirst()).toEqual({ status: "succeeded" });
    });

    test("revokeSessions revokes the tenant's live sessions, once, and no other tenant's", async () => {
      const [a1, a2, b] = [session("v-acme"), session("v-acme"), session("v-globex")];
      for (const s of [a1, a2, b]) await store.tenants.createSession(s, 1);
      expect(await store.tenants.session(a1.hash)).toMatchObject({ tenant: "v-acme", scopes: '["read","write"]', revoked_at: null, expires_at: a1.expiresAt });
      expect(await store.tenants.revokeSessions("v-acme", 5_000)).toBe(2);
      expect(await store.tenants.revokeSessions("v-acme", 6_000)).toBe(0);
      expect((await store.tenants.session(a2.hash))!.revoked_at).toBe(5_000);
      expect((await store.tenants.session(b.hash))!.revoked_at).toBeNull();
    });
  });
}
