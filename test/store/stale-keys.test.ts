import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { idFloor } from "../../src/core/ids.ts";
import type { Store } from "../../src/store/types.ts";
import { dbOf } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(60_000);

const HOUR = 3_600_000;

/**
 * The sweep's repair of ordered keys (stale-keys.ts) on both stores: only the first waiting delivery of each key with
 * none under way, made before `staleBefore`, whatever the slice; and the event loop turns between slices (one
 * statement over 100,000 waiting deliveries held SQLite's connection, and every request, for 62–85 ms).
 */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`the repair of stale keys: ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const now = Date.now();
    /** An id made `ago` ms before now, the n-th of that millisecond (ids carry their time: newId never goes back). */
    const idAt = (ago: number, n: number) => `${idFloor("dlv", now - ago).slice(0, -4)}${String(n).padStart(4, "0")}`;
    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
    });
    afterAll(async () => { await store?.close(); await cleanup?.(); });

    /** Writes the key's deliveries: `held` the index of the one under way (or none), each made `ago` ms before now. */
    async function key(endpoint: string, name: string, count: number, ago: number, held: number | null, from = 0) {
      const rows = Array.from({ length: count }, (_, i) => {
        const id = idAt(ago, from + i);
        return {
          id, event_id: `evt_${id}`, endpoint_id: endpoint, status: "pending" as const, attempts: 0, leases: 0, tenant: null, ordering_key: name,
          next_attempt_at: i === held ? now : null, held_since: i === held ? now - ago : null, created_at: now - ago, updated_at: now - ago,
        };
      });
      await dbOf(store).insertInto("deliveries").values(rows).execute();
      return rows.map((r) => r.id);
    }
    const reset = () => dbOf(store).updateTable("deliveries").set({ next_attempt_at: null, held_since: null }).where("ordering_key", "=", "stale").execute();
    const heldOf = async (endpoint: string) => (await dbOf(store).selectFrom("deliveries").select("id").where("endpoint_id", "=", endpoint)
      .where("held_since", "is not", null).where("status", "in", ["pending", "retrying"]).orderBy("id").execute()).map((r) => r.id);

    test("the first waiting of each key with none under way, made before staleBefore, whatever the slice", async () => {
      const e = `ep_${kind.name}`;
      const stale = [await key(e, "stale", 5, 2 * HOUR, null, 0), await key(`${e}_2`, "stale", 3, 2 * HOUR, null, 100)];
      const busy = await key(e, "busy", 4, 2 * HOUR, 0, 200);
      const recent = await key(e, "recent", 2, 1_000, null, 300);
      for (const slice of [1, 2, 3, 7, 2_000]) {
        await reset();
        const promoted = await store.promoteStale(now, now - 60_000, slice);
        expect({ slice, promoted }).toEqual({ slice, promoted: 2 });
        expect(await heldOf(e)).toEqual([stale[0]![0]!, busy[0]!].sort());
        expect(await heldOf(`${e}_2`)).toEqual([stale[1]![0]!]);
      }
      expect(recent.length).toBe(2);
      // Through the store, as the sweep calls it: nothing left to release.
      expect(await store.promoteStale(now, now - 60_000)).toBe(0);
    });

    test("the event loop turns between the slices", async () => {
      let turned = false;
      const count = store.promoteStale(now, now - 60_000, 1).then(() => turned);
      setImmediate(() => { turned = true; });
      expect(await count).toBe(true);
    });
  });
}
