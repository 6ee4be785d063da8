import { connect, type Socket } from "node:net";

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

export interface ConnectWatch {
  /** Resolves if the peer did not accept within the timeout; never rejects, never resolves otherwise. */
  expired: Promise<void>;
  stop(): void;
}

const never = new Promise<void>(() => {});

export function watchConnect(key: string, host: string, port: number, timeoutMs: number, now = Date.now()): ConnectWatch {
  const seen = warm.get(key);
  if (seen !== undefined && now - seen < WARM_MS) return { expired: never, stop() {} };
  let socket: Socket | null = null;
  let timer: Timer | null = null;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    socket?.destroy(); // also abandons a connect still in progress
    socket = null;
  };
  const expired = new Promise<void>((fire) => {
    timer = setTimeout(() => { stop(); fire(); }, timeoutMs);
    socket = connect({ host, port });
    socket.once("connect", () => { markWarm(key); stop(); });
    socket.once("error", stop); // refused or unreachable: the fetch fails fast on its own and says why
  });
  return { expired, stop };
}
