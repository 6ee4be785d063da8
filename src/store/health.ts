import type { EndpointRow } from "./schema.ts";
import type { AttemptOutcome } from "./types.ts";

/** What a batch of attempts does to one endpoint's failure streak. */
export interface HealthChange {
  id: string;
  /** A success in the batch resets the stored count to `failures`; otherwise `failures` is added to it. */
  reset: boolean;
  failures: number;
  /** When the batch's failures after its last success began: the streak's start if it starts here. */
  firstFailureAt: number | null;
  /** A reason that disables the endpoint whatever the count (a 410). */
  gone: string | null;
  autoDisableAfter: number;
  autoDisableWindowMs: number;
  /** The batch's newest attempt (by start): stored unless the endpoint already has a newer one. */
  lastAttemptAt: number;
  lastStatusCode: number | null;
}

type EndpointResult = NonNullable<AttemptOutcome["endpoint"]>;

/**
 * Groups a batch's attempt results per endpoint: only the run of failures after the last success counts.
 * Attempts with no endpoint result (hookgate could not build the request) say nothing about the receiver.
 */
export function healthChanges(results: AttemptOutcome["endpoint"][]): HealthChange[] {
  const byEndpoint = new Map<string, EndpointResult[]>();
  for (const r of results) {
    if (!r) continue;
    const list = byEndpoint.get(r.id);
    if (list) list.push(r); else byEndpoint.set(r.id, [r]);
  }
  return [...byEndpoint].map(([id, list]) => {
    const lastSuccess = list.map((r) => r.success).lastIndexOf(true);
    const last = list[list.length - 1]!;
    const newest = list.reduce((a, b) => (b.at >= a.at ? b : a));
    return {
      id, reset: lastSuccess >= 0, failures: list.length - lastSuccess - 1, firstFailureAt: list[lastSuccess + 1]?.at ?? null,
      gone: list.find((r) => r.disableReason)?.disableReason ?? null,
      autoDisableAfter: last.autoDisableAfter, autoDisableWindowMs: last.autoDisableWindowMs,
      lastAttemptAt: newest.at, lastStatusCode: newest.statusCode,
    };
  });
}

/**
 * The reason to disable the endpoint after the update, or null: a 410, or a streak of at least
 * `autoDisableAfter` failures whose first is at least `autoDisableWindowMs` old (a short outage never disables).
 */
export function disableReason(change: HealthChange, streak: { failures: number; since: number | null }, now: number): string | null {
  if (change.gone) return change.gone;
  const limit = change.autoDisableAfter;
  if (limit <= 0 || streak.failures < limit || streak.since === null) return null;
  const age = now - streak.since;
  if (age < change.autoDisableWindowMs) return null;
  return `disabled after ${streak.failures} consecutive failed attempts over ${Math.round(age / 100) / 10} s`;
}

/** The verdict on an endpoint's streak as its update returned it: no reason when it is gone or already disabled. */
export function verdict(change: HealthChange, row: Pick<EndpointRow, "consecutive_failures" | "failing_since" | "enabled"> | null | undefined, now: number): string | null {
  if (!row || !row.enabled) return null;
  return disableReason(change, { failures: row.consecutive_failures, since: row.failing_since }, now);
}
