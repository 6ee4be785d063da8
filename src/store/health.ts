import type { AttemptOutcome } from "./store.ts";

/** What a batch of attempts does to one endpoint's consecutive-failure count. */
export interface HealthChange {
  id: string;
  /** A success in the batch resets the stored count to `failures`; otherwise `failures` is added to it. */
  reset: boolean;
  failures: number;
  /** A reason that disables the endpoint whatever the count (a 410). */
  gone: string | null;
  autoDisableAfter: number;
}

/** Groups a batch's attempt results per endpoint: only the run of failures after the last success counts. */
export function healthChanges(results: AttemptOutcome["endpoint"][]): HealthChange[] {
  const byEndpoint = new Map<string, AttemptOutcome["endpoint"][]>();
  for (const r of results) {
    const list = byEndpoint.get(r.id);
    if (list) list.push(r); else byEndpoint.set(r.id, [r]);
  }
  return [...byEndpoint].map(([id, list]) => {
    const lastSuccess = list.map((r) => r.success).lastIndexOf(true);
    return {
      id, reset: lastSuccess >= 0, failures: list.length - lastSuccess - 1,
      gone: list.find((r) => r.disableReason)?.disableReason ?? null, autoDisableAfter: list[0]!.autoDisableAfter,
    };
  });
}

/** The reason to disable the endpoint after the update, or null. */
export function disableReason(change: HealthChange, consecutiveFailures: number): string | null {
  const limit = change.autoDisableAfter;
  return change.gone ?? (limit > 0 && consecutiveFailures >= limit ? `disabled after ${consecutiveFailures} consecutive failed attempts` : null);
}
