import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { lockKey, PgRunOnce, type Work } from "../../src/cluster/singleton.ts";
import { openStore } from "../../src/store/open.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { waitFor } from "../support/wait.ts";

const quiet = { info() {}, warn() {}, error() {} };
const RETRY_MS = 500;

/** A work that says whether it runs now. */
function work(): Work & { running: boolean; starts: number } {
  const w = { running: false, starts: 0, start() { w.running = true; w.starts++; }, stop() { w.running = false; } };
  return w;
}

test("lock keys are stable signed 64-bit numbers, one per name", () => {
  expect(lockKey("hookgate:source:poll")).toBe(lockKey("hookgate:source:poll"));
  expect(lockKey("hookgate:source:poll")).not.toBe(lockKey("hookgate:source:poll2"));
  const n = BigInt(lockKey("hookgate:purge:retention"));
  expect(n >= -(2n ** 63n) && n < 2n ** 63n).toBe(true);
});

describe.skipIf(skipPg)("run once under a Postgres advisory lock", () => {
  let db: TestDatabase;
  const holders: PgRunOnce[] = [];
  const holder = () => { const h = new PgRunOnce({ url: db.url, log: quiet, retryMs: RETRY_MS }); holders.push(h); return h; };
  beforeEach(async () => { db = await createDatabase(); });
  afterEach(async () => {
    for (const h of holders.splice(0)) await h.close();
    await db.drop();
  });

  test("two holders on one database: one runs the work; when its connection is terminated the other takes it within the retry interval", async () => {
    const [a, b] = [holder(), holder()];
    const [wa, wb] = [work(), work()];
    a.hold("hookgate:test:x", wa);
    await waitFor(() => wa.running, { timeoutMs: 5_000 });
    b.hold("hookgate:test:x", wb);
    await Bun.sleep(RETRY_MS * 3); // a fixed wait: b must NOT get the work within three of its tries
    expect(wa.running).toBe(true);
    expect(wb.running).toBe(false);
    expect(await b.held(["hookgate:test:x", "hookgate:test:y"])).toEqual(new Set(["hookgate:test:x"]));

    // a's lock connection dies: a stops at once, b takes over at its next try.
    const { rows } = await db.client.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint)::text = $1`,
      [lockKey("hookgate:test:x")],
    );
    expect(rows).toHaveLength(1);
    const t0 = Date.now();
    await waitFor(() => !wa.running && wb.running, { timeoutMs: RETRY_MS * 4 });
    expect(Date.now() - t0).toBeLessThan(RETRY_MS * 4);
    await Bun.sleep(RETRY_MS * 3); // a fixed wait: a reconnects but finds the lock taken, and must NOT run the work
    expect([wa.running, wb.running]).toEqual([false, true]);
    expect(wa.starts).toBe(1);
  });

  test("a released lock (a reload, a shutdown) passes on; close frees every lock", async () => {
    const [a, b] = [holder(), holder()];
    const [wa, wb, wc] = [work(), work(), work()];
    const lease = a.hold("hookgate:test:x", wa);
    a.hold("hookgate:test:y", wc);
    await waitFor(() => wa.running && wc.running, { timeoutMs: 5_000 });
    b.hold("hookgate:test:x", wb);
    b.hold("hookgate:test:y", work());
    await lease.release();
    expect(wa.running).toBe(false);
    await waitFor(() => wb.running, { timeoutMs: RETRY_MS * 3 });
    await a.close();
    expect(wc.running).toBe(false);
    await waitFor(async () => (await b.held(["hookgate:test:y"]))?.size === 1, { timeoutMs: RETRY_MS * 3 });
  });

  test("the retention purge's lock: two stores on one database, one process purges", async () => {
    // The app holds hookgate:purge:retention and resumes its hourly purge only while it holds it.
    const stores = [openStore({ postgres: db.url } as never), openStore({ postgres: db.url } as never)];
    await stores[0]!.migrate();
    const purged: number[] = [];
    const [a, b] = [holder(), holder()];
    const purgeOn = (i: number): Work => ({ start: async () => { await stores[i]!.purge(Date.now()); purged.push(i); }, stop() {} });
    a.hold("hookgate:purge:retention", purgeOn(0));
    b.hold("hookgate:purge:retention", purgeOn(1));
    await waitFor(() => purged.length > 0, { timeoutMs: 5_000, what: "a purge" });
    await Bun.sleep(RETRY_MS * 3); // a fixed wait: the other must NOT purge within three of its tries
    expect(purged).toHaveLength(1);
    for (const s of stores) await s.close();
  });
});
