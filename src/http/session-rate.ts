/**
 * `tenants.requestsPerSecond`: how fast one tenant session may call the admin API (DESIGN §9). A token bucket per
 * session, in this process: it refills at the rate and holds up to BURST_SECONDS of it, so a portal page that asks
 * for its list and a row's details at once is never refused, while a script hammering the API is. Past it the
 * caller is told when to come back (whole seconds, at least 1).
 */
export const BURST_SECONDS = 3;
/** Buckets past this many are pruned of the full ones (sessions idle long enough to have refilled). */
const MAX_BUCKETS = 10_000;

export class SessionRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A reloaded rate: the buckets keep their tokens and refill at it from now on. */
  reload(rate: number): void {
    this.rate = rate;
  }

  /** Takes one request from the session's bucket: null when it may go on, else the seconds to wait (Retry-After). */
  take(session: string): number | null {
    const rate = this.rate;
    const capacity = Math.max(1, rate * BURST_SECONDS);
    const now = this.now();
    let bucket = this.buckets.get(session);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(now, rate, capacity);
      bucket = { tokens: capacity, at: now };
      this.buckets.set(session, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  private prune(now: number, rate: number, capacity: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * rate >= capacity) this.buckets.delete(key);
  }
}
