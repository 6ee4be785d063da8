import type * as Net from "node:net";
import type { Socket } from "node:net";

/** node:net on the first watched connect, not at start (about 3 ms of the compiled binary's start here, P5). */
let net: typeof Net | undefined;
const netModule = (): typeof Net => (net ??= require("node:net") as typeof Net);

/**
 * The connect timeout. Bun's fetch has no connect-timeout option and does not expose its socket, so a
 * receiver that never accepts (a blackholed address, a full accept queue) would hold an attempt until the
 * total timeout. For a destination that has not answered recently, a plain TCP connect to the same checked
 * address (or to the proxy) runs beside the fetch, not before it, so it adds no latency: if it has not
 * connected within `connectTimeoutMs`, the peer is not accepting, and the attempt is aborted unless
 * response headers arrived meanwhile. If it connects, or fails fast (refused, unreachable), it is closed
 * and the fetch reports for itself.
 *
 * A destination that answered within the last WARM_MS is not watched: it accepted connections moments ago
 * and likely has one pooled, so watching would only cost the receiver an empty connection (the total
 * timeout still bounds it). A timeout or network error makes it cold again, so a host that goes dark is
 * watched from its next attempt on.
 */
const WARM_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;
const warm = new Map<string, number>();

export function markWarm(key: string, now = Date.now()): void {
  warm.delete(key); // re-insert so the oldest entry is always first
  warm.set(key, now);
  if (warm.size > MAX_REMEMBERED) warm.delete(warm.keys().next().value!);
}

export function markCold(key: string): void {
  warm.delete(key);
}

/**
 * Watches the connect to `host:port`; calls `onExpired` if the peer did not accept within `timeoutMs`, else never.
 * Returns `stop`, which ends the watch. Nothing outlives the watch: no promise is shared between attempts, so an
 * attempt's closure (and its request body) is free once the attempt ends (a reaction chained on one shared,
 * never-settling promise kept every attempt alive for ever).
 */
export function watchConnect(key: string, host: string, port: number, timeoutMs: number, onExpired: () => void, now = Date.now()): () => void {
  const seen = warm.get(key);
  if (seen !== undefined && now - seen < WARM_MS) return noop;
  let socket: Socket | null = null;
  let timer: Timer | null = null;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    socket?.destroy(); // also abandons a connect still in progress
    socket = null;
  };
  timer = setTimeout(() => { stop(); onExpired(); }, timeoutMs);
  socket = netModule().connect({ host, port });
  socket.once("connect", () => { markWarm(key); stop(); });
  socket.once("error", stop); // refused or unreachable: the fetch fails fast on its own and says why
  return stop;
}

const noop = () => {};
