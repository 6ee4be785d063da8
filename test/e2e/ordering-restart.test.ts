import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, launch, writeConfig, type Launched } from "../support/binary.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { waitFor } from "../support/wait.ts";
import { launchIn, stopAll } from "./cluster-binary.ts";
import { allArrived, expectInOrder, expectOneAtATime, KEYS, orderedReceiver, orderingConfig, PER_KEY, sendRounds } from "./ordering-support.ts";

// Processes of the compiled binary killed and restarted, leases running out (2 × timeoutMs + 5 s): minutes at worst.
setDefaultTimeout(240_000);

const KEY = Buffer.alloc(32, 0x26).toString("base64");
const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`);

/**
 * DESIGN §13: the order holds across kill -9 and a restart (SQLite), and across processes sharing one Postgres store
 * with one of them killed mid-run. At-least-once: an attempt in flight when its process died may arrive again, but
 * nothing of a key goes before the one ahead of it has succeeded (or ended for good).
 */
describe("ordered delivery across kill -9", () => {
  let rx: ReturnType<typeof orderedReceiver>;
  beforeAll(async () => {
    rx = orderedReceiver(() => Math.random() < 0.2);
    await ensureBinary();
  });
  afterAll(() => rx?.receiver.stop());

  test("SQLite: killed mid-run and started again on the same store, each key's successful arrivals stay in accepted order", async () => {
    rx.arrivals.length = 0;
    const config = writeConfig(orderingConfig(rx.receiver.url, "1h"));
    let gate: Launched = await launch(config, { cwd: join(config, "..") });
    try {
      let url = (await gate.ready)!;
      await sendRounds(url, keys, PER_KEY / 2);
      await waitFor(() => rx.arrivals.filter((a) => a.ok).length > KEYS * 4, { what: "some deliveries under way", timeoutMs: 60_000 });
      gate.proc.kill("SIGKILL");
      await gate.done;
      gate = await launch(config, { cwd: join(config, "..") });
      url = (await gate.ready)!;
      await sendRounds(url, keys, PER_KEY, PER_KEY / 2);
      await waitFor(() => allArrived(rx.arrivals, keys, PER_KEY), { timeoutMs: 150_000, what: "every event delivered after the restart", everyMs: 100 });
      expectInOrder(rx.arrivals, keys, PER_KEY);
    } finally {
      await gate.stop("SIGKILL");
      rmSync(join(config, ".."), { recursive: true, force: true });
    }
  });

  describe.skipIf(skipPg)("Postgres", () => {
    let db: TestDatabase;
    beforeAll(async () => { db = await createDatabase(); });
    afterAll(async () => { await db?.drop(); });

    test("two processes on one store, one killed mid-run: each key's successful arrivals stay in accepted order, one at a time", async () => {
      rx.arrivals.length = 0;
      const source = orderingConfig(rx.receiver.url, "1h", `{ postgres: "${db.url}" }`);
      const procs = [await launchIn(source, { HOOKGATE_MASTER_KEY: KEY }), await launchIn(source, { HOOKGATE_MASTER_KEY: KEY })];
      try {
        const [a, b] = (await Promise.all(procs.map((p) => p.ready))) as string[];
        expect(a && b).toBeTruthy();
        // Rounds alternate between the two processes: a key's events are accepted by both.
        await sendRounds((seq) => ((seq / 2) % 2 === 0 ? a! : b!), keys, PER_KEY / 2);
        await waitFor(() => rx.arrivals.filter((x) => x.ok).length > KEYS * 4, { what: "some deliveries under way", timeoutMs: 60_000 });
        procs[1]!.proc.kill("SIGKILL");
        await procs[1]!.done;
        await sendRounds(a!, keys, PER_KEY, PER_KEY / 2);
        await waitFor(() => allArrived(rx.arrivals, keys, PER_KEY), { timeoutMs: 180_000, what: "every event delivered by the survivor", everyMs: 100 });
        expectInOrder(rx.arrivals, keys, PER_KEY);
        // Before the kill both processes sent; the dead one's attempt in flight may be repeated, never overlapped.
        expectOneAtATime(rx.arrivals, keys);
      } finally {
        await stopAll(procs);
      }
    });
  });
});
