/**
 * `bun bench/store-ingest.ts [global|spread] [events]`: the store's own CPU per ingested event, with the real schema and
 * no HTTP (issues 24 and 27). `openStore` + `migrate` on a fresh SQLite file (synchronous FULL), then events of about
 * 1 KB with one delivery each, in transactions of 32 (what P1's group commit makes under 64 clients): `global` events
 * of no tenant to one endpoint (P1), `spread` events of 10,000 tenants, each to its tenant's endpoint (P1f, P6spread);
 * `BATCH=100` for other transaction sizes. CPU is `process.cpuUsage` (every thread, the checkpointer's too); the time
 * of each `Store.ingest` call (its commit's fsync included, on the event loop) is printed as percentiles.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../src/core/ids.ts";
import { openStore } from "../src/store/open.ts";
import type { IngestItem } from "../src/store/types.ts";

const mode = process.argv[2] ?? "global";
if (mode !== "global" && mode !== "spread") throw new Error(`bench/store-ingest.ts: give global or spread, not "${mode}"`);
const N = Number(process.argv[3] ?? 60_000);
const TENANTS = 10_000;
const BATCH = Number(process.env.BATCH ?? 32);

const dir = mkdtempSync(join(tmpdir(), "hookgate-store-ingest-"));
const store = openStore({ sqlite: join(dir, "s.db"), retention: "30d", synchronous: "full" });
await store.migrate();

const data = JSON.stringify({ n: 1, t: Date.now(), pad: "x".repeat(1000) });
function item(): IngestItem {
  const at = Date.now();
  const id = newId("evt", at);
  const tenant = mode === "spread" ? `t${Math.floor(Math.random() * TENANTS)}` : null;
  return {
    event: { id, source: "app", type: "order.created", timestamp: new Date(at).toISOString(), data, dedupe_key: id, idempotency_key: null, received_at: at, tenant, ordering_key: null },
    deliveries: [{ id: newId("dlv", at), endpoint_id: tenant === null ? "ep_global" : `ep_${tenant}`, tenant, next_attempt_at: null }],
  };
}

// Warm: the indexes hold a run's worth before the measured part, as a gateway's store does a few seconds into P1f.
for (let done = 0; done < N; done += BATCH) await store.ingest(Array.from({ length: BATCH }, item), []);
const before = process.cpuUsage();
const wall = performance.now();
const took: number[] = [];
for (let done = 0; done < N; done += BATCH) { const items = Array.from({ length: BATCH }, item); const t0 = performance.now(); await store.ingest(items, []); took.push(performance.now() - t0); }
took.sort((a, b) => a - b);
console.log(`commit ms p50 ${took[took.length >> 1]!.toFixed(2)} p99 ${took[Math.floor(took.length * 0.99)]!.toFixed(2)} p999 ${took[Math.floor(took.length * 0.999)]!.toFixed(2)} max ${took.at(-1)!.toFixed(1)}; over 5 ms ${took.filter((t) => t > 5).length}`);
const cpu = process.cpuUsage(before);
const size = statSync(join(dir, "s.db")).size;
console.log(`${mode}: ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU per event (user ${(cpu.user / N).toFixed(1)}, system ${(cpu.system / N).toFixed(1)}; ${((performance.now() - wall) / 1000).toFixed(2)} s for ${N}; file ${(size / 1e6).toFixed(0)} MB)`);
await store.close();
rmSync(dir, { recursive: true, force: true });
