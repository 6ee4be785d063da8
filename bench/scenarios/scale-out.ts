/**
 * P2pg, P2pg2: P2 on a Postgres store with 1 and 2 processes sharing the drain. P7: kill -9 of one of two processes
 * during a drain, and the time until the deliveries it had leased are delivered by the other (lease recovery).
 * Each run gets a fresh database on the local Postgres; every process is the compiled binary in a folder of its own.
 */
import * as hookgate from "../lib/hookgate.ts";
import { createDatabase, type BenchDatabase } from "../lib/postgres.ts";
import { cpuSeconds } from "../lib/proc.ts";
import type { Receiver } from "../lib/receiver.ts";
import { wallMs } from "../lib/stats.ts";
import { fill } from "./ingest.ts";

interface Cluster { db: BenchDatabase; sites: hookgate.Site[]; procs: hookgate.Running[] }

/** `n` processes on one fresh database, the endpoint disabled, `count` deliveries pending (ingested through the first). */
async function pendingCluster(receiver: Receiver, n: number, count: number, delivery?: string): Promise<Cluster> {
  const db = await createDatabase();
  const sites = Array.from({ length: n }, () => hookgate.site(receiver.url, false, { postgres: db.url, delivery }));
  const cluster: Cluster = { db, sites, procs: [] };
  try {
    for (const s of sites) cluster.procs.push(await hookgate.start(s)); // one by one: the first migrates
    await fill(sites[0]!.ingestUrl, count);
    await Bun.sleep(1_500); // let the fill's commits and a sweep settle before the clock starts
    const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE status IN ('pending', 'retrying')");
    if (row!.n !== count) throw new Error(`expected ${count} pending deliveries, found ${row!.n}`);
    await receiver.reset();
    return cluster;
  } catch (e) {
    await stop(cluster);
    throw e;
  }
}

async function stop(c: Cluster): Promise<void> {
  await Promise.all(c.procs.map((p) => (p.proc.exitCode === null && p.proc.signalCode === null ? p.stop() : p.proc.exited)));
  for (const s of c.sites) s.remove();
  await c.db.drop();
}

/** Enables the endpoint through every process's admin API at once (the same write on each, so none waits for a refresh). */
async function enableEverywhere(c: Cluster): Promise<void> {
  const enabled = await Promise.all(c.sites.map((s) => hookgate.enableViaAdmin(s)));
  if (!enabled.every(Boolean)) throw new Error("this build has no admin API to enable the endpoint");
}

/** Deliveries per second with `n` processes: from the enable to the last arrival; and all processes' CPU per delivery. */
export async function postgresDrain(receiver: Receiver, count: number, n: number): Promise<{ rate: number; cpuUs: number }> {
  const c = await pendingCluster(receiver, n, count);
  try {
    const pids = c.procs.map((p) => p.proc.pid);
    const cpu = async () => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
    const cpuBefore = await cpu();
    const startAt = wallMs();
    await enableEverywhere(c);
    const stats = await receiver.waitFor(count, 60_000 + count * 5);
    return { rate: count / ((stats.lastAt - startAt) / 1000), cpuUs: (((await cpu()) - cpuBefore) * 1e6) / count };
  } finally {
    await stop(c);
  }
}

/**
 * Two processes drain `count`; when a third has arrived, the first is killed with SIGKILL. Its leases are the
 * deliveries still pending 1.5 s later whose lease began before the kill (the survivor has long finished its own
 * by then). Returns the time from the kill until the last of them is recorded delivered, how many there were, and
 * the duplicates the receiver saw (attempts the dead process had sent but not recorded).
 */
export async function leaseRecovery(receiver: Receiver, count: number, timeoutMs: number): Promise<{ ms: number; leased: number; duplicates: number; leaseMs: number }> {
  const leaseMs = 2 * timeoutMs + 5_000; // src/core/delivery/claims.ts leaseMs
  const c = await pendingCluster(receiver, 2, count, `timeoutMs: ${timeoutMs}`);
  try {
    await enableEverywhere(c);
    await receiver.waitFor(Math.ceil(count / 3), 60_000 + count * 5);
    const victim = c.procs[0]!;
    victim.proc.kill("SIGKILL");
    const killAt = Date.now();
    await victim.proc.exited;
    await Bun.sleep(1_500);
    const leased = (await c.db.query<{ id: string }>(
      "SELECT id FROM deliveries WHERE status IN ('pending', 'retrying') AND next_attempt_at > $1 AND next_attempt_at <= $2",
      [killAt, killAt + leaseMs],
    )).map((r) => r.id);
    let doneAt = Date.now();
    for (;;) {
      const [row] = await c.db.query<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE id = ANY($1) AND status <> 'succeeded'", [leased]);
      doneAt = Date.now();
      if (row!.n === 0) break;
      if (doneAt - killAt > leaseMs + 60_000) throw new Error(`${row!.n} deliveries of the killed process were not taken over`);
      await Bun.sleep(100);
    }
    const stats = await receiver.waitFor(count, 60_000 + count * 5);
    return { ms: doneAt - killAt, leased: leased.length, duplicates: stats.requests - stats.distinct, leaseMs };
  } finally {
    await stop(c);
  }
}
