/**
 * The dispatcher's timers: one wake-up for all rate-limited lanes (set for the earliest, so a lane waiting 5 s does not
 * hold up one waiting 100 ms), one per endpoint whose open breaker waits for its next probe, and one per endpoint
 * whose ordered key waits for a retry due before the next sweep.
 */
export class WakeTimers {
  private wakeTimer: Timer | null = null;
  private wakeAt = 0;
  private probeTimers = new Map<string, Timer>();
  private claimTimers = new Map<string, { at: number; timer: Timer }>();

  /** `claimFor`: claims for the endpoint (its probe, or an ordered retry that is due). */
  constructor(private readonly onWake: () => void, private readonly claimFor: (endpointId: string) => void) {}

  wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.wakeTimer && this.wakeAt <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => { this.wakeTimer = null; this.onWake(); }, ms);
  }

  /** A later call for the same endpoint replaces the earlier one. */
  probeIn(endpointId: string, ms: number): void {
    clearTimeout(this.probeTimers.get(endpointId));
    this.probeTimers.set(endpointId, setTimeout(() => {
      this.probeTimers.delete(endpointId);
      this.claimFor(endpointId);
    }, Math.max(0, ms)));
  }

  /** Claims for the endpoint at `at` (the earliest asked for wins): an ordered key's retry holds the key meanwhile. */
  claimAt(endpointId: string, at: number): void {
    const set = this.claimTimers.get(endpointId);
    if (set && set.at <= at) return;
    if (set) clearTimeout(set.timer);
    this.claimTimers.set(endpointId, { at, timer: setTimeout(() => {
      this.claimTimers.delete(endpointId);
      this.claimFor(endpointId);
    }, Math.max(0, at - Date.now())) });
  }

  clear(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    for (const timer of this.probeTimers.values()) clearTimeout(timer);
    for (const { timer } of this.claimTimers.values()) clearTimeout(timer);
  }
}
