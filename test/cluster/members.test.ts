import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Members } from "../../src/cluster/members.ts";
import type { Store } from "../../src/store/types.ts";
import { dbOf } from "../support/store-db.ts";
import { waitFor } from "../support/wait.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(30_000);

const quiet = { info() {}, warn() {} };
/** Short times, so liveness is seen in a test's second rather than the production 6 s. */
const timing = { heartbeatMs: 100, staleMs: 600 };

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`members on ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => { ({ store, cleanup } = await kind.open()); await store.migrate(); });
    afterAll(async () => { await store.close(); await cleanup(); });

    test("a process announces itself, sees the others live, and leaves on a clean stop", async () => {
      const a = new Members(store.processes, quiet, timing);
      const b = new Members(store.processes, quiet, timing);
      await a.start();
      expect(a.ids).toEqual([a.self.id]);
      const row = await dbOf(store).selectFrom("processes").selectAll().where("id", "=", a.self.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ pid: process.pid, started_at: a.self.startedAt });
      await b.start();
      expect(b.count).toBe(2);
      await a.beat();
      expect(a.ids).toEqual([a.self.id, b.self.id].sort());
      // Two processes: each applies half of the rate, and the slots are split exactly.
      const endpoint = { id: "ep_x", rateLimit: 20, maxConcurrency: 4 };
      expect([a.limits(endpoint), b.limits(endpoint)]).toEqual([{ rateLimit: 10, maxConcurrency: 2 }, { rateLimit: 10, maxConcurrency: 2 }]);

      await b.stop();
      await a.beat();
      expect(a.ids).toEqual([a.self.id]);
      expect(a.limits(endpoint)).toBe(endpoint);
      await a.stop();
      expect(await dbOf(store).selectFrom("processes").selectAll().execute()).toEqual([]);
    });

    test("a process whose heartbeat stopped is dropped by the next heartbeat of another", async () => {
      const a = new Members(store.processes, quiet, timing);
      const dead = new Members(store.processes, quiet, timing);
      await dead.beat(); // one heartbeat, then nothing: as after kill -9
      await a.start();
      expect(a.count).toBe(2);
      await waitFor(() => a.ids.length === 1, { timeoutMs: timing.staleMs + 4 * timing.heartbeatMs, what: "the dead process dropped" });
      expect(a.ids).toEqual([a.self.id]);
      const rows = await dbOf(store).selectFrom("processes").select("id").execute();
      expect(rows.map((r) => r.id)).toEqual([a.self.id]);
      await a.stop();
    });

    test("a process dropped as stale (a long pause) announces itself again at its next heartbeat", async () => {
      const a = new Members(store.processes, quiet, timing);
      await a.beat();
      await dbOf(store).deleteFrom("processes").execute();
      await a.beat();
      expect(a.ids).toEqual([a.self.id]);
      expect((await dbOf(store).selectFrom("processes").select("id").execute()).map((r) => r.id)).toEqual([a.self.id]);
      await a.stop();
    });
  });
}
