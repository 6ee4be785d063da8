/** L0, P1, P1b: closed-loop ingest at concurrency 64 against the trivial server and against hookgate. */
import * as hookgate from "../lib/hookgate.ts";
import { cpuSeconds, runProc, startProc } from "../lib/proc.ts";
import { wallMs } from "../lib/stats.ts";

export interface LoadShape {
  /** Load generator processes sharing the concurrency (one Bun process's fetch can itself be the limit). */
  procs: number;
  concurrency: number;
  warmMs: number;
  durationMs: number;
}

interface LoadResult { requests: number; events: number; errors: number; statuses: Record<string, number> }

/** What the load's events are and what answer each expects (procs/load.ts). */
export interface LoadEvents { expect?: number; tenants?: number; type?: string; account?: string }

/** Events per second answered with `expect` inside the measured window; throws on any other answer. */
export async function drive(url: string, batch: number, shape: LoadShape, { expect = 202, ...events }: LoadEvents = {}): Promise<number> {
  const startAt = wallMs() + 300 + 50 * shape.procs; // room for the generators to start
  const countFrom = startAt + shape.warmMs;
  const endAt = countFrom + shape.durationMs;
  const per = Math.ceil(shape.concurrency / shape.procs);
  const results = await Promise.all(Array.from({ length: shape.procs }, () => runProc<LoadResult>("load", {
    url, token: hookgate.TOKEN, mode: "closed", batch, startAt, countFrom, endAt, concurrency: per, expect, ...events,
  })));
  const errors = results.reduce((n, r) => n + r.errors, 0);
  if (errors) throw new Error(`${errors} requests to ${url} failed: ${JSON.stringify(results.map((r) => r.statuses))}`);
  return results.reduce((n, r) => n + r.events, 0) / (shape.durationMs / 1000);
}

export async function trivialBaseline(shape: LoadShape): Promise<{ rate: number; cpuUs: number }> {
  const server = await startProc<{ port: number }>("trivial");
  try {
    const before = await cpuSeconds(server.proc.pid);
    const rate = await drive(`http://127.0.0.1:${server.info.port}/v1/events`, 1, shape);
    const cpu = (await cpuSeconds(server.proc.pid)) - before;
    return { rate, cpuUs: (cpu * 1e6) / (rate * ((shape.durationMs + shape.warmMs) / 1000)) };
  } finally {
    await server.stop();
  }
}

/** hookgate's ingest with its only endpoint disabled: every event is committed, nothing is sent. */
export async function hookgateIngest(shape: LoadShape, batch: number): Promise<{ rate: number; cpuUs: number }> {
  const s = hookgate.site("http://127.0.0.1:9/hooks", false);
  const gw = await hookgate.start(s);
  try {
    const before = await cpuSeconds(gw.proc.pid);
    const rate = await drive(s.ingestUrl, batch, shape);
    // Includes the warm-up's events too: CPU over the whole drive, per event answered in the window, is close.
    const cpu = (await cpuSeconds(gw.proc.pid)) - before;
    const events = rate * ((shape.durationMs + shape.warmMs) / 1000);
    return { rate, cpuUs: (cpu * 1e6) / events };
  } finally {
    await gw.stop();
    s.remove();
  }
}

/** Fills a gateway with `events` events in arrays of 500 (not timed by the caller's clock); `keys`: ordering keys (P2o). */
export async function fill(url: string, events: number, concurrency = 4, keys?: number): Promise<void> {
  const batch = Math.min(500, events);
  const r = await runProc<LoadResult>("load", {
    url, token: hookgate.TOKEN, mode: "count", batch, total: Math.ceil(events / batch), concurrency, startAt: 0, expect: 202, keys,
  });
  if (r.errors) throw new Error(`filling ${url} failed: ${JSON.stringify(r.statuses)}`);
}
