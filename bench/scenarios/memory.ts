/** P4: RSS of hookgate holding many pending deliveries for a disabled endpoint, after a couple of sweeps. */
import * as hookgate from "../lib/hookgate.ts";
import { rssMb, startProc } from "../lib/proc.ts";
import { wallMs } from "../lib/stats.ts";
import { fill } from "./ingest.ts";

export async function pendingRss(count: number): Promise<{ rss: number; idleRss: number; fillRate: number }> {
  const s = hookgate.site("http://127.0.0.1:9/hooks", false);
  const gw = await hookgate.start(s);
  try {
    await Bun.sleep(1_500);
    const idleRss = await rssMb(gw.proc.pid);
    const t = wallMs();
    await fill(s.ingestUrl, count);
    const fillRate = count / ((wallMs() - t) / 1000);
    await Bun.sleep(2_500); // the sweep runs every second: two or more have passed
    return { rss: await rssMb(gw.proc.pid), idleRss, fillRate };
  } finally {
    await gw.stop();
    s.remove();
  }
}

/**
 * M1: RSS growth from attempts to a failing endpoint (every POST answered 500). `count` events are stored for the
 * disabled endpoint first, so the baseline is the idle gateway already holding them (SQLite's page cache and the
 * ingest's high-water mark are in it, as in P4); then the endpoint is enabled and its `count` first attempts run
 * (retries an hour away, auto-disable and the circuit breaker off). RSS is read once the attempts are done and the runtime has settled.
 * An attempt that left anything behind (issue 10.1: its closure and request body) shows as growth.
 */
export async function failingAttemptsRss(count: number): Promise<{ growth: number; idleRss: number; filledRss: number; attemptRate: number }> {
  const failing = await startProc<{ port: number }>("failing");
  const attempts = async () => ((await fetch(`http://127.0.0.1:${failing.info.port}/_count`).then((r) => r.json())) as { requests: number }).requests;
  const s = hookgate.site(`http://127.0.0.1:${failing.info.port}/hooks`, false, {
    // Every attempt must run (the figure is per attempt): no circuit breaker, retries an hour away, no auto-disable.
    endpoint: 'schedule: ["1h"], autoDisableAfter: 0', delivery: "circuitBreakerAfter: 0",
  });
  try {
    const gw = await hookgate.start(s);
    try {
      await Bun.sleep(1_500);
      const idleRss = await rssMb(gw.proc.pid);
      await fill(s.ingestUrl, count);
      await Bun.sleep(SETTLE_MS);
      const filledRss = await rssMb(gw.proc.pid);
      const t = wallMs();
      if (!(await hookgate.enableViaAdmin(s))) throw new Error("M1 needs the admin API to enable the endpoint");
      const deadline = Date.now() + 60_000 + count * 2;
      for (let n = await attempts(); n < count; n = await attempts()) {
        if (Date.now() > deadline) throw new Error(`only ${n} of ${count} attempts arrived`);
        await Bun.sleep(100);
      }
      const attemptRate = count / ((wallMs() - t) / 1000);
      await Bun.sleep(SETTLE_MS);
      return { growth: (await rssMb(gw.proc.pid)) - filledRss, idleRss, filledRss, attemptRate };
    } finally {
      await gw.stop();
    }
  } finally {
    await failing.stop();
    s.remove();
  }
}

/** Bun returns freed memory to the OS some seconds after a burst; a retained attempt never is. */
const SETTLE_MS = 10_000;
