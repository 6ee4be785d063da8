import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "kysely";
import { EndpointRegistry, type EndpointDefaults } from "../../../src/core/endpoints/registry.ts";
import type { Store } from "../../../src/store/types.ts";
import type { Endpoint } from "../../../src/core/endpoints/endpoint.ts";
import { dbOf, storedEndpoint } from "../../support/store-db.ts";
import { STORES } from "../../support/stores.ts";
import { TenantScope } from "../../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

/**
 * Following changes one endpoint at a time (issue 15): refreshOne puts one row in place of what the registry held,
 * and catchUp follows the store's change log, so a second registry on the same store (another process) sees a
 * write without rereading every row.
 */
const defaults: EndpointDefaults = {
  schedule: ["5s"], timeoutMs: 10_000, autoDisableAfter: 0, autoDisableWindow: "1d", jitter: 0, circuitBreakerAfter: 0, maxConcurrencyPerEndpoint: 4,
};

const row = (id: string, fields: Partial<Endpoint> = {}) =>
  storedEndpoint(id, { url: `https://${id}.example/hooks`, events: ["order.*"], secret: `whsec_${"a".repeat(32)}`, ...fields });

/** Counts the full reloads a registry makes: following a change must not reread every row. */
function counting(store: Store): { store: Store; fullReads: () => number } {
  let n = 0;
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === "listEndpoints") return (...args: Parameters<Store["listEndpoints"]>) => { if (args[0] === undefined) n++; return target.listEndpoints(...args); };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, fullReads: () => n };
}

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`registry following changes (${kind.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let local: EndpointRegistry;
    let other: EndpointRegistry;
    let otherReads: () => number;
    const ids = (list: readonly { id: string }[]) => list.map((e) => e.id).sort();
    const enabledIds = (r: EndpointRegistry) => ids([...r.enabled()]);

    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
      await store.admin.insertEndpoint(row("ep_g1"));
      await store.admin.insertEndpoint(row("ep_a1", { tenant: "acme" }));
      local = new EndpointRegistry(store, { endpoints: [], defaults });
      const counted = counting(store);
      other = new EndpointRegistry(counted.store, { endpoints: [], defaults });
      otherReads = counted.fullReads;
      await local.refresh();
      await other.refresh();
    });
    afterAll(async () => { await store.close(); await cleanup(); });

    test("refreshOne adds a new endpoint to the fan-out (the per-type memo too) and the sweep's list", async () => {
      expect(ids(local.subscribed("order.paid"))).toEqual(["ep_g1"]); // fills the memo
      await store.admin.insertEndpoint(row("ep_g2"));
      await store.admin.insertEndpoint(row("ep_a2", { tenant: "acme", events: ["order.paid"] }));
      await local.refreshOne("ep_g2");
      await local.refreshOne("ep_a2");
      expect(ids(local.subscribed("order.paid"))).toEqual(["ep_g1", "ep_g2"]);
      expect(ids(local.subscribed("order.paid", "acme"))).toEqual(["ep_a1", "ep_a2", "ep_g1", "ep_g2"]);
      expect(enabledIds(local)).toEqual(["ep_a1", "ep_a2", "ep_g1", "ep_g2"]);
    });

    test("refreshOne follows an update and a disable, and drops a deleted endpoint everywhere", async () => {
      await store.admin.updateEndpoint("ep_g2", { events: ["invoice.*"] }, ALL);
      await store.setEndpointEnabled("ep_a2", false, "test");
      await local.refreshOne("ep_g2");
      await local.refreshOne("ep_a2");
      expect(ids(local.subscribed("order.paid"))).toEqual(["ep_g1"]);
      expect(ids(local.subscribed("invoice.paid"))).toEqual(["ep_g2"]);
      expect(local.get("ep_a2")!.enabled).toBe(false);
      expect(enabledIds(local)).toEqual(["ep_a1", "ep_g1", "ep_g2"]);
      expect(await store.admin.deleteEndpoint("ep_g2", ALL)).toBe(true);
      await local.refreshOne("ep_g2");
      expect(local.get("ep_g2")).toBeUndefined();
      expect(ids(local.subscribed("invoice.paid"))).toEqual([]);
      expect(enabledIds(local)).toEqual(["ep_a1", "ep_g1"]);
      expect(ids(local.all())).toEqual(["ep_a1", "ep_a2", "ep_g1"]);
    });

    test("refreshOne keeps an unchanged endpoint's object", async () => {
      const before = local.get("ep_g1");
      await local.refreshOne("ep_g1");
      expect(local.get("ep_g1")).toBe(before);
    });

    test("refreshOne follows a change made in the same millisecond as the endpoint's last one (a rotation just after a create)", async () => {
      const before = local.get("ep_g1")!;
      const updatedAt = (await store.endpoint("ep_g1"))!.updatedAt;
      // What a secret rotation writes, with the updated_at the row already had: two writes within one millisecond.
      const sealed = local.codec.encrypt(`whsec_${"b".repeat(32)}`);
      await dbOf(store).updateTable("endpoints").set({ secret: sealed, url: "https://ep-g1-moved.example/hooks" }).where("id", "=", "ep_g1").execute();
      expect((await store.endpoint("ep_g1"))!.updatedAt).toBe(updatedAt);
      await local.refreshOne("ep_g1");
      expect(local.get("ep_g1")!.url).toBe("https://ep-g1-moved.example/hooks");
      expect(local.get("ep_g1")!.secrets).not.toEqual(before.secrets);
    });

    test("a failure streak is not a change; an update, insert or delete is", async () => {
      const before = await store.changes.version();
      await dbOf(store).updateTable("endpoints").set({ consecutive_failures: 3, failing_since: 5 }).where("id", "=", "ep_g1").execute();
      expect(await store.changes.version()).toBe(before);
      await store.admin.updateEndpoint("ep_g1", { description: "x" }, ALL);
      expect(await store.changes.version()).toBe(before + 1);
    });

    test("catchUp on a second registry follows every change one row at a time, with no full reload", async () => {
      const reads = otherReads();
      await other.catchUp();
      expect(otherReads()).toBe(reads);
      expect(ids(other.all())).toEqual(ids(local.all()));
      expect(other.get("ep_a2")!.enabled).toBe(false);
      expect(ids(other.subscribed("order.paid", "acme"))).toEqual(["ep_a1", "ep_a2", "ep_g1"]); // a disabled one's deliveries wait
      // Nothing new: one read of the counter, nothing else.
      await other.catchUp();
      expect(otherReads()).toBe(reads);
    });

    test("tenant removal drops its endpoints on the other registry", async () => {
      await store.tenants.remove("acme");
      await other.catchUp();
      expect(ids(other.all())).toEqual(["ep_g1"]);
      expect(ids(other.subscribed("order.paid", "acme"))).toEqual(["ep_g1"]);
    });

    test("when the log no longer reaches back to what a registry saw, it reloads everything", async () => {
      await store.admin.insertEndpoint(row("ep_g3"));
      await store.admin.insertEndpoint(row("ep_g4"));
      // As the pruning of old changes would: the log loses the first of the two.
      const version = await store.changes.version();
      await sql`DELETE FROM changes WHERE version = ${version - 1}`.execute(dbOf(store));
      const reads = otherReads();
      await other.catchUp();
      expect(otherReads()).toBe(reads + 1);
      expect(ids(other.all())).toEqual(["ep_g1", "ep_g3", "ep_g4"]);
    });
  });
}
