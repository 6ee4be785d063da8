import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { leaseMs } from "../../src/core/lease.ts";
import { ensureBinary } from "../support/binary.ts";
import { createDatabase, skipPg } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { launchIn, stopAll, type Launched } from "./cluster-binary.ts";

// Three processes of the binary, Postgres and a receiver on a shared 2-core machine.
setDefaultTimeout(120_000);

const TOKEN = "cluster-kill-ingest-token-0123456789";
const ADMIN = "cluster-kill-admin-token-0123456789";
const KEY = Buffer.alloc(32, 0xc).toString("base64");
const EVENTS = 3_000;
const CONCURRENCY = 16; // delivery.concurrency and the endpoint's maxConcurrency: what one process has in flight
const LANE_CAP = Math.max(64, CONCURRENCY * 8); // the most one process holds queued for one endpoint (core/delivery/lane.ts laneCap)
const TIMEOUT_MS = 1_000;
const LEASE_MS = leaseMs({ timeoutMs: TIMEOUT_MS });

const config = (db: string, receiverUrl: string) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${db}" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: ${TIMEOUT_MS}, concurrency: ${CONCURRENCY} },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiverUrl}", events: ["*"], enabled: false, maxConcurrency: ${CONCURRENCY}, signing: { scheme: "none" } }],
});
`;

let receiver: Receiver;
beforeAll(async () => {
  // 20 ms per answer, so each process keeps its slots full and the kill finds attempts in flight.
  receiver = startReceiver(async () => { await Bun.sleep(20); return new Response("ok"); });
  await ensureBinary();
});
afterAll(() => receiver.stop());

describe.skipIf(skipPg)("kill -9 of one of three processes during a drain", () => {
  test("every delivery arrives; duplicates only of what the dead process had in flight; its leases are taken when they end", async () => {
    const db = await createDatabase();
    const procs: Launched[] = [];
    try {
      const source = config(db.url, receiver.url);
      for (let i = 0; i < 3; i++) procs.push(await launchIn(source, { HOOKGATE_MASTER_KEY: KEY }));
      const urls = (await Promise.all(procs.map((p) => p.ready))) as string[];
      expect(urls.every((u) => u !== null)).toBe(true);

      // Ingest through all three while the endpoint is disabled: the deliveries wait in the store.
      for (let i = 0; i < EVENTS; i += 500) {
        const body = JSON.stringify(Array.from({ length: 500 }, (_, n) => ({ type: "job.done", data: { n: i + n } })));
        const r = await fetch(`${urls[(i / 500) % 3]}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body });
        expect(r.status).toBe(202);
      }
      const pending = await db.client.query("SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending'");
      expect(pending.rows[0].n).toBe(EVENTS);

      // Enabled through each process's admin API (the same write three times), as the bench's P2 does on one.
      await Promise.all(urls.map(async (url) => {
        const r = await fetch(`${url}/api/v1/endpoints/rx`, { method: "PATCH", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: '{"enabled":true}' });
        expect(r.status).toBe(200);
      }));
      const distinct = () => new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size;
      await waitFor(() => distinct() >= EVENTS / 3, { timeoutMs: 30_000, what: "a third of the drain" });
      const victim = procs[0]!;
      victim.proc.kill("SIGKILL");
      const killAt = Date.now();
      await victim.proc.exited;

      // The dead process's leases: claimed before the kill (lease end ≤ kill + lease), still unrecorded once the
      // survivors have finished what they had claimed before it (their lanes empty in well under 1.5 s).
      await Bun.sleep(1_500);
      const orphaned = await db.client.query(
        "SELECT event_id, next_attempt_at FROM deliveries WHERE status = 'pending' AND next_attempt_at > $1 AND next_attempt_at <= $2",
        [killAt, killAt + LEASE_MS],
      );
      // Each with the end of its lease: before it, no process but the dead one could send it.
      const orphans = new Map<string, number>(orphaned.rows.map((r: { event_id: string; next_attempt_at: string }) => [r.event_id, Number(r.next_attempt_at)]));

      await waitFor(() => distinct() >= EVENTS, { timeoutMs: 60_000, what: "all deliveries" });
      const unrecorded = async () => (await db.client.query("SELECT status, attempts, leases, next_attempt_at - $1::bigint AS due_in FROM deliveries WHERE status <> 'succeeded'", [Date.now()])).rows;
      await waitFor(async () => (await unrecorded()).length === 0, { timeoutMs: 10_000, what: "every delivery recorded" }).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify((await unrecorded()).slice(0, 5))}`); });
      await Bun.sleep(500); // a late duplicate would show now

      const seen = new Map<string, number[]>();
      for (const r of receiver.requests) seen.set(r.headers["webhook-id"]!, [...(seen.get(r.headers["webhook-id"]!) ?? []), r.at]);
      const duplicated = [...seen].filter(([, at]) => at.length > 1).map(([id]) => id);
      // In flight on the dead process: sent by it, never recorded. Arrival before the lease ended tells it, not
      // arrival before the kill: a request it wrote just before dying is read here (this process) a moment after.
      const inFlight = [...orphans].filter(([id, leaseEnd]) => seen.get(id)!.some((at) => at < leaseEnd)).map(([id]) => id);
      const recoveryMs = Math.max(0, ...[...orphans.keys()].map((id) => Math.max(...seen.get(id)!) - killAt));
      console.log(`[cluster-kill] leased by the dead process: ${orphans.size}; in flight on it: ${inFlight.length}; duplicates: ${duplicated.length} (lane cap ${LANE_CAP}, concurrency ${CONCURRENCY}); lease recovery: ${recoveryMs} ms (lease ${LEASE_MS} ms)`);

      expect(seen.size).toBe(EVENTS);
      expect(orphans.size).toBeGreaterThan(0);
      // What it leased: at most its lane's cap, counting the jobs queued, sending, and sent but not yet recorded (the
      // lane refills only as records commit, so a dead process leaves no more than that to send again).
      expect(orphans.size).toBeLessThanOrEqual(LANE_CAP);
      // A duplicate is only ever an attempt the dead process had sent and not recorded.
      for (const id of duplicated) expect(inFlight).toContain(id);
      expect(duplicated.length).toBeLessThanOrEqual(inFlight.length);
      // And no survivor took one before its lease ended (a second past the kill leaves room for what was in transit).
      for (const [id, leaseEnd] of orphans) expect(seen.get(id)!.filter((at) => at > killAt + 1_000 && at < leaseEnd)).toEqual([]);
      expect(Math.max(...[...seen.values()].map((at) => at.length))).toBeLessThanOrEqual(2);
      // Its leases end LEASE_MS after their claim (before the kill), then a sweep (every second) takes them.
      expect(recoveryMs).toBeLessThanOrEqual(LEASE_MS + 3_000);
      // Every attempt is in the delivery log: one per arrival.
      const attempts = await db.client.query("SELECT count(*)::int AS n FROM attempts");
      expect(attempts.rows[0].n).toBeGreaterThanOrEqual(EVENTS);
      expect(attempts.rows[0].n).toBeLessThanOrEqual(receiver.requests.length);
    } finally {
      await stopAll(procs);
      await db.drop();
    }
  });
});
