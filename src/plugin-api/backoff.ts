/**
 * The delay before retry number `attempt` (0-based): doubling from `baseMs` up to `maxMs`, with up to
 * 20% taken off at random so that many sources failing together do not retry in lockstep.
 */
export function backoff(attempt: number, baseMs = 250, maxMs = 30_000): number {
  const ms = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ms * (1 - Math.random() * 0.2));
}

/** Waits `ms`, or less when `signal` aborts first (it resolves then; check `signal.aborted` after). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal?.removeEventListener("abort", done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
