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
  /** The first wait; each later one doubles, with full jitter so the two losers do not collide again. */
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
      await Bun.sleep(Math.random() * baseMs * 2 ** n);
    }
  }
}
