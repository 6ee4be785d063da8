/**
 * One full garbage collection when the gateway falls quiet after work, at most once a minute. JSC runs a full
 * collection when its own heuristics say so, which after a burst (a million events ingested) can be long after the
 * burst's garbage stopped being used: P4's RSS read 85 or 105 MB depending on whether one had run. Under steady load
 * there is no quiet second, so nothing runs; at a quiet second the collection (about 20 ms for a heap of a million
 * objects) delays only what arrives during it.
 */
export class QuietCollector {
  private busy = false;
  private lastBusy = false;
  private lastRun = -Infinity;

  constructor(private readonly collect: () => void = () => Bun.gc(true), private readonly everyMs = 60_000) {}

  /** Work happened (events taken in, deliveries to send). */
  worked(): void { this.busy = true; }

  /** Once a second: collects when the second before had work, this one none, and the last collection is a minute old. */
  tick(now = Date.now()): void {
    const quietAfterWork = this.lastBusy && !this.busy;
    this.lastBusy = this.busy;
    this.busy = false;
    if (!quietAfterWork || now - this.lastRun < this.everyMs) return;
    this.lastRun = now;
    this.collect();
  }
}
