/**
 * `bun bench/profile.ts <ingest|batch|drain|latency|tenants> [seconds]`: runs hookgate from source under `bun --cpu-prof`
 * with one benchmark's load, then prints the functions with the most self time. Profile before optimizing.
 * `tenants` is P6: ingest by tenant with 100,000 endpoints over 50,000 tenants in the store, events of all of them
 * (`P6_SPREAD=10`: of 10, as P6 sends; `P6_SMALL=1`: the store of P6base, 10 endpoints for 10 tenants).
 * `ORDER_KEYS=1000 … drain`: P2o, the endpoint with `ordering` and the events over that many ordering keys.
 * `filters` is P1f: P1's load fanned out over 10,000 global endpoints with payload filters.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as hookgate from "./lib/hookgate.ts";
import { ROOT } from "./lib/proc.ts";
import { startReceiver } from "./lib/receiver.ts";
import { wallMs } from "./lib/stats.ts";
import { drive, fill } from "./scenarios/ingest.ts";
import { P6, seed } from "./scenarios/tenants.ts";
import { accountFilter, P1F } from "./scenarios/filters.ts";
import { runProc } from "./lib/proc.ts";

const what = process.argv[2] ?? "ingest";
const seconds = Number(process.argv[3] ?? 5);
const profDir = mkdtempSync(join(tmpdir(), "hookgate-prof-"));
const receiver = await startReceiver();
const keys = Number(process.env.ORDER_KEYS) || undefined;
const s = what === "tenants" || what === "filters" ? hookgate.site("http://127.0.0.1:9/hooks", false, { endpoint: 'events: ["global.*"]' })
  : hookgate.site(receiver.url, what === "latency", keys ? { endpoint: 'ordering: { maxBlock: "1h" }' } : {});
if (what === "tenants") { await (await hookgate.start(s)).stop(); if (process.env.P6_SMALL) seed(s, P6.baseline, false); else seed(s); }
if (what === "filters") { await (await hookgate.start(s)).stop(); seed(s, P1F.endpoints, false, accountFilter, "global"); }

const serve = () => {
  const proc = Bun.spawn(["bun", "--cpu-prof", `--cpu-prof-dir=${profDir}`, join(ROOT, "src/cli.ts"), "serve", "--config", join(s.dir, "webhooks.config.ts")], {
    cwd: s.dir, stdout: Bun.file(join(s.dir, "hookgate.log")), stderr: "inherit",
  });
  return proc;
};
const ready = async () => { for (let i = 0; i < 2000; i++) { if (await fetch(`${s.url}/healthz`).then((r) => r.ok, () => false)) return; await Bun.sleep(5); } };

let proc = serve();
await ready();
const shape = { procs: 2, concurrency: 64, warmMs: 500, durationMs: seconds * 1000 };
if (what === "ingest") console.log("events/s", await drive(s.ingestUrl, 1, shape));
if (what === "tenants") console.log("events/s", await drive(s.ingestUrl, 1, shape, { tenants: Number(process.env.P6_SPREAD) || P6.tenants }));
if (what === "filters") console.log("events/s", await drive(s.ingestUrl, 1, shape, { account: P1F.account }));
if (what === "batch") console.log("events/s", await drive(s.ingestUrl, 100, shape));
if (what === "latency") {
  await receiver.reset();
  await runProc("load", { url: s.ingestUrl, token: hookgate.TOKEN, mode: "open", batch: 1, rate: 1000, durationMs: seconds * 1000, startAt: wallMs() + 200, expect: 202 });
}
if (what === "drain") {
  const count = seconds * 5000;
  proc.kill("SIGTERM"); await proc.exited;
  // fill without profiling noise: run the binary for the fill, then profile only the drain
  const gw = await hookgate.start(s);
  await fill(s.ingestUrl, count, 4, keys);
  await gw.stop();
  hookgate.enableEndpoint(s);
  await receiver.reset();
  const t = wallMs();
  proc = serve();
  await receiver.waitFor(count, 120_000);
  console.log("deliveries/s", count / ((wallMs() - t) / 1000));
}
proc.kill("SIGTERM");
await proc.exited;
await receiver.stop();

// The last profile written is the one under load (drain profiles the second start only).
const file = readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile")).sort().pop();
if (!file) throw new Error(`no profile in ${profDir}`);
const profile = JSON.parse(readFileSync(join(profDir, file), "utf8")) as {
  nodes: { id: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (id: number) => {
  const f = byId.get(id)!.callFrame;
  return `${f.functionName || "(anonymous)"} ${f.url.replace("file://", "").replace(ROOT + "/", "")}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const id of profile.samples) {
  self.set(keyOf(id), (self.get(keyOf(id)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(keyOf(at));
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + 1);
}
const total = profile.samples.length;
const show = (title: string, m: Map<string, number>, filter: (k: string) => boolean, n: number) => {
  console.log(title);
  for (const [k, c] of [...m].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`profile: ${join(profDir, file)} (${total} samples)`);
show("-- self", self, () => true, 30);
show("-- inclusive (hookgate code)", inclusive, (k) => /(src|plugins)\//.test(k) && !k.includes("node_modules"), 30);
s.remove();
