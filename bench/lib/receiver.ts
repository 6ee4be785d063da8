import { startProc } from "./proc.ts";
import { SECRET } from "./hookgate.ts";

export interface ReceiverStats { distinct: number; requests: number; bad: number; firstAt: number; lastAt: number; fromSend?: number[]; fromAccept?: number[] }

/** The bench receiver process (bench/procs/receiver.ts) and its control routes. */
export async function startReceiver() {
  const r = await startProc<{ port: number }>("receiver", {}, { BENCH_SECRET: SECRET });
  const base = `http://127.0.0.1:${r.info.port}`;
  return {
    url: `${base}/hooks`,
    reset: () => fetch(`${base}/_reset`, { method: "POST" }).then((x) => x.json()),
    stats: (latency = false): Promise<ReceiverStats> => fetch(`${base}/_stats${latency ? "?latency" : ""}`).then((x) => x.json() as Promise<ReceiverStats>),
    /** Resolves when `n` distinct deliveries arrived; throws after `timeoutMs`. */
    async waitFor(n: number, timeoutMs: number): Promise<ReceiverStats> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = deadline - Date.now();
        const w = (await fetch(`${base}/_wait?n=${n}&timeout=${Math.max(1, Math.min(20_000, left))}`).then((x) => x.json())) as { done: boolean; distinct: number };
        if (w.done) break;
        if (Date.now() >= deadline) throw new Error(`only ${w.distinct} of ${n} deliveries arrived in ${timeoutMs} ms`);
      }
      const stats = await this.stats();
      if (stats.bad) throw new Error(`the receiver refused ${stats.bad} requests (bad signature or body)`);
      return stats;
    },
    stop: r.stop,
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
