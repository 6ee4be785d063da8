import { backoff } from "../plugin-api/index.ts";
import { isConnectionLost, neverSent } from "./outage.ts";

/**
 * Postgres aborts one of two transactions that lock rows in opposite order (40P01, deadlock detected) and, at
 * REPEATABLE READ or above, one that lost a race (40001): the transaction did nothing and is safe to run again.
 */
const RETRYABLE = new Set(["40P01", "40001"]);

export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}

export interface ConflictRetryOptions {
  /** Runs in all, the first included. */
  attempts?: number;
  /** The first wait; each later one doubles (`backoff`: its jitter keeps the losers from colliding again). */
  baseMs?: number;
}

/** Runs `fn` (one whole transaction) again after a deadlock or serialization failure, a bounded number of times. */
export async function retryOnConflict<T>(fn: () => Promise<T>, options: ConflictRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const baseMs = options.baseMs ?? 5;
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (e) {
      if (n >= attempts || !isRetryableConflict(e)) throw e;
      await Bun.sleep(backoff(n - 1, baseMs, 1_000));
    }
  }
}

/** Set by a transaction's body as its last step: from then on its COMMIT may be on the wire. */
export interface CommitMark { sent: boolean }

/**
 * Runs a transaction again (up to `attempts` runs in all) when its connection died before its COMMIT was written
 * (pg_terminate_backend, a pooled connection that died idle): it wrote nothing. One lost while its COMMIT was on the
 * wire is not run again: it may have committed. The body sets `mark.sent = false` first and `mark.sent = true` last.
 * The wait (`backoff` from `waitMs`) lets the pool see the other connections that died with it (they end together).
 */
export async function retryBeforeCommit<T>(run: (mark: CommitMark) => Promise<T>, attempts = 3, waitMs = 10): Promise<T> {
  const mark = { sent: false };
  for (let n = 1; ; n++) {
    try {
      return await run(mark);
    } catch (e) {
      if (n >= attempts || !isConnectionLost(e) || (mark.sent && !neverSent(e))) throw e;
      await Bun.sleep(backoff(n - 1, waitMs, 1_000));
    }
  }
}
