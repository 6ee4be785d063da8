import { MAX_PROBE_DELAY_MS, probeDelay, type RetryPolicy } from "./retry.ts";

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
 * Whether a streak of `failures` consecutive failed attempts holds the endpoint behind its breaker
 * (`delivery.circuitBreakerAfter`; 0: never). The one rule: the dispatcher applies it to the streak its lane saw,
 * the store (store/breaker-sql.ts, for /metrics) to the streak it keeps on the endpoint row.
 */
export function breakerHolds(failures: number, threshold: number): boolean {
  return threshold > 0 && failures >= threshold;
}

/**
 * Updates the breaker after one attempt. Once the streak holds it (breakerHolds) it opens: new and due deliveries
 * wait, and one probe at a time goes out on the retry schedule, at most `maxProbeDelayMs` apart (probeDelay). A
 * success closes it. Returns "opened" (hand the queue back to the store), "closed" (claim the backlog),
 * "probe-failed" (wait for the next probe) or null.
 */
export function breakerAfter(state: BreakerState, signal: AttemptSignal, probe: boolean, threshold: number, policy: RetryPolicy, now: number,
  maxProbeDelayMs = MAX_PROBE_DELAY_MS): "opened" | "closed" | "probe-failed" | null {
  if (signal === "none") return null;
  if (signal === "success") {
    state.failures = 0;
    if (state.probeAt === 0) return null;
    state.probeAt = 0; state.probesFailed = 0;
    return "closed";
  }
  state.failures++;
  if (!breakerHolds(state.failures, threshold)) return null;
  if (state.probeAt === 0) {
    state.probeAt = now + probeDelay(policy, 0, maxProbeDelayMs);
    return "opened";
  }
  // Attempts already in flight when it opened fail too; only a probe's failure moves the next probe later.
  if (!probe) return null;
  state.probesFailed++;
  state.probeAt = now + probeDelay(policy, state.probesFailed, maxProbeDelayMs);
  return "probe-failed";
}
