import { probeDelay, type RetryPolicy } from "./retry.ts";

/** One endpoint's circuit breaker in this process (kept on its Lane). */
export interface BreakerState {
  /** Consecutive failed attempts seen (reset by a success). */
  failures: number;
  /** While open: when the next single probe may start; 0 while closed. */
  probeAt: number;
  probesFailed: number;
}

/** What an attempt tells the breaker: the receiver answered well, failed, or nothing (hookgate could not build it). */
export type AttemptSignal = "success" | "failure" | "none";

/**
 * Updates the breaker after one attempt. Past `threshold` consecutive failures (0: never) it opens: new and
 * due deliveries wait, and one probe at a time goes out on the retry schedule (probeDelay). A success closes it.
 * Returns "opened" (hand the queue back to the store), "closed" (claim the backlog), "probe-failed" (wait
 * for the next probe) or null.
 */
export function breakerAfter(state: BreakerState, signal: AttemptSignal, probe: boolean, threshold: number, policy: RetryPolicy, now: number):
  "opened" | "closed" | "probe-failed" | null {
  if (signal === "none") return null;
  if (signal === "success") {
    state.failures = 0;
    if (state.probeAt === 0) return null;
    state.probeAt = 0; state.probesFailed = 0;
    return "closed";
  }
  state.failures++;
  if (threshold <= 0 || state.failures < threshold) return null;
  if (state.probeAt === 0) {
    state.probeAt = now + probeDelay(policy, 0);
    return "opened";
  }
  // Attempts already in flight when it opened fail too; only a probe's failure moves the next probe later.
  if (!probe) return null;
  state.probesFailed++;
  state.probeAt = now + probeDelay(policy, state.probesFailed);
  return "probe-failed";
}
