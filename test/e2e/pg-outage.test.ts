import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { ensureBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { skipPgCluster, startPgCluster, type PgCluster } from "../support/pg-cluster.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// A build, a private cluster stopped and started twice, on a shared 2-core machine.
setDefaultTimeout(120_000);

const MASTER_KEY = "33".repeat(32);
const TOKEN = "pg-outage-token-0123456789";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LOST = "the store is unreachable";
const BACK = "the store answers again";

const config = (databaseUrl: string, receiverUrl: string, endpoint = "") => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${databaseUrl}" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 1000 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiverUrl}", events: ["*"], secret: "${SECRET}"${endpoint} }],
});
`;

const post = (url: string, body: unknown) => fetch(`${url}/v1/events`, {
  method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body),
});

/** The gateway's log lines whose message starts with `msg`. */
const lines = (gateway: Running, msg: string) => gateway.output().split("\n").filter((l) => l.includes(`"msg":"${msg}`));

/** Whether the store is up as /healthz says (the write status /readyz also follows), and /readyz when it is mounted. */
async function readiness(url: string): Promise<{ store: string; readyz: number }> {
  const health = (await (await fetch(`${url}/healthz`)).json()) as { store: string };
  const readyz = (await fetch(`${url}/readyz`)).status;
  return { store: health.store, readyz };
}

interface Run {
  accepted: string[];
  /** Answers that are neither 202 nor 503 with Retry-After, and requests that got no answer. */
  others: string[];
  maxLatencyMs: number;
  /** /healthz (and /readyz) late in the outage, and the last time after it. */
  during: Readiness;
  after: Readiness;
  /** How long Postgres took to come back (pg_ctl start, or SIGCONT), then the first 202 and the store "ok" after it. */
  comebackMs: number;
  first202Ms: number;
  storeOkMs: number;
}
interface Readiness { store: string; readyz: number }

/** Four clients posting one event every 20 ms each, and /healthz polled every 100 ms, around `outage` (lasting `ms`) and `comeback`. */
async function ingestAround(url: string, outage: () => Promise<void>, comeback: () => Promise<void>, ms = 5_000): Promise<Run> {
  const accepted: string[] = [];
  const others: string[] = [];
  let maxLatencyMs = 0;
  let backAt: number | null = null;
  let first202At: number | null = null;
  let running = true;
  const client = async (c: number) => {
    for (let n = 0; running; n++) {
      const started = Date.now();
      const response = await post(url, { type: "outage.tick", data: { c, n } }).catch((e) => e as Error);
      maxLatencyMs = Math.max(maxLatencyMs, Date.now() - started);
      if (response instanceof Error) { others.push(`no answer: ${response.message}`); continue; }
      if (response.status === 202) {
        accepted.push(((await response.json()) as { id: string }).id);
        if (backAt !== null && started >= backAt) first202At ??= Date.now();
      } else {
        const problem = await response.text();
        if (response.status !== 503 || response.headers.get("retry-after") === null) others.push(`${response.status} ${problem}`);
      }
      await Bun.sleep(20);
    }
  };
  const states: ({ at: number } & Readiness)[] = [];
  const watch = async () => { while (running) { states.push({ at: Date.now(), ...(await readiness(url)) }); await Bun.sleep(100); } };
  const load = Promise.all([0, 1, 2, 3].map(client).concat(watch()));
  try {
    await Bun.sleep(1_500);
    await outage();
    const lostAt = Date.now();
    await Bun.sleep(ms);
    const during = states.filter((s) => s.at > lostAt + ms - 1_000).at(-1)!;
    const comebackBegan = Date.now();
    await comeback();
    backAt = Date.now();
    await waitFor(() => first202At !== null && states.some((s) => s.at >= backAt! && s.store === "ok"), { timeoutMs: 15_000, what: "ingest and /healthz after the outage" });
    const storeOkAt = states.find((s) => s.at >= backAt! && s.store === "ok")!.at;
    await Bun.sleep(1_000);
    running = false;
    await load;
    return {
      accepted, others, maxLatencyMs, during, after: await readiness(url),
      comebackMs: backAt - comebackBegan, first202Ms: first202At! - backAt, storeOkMs: storeOkAt - backAt,
    };
  } finally {
    running = false;
    await load;
  }
}

/** The outage's contract, whatever took Postgres away. */
async function expectRidden(gateway: Running, receiver: Receiver, run: Run): Promise<void> {
  expect(run.others).toEqual([]); // every answer that is not 202 is a 503 with Retry-After: no 500, no dropped request
  expect(run.maxLatencyMs).toBeLessThan(5_000);
  expect(run.during.store).toStartWith("error:");
  if (run.during.readyz !== 404) expect(run.during.readyz).toBe(503); // /readyz follows the store's write status
  expect(run.after.store).toBe("ok");
  if (run.after.readyz !== 404) expect(run.after.readyz).toBe(200);
  expect(lines(gateway, LOST)).toHaveLength(1);
  expect(lines(gateway, LOST)[0]).toContain(`"level":"error"`);
  expect(lines(gateway, BACK)).toHaveLength(1);
  expect(lines(gateway, BACK)[0]).toContain(`"level":"info"`);
  // Every event answered 202 reaches the receiver, without a restart of hookgate.
  const received = () => new Set(receiver.requests.map((r) => r.headers["webhook-id"]));
  await waitFor(() => run.accepted.every((id) => received().has(id)), { timeoutMs: 30_000, what: "every 202 delivered" }).catch(() => {});
  expect(run.accepted.filter((id) => !received().has(id))).toEqual([]);
  expect(gateway.proc.exitCode).toBeNull();
}

