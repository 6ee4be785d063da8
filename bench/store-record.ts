/**
 * `bun bench/store-record.ts [plain|ordered] [deliveries]`: the store's own CPU per recorded attempt, with the real
 * schema and no HTTP (issues 24 and 26). `openStore` + `migrate` on a fresh SQLite file (synchronous FULL), the
 * deliveries ingested (about 1 KB events, one delivery each; `ordered`: over 1,000 ordering keys of an endpoint with
 * `ordering`), then drained as P2 drains them: claimed 512 at a time, each recorded succeeded (about 700 bytes) in
 * transactions of 32; `ordered` records with `leaseMs`, so each record leases the next of its key (types.ts EndedKey)
 * and those are recorded in turn. CPU is `process.cpuUsage` (every thread, the checkpointer's too) over the drain.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../src/core/ids.ts";
import { openStore } from "../src/store/open.ts";
import { KyselyStore } from "../src/store/store.ts";
import type { AttemptOutcome, ClaimedDelivery, IngestItem } from "../src/store/types.ts";

const mode = process.argv[2] ?? "plain";
if (mode !== "plain" && mode !== "ordered") throw new Error(`bench/store-record.ts: give plain or ordered, not "${mode}"`);
const ordered = mode === "ordered";
const N = Number(process.argv[3] ?? 40_000);
const KEYS = 1_000;
const BATCH = 32;
const ENDPOINT = "ep_bench";

const dir = mkdtempSync(join(tmpdir(), "hookgate-store-record-"));
const store = openStore({ sqlite: join(dir, "s.db"), retention: "30d", synchronous: "full" });
await store.migrate();
if (!(store instanceof KyselyStore)) throw new Error("bench/store-record.ts: not a KyselyStore");
const now = Date.now();
await store.db.insertInto("endpoints").values({
  id: ENDPOINT, url: "https://example.com/hooks", description: "", events: '["*"]', enabled: 1, disabled_reason: null, managed_by: "api",
  headers: "{}", auth: null, signing_scheme: "standard", signing_header: null, secret: "s", previous_secret: null, previous_secret_until: null,
  options: ordered ? JSON.stringify({ ordering: { maxBlock: "1h" } }) : "{}", tenant: null, created_at: now, updated_at: now,
}).execute();

const data = JSON.stringify({ order: { id: "ord_1", lines: Array.from({ length: 12 }, (_, i) => ({ sku: `sku-${i}`, qty: i, price: 1999, note: "x".repeat(40) })) } });
let n = 0;
function item(): IngestItem {
  const at = Date.now();
  const id = newId("evt", at);
  const key = ordered ? `key-${n++ % KEYS}` : null;
  return {
    event: { id, source: "app", type: "order.created", timestamp: new Date(at).toISOString(), data, dedupe_key: id, idempotency_key: null, received_at: at, tenant: null, ordering_key: key },
    deliveries: [{ id: newId("dlv", at), endpoint_id: ENDPOINT, next_attempt_at: ordered ? null : at, ordering_key: key }],
  };
}
for (let done = 0; done < N; done += 500) await store.ingest(Array.from({ length: Math.min(500, N - done) }, item), []);

const headers = JSON.stringify({ "content-type": "application/json", "user-agent": "hookgate", "webhook-id": "msg_x", "webhook-timestamp": "1700000000", "webhook-signature": `v1,${"A".repeat(44)}` });
function outcome(c: ClaimedDelivery): AttemptOutcome {
  const at = Date.now();
  return {
    attempt: {
      id: newId("att", at), delivery_id: c.id, endpoint_id: ENDPOINT, number: c.attempt, trigger: "scheduled", started_at: at, url: "https://example.com/hooks",
      request_headers: headers, request_body: null, status_code: 200, response_headers: JSON.stringify({ "content-type": "text/plain", date: new Date(at).toUTCString(), "content-length": "2" }),
      response_body: "ok", duration_ms: 3, error: null,
    },
    delivery: { id: c.id, status: "succeeded", attempts: c.attempt, next_attempt_at: null, ...(c.orderingKey !== null && { ordering: { endpointId: ENDPOINT, key: c.orderingKey, leaseMs: 60_000 } }) },
    endpoint: { id: ENDPOINT, success: true, at, statusCode: 200, disableReason: null, autoDisableAfter: 0, autoDisableWindowMs: 0 },
  };
}

const before = process.cpuUsage();
const wall = performance.now();
let recorded = 0;
let queue: ClaimedDelivery[] = [];
for (;;) {
  if (queue.length < BATCH) queue.push(...await store.claimDue(ENDPOINT, Date.now(), Date.now() + 60_000, 512));
  if (queue.length === 0) break;
  const batch = queue.splice(0, BATCH);
  const { leased } = await store.recordAttempts(batch.map(outcome));
  queue.push(...leased);
  recorded += batch.length;
}
const cpu = process.cpuUsage(before);
if (recorded !== N) throw new Error(`bench/store-record.ts: recorded ${recorded} of ${N}`);
console.log(`${mode}: ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU per attempt (user ${(cpu.user / N).toFixed(1)}, system ${(cpu.system / N).toFixed(1)}; ${((performance.now() - wall) / 1000).toFixed(2)} s for ${N})`);
await store.close();
rmSync(dir, { recursive: true, force: true });
