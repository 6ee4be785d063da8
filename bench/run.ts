/**
 * `bun run bench [-- --quick] [--out PATH] [--only L0,P1,...] [--runs N] [--gen N] [--no-build]` (and see the overrides below)
 * Measures hookgate beside the machine's limits (L0, L1) and a peer (BullMQ + Redis), and writes RESULTS.md.
 * --quick is a scaled-down pass (one run each, small counts, every scenario) that CI runs so the harness never rots.
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import * as hookgate from "./lib/hookgate.ts";
import { otherHookgates, ROOT } from "./lib/proc.ts";
import { startReceiver } from "./lib/receiver.ts";
import { prepareRedis, redisVersion, type RedisSession } from "./lib/redis.ts";
import { summarize } from "./lib/stats.ts";
import { git, report, type Figure } from "./report.ts";
import { bullmqDrain, fetchLoop, hookgateDrain } from "./scenarios/deliver.ts";
import { hookgateIngest, trivialBaseline, type LoadShape } from "./scenarios/ingest.ts";
import { openLoop } from "./scenarios/latency.ts";
import { leaseRecovery, postgresDrain } from "./scenarios/scale-out.ts";
import { PG_ADMIN_URL, postgresVersion } from "./lib/postgres.ts";
import { failingAttemptsRss, pendingRss } from "./scenarios/memory.ts";
import { binaryMb, startupMs } from "./scenarios/startup.ts";
import { tenantIngest } from "./scenarios/tenants.ts";
import { filteredIngest } from "./scenarios/filters.ts";

const argv = process.argv.slice(2);
const FLAGS = ["--quick", "--no-build"];
const OPTIONS = ["--out", "--only", "--runs", "--gen", "--deliveries", "--pending", "--open-ms", "--duration-ms"];
// A full run takes 20 minutes and rewrites RESULTS.md: a word it does not know stops it before anything starts.
for (let i = 0; i < argv.length; i++) {
  if (OPTIONS.includes(argv[i]!) && i + 1 < argv.length) { i++; continue; }
  if (FLAGS.includes(argv[i]!)) continue;
  console.error(`bench: unknown argument "${argv[i]}"${OPTIONS.includes(argv[i]!) ? " (it takes a value)" : ""}. Usage: bun run bench [-- --quick] [--out PATH] [--only L0,P1,...] [--runs N] [--gen N] [--no-build] [--deliveries N] [--pending N] [--open-ms N] [--duration-ms N]`);
  process.exit(2);
}
const flag = (name: string) => argv.includes(name);
const option = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const quick = flag("--quick");
const out = option("--out") ?? join(ROOT, "bench/RESULTS.md");
const only = option("--only")?.split(",");
const runs = Number(option("--runs") ?? (quick ? 1 : 3));
const gen = Number(option("--gen") ?? 2);

const scale = quick
  ? { ingest: { procs: gen, concurrency: 64, warmMs: 200, durationMs: 800 }, deliveries: 2_000, pgDeliveries: 2_000, kill: 3_000, killTimeoutMs: 1_000, rate: 1_000, failingRate: 300, openMs: 1_500, pending: 5_000, failing: 5_000, spawns: 2, oneKey: 300 }
  : { ingest: { procs: gen, concurrency: 64, warmMs: 1_000, durationMs: 5_000 }, deliveries: 100_000, pgDeliveries: 50_000, kill: 20_000, killTimeoutMs: 10_000, rate: 1_000, failingRate: 300, openMs: 30_000, pending: 1_000_000, failing: 200_000, spawns: 10, oneKey: 5_000 };
// Overrides for working on one figure: --deliveries N, --pending N, --open-ms N, --duration-ms N.
if (option("--deliveries")) scale.deliveries = Number(option("--deliveries"));
if (option("--pending")) scale.pending = Number(option("--pending"));
if (option("--open-ms")) scale.openMs = Number(option("--open-ms"));
if (option("--duration-ms")) scale.ingest.durationMs = Number(option("--duration-ms"));
const shape: LoadShape = scale.ingest;
const want = (id: string) => !only || only.includes(id);
const log = (line: string) => console.log(`[bench] ${line}`);
/** With CI set nothing skips for a missing component (the peer's Redis, Postgres): it fails the run instead. */
const missing = (what: string) => {
  if (process.env.CI) throw new Error(`bench: ${what}, and CI is set: nothing skips for a missing component`);
  log(what);
};

/** The 1-minute load average after each run: other work on the machine shows here (this box is shared). */
const loads: Record<string, number[]> = {};
const noteLoad = (id: string) => (loads[id] ??= []).push(loadavg()[0]!);

async function repeat(id: string, fn: () => Promise<number>): Promise<number[]> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) {
    const v = await fn();
    noteLoad(id);
    log(`${id} run ${i + 1}/${runs}: ${v.toFixed(1)} (load average ${loadavg()[0]!.toFixed(2)})`);
    values.push(v);
  }
  return values;
}

