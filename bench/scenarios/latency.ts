/** P3: open loop at a fixed rate of single events; latency from the sender's clock (and from hookgate's accept) to arrival. */
import * as hookgate from "../lib/hookgate.ts";
import { runProc } from "../lib/proc.ts";
import type { Receiver } from "../lib/receiver.ts";
import { percentile, wallMs } from "../lib/stats.ts";
import { EVENT_TYPE } from "../lib/body.ts";
import { drive } from "./ingest.ts";

export interface Latency { p50: number; p99: number; max: number; acceptP50: number; acceptP99: number }

/** P3fair: tenant A's endpoints whose receiver never answers, with the longest timeout a tenant may set. */
const HANGING = { endpoints: 50, events: 4, timeoutMs: 300_000 };

/**
 * `around`: `failing`, a second endpoint gets every event too and answers each with a 500 (P3f); `hanging`, the
 * measured endpoint is tenant B's (`t0`), and tenant A has 50 endpoints whose receiver never answers, each with
 * deliveries in flight or queued for the whole run (P3fair). What they cost the measured endpoint is the figure.
 */
/** P3load: the background load beside P3's open loop, P1's shape (closed loop, single events) of a type only a disabled endpoint gets. */
const LOAD = { type: "bench.load", concurrency: 32 };

export async function openLoop(receiver: Receiver, rate: number, durationMs: number, around: "alone" | "failing" | "hanging" | "loaded" = "alone"): Promise<Latency & { loadRate?: number }> {
  const neighbour = around === "failing" ? Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("down", { status: 500 }) }) : null;
  const hang = around === "hanging" ? Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, error() {} } }) : null;
  const hangingEndpoints = hang ? Array.from({ length: HANGING.endpoints }, (_, i) =>
    `{ id: "a-${i}", tenant: "a", url: "http://127.0.0.1:${hang.port}/${i}", events: ["hang.*"], signing: { scheme: "none" }, timeoutMs: ${HANGING.timeoutMs} }`).join(",\n    ") : undefined;
  const s = hookgate.site(receiver.url, true, neighbour ? { neighbourUrl: `http://127.0.0.1:${neighbour.port}/hooks` }
    : hang ? { endpoint: 'tenant: "t0"', endpoints: hangingEndpoints }
    : around === "loaded" ? { events: `["${EVENT_TYPE}"]`, endpoints: `{ id: "sink", url: "http://127.0.0.1:9/hooks", events: ["${LOAD.type}"], enabled: false, signing: { scheme: "none" } }` } : {});
  const gw = await hookgate.start(s);
  try {
    await receiver.reset();
    if (hang) {
      // Every endpoint of tenant A gets deliveries that hang (4 × 50: more than any slot count), before the loop starts.
      const hangEvents = Array.from({ length: HANGING.events }, (_, i) => ({ type: "hang.x", tenant: "a", data: { i } }));
      const posted = await fetch(s.ingestUrl, { method: "POST", headers: { authorization: `Bearer ${hookgate.TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(hangEvents) });
      if (posted.status !== 202) throw new Error(`posting tenant A's events answered ${posted.status}`);
      await Bun.sleep(500);
    }
    // P3load: P1's kind of load (a durable commit per group of single events) for the whole open loop, beside it.
    const background = around === "loaded" ? drive(s.ingestUrl, 1, { procs: 1, concurrency: LOAD.concurrency, warmMs: 0, durationMs }, { type: LOAD.type }) : null;
    const r = await runProc<{ requests: number; errors: number; statuses: Record<string, number> }>("load", {
      url: s.ingestUrl, token: hookgate.TOKEN, mode: "open", batch: 1, rate, durationMs, startAt: wallMs() + 300, expect: 202,
      ...(hang && { tenants: 1 }), // every event of tenant t0, the measured endpoint's
    });
    const loadRate = background ? await background : undefined;
    if (r.errors) throw new Error(`open-loop ingest had ${r.errors} failures: ${JSON.stringify(r.statuses)}`);
    await receiver.waitFor(r.requests, 60_000);
    const stats = await receiver.stats(true);
    const send = Float64Array.from(stats.fromSend!).sort();
    const accept = Float64Array.from(stats.fromAccept!).sort();
    return { p50: percentile(send, 50), p99: percentile(send, 99), max: send[send.length - 1]!, acceptP50: percentile(accept, 50), acceptP99: percentile(accept, 99), loadRate };
  } finally {
    hang?.stop(true); // first: the gateway's stop waits for attempts in flight, here up to their 300 s timeout
    await gw.stop();
    neighbour?.stop(true);
    s.remove();
  }
}
