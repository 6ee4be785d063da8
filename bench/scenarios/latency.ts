/** P3: open loop at a fixed rate of single events; latency from the sender's clock (and from hookgate's accept) to arrival. */
import * as hookgate from "../lib/hookgate.ts";
import { runProc } from "../lib/proc.ts";
import type { Receiver } from "../lib/receiver.ts";
import { percentile, wallMs } from "../lib/stats.ts";

export interface Latency { p50: number; p99: number; max: number; acceptP50: number; acceptP99: number }

/**
 * `failingNeighbour`: a second endpoint gets every event too and answers each with a 500 (P3f): what it costs the
 * healthy one is the figure.
 */
export async function openLoop(receiver: Receiver, rate: number, durationMs: number, failingNeighbour = false): Promise<Latency> {
  const neighbour = failingNeighbour ? Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("down", { status: 500 }) }) : null;
  const s = hookgate.site(receiver.url, true, neighbour ? { neighbourUrl: `http://127.0.0.1:${neighbour.port}/hooks` } : {});
  const gw = await hookgate.start(s);
  try {
    await receiver.reset();
    const r = await runProc<{ requests: number; errors: number; statuses: Record<string, number> }>("load", {
      url: s.ingestUrl, token: hookgate.TOKEN, mode: "open", batch: 1, rate, durationMs, startAt: wallMs() + 300, expect: 202,
    });
    if (r.errors) throw new Error(`open-loop ingest had ${r.errors} failures: ${JSON.stringify(r.statuses)}`);
    await receiver.waitFor(r.requests, 60_000);
    const stats = await receiver.stats(true);
    const send = Float64Array.from(stats.fromSend!).sort();
    const accept = Float64Array.from(stats.fromAccept!).sort();
    return { p50: percentile(send, 50), p99: percentile(send, 99), max: send[send.length - 1]!, acceptP50: percentile(accept, 50), acceptP99: percentile(accept, 99) };
  } finally {
    await gw.stop();
    neighbour?.stop(true);
    s.remove();
  }
}
