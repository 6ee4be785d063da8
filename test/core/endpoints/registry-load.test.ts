import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EndpointRegistry, type EndpointDefaults } from "../../../src/core/endpoints/registry.ts";
import type { Store } from "../../../src/store/types.ts";
import { endpointRow } from "../../../src/store/endpoint-mapping.ts";
import { dbOf, storedEndpoint } from "../../support/store-db.ts";
import { waitFor } from "../../support/wait.ts";
import { STORES } from "../../support/stores.ts";

/**
 * A full load reads the endpoints a page at a time (1,000 rows) and builds each as it is read, so a store of 100,000
 * never sits in memory as rows (bench P6: RSS 260 → 203 MB). Every row must still arrive once, across page edges,
 * and lookups keep answering from the old endpoints until the new set is whole.
 */
const defaults: EndpointDefaults = {
  schedule: ["5s"], timeoutMs: 10_000, autoDisableAfter: 0, autoDisableWindow: "1d", jitter: 0, circuitBreakerAfter: 0, maxConcurrencyPerEndpoint: 4,
};
const COUNT = 2_345; // two full pages and a part
const tenantOf = (i: number) => (i % 5 === 0 ? null : `t${i % 7}`);

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`registry full load in pages (${kind.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
      const endpoints = Array.from({ length: COUNT }, (_, i) => storedEndpoint(`ep_${String(i).padStart(5, "0")}`, {
        tenant: tenantOf(i), url: `https://r${i}.example/hooks`, events: ["order.*"], enabled: i % 3 !== 0, secret: `whsec_${"a".repeat(32)}`,
      }));
      for (let i = 0; i < endpoints.length; i += 500) await dbOf(store).insertInto("endpoints").values(endpoints.slice(i, i + 500).map(endpointRow)).execute();
    });
    afterAll(async () => { await store.close(); await cleanup(); });

    test("every endpoint arrives once, with its tenant and state, across page edges", async () => {
      const registry = new EndpointRegistry(store, { endpoints: [], defaults });
      await registry.refresh();
      const all = registry.all().map((e) => e.id);
      expect(all.length).toBe(COUNT);
      expect(new Set(all).size).toBe(COUNT);
      for (const i of [0, 999, 1_000, 1_001, 1_999, 2_000, COUNT - 1]) {
        const e = registry.get(`ep_${String(i).padStart(5, "0")}`)!;
        expect(e.tenant).toBe(tenantOf(i));
        expect(e.enabled).toBe(i % 3 !== 0);
      }
      expect([...registry.enabled()].length).toBe(Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 3 !== 0).length);
      const globals = Array.from({ length: COUNT }, (_, i) => i).filter((i) => tenantOf(i) === null).length;
      const ofT3 = Array.from({ length: COUNT }, (_, i) => i).filter((i) => tenantOf(i) === "t3").length;
      expect(registry.subscribed("order.paid").length).toBe(globals);
      expect(registry.subscribed("order.paid", "t3").length).toBe(ofT3 + globals);
    });

    test("a config reload during a full load still rebuilds every endpoint on the new defaults", async () => {
      const registry = new EndpointRegistry(store, { endpoints: [], defaults });
      await registry.refresh();
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      let first = true;
      const slow = new Proxy(store, {
        get(target, key) {
          if (key === "listEndpoints") {
            return async (...args: Parameters<Store["listEndpoints"]>) => {
              if (first) { first = false; await held; } // the load waits on its first page
              return target.listEndpoints(...args);
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      Object.assign(registry, { store: slow });
      const loading = registry.refresh();
      await waitFor(() => !first, { timeoutMs: 2_000, what: "the load at its first page" });
      const reloading = registry.reconfigure({ endpoints: [], defaults: { ...defaults, timeoutMs: 4_321 } });
      await Bun.sleep(10); // a fixed wait: the reload has no effect to wait for while the load holds its page
      release();
      await Promise.all([loading, reloading]);
      expect(new Set(registry.all().map((e) => e.timeoutMs))).toEqual(new Set([4_321]));
    });

    test("while a reload reads its pages, lookups answer from the endpoints held before", async () => {
      const registry = new EndpointRegistry(store, { endpoints: [], defaults });
      await registry.refresh();
      await dbOf(store).deleteFrom("endpoints").where("id", "=", "ep_00001").execute();
      let pages = 0;
      const seen: number[] = [];
      const slow = new Proxy(store, {
        get(target, key) {
          if (key === "listEndpoints") {
            return async (...args: Parameters<Store["listEndpoints"]>) => {
              pages++;
              const rows = await target.listEndpoints(...args);
              seen.push(registry.all().length); // mid-load: still the old set
              return rows;
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      // A registry reading through the slow store: same maps, so the reload is observed from outside.
      Object.assign(registry, { store: slow });
      await registry.refresh();
      expect(pages).toBe(3);
      expect(seen).toEqual([COUNT, COUNT, COUNT]);
      expect(registry.all().length).toBe(COUNT - 1);
      expect(registry.get("ep_00001")).toBeUndefined();
    });
  });
}
