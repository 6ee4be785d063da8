import type { DeliveryStatus } from "../../store/schema.ts";

/** What an attempt's answer means for its delivery (DESIGN section 4). Pure. */
export type Verdict = "succeeded" | "retry" | "fail" | "gone";

export function verdictOf(statusCode: number | null): Verdict {
  if (statusCode === null) return "retry"; // timeout, network error, refused by the address policy
  if (statusCode >= 200 && statusCode < 300) return "succeeded";
  if (statusCode === 410) return "gone";
  if (statusCode === 408 || statusCode === 425 || statusCode === 429) return "retry";
  if (statusCode >= 400 && statusCode < 500) return "fail";
  return "retry"; // 3xx (redirects are never followed), 5xx, and anything odd
}

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** `Retry-After` as a delay in ms: seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER_MS);
}

export interface RetryPolicy {
  /** Delays after the first attempt, in ms. */
  schedule: readonly number[];
  jitter: number;
}

/**
 * When the next attempt is due after `attemptsMade` attempts, or null when the schedule is spent.
 * `Retry-After` moves it later, never earlier.
 */
export function nextAttemptAt(policy: RetryPolicy, attemptsMade: number, now: number, retryAfterMs: number | null, random = Math.random()): number | null {
  const base = policy.schedule[attemptsMade - 1];
  if (base === undefined) return null;
  const jittered = base * (1 + policy.jitter * (2 * random - 1));
  return now + Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** The delivery's next state after an attempt with this verdict. */
export function afterAttempt(policy: RetryPolicy, verdict: Verdict, attemptsMade: number, now: number, retryAfterMs: number | null):
  { status: DeliveryStatus; nextAttemptAt: number | null } {
  if (verdict === "succeeded") return { status: "succeeded", nextAttemptAt: null };
  if (verdict === "fail" || verdict === "gone") return { status: "failed", nextAttemptAt: null };
  const next = nextAttemptAt(policy, attemptsMade, now, retryAfterMs);
  return next === null ? { status: "failed", nextAttemptAt: null } : { status: "retrying", nextAttemptAt: next };
}
