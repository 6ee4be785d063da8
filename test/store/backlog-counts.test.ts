import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { toEventRow } from "../../src/core/events.ts";
import { newId } from "../../src/core/ids.ts";
import { AdminQueries } from "../../src/store/admin-queries.ts";
import { countOpen } from "../../src/store/backlog-counts.ts";
import type { IngestItem, Store } from "../../src/store/types.ts";
import { dbOf, storedEndpoint } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(60_000);

const ENDPOINTS = ["ep1", "ep2", "ep3"];

/**
 * The metrics backlog's counts of open deliveries (backlog-counts.ts) read deliveries_status a slice at a time with
 * the event loop turning between slices: exact across slice edges, by status and by endpoint, and the event loop
 * turns while a count runs (one statement held SQLite's connection, and the event loop, for all of it: 22–30 ms per
 * scrape with 300,000 pending deliveries).
 */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`backlog counts: ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
      await store.reconcileConfigEndpoints(ENDPOINTS.map((id) => storedEndpoint(id, { managedBy: "config" })));
      // 3,001 open deliveries over three endpoints, a third of ep2's retrying, and some finished ones.
      for (let i = 0; i < 3_001; i += 500) {
        const items: IngestItem[] = Array.from({ length: Math.min(500, 3_001 - i) }, (_, k) => {
          const now = Date.now();
          return { event: toEventRow(newId("evt", now), "app", { type: "t", data: {} }, now), deliveries: [{ id: newId("dlv"), endpoint_id: ENDPOINTS[(i + k) % 3]!, next_attempt_at: now }] };
        });
        await store.ingest(items);
      }
      const db = dbOf(store);
      const ep2 = (await db.selectFrom("deliveries").select("id").where("endpoint_id", "=", "ep2").orderBy("id").execute()).map((r) => r.id);
      await db.updateTable("deliveries").set({ status: "retrying" }).where("id", "in", ep2.filter((_, k) => k % 3 === 0)).execute();
      await db.updateTable("deliveries").set({ status: "succeeded", next_attempt_at: null }).where("id", "in", ep2.filter((_, k) => k % 3 === 1)).execute();
    });
    afterAll(async () => { await store?.close(); await cleanup?.(); });

    const truth = async (perEndpoint: boolean) => {
      const rows = await dbOf(store).selectFrom("deliveries").select(["status", "endpoint_id", (eb) => eb.fn.countAll<number | string>().as("n")])
        .where("status", "in", ["pending", "retrying"]).groupBy(["status", "endpoint_id"]).execute();
      const out = new Map<string, number>();
      for (const r of rows) {
        const k = `${r.status} ${perEndpoint ? r.endpoint_id : "-"}`;
        out.set(k, (out.get(k) ?? 0) + Number(r.n));
      }
      return Object.fromEntries([...out].sort());
    };
    const counted = (rows: { status: string; endpoint_id: string | null; n: number }[]) =>
      Object.fromEntries(rows.filter((r) => r.n > 0).map((r) => [`${r.status} ${r.endpoint_id ?? "-"}`, r.n] as const).sort());

    test("exact across slice edges, in all and by endpoint, whatever the slice", async () => {
      for (const slice of [1, 7, 400, 1_000, 1_001, 20_000]) {
        expect(counted(await countOpen(dbOf(store), false, slice))).toEqual(await truth(false));
        expect(counted(await countOpen(dbOf(store), true, slice))).toEqual(await truth(true));
      }
      expect(await truth(false)).toEqual({ "pending -": 2_334, "retrying -": 334 });
    });

    test("the gauges' backlog reads the same through the admin queries", async () => {
      const backlog = await new AdminQueries(dbOf(store), 400).backlog(Date.now(), false, 5);
      expect(Object.fromEntries(backlog.deliveries.filter((d) => d.count > 0).map((d) => [d.status, d.count]))).toEqual({ pending: 2_334, retrying: 334 });
    });

    test("a held endpoint's deliveries count as held, exact in all and by endpoint, and no statement reads its backlog at once", async () => {
      const db = dbOf(store);
      await db.updateTable("endpoints").set({ consecutive_failures: 5 }).where("id", "=", "ep2").execute();
      try {
        const truthOf = await truth(true);
        const held = (truthOf["pending ep2"] ?? 0) + (truthOf["retrying ep2"] ?? 0);
        const nonZero = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));
        expect(held).toBe(667);
        const statements: string[] = [];
        const spy = db.withPlugin({
          transformQuery: (a) => { statements.push(db.getExecutor().compileQuery(a.node, a.queryId).sql); return a.node; },
          transformResult: async (a) => a.result,
        });
        for (const slice of [7, 400, 20_000]) {
          const all = await new AdminQueries(spy, slice).backlog(Date.now(), false, 5);
          expect(Object.fromEntries(all.deliveries.filter((d) => d.count > 0).map((d) => [d.status, d.count]))).toEqual(nonZero({ pending: 2_334 - (truthOf["pending ep2"] ?? 0), retrying: 334 - (truthOf["retrying ep2"] ?? 0), held }));
          const per = await new AdminQueries(spy, slice).backlog(Date.now(), true, 5);
          expect(Object.fromEntries(per.deliveries.map((d) => [`${d.status} ${d.endpoint}`, d.count]).sort())).toEqual({ "held ep2": held, "pending ep1": truthOf["pending ep1"], "pending ep3": truthOf["pending ep3"] });
        }
        // Each read of the deliveries is a slice (a limit, or the ids up to a slice's end) or the lag's min per endpoint.
        const reads = statements.filter((q) => /from "deliveries"/.test(q));
        expect(reads.length).toBeGreaterThan(0);
        expect(reads.filter((q) => !/ limit |"id" <= |min\("deliveries"\."next_attempt_at"\)/.test(q))).toEqual([]);
      } finally {
        await db.updateTable("endpoints").set({ consecutive_failures: 0 }).where("id", "=", "ep2").execute();
      }
    });

    test("the event loop turns between the slices of a count (on SQLite a statement holds it, and every request with it)", async () => {
      let turned = false;
      const count = countOpen(dbOf(store), false, 200).then(() => turned);
      setImmediate(() => { turned = true; });
      expect(await count).toBe(true);
    });
  });
}
