/**
 * Issue 22.7: RSS of an idle gateway against the same gateway after a minute of load (ingest at concurrency 16 to one
 * enabled endpoint that the bench receiver answers), with what the runtime says of its heap (/metrics) and the store's
 * size, sampled every 10 s. `bun bench/growth.ts [seconds]`; HOOKGATE_BENCH_BINARY compares another build.
 */
import { statSync } from "node:fs";
import * as hookgate from "./lib/hookgate.ts";
import { cpuSeconds, rssMb } from "./lib/proc.ts";
import { startReceiver } from "./lib/receiver.ts";
import { drive } from "./scenarios/ingest.ts";

const seconds = Number(process.argv[2] ?? 60);
const receiver = await startReceiver();
const s = hookgate.site(receiver.url, true);
const gw = await hookgate.start(s);
const mb = (bytes: number) => Math.round(bytes / 1048576);

async function sample(label: string) {
  const text = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${hookgate.ADMIN_TOKEN}` } }).then((r) => r.text());
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? NaN);
  const files = ["", "-wal"].reduce((n, ext) => { try { return n + statSync(s.db + ext).size; } catch { return n; } }, 0);
  console.log(`${label}: RSS ${(await rssMb(gw.proc.pid)).toFixed(0)} MB, heap used ${mb(metric("nodejs_heap_size_used_bytes"))} / total ${mb(metric("nodejs_heap_size_total_bytes"))} MB, external ${mb(metric("nodejs_external_memory_bytes"))} MB, store files ${mb(files)} MB`);
}

try {
  await Bun.sleep(1_500);
  await sample("idle");
  const cpu = await cpuSeconds(gw.proc.pid);
  const load = drive(s.ingestUrl, 1, { procs: 1, concurrency: 16, warmMs: 0, durationMs: seconds * 1000 });
  for (let t = 10; t <= seconds; t += 10) { await Bun.sleep(10_000); await sample(`${t} s`); }
  const rate = await load;
  console.log(`ingest ${rate.toFixed(0)} events/s; CPU ${(((await cpuSeconds(gw.proc.pid)) - cpu) * 1e6 / (rate * seconds)).toFixed(0)} µs per event (ingest and delivery)`);
  await Bun.sleep(10_000);
  await sample("10 s after");
} finally {
  await gw.stop();
  await receiver.stop();
  s.remove();
}
