import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ensureBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// Several compiled processes, a receiver and Postgres on a shared 2-core machine.
setDefaultTimeout(90_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "cluster-limits-token-0123456789";
const MASTER_KEY = "ab".repeat(32);
const RATE = 20;
const SLOTS = 2;
/** How long the slow receiver takes to answer: `narrow` is bound by its slots, not by the receiver. */
const SLOW_MS = 300;

/** The receiver on loopback: `/rate` answers at once, `/slow` after SLOW_MS; arrival times and the most in flight. */
function startLimitsReceiver() {
  let inFlight = 0;
  let maxInFlight = 0;
  const rx = startReceiver(async (req) => {
    if (req.path === "/rate") return new Response("ok");
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await Bun.sleep(SLOW_MS);
    inFlight--;
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${rx.port}`,
    arrivals: () => rx.requests.filter((r) => r.path === "/rate").map((r) => r.at),
    maxInFlight: () => maxInFlight,
    stop: () => rx.stop(),
  };
}

/** The most arrivals in any `windowMs` window that starts at or after `from` and ends by `to`. */
function maxInWindow(times: number[], from: number, to: number, windowMs: number): number {
  const t = times.filter((x) => x >= from && x < to).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length && t[i]! + windowMs <= to; i++) {
    while (j < t.length && t[j]! < t[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

const config = (db: string, rx: string) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${db}" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [
    { id: "rate", url: "${rx}/rate", events: ["*"], secret: "${SECRET}", rateLimit: ${RATE} },
    { id: "narrow", url: "${rx}/slow", events: ["*"], secret: "${SECRET}", maxConcurrency: ${SLOTS} },
  ],
});
`;

interface Cluster { db: TestDatabase; rx: ReturnType<typeof startLimitsReceiver>; procs: Running[]; start: number }

/** `n` processes on one fresh database, each seeing all `n` live, then a backlog of `events` ingested through the first. */
async function cluster(n: number, events: number): Promise<Cluster> {
  const db = await createDatabase();
  const rx = startLimitsReceiver();
  const path = writeConfig(config(db.url, rx.url));
  const procs: Running[] = [];
  // One after the other: starting together is another part of issue 15 (config reconciliation as an upsert).
  for (let i = 0; i < n; i++) procs.push(await startBinary(path, { HOOKGATE_MASTER_KEY: MASTER_KEY }));
  // Every process beats at least once after the last joined: each has counted all of them.
  await Bun.sleep(2_300);
  const live = await db.client.query("SELECT count(*)::int AS n FROM processes");
  expect(live.rows[0].n).toBe(n);
  const body = Array.from({ length: events }, (_, i) => ({ type: "job.done", data: { i } }));
  const response = await fetch(`${procs[0]!.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(202);
  await waitFor(() => rx.arrivals().length > 0, { timeoutMs: 60_000, what: "the first delivery to /rate" });
  return { db, rx, procs, start: rx.arrivals()[0]! };
}

async function close(c: Cluster): Promise<void> {
  await Promise.all(c.procs.map((p) => (p.proc.exitCode === null && p.proc.signalCode === null ? p.stop() : 0)));
  c.rx.stop();
  await c.db.drop();
}

/** The receiver's view over 2..8 s after the first arrival: the most requests in any 4 s window, the most in flight. */
async function measure(c: Cluster): Promise<{ window: number; inFlight: number }> {
  const end = c.start + 8_000;
  await Bun.sleep(end - Date.now());
  return { window: maxInWindow(c.rx.arrivals(), c.start + 2_000, end, 4_000), inFlight: c.rx.maxInFlight() };
}

const figures: string[] = [];

describe.skipIf(skipPg)("rateLimit and maxConcurrency hold for the cluster (compiled binary, one Postgres)", () => {
  beforeAll(() => ensureBinary());
  afterAll(() => { if (figures.length) console.log(figures.join("\n")); });

  for (const n of [1, 3]) {
    test(`${n} process(es): at most 1.25 × the limit in any 4 s window, at most ${SLOTS} in flight`, async () => {
      const c = await cluster(n, 300);
      try {
        const { window, inFlight } = await measure(c);
        figures.push(`${n} process(es): ${window} requests in the busiest 4 s window (limit ${4 * RATE}), ${inFlight} in flight at most (maxConcurrency ${SLOTS})`);
        expect(window).toBeLessThanOrEqual(1.25 * 4 * RATE);
        expect(window).toBeGreaterThanOrEqual(0.75 * 4 * RATE); // the shares add up to the limit: the cluster is not starved
        expect(inFlight).toBeLessThanOrEqual(SLOTS);
      } finally { await close(c); }
    });
  }

  test("2 processes, then kill -9 of one: the survivor's share returns to the whole limit within 10 s", async () => {
    const c = await cluster(2, 700);
    try {
      const { window, inFlight } = await measure(c);
      figures.push(`2 processes: ${window} requests in the busiest 4 s window (limit ${4 * RATE}), ${inFlight} in flight at most (maxConcurrency ${SLOTS})`);
      expect(window).toBeLessThanOrEqual(1.25 * 4 * RATE);
      expect(window).toBeGreaterThanOrEqual(0.75 * 4 * RATE);
      expect(inFlight).toBeLessThanOrEqual(SLOTS);

      const killedAt = Date.now();
      c.procs[1]!.proc.kill("SIGKILL");
      await c.procs[1]!.proc.exited;
      // The survivor drops the dead process's row at the heartbeat where it sees it stale, and takes the whole limit.
      let alone = 0;
      while (!alone) {
        const live = await c.db.client.query("SELECT count(*)::int AS n FROM processes");
        if (live.rows[0].n === 1) alone = Date.now();
        else if (Date.now() - killedAt > 15_000) throw new Error("the dead process's row is still there after 15 s");
        else await Bun.sleep(100);
      }
      await Bun.sleep(killedAt + 13_000 - Date.now());
      const after = c.rx.arrivals().filter((t) => t >= killedAt + 10_000 && t < killedAt + 13_000).length;
      figures.push(`kill -9 of 1 of 2: the survivor alone after ${((alone - killedAt) / 1000).toFixed(1)} s; ${after} requests in 10-13 s after the kill (whole limit: ${3 * RATE})`);
      expect(alone - killedAt).toBeLessThanOrEqual(10_000);
      expect(after).toBeGreaterThanOrEqual(0.8 * 3 * RATE); // half the limit would be 30
      expect(after).toBeLessThanOrEqual(1.25 * 3 * RATE);
    } finally { await close(c); }
  });
});