const report = (what: string, gateway: Running, run: Run) => console.log(`pg-outage ${what}: ${run.accepted.length} events accepted; `
  + `max ingest latency ${run.maxLatencyMs} ms; Postgres back in ${run.comebackMs} ms, then first 202 after ${run.first202Ms} ms, store ok after ${run.storeOkMs} ms; `
  + `warn/error lines: ${gateway.output().split("\n").filter((l) => /"level":"(warn|error)"/.test(l) && !l.includes("no admin token")).map((l) => JSON.parse(l).msg).join(" | ")}`);

/** Freezes (SIGSTOP) or thaws (SIGCONT) every process of the private cluster: a server that accepts and never answers. */
function signalCluster(cluster: PgCluster, signal: "SIGSTOP" | "SIGCONT"): void {
  const postmaster = Number(readFileSync(join(cluster.dir, "data/postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(postmaster); } catch { return false; }
  });
  for (const pid of [postmaster, ...children.map(Number)]) process.kill(pid, signal);
}

describe.skipIf(skipPgCluster)("Postgres going away (compiled binary, private cluster)", () => {
  let cluster: PgCluster;
  let receiver: Receiver;
  let gateway: Running | null = null;
  beforeAll(async () => { [cluster] = await Promise.all([startPgCluster(), ensureBinary()]); });
  afterEach(async () => { await gateway?.stop(); gateway = null; receiver?.stop(); });
  afterAll(async () => { await cluster?.remove(); });

  const start = async (endpoint = "") => {
    gateway = await startBinary(writeConfig(config(cluster.url, receiver.url, endpoint)), { HOOKGATE_MASTER_KEY: MASTER_KEY }, 60_000);
    return gateway;
  };

  test("stopped for 5 s under continuous ingest: 503 + Retry-After at once, one line each way, every 202 delivered", async () => {
    receiver = startReceiver();
    const gw = await start();
    const run = await ingestAround(gw.url, () => cluster.stop(), () => cluster.start());
    report("stop/start", gw, run);
    await expectRidden(gw, receiver, run);
  });

  // A frozen server is noticed by a query unanswered for 2 s and a probe whose connect times out after 2 more.
  test("frozen for 7 s (accepts, never answers): every request answered within 5 s, all resumes when it thaws", async () => {
    receiver = startReceiver();
    const gw = await start();
    let frozen = false;
    try {
      const run = await ingestAround(gw.url, async () => { signalCluster(cluster, "SIGSTOP"); frozen = true; },
        async () => { signalCluster(cluster, "SIGCONT"); frozen = false; }, 7_000);
      report("freeze", gw, run);
      await expectRidden(gw, receiver, run);
    } finally {
      if (frozen) signalCluster(cluster, "SIGCONT");
    }
  });

  test("restarted in the middle of a drain of 2,000 deliveries: all delivered, duplicates at most those in flight", async () => {
    const MAX_CONCURRENCY = 8;
    // About 400 deliveries a second: the drain lasts ~5 s, the restart lands in its middle.
    receiver = startReceiver(async () => { await Bun.sleep(20); return new Response("ok"); });
    const gw = await start(`, maxConcurrency: ${MAX_CONCURRENCY}`);
    const pid = gw.proc.pid;
    const before = receiver.requests.length;

    const accepted: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const response = await post(gw.url, Array.from({ length: 100 }, (_, k) => ({ type: "drain.item", data: { batch, k } })));
      expect(response.status).toBe(202);
      accepted.push(...((await response.json()) as { events: { id: string }[] }).events.map((e) => e.id));
    }
    await waitFor(() => receiver.requests.length - before >= 500, { timeoutMs: 30_000, what: "the drain under way" });
    const atRestart = receiver.requests.length - before;
    const restartStarted = Date.now();
    await cluster.stop();
    await cluster.start();
    const restartedAt = Date.now();

    await waitFor(() => new Set(receiver.requests.slice(before).map((r) => r.headers["webhook-id"])).size >= accepted.length, { timeoutMs: 60_000, what: "all 2,000 delivered" });
    const doneAt = Date.now();
    // The store settles too: every delivery recorded as succeeded.
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      await waitFor(async () => (await db.query("SELECT count(*)::int AS n FROM deliveries WHERE status <> 'succeeded'")).rows[0].n === 0, { timeoutMs: 30_000, what: "every delivery recorded" });
    } finally {
      await db.end();
    }
    await Bun.sleep(1_000); // a late duplicate would come now
    const counts = new Map<string, number>();
    for (const r of receiver.requests.slice(before)) counts.set(r.headers["webhook-id"]!, (counts.get(r.headers["webhook-id"]!) ?? 0) + 1);
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(`pg-outage drain: restart at ${atRestart}/2000 took ${restartedAt - restartStarted} ms; all delivered ${doneAt - restartedAt} ms after it; `
      + `${duplicates} duplicates; ${lines(gw, LOST).length} lost / ${lines(gw, BACK).length} back lines`);
    expect(accepted.filter((id) => !counts.has(id))).toEqual([]);
    // At most the attempts in flight when Postgres went (their records could not be written): one per slot.
    expect(duplicates).toBeLessThanOrEqual(MAX_CONCURRENCY);
    expect(gw.proc.exitCode).toBeNull();
    expect(gw.proc.pid).toBe(pid);
  });
});
