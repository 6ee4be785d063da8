import type { RetryPolicy } from "./retry.ts";

/**
 * One endpoint's circuit breaker in this process (kept on its Lane beside the failure streak). Closed: attempts go
 * out within the endpoint's limits. Open: new and due deliveries wait in the store, and one probe at a time goes
 * out, not before `probeAt`; `probesFailed` walks the probe schedule (probeDelay).
 */
export type BreakerState =
  | { readonly kind: "closed" }
  | { readonly kind: "open"; readonly probeAt: number; readonly probesFailed: number };

/** The one closed state: a success on a closed breaker (the hot path) returns it as it is, allocating nothing. */
export const CLOSED: BreakerState = Object.freeze({ kind: "closed" });

/** What an attempt tells the breaker: the receiver answered well, failed, or nothing (hookgate could not build it). */
export type AttemptSignal = "success" | "failure" | "none";

/** What a transition means for the dispatcher: hand the queue back (opened), claim the backlog (closed), or wait. */
export type BreakerChange = "opened" | "closed" | "probe-failed" | null;

/**
 * Whether a streak of `failures` consecutive failed attempts holds the endpoint behind its breaker
 * (`delivery.circuitBreakerAfter`; 0: never). The one rule: the dispatcher applies it to the streak its lane saw,
 * the store (store/breaker-sql.ts, for /metrics) to the streak it keeps on the endpoint row.
 */
export function breakerHolds(failures: number, threshold: number): boolean {
  return threshold > 0 && failures >= threshold;
}

/** The failure streak after an attempt: a success resets it, hookgate's own failure leaves it as it was. */
export function streakAfter(failures: number, signal: AttemptSignal): number {
  return signal === "success" ? 0 : signal === "failure" ? failures + 1 : failures;
}

/**
 * A probe of an open circuit breaker waits no longer than this, whatever the retry schedule (DESIGN 11): a receiver
 * that comes back gets its backlog within 30 s.
 */
export const MAX_PROBE_DELAY_MS = 30_000;

/**
 * How long an endpoint's open circuit breaker waits before its next probe, after `probesFailed` failed probes:
 * the endpoint's retry schedule, step by step, capped at `cap` (MAX_PROBE_DELAY_MS; 30 s with no schedule).
 * Only the probe's timing: each delivery's own retries keep their schedule.
 */
export function probeDelay(policy: RetryPolicy, probesFailed: number, cap = MAX_PROBE_DELAY_MS): number {
  const steps = policy.schedule;
  const step = steps.length ? steps[Math.min(probesFailed, steps.length - 1)]! : MAX_PROBE_DELAY_MS;
  return Math.min(step, cap);
}

/**
 * The breaker after one attempt, given the streak it left (streakAfter). Pure. Once the streak holds it
 * (breakerHolds) it opens, with its first probe one schedule step away; a success closes it. Only a probe's failure
 * moves the next probe later: attempts already in flight when it opened fail too, and leave it as it is.
 */
export function breakerAfter(state: BreakerState, streak: number, signal: AttemptSignal, probe: boolean,
  endpoint: { circuitBreakerAfter: number; retry: RetryPolicy }, now: number, maxProbeDelayMs = MAX_PROBE_DELAY_MS): BreakerState {
  if (signal === "success") return CLOSED;
  if (signal === "none" || !breakerHolds(streak, endpoint.circuitBreakerAfter)) return state;
  if (state.kind === "closed") return { kind: "open", probeAt: now + probeDelay(endpoint.retry, 0, maxProbeDelayMs), probesFailed: 0 };
  if (!probe) return state;
  const probesFailed = state.probesFailed + 1;
  return { kind: "open", probeAt: now + probeDelay(endpoint.retry, probesFailed, maxProbeDelayMs), probesFailed };
}

/** What a transition from `before` to `after` (breakerAfter) asks of the dispatcher. */
export function breakerChange(before: BreakerState, after: BreakerState): BreakerChange {
  if (after === before) return null;
  if (after.kind === "closed") return before.kind === "open" ? "closed" : null;
  return before.kind === "closed" ? "opened" : "probe-failed";
}
