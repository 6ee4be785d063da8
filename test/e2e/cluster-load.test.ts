import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { ensureBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { skipPgCluster, startPgCluster, type PgCluster } from "../support/pg-cluster.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

// 30 s of load, then the drain, on a shared 2-core machine.
setDefaultTimeout(240_000);

const MASTER_KEY = "22".repeat(32);
const TOKEN = "cluster-load-token-0123456789";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const RATE = 600;
const SECONDS = 30;
const TICK_MS = 10;

const config = (databaseUrl: string, receiverUrl: string) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${databaseUrl}" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [
    { id: "one", url: "${receiverUrl}/one", events: ["*"], secret: "${SECRET}", maxConcurrency: 32 },
    { id: "two", url: "${receiverUrl}/two", events: ["*"], secret: "${SECRET}", maxConcurrency: 32 },
  ],
});
`;

/**
 * Three processes, two endpoints on one receiver, 600 events/s for 30 s spread over the processes: attempt batches
 * of every process update both endpoints' health rows at once (the deadlock of issue 15). The cluster is private so
 * its log can be read.
 */
describe.skipIf(skipPgCluster)("three processes on one Postgres under load", () => {
  let cluster: PgCluster;
  let receiver: Receiver;
  const processes: Running[] = [];
  beforeAll(async () => {
    [cluster] = await Promise.all([startPgCluster({ fsync: true }), ensureBinary()]);
    receiver = startReceiver();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    receiver?.stop();
    await cluster?.remove();
  });

  test(`${RATE} events/s for ${SECONDS} s: each delivered once to each endpoint, no deadlock, every attempt logged`, async () => {
    const path = writeConfig(config(cluster.url, receiver.url.replace(/\/hooks$/, "")));
    processes.push(...await Promise.all([0, 1, 2].map(() => startBinary(path, { HOOKGATE_MASTER_KEY: MASTER_KEY }, 60_000))));

    const accepted: string[] = [];
    const refused: string[] = [];
    const perTick = (RATE * TICK_MS) / 1000;
    const started = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
      const wait = started + tick * TICK_MS - Date.now();
      if (wait > 0) await Bun.sleep(wait);
      // Every tick reaches every process, so all three record attempt batches at the same time.
      processes.forEach((target, p) => {
        const body = Array.from({ length: perTick / processes.length }, (_, k) => ({ type: "load.tick", data: { tick, p, k } }));
        const sent: Promise<void> = fetch(`${target.url}/v1/events`, {
          method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body),
        }).then(async (r) => {
          if (r.status === 202) accepted.push(...((await r.json()) as { events: { id: string }[] }).events.map((e) => e.id));
          else refused.push(`${r.status} ${await r.text()}`);
        }, (e) => { refused.push(String(e)); }).finally(() => inFlight.delete(sent));
        inFlight.add(sent);
      });
    }
    await Promise.all(inFlight);
    const seconds = (Date.now() - started) / 1000;
    console.log(`cluster-load: ${accepted.length} events accepted in ${seconds.toFixed(1)} s (${Math.round(accepted.length / seconds)}/s)`);
    expect(refused).toEqual([]);
    expect(accepted).toHaveLength(RATE * SECONDS);

    const expected = accepted.length * 2;
    const deadline = Date.now() + 180_000;
    while (receiver.requests.length < expected && Date.now() < deadline) await Bun.sleep(250);
    await Bun.sleep(2_000); // a duplicate would come after the last first delivery
    console.log(`cluster-load: ${receiver.requests.length} requests for ${expected} deliveries, last at +${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const p of processes) expect(p.proc.exitCode).toBeNull(); // nothing crashed

    const seen = { one: new Map<string, number>(), two: new Map<string, number>() };
    for (const r of receiver.requests) {
      const byEvent = seen[r.path.slice(1) as "one" | "two"];
      byEvent.set(r.headers["webhook-id"]!, (byEvent.get(r.headers["webhook-id"]!) ?? 0) + 1);
    }
    const ids = [...accepted].sort();
    for (const byEvent of [seen.one, seen.two]) {
      expect([...byEvent.keys()].sort()).toEqual(ids);
      expect([...byEvent.values()].filter((n) => n > 1)).toEqual([]);
    }

    // A graceful stop writes what is still queued; then the delivery log holds one attempt per request received.
    await Promise.all(processes.splice(0).map((p) => p.stop()));
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM attempts");
      expect(rows[0].n).toBe(receiver.requests.length);
      const open = await client.query("SELECT count(*)::int AS n FROM deliveries WHERE status <> 'succeeded'");
      expect(open.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
    const log = readFileSync(join(cluster.dir, "server.log"), "utf8");
    expect(log.match(/.*deadlock detected.*/g) ?? []).toEqual([]);
  });
});
