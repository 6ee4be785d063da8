/** Writes RESULTS.md: the machine, each figure as median and min–max of its runs, and whether each goal holds. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, ROOT } from "./lib/proc.ts";
import { summarize, type Summary } from "./lib/stats.ts";

export interface Figure { id: string; runs: number[] }

interface Meta {
  quick: boolean; runs: number; gen: number; seconds: number; cores: string; redisHow: string; pgHow: string;
  scale: { deliveries: number; oneKey: number; pgDeliveries: number; kill: number; killTimeoutMs: number; rate: number; openMs: number; pending: number; failing: number; spawns: number; ingest: { procs: number; concurrency: number; warmMs: number; durationMs: number } };
  figures: Figure[]; extra: Record<string, number[]>; loads: Record<string, number[]>; p2how: string; startCommit: string;
  /** Other hookgate processes running when the bench started (lib/proc.ts otherHookgates). */
  others: string[];
}

const ROWS: Record<string, { what: string; unit: string; goal: string }> = {
  L0: { what: "trivial Bun.serve answering 202, single-event POSTs at concurrency 64", unit: "req/s", goal: "baseline" },
  P1: { what: "hookgate ingest, single events, durable commit, endpoint disabled", unit: "events/s", goal: "≥ 0.5 × L0" },
  P1b: { what: "hookgate ingest in arrays of 100", unit: "events/s", goal: "≥ 50,000" },
  P1f: { what: "P1's load on 10,000 global endpoints (disabled), each with its own 5-condition payload filter naming an account; every event matches one of them", unit: "events/s", goal: "≥ 0.8 × P1" },
  P1ft: { what: "P1's load on 10,000 tenants' endpoints (one each, disabled), each with its own 5-condition payload filter, each event evaluated against its tenant's", unit: "events/s", goal: "(reported, beside P1fbase)" },
  P1fbase: { what: "P1ft's gateway and load without the filters (events spread over 10,000 tenants)", unit: "events/s", goal: "(reported, beside P1ft)" },
  L1: { what: "plain Bun fetch loop, signed POSTs at concurrency 64 to the receiver", unit: "deliveries/s", goal: "baseline" },
  P2: { what: "hookgate draining pending deliveries (enable → last arrival)", unit: "deliveries/s", goal: "≥ 0.8 × L1 and ≥ 2.5 × B2" },
  P2o: { what: "P2 on an endpoint with `ordering` (DESIGN §13), the events spread over 1,000 ordering keys", unit: "deliveries/s", goal: "≥ 0.8 × P2" },
  P2o1: { what: "P2 on an endpoint with `ordering`, every event of one ordering key (each delivery waits for the one before): the cost of strict order", unit: "deliveries/s", goal: "(reported)" },
  P2pg: { what: "P2 on a Postgres store, one process", unit: "deliveries/s", goal: "(reported, beside P2)" },
  P2pg2: { what: "P2 on a Postgres store, two processes sharing the drain", unit: "deliveries/s", goal: "(reported, beside P2pg)" },
  P7: { what: "kill -9 of one of two processes mid-drain → the last delivery it had leased recorded by the other", unit: "ms", goal: "≤ lease + 2 s" },
  B2: { what: "BullMQ 6 + Redis (AOF everysec), worker at concurrency 64, same signed POSTs", unit: "deliveries/s", goal: "peer" },
  P3load: { what: "P3's open loop (1,000 events/s to an enabled endpoint) while P1's kind of load (closed loop of single events at concurrency 32, of a type only a disabled endpoint gets) runs beside it: p99", unit: "ms", goal: "≤ 20" },
  P3p50: { what: "open loop 1,000 events/s: send → receiver arrival, p50", unit: "ms", goal: "≤ 5" },
  P3p99: { what: "open loop 1,000 events/s: send → receiver arrival, p99", unit: "ms", goal: "≤ 20" },
  P3f: { what: "open loop 300 events/s to a healthy endpoint and a neighbour answering 500: the healthy one's p99", unit: "ms", goal: "≤ 1.5 × P3p99" },
  P3fair: { what: "P3's open loop to tenant B's endpoint while tenant A's 50 endpoints hang (receiver never answers, timeoutMs 300,000): B's p99", unit: "ms", goal: "≤ 1.5 × P3p99" },
  P4: { what: "RSS holding the pending deliveries (disabled endpoint), after sweeps", unit: "MB", goal: "≤ 100" },
  M1: { what: "RSS after the attempts to an endpoint that answers 500, above the idle gateway holding their events", unit: "MB", goal: "≤ 50" },
  P5: { what: "compiled binary: spawn → first 200 on /healthz (median of the spawns)", unit: "ms", goal: "≤ 50" },
  P5size: { what: "compiled binary size", unit: "MiB", goal: "(reported)" },
  P6: { what: "P6base's load (events of the same 10 tenants) on a gateway holding 100,000 endpoints over 50,000 tenants (disabled)", unit: "events/s", goal: "≥ 0.9 × P6base" },
  P6base: { what: "P1's setup with 10 endpoints (one for each of 10 tenants), events of those tenants, driven in turn with P6", unit: "events/s", goal: "baseline" },
  P6spread: { what: "the same gateway as P6, just after it, events of all 50,000 tenants: the store indexes each event's rows at one of 50,000 places instead of 10 (bench/FINDINGS.md)", unit: "events/s", goal: "(reported, beside P6base)" },
  P6start: { what: "spawn → first 200 on /healthz with the 100,000 endpoints in the store", unit: "ms", goal: "≤ 2,000" },
  P6rss: { what: "RSS with the 100,000 endpoints loaded, idle after start", unit: "MB", goal: "≤ 300" },
};