const started = Date.now();
const startCommit = await git("rev-parse", "--short", "HEAD");
// Said in the log and in RESULTS.md: a gateway left running beside the bench takes from the machine its figures share.
const others = otherHookgates();
for (const o of others) log(`another hookgate is running (it shares the machine with every figure): ${o}`);
if (!flag("--no-build") && !process.env.HOOKGATE_BENCH_BINARY) { log("building dist/hookgate"); await hookgate.build(); }
const figures: Figure[] = [];
const extra: Record<string, number[]> = {};
let redisHow = "not used";
let p2how = "";
let pgHow = "not used";
const receiver = await startReceiver();
try {
  if (want("L0")) {
    const cpu: number[] = [];
    figures.push({ id: "L0", runs: await repeat("L0", async () => { const r = await trivialBaseline(shape); cpu.push(r.cpuUs); return r.rate; }) });
    extra.L0cpu = cpu;
  }
  for (const [id, batch] of [["P1", 1], ["P1b", 100]] as const) {
    if (!want(id)) continue;
    const cpu: number[] = [];
    figures.push({ id, runs: await repeat(id, async () => { const r = await hookgateIngest(shape, batch); cpu.push(r.cpuUs); return r.rate; }) });
    extra[`${id}cpu`] = cpu;
  }
  for (const id of ["P1f", "P1ft", "P1fbase"] as const) {
    if (!want(id)) continue;
    const cpu: number[] = [];
    figures.push({ id, runs: await repeat(id, async () => { const r = await filteredIngest(shape, id); cpu.push(r.cpuUs); return r.rate; }) });
    extra[`${id}cpu`] = cpu;
  }
  if (want("L1")) figures.push({ id: "L1", runs: await repeat("L1", () => fetchLoop(receiver, scale.deliveries)) });
  if (want("P2")) {
    const fills: number[] = []; const cpu: number[] = [];
    figures.push({ id: "P2", runs: await repeat("P2", async () => { const r = await hookgateDrain(receiver, scale.deliveries); fills.push(r.fillRate); cpu.push(r.cpuUs); p2how = r.how; return r.rate; }) });
    extra.fill = fills; extra.P2cpu = cpu;
  }
  // P2 on an endpoint with ordering (DESIGN §13): 1,000 keys, and one key (every delivery after the one before it).
  for (const [id, keys, count] of [["P2o", 1_000, scale.deliveries], ["P2o1", 1, scale.oneKey]] as const) {
    if (!want(id)) continue;
    const cpu: number[] = [];
    figures.push({ id, runs: await repeat(id, async () => { const r = await hookgateDrain(receiver, count, { keys }); cpu.push(r.cpuUs); return r.rate; }) });
    extra[`${id}cpu`] = cpu;
  }
  if (want("P2pg") || want("P2pg2") || want("P7")) {
    const version = await postgresVersion();
    const at = new URL(PG_ADMIN_URL).host;
    pgHow = version ? `PostgreSQL ${version} at ${at}, a fresh database per run` : `no Postgres at ${at}: P2pg, P2pg2 and P7 skipped`;
    if (!version) missing(pgHow);
    for (const [id, n] of [["P2pg", 1], ["P2pg2", 2]] as const) {
      if (!version || !want(id)) continue;
      const cpu: number[] = [];
      figures.push({ id, runs: await repeat(id, async () => { const r = await postgresDrain(receiver, scale.pgDeliveries, n); cpu.push(r.cpuUs); return r.rate; }) });
      extra[`${id}cpu`] = cpu;
    }
    if (version && want("P7")) {
      const leased: number[] = []; const duplicates: number[] = [];
      figures.push({ id: "P7", runs: await repeat("P7", async () => {
        const r = await leaseRecovery(receiver, scale.kill, scale.killTimeoutMs);
        leased.push(r.leased); duplicates.push(r.duplicates);
        return r.ms;
      }) });
      extra.p7leased = leased; extra.p7duplicates = duplicates;
    }
  }
  if (want("B2")) {
    let redis: RedisSession | null = null;
    try {
      redis = await prepareRedis();
      if (!redis) { redisHow = "no redis-server/redis-cli on this machine: B2 skipped"; missing(redisHow); }
      else {
        redisHow = `${redis.how}; redis ${await redisVersion()}`;
        figures.push({ id: "B2", runs: await repeat("B2", () => bullmqDrain(receiver, scale.deliveries)) });
      }
    } finally {
      await redis?.restore();
    }
  }
  if (want("P3")) {
    const lat: { p50: number; p99: number; acceptP50: number; acceptP99: number; max: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const l = await openLoop(receiver, scale.rate, scale.openMs);
      noteLoad("P3");
      log(`P3 run ${i + 1}/${runs}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms (from accept: p50 ${l.acceptP50.toFixed(1)}, p99 ${l.acceptP99.toFixed(1)})`);
      lat.push(l);
    }
    figures.push({ id: "P3p50", runs: lat.map((l) => l.p50) }, { id: "P3p99", runs: lat.map((l) => l.p99) });
    extra.p3max = lat.map((l) => l.max); extra.p3acceptP50 = lat.map((l) => l.acceptP50); extra.p3acceptP99 = lat.map((l) => l.acceptP99);
  }
  if (want("P3f")) {
    // The healthy endpoint's latency while a neighbour answers every event with a 500 (issue 10.4).
    const p99: number[] = [];
    for (let i = 0; i < runs; i++) {
      const l = await openLoop(receiver, scale.failingRate, scale.openMs, "failing");
      noteLoad("P3f");
      log(`P3f run ${i + 1}/${runs}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms`);
      p99.push(l.p99);
    }
    figures.push({ id: "P3f", runs: p99 });
  }
  if (want("P3load")) {
    // P3's open loop while P1's kind of load (single events, a commit per group) runs beside it (issue 24).
    const p99: number[] = []; const rates: number[] = [];
    for (let i = 0; i < runs; i++) {
      const l = await openLoop(receiver, scale.rate, scale.openMs, "loaded");
      noteLoad("P3load");
      log(`P3load run ${i + 1}/${runs}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms, beside ${Math.round(l.loadRate ?? 0)} events/s of load`);
      p99.push(l.p99); rates.push(l.loadRate ?? 0);
    }
    figures.push({ id: "P3load", runs: p99 });
    extra.p3loadRate = rates;
  }
  if (want("P3fair")) {
    // Tenant B's endpoint at P3's rate while tenant A's 50 endpoints hang on a receiver that never answers (issue 21.3).
    const p99: number[] = [];
    for (let i = 0; i < runs; i++) {
      const l = await openLoop(receiver, scale.rate, scale.openMs, "hanging");
      noteLoad("P3fair");
      log(`P3fair run ${i + 1}/${runs}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms`);
      p99.push(l.p99);
    }
    figures.push({ id: "P3fair", runs: p99 });
  }
  if (want("P4")) {
    const idle: number[] = []; const fills: number[] = [];
    figures.push({ id: "P4", runs: await repeat("P4", async () => { const r = await pendingRss(scale.pending); idle.push(r.idleRss); fills.push(r.fillRate); return r.rss; }) });
    extra.idleRss = idle; extra.p4fill = fills;
  }
  if (want("M1")) {
    const idle: number[] = []; const filled: number[] = []; const rates: number[] = [];
    figures.push({ id: "M1", runs: await repeat("M1", async () => {
      const r = await failingAttemptsRss(scale.failing);
      idle.push(r.idleRss); filled.push(r.filledRss); rates.push(r.attemptRate);
      return r.growth;
    }) });
    extra.m1idleRss = idle; extra.m1filledRss = filled; extra.m1rate = rates;
  }
  if (want("P5")) {
    figures.push({ id: "P5", runs: await repeat("P5", () => startupMs(scale.spawns)) });
    figures.push({ id: "P5size", runs: [binaryMb()] });
  }
  if (want("P6")) {
    const runsOf: Record<string, number[]> = { P6: [], P6base: [], P6spread: [], P6start: [], P6rss: [] };
    for (let i = 0; i < runs; i++) {
      const r = await tenantIngest(shape);
      noteLoad("P6");
      log(`P6 run ${i + 1}/${runs}: ${r.rate.toFixed(0)} events/s (P1 setup, 10 endpoints: ${r.baseline.toFixed(0)}), events of all tenants ${r.spread.toFixed(0)}, start ${r.startMs.toFixed(0)} ms, RSS ${r.rss.toFixed(0)} MB`);
      runsOf.P6!.push(r.rate); runsOf.P6spread!.push(r.spread); runsOf.P6base!.push(r.baseline); runsOf.P6start!.push(r.startMs); runsOf.P6rss!.push(r.rss);
      (extra.p6rssAfter ??= []).push(r.rssAfter); (extra.P6cpu ??= []).push(r.cpuUs); (extra.P6basecpu ??= []).push(r.baselineCpuUs); (extra.p6seed ??= []).push(r.seedMs);
    }
    for (const [id, values] of Object.entries(runsOf)) figures.push({ id, runs: values });
  }
} finally {
  await receiver.stop();
}

await report(out, {
  quick, runs, gen, scale, figures, extra, redisHow, pgHow, loads, p2how, startCommit, others,
  cores: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
  seconds: (Date.now() - started) / 1000,
});
log(`wrote ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
for (const f of figures) { const s = summarize(f.runs); log(`${f.id}: median ${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`); }
for (const [k, v] of Object.entries(extra)) log(`${k}: ${v.map((x) => x.toFixed(1)).join(", ")}`);
process.exit(0);