function verdicts(m: Map<string, Summary>, lease: number): Record<string, string> {
  const v = (id: string) => m.get(id)?.median;
  const yes = (ok: boolean) => (ok ? "yes" : "**no**");
  const out: Record<string, string> = {};
  const [l0, p1, p1b, l1, p2, b2] = ["L0", "P1", "P1b", "L1", "P2", "B2"].map(v);
  if (p1 !== undefined && l0 !== undefined) out.P1 = `${yes(p1 >= 0.5 * l0)} (${(p1 / l0).toFixed(2)} × L0)`;
  if (p1b !== undefined) out.P1b = yes(p1b >= 50_000);
  const p1f = v("P1f");
  if (p1f !== undefined && p1 !== undefined) out.P1f = `${yes(p1f >= 0.8 * p1)} (${(p1f / p1).toFixed(2)} × P1)`;
  const p1ft = v("P1ft"), p1fbase = v("P1fbase");
  if (p1ft !== undefined && p1fbase !== undefined) out.P1ft = `${(p1ft / p1fbase).toFixed(2)} × P1fbase${p1 !== undefined ? `, ${(p1ft / p1).toFixed(2)} × P1` : ""}`;
  if (p2 !== undefined) {
    const parts: string[] = [];
    if (l1 !== undefined) parts.push(`${yes(p2 >= 0.8 * l1)} (${(p2 / l1).toFixed(2)} × L1)`);
    if (b2 !== undefined) parts.push(`${yes(p2 >= 2.5 * b2)} (${(p2 / b2).toFixed(2)} × B2)`);
    out.P2 = parts.join("; ");
  }
  if (v("P3p50") !== undefined) out.P3p50 = yes(v("P3p50")! <= 5);
  if (v("P3p99") !== undefined) out.P3p99 = yes(v("P3p99")! <= 20);
  if (v("P3load") !== undefined) out.P3load = yes(v("P3load")! <= 20);
  if (v("P3f") !== undefined && v("P3p99") !== undefined) out.P3f = `${yes(v("P3f")! <= 1.5 * v("P3p99")!)} (${(v("P3f")! / v("P3p99")!).toFixed(2)} × P3p99)`;
  if (v("P3fair") !== undefined && v("P3p99") !== undefined) out.P3fair = `${yes(v("P3fair")! <= 1.5 * v("P3p99")!)} (${(v("P3fair")! / v("P3p99")!).toFixed(2)} × P3p99)`;
  if (v("P4") !== undefined) out.P4 = yes(v("P4")! <= 100);
  if (v("M1") !== undefined) out.M1 = yes(v("M1")! <= 50);
  if (v("P5") !== undefined) out.P5 = yes(v("P5")! <= 50);
  if (v("P6") !== undefined && v("P6base") !== undefined) out.P6 = `${yes(v("P6")! >= 0.9 * v("P6base")!)} (${(v("P6")! / v("P6base")!).toFixed(2)} × P6base)`;
  if (v("P6spread") !== undefined && v("P6base") !== undefined) out.P6spread = `${(v("P6spread")! / v("P6base")!).toFixed(2)} × P6base`;
  if (v("P2pg2") !== undefined && v("P2pg") !== undefined) out.P2pg2 = `${(v("P2pg2")! / v("P2pg")!).toFixed(2)} × P2pg`;
  if (v("P2o") !== undefined && p2 !== undefined) out.P2o = `${yes(v("P2o")! >= 0.8 * p2)} (${(v("P2o")! / p2).toFixed(2)} × P2)`;
  if (v("P2o1") !== undefined && p2 !== undefined) out.P2o1 = `${(v("P2o1")! / p2).toFixed(3)} × P2`;
  if (v("P2pg") !== undefined && p2 !== undefined) out.P2pg = `${(v("P2pg")! / p2).toFixed(2)} × P2`;
  if (v("P7") !== undefined) out.P7 = yes(v("P7")! <= lease + 2_000);
  if (v("P6start") !== undefined) out.P6start = yes(v("P6start")! <= 2_000);
  if (v("P6rss") !== undefined) out.P6rss = yes(v("P6rss")! <= 300);
  return out;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(n >= 10 ? 1 : 2));
const range = (s: Summary) => (s.runs.length > 1 ? `${fmt(s.min)}–${fmt(s.max)}` : "1 run");

export async function git(...args: string[]): Promise<string> {
  const p = Bun.spawn(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  return (await new Response(p.stdout).text()).trim();
}

export async function report(path: string, meta: Meta): Promise<void> {
  // With a prebuilt binary, HOOKGATE_BENCH_COMMIT names the commit it was built from (HEAD may have moved since).
  const commit = process.env.HOOKGATE_BENCH_COMMIT ?? meta.startCommit;
  const dirty = (await git("status", "--porcelain", "--", "src", "plugins", "bench/lib", "bench/procs", "bench/scenarios", "bench/run.ts")) !== "";
  const m = new Map(meta.figures.map((f) => [f.id, summarize(f.runs)]));
  const ok = verdicts(m, 2 * meta.scale.killTimeoutMs + 5_000);
  const s = meta.scale;
  const lines = [
    `# hookgate benchmarks${meta.quick ? " (quick pass: scaled down, not the figures of record)" : ""}`,
    "",
    process.env.HOOKGATE_BENCH_BINARY
      ? `- commit: \`${commit}\`; hookgate binary: \`${process.env.HOOKGATE_BENCH_BINARY}\` (HOOKGATE_BENCH_BINARY${process.env.HOOKGATE_BENCH_COMMIT ? `, built from \`git archive ${commit}\`` : ""})`
      : `- commit: \`${commit}\`${dirty ? " (the binary was built from a tree with uncommitted changes)" : ""}`,
    `- date: ${new Date().toISOString()}`,
    `- Bun: ${Bun.version}; machine: ${meta.cores}; ${process.platform} ${process.arch}`,
    `- runs per figure: ${meta.runs} (median, min–max); whole bench: ${Math.round(meta.seconds)} s; \`bun run bench${meta.quick ? " -- --quick" : ""}\``,
    `- Redis (the peer's): ${meta.redisHow}`,
    `- Postgres (P2pg, P2pg2, P7): ${meta.pgHow}`,
    `- other hookgate processes at the start: ${meta.others.length ? meta.others.map((o) => `\`${o}\``).join("; ") : "none"}`,
    "",
    "| id | what | unit | goal | median | min–max | holds |",
    "|---|---|---|---|---|---|---|",
    ...meta.figures.map((f) => {
      const row = ROWS[f.id]!;
      const sum = m.get(f.id)!;
      return `| ${f.id} | ${row.what} | ${row.unit} | ${row.goal} | ${fmt(sum.median)} | ${range(sum)} | ${ok[f.id] ?? ""} |`;
    }),
    "",
    "## How it was measured",
    `- Everything on loopback on this one machine: hookgate (the compiled \`dist/hookgate\`), the receiver, the load generators and the peer share its ${meta.cores.split(" ")[0]} cores.`,
    `- Events carry about 1 KB of data. Every delivery is signed (\`standard\` scheme) and the receiver (bench/procs/receiver.ts, its own process) verifies every signature and that the body is the signed event; a refusal fails the run.`,
    `- hookgate runs with a user's defaults (SQLite in WAL with \`synchronous = FULL\`, retries, auto-disable), in a temp folder; the config only allows loopback delivery and gives the endpoint \`maxConcurrency: 64\` to match the peer's worker.`,
    `- Ingest (L0, P1, P1b): closed loop at concurrency ${s.ingest.concurrency}, split over ${s.ingest.procs} load-generator process(es) (bench/procs/load.ts), ${s.ingest.warmMs} ms warm-up then ${s.ingest.durationMs} ms counted; L0 uses the same generators, so the ratio compares servers, not clients.`,
    "- P1f: a store written while the gateway is stopped (as P6) with 10,000 global endpoints for the bench's type, disabled, each whose filter names the type, its own `data.account` and three conditions on data (`n` ≥ 0, `t` > 0, `pad` starting with `x`); P1's events, each with the same account, so each is fanned out over the 10,000 filtered endpoints and makes one delivery as in P1. P1's method otherwise.",
    "- P1ft: as P1f, but 10,000 tenants with one endpoint each, whose filter names the type, the tenant and the same three conditions, so every condition is evaluated and holds; each event names a random one of the 10,000 tenants. P1fbase: the same without the filters.",
    `- Delivery (L1, P2, B2): ${s.deliveries.toLocaleString("en-US")} deliveries, each counted at its first verified arrival. L1 and B2 send with the same function (bench/lib/signed-post.ts), and their clock runs from the spawn of the sending process (B2: the worker, with the jobs already queued) to the last arrival. P2 fills a running gateway whose endpoint is disabled (arrays of 500), then enables it; P2's clock: ${meta.p2how || "(P2 not run)"}.`,
    `- P2o, P2o1: P2's method on an endpoint with \`ordering: { maxBlock: "1h" }\`: the events of P2o carry 1,000 ordering keys in turn (\`k<n mod 1000>\`), those of P2o1 one key (${s.oneKey.toLocaleString("en-US")} deliveries), so at most one delivery per key is under way: P2o1 sends one at a time, each after the record of the one before it is committed.`,
    `- P2pg, P2pg2: P2's method with ${s.pgDeliveries.toLocaleString("en-US")} deliveries on a Postgres store (pool 10 per process), filled through the first process; the endpoint is enabled through every process's admin API at once and the clock runs from there to the last arrival. Each process has the endpoint at \`maxConcurrency: 64\`, so two send up to 128 at once.`,
    `- P7: two processes drain ${s.kill.toLocaleString("en-US")} deliveries (\`timeoutMs: ${s.killTimeoutMs}\`, so a lease is ${(2 * s.killTimeoutMs + 5_000) / 1000} s); when a third has arrived one gets SIGKILL; its leases are the deliveries still pending 1.5 s later whose lease began before the kill; P7 runs from the kill until the last of them is recorded delivered (polled every 100 ms).`,
    `- P3: ${s.rate} single-event POSTs per second for ${s.openMs / 1000} s, sent on schedule whatever the answers; latency is the receiver's arrival time minus the sender's clock in \`data.t\` (so it includes the ingest request).`,
    `- P4: ${s.pending.toLocaleString("en-US")} events ingested (arrays of 500) for a disabled endpoint, then 2.5 s of sweeps, then VmRSS.`,
    `- M1: ${s.failing.toLocaleString("en-US")} events ingested (arrays of 500) for a disabled endpoint whose receiver answers every POST with 500; 10 s later VmRSS is the baseline; then the endpoint is enabled (admin API) and its ${s.failing.toLocaleString("en-US")} first attempts fail (retries an hour away, auto-disable off); 10 s after the last one, VmRSS minus the baseline.`,
    `- P5: ${s.spawns} spawns of the binary on one data folder (the first creates the store), time to the first 200 on /healthz.`,
    "- P6: first P6base, P1's setup with 10 endpoints: a gateway whose store holds one endpoint for each of 10 tenants, each event naming a random one of them. Then a gateway whose store holds 100,000 endpoints: two per tenant for 50,000 tenants (one for the bench's type, one for other types) and 3 global ones for other types. Both stores are written while the gateway is stopped (rows as the admin API makes them, secrets encrypted, tenants recorded), all endpoints are disabled as in P1, and each event makes one delivery as in P1. Both gateways run side by side; P6base's load goes to the small one, then the same load (the same 10 tenants) to the big one, three times in turn, and each figure is the median of its three. Then P6spread sends events of all 50,000 tenants to the big one. P6start is the big gateway's first start; P6rss is VmRSS 1.5 s after it.",
    "",
    "## Other figures from the same runs",
    ...Object.entries(meta.extra).map(([k, values]) => {
      const sum = summarize(values);
      const label: Record<string, string> = {
        fill: "P2 fill rate (ingest in arrays of 500, events/s)", p4fill: "P4 fill rate (ingest in arrays of 500, events/s)",
        idleRss: "RSS of an idle gateway before P4's fill (MB)", m1idleRss: "RSS of the idle gateway before M1's attempts (MB)",
        m1filledRss: "RSS of the idle gateway holding M1's events, M1's baseline (MB)", m1rate: "M1 failed attempts per second (enable → last attempt)", p3max: "P3 max latency (ms)",
        L0cpu: "L0 trivial server CPU per request (µs, user + system)", P1cpu: "P1 hookgate CPU per event (µs, user + system; goal ≤ 45)", P1bcpu: "P1b hookgate CPU per event (µs; goal ≤ 18)", P1fcpu: "P1f hookgate CPU per event (µs, user + system)", P1ftcpu: "P1ft hookgate CPU per event (µs, user + system)", P1fbasecpu: "P1fbase hookgate CPU per event (µs, user + system)",
        P2cpu: "P2 hookgate CPU per delivery (µs, from the enable to the last arrival; goal ≤ 45)",
        p3loadRate: "P3load's background load (events/s answered 202 beside the open loop)",
        P2ocpu: "P2o hookgate CPU per delivery (µs)", P2o1cpu: "P2o1 hookgate CPU per delivery (µs)",
        P2pgcpu: "P2pg hookgate CPU per delivery (µs; Postgres's own CPU not counted)", P2pg2cpu: "P2pg2 CPU per delivery, both processes (µs; Postgres's own CPU not counted)",
        p7leased: "P7 deliveries the killed process had leased", p7duplicates: "P7 duplicates at the receiver (attempts the killed process had sent, not recorded)",
        p3acceptP50: "P3 p50 from hookgate's accept timestamp (event.timestamp, ms resolution) to arrival (ms)",
        p3acceptP99: "P3 p99 from hookgate's accept timestamp to arrival (ms)",
        p6rssAfter: "P6 RSS after the ingest run (MB)", P6cpu: "P6 hookgate CPU per event (µs, user + system)", P6basecpu: "P6base hookgate CPU per event (µs, user + system)", p6seed: "P6 seeding the 100,000 endpoint rows (ms, not timed by the figures)",
      };
      return `- ${label[k] ?? k}: ${fmt(sum.median)} (${range(sum)})`;
    }),
  ];
  lines.push(
    "", `Load average (1 min) after each run (${meta.cores.split(" ")[0]} cores). It counts the bench's own processes too, about 2–3 while a figure runs alone; more means other work shared the machine:`,
    ...Object.entries(meta.loads).map(([id, l]) => `- ${id}: ${l.map((x) => x.toFixed(2)).join(", ")}`),
  );
  const findings = join(BENCH, "FINDINGS.md");
  if (existsSync(findings)) lines.push("", readFileSync(findings, "utf8").trim());
  writeFileSync(path, `${lines.join("\n")}\n`);
}
