import type { AttemptRow, EventRow } from "../store/schema.ts";
import type { AttemptOutcome, Store } from "../store/types.ts";

/**
 * Attempt records wait this long (or until this many are waiting) to share one transaction: every commit is an
 * fsync, and an unrecorded attempt only means a resend after its lease if the process dies (at-least-once; the
 * resend is numbered after it, see DeliveriesTable.leases).
 */
const RECORD_WINDOW_MS = 10;
const RECORD_BATCH = 512;

export interface RecorderHooks {
  /** The store disabled an endpoint (a 410, or a sustained failure streak). */
  disabled(id: string, reason: string): void;
  /** A delivery's final failure is committed (its schedule ran out, or it failed for good). */
  exhausted?(outcome: AttemptOutcome, event: EventRow): void;
  /** A batch could not be written: its attempts are tried again when their leases end. */
  failed(error: unknown, attempts: number): void;
}

/** Writes attempt records and hands leased deliveries back to the store, in batches. */
export class Recorder {
  private outcomes: { outcome: AttemptOutcome; event?: EventRow; done: (row: AttemptRow) => void }[] = [];
  /** Leased deliveries handed back unsent, each group due again at its time. */
  private releases: { ids: string[]; at: number }[] = [];
  private flushing: Promise<void> | null = null;
  private timer: Timer | null = null;
  private urgent = false;

  constructor(private readonly store: Store, private readonly hooks: RecorderHooks, private readonly windowMs = RECORD_WINDOW_MS) {}

  /** Queues one attempt's record (of a delivery of `event`); resolves with the attempt once it is committed (or its batch failed). */
  record(outcome: AttemptOutcome, event?: EventRow): Promise<AttemptRow> {
    return new Promise<AttemptRow>((done) => {
      this.outcomes.push({ outcome, event, done });
      this.schedule(this.outcomes.length >= RECORD_BATCH);
    });
  }

  release(ids: string[], at: number): void {
    if (ids.length === 0) return;
    this.releases.push({ ids, at });
    this.schedule();
  }

  /** From now on every record is written at once (shutdown). */
  hurry(): void { this.urgent = true; }

  /** Resolves when everything queued so far is written. */
  async idle(): Promise<void> {
    this.schedule();
    while (this.flushing) await this.flushing;
  }

  /** Records are written after a short window (or at once: a full batch, releases, shutdown). */
  private schedule(now = true): void {
    if (this.flushing) return;
    if (!now && !this.urgent) {
      this.timer ??= setTimeout(() => { this.timer = null; this.schedule(); }, this.windowMs);
      return;
    }
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.flushing = new Promise<void>((resolve) => setImmediate(() => this.flush().finally(resolve)));
  }

  private async flush(): Promise<void> {
    while (this.outcomes.length || this.releases.length) {
      const batch = this.outcomes; this.outcomes = [];
      const releases = this.releases; this.releases = [];
      try {
        for (const r of releases) await this.store.release(r.ids, r.at);
        const disabled = await this.store.recordAttempts(batch.map((b) => b.outcome));
        for (const { id, reason } of disabled) this.hooks.disabled(id, reason);
        for (const b of batch) if (b.event && b.outcome.delivery.status === "failed") this.hooks.exhausted?.(b.outcome, b.event);
      } catch (e) {
        this.hooks.failed(e, batch.length);
      }
      for (const b of batch) b.done(b.outcome.attempt as AttemptRow);
    }
    this.flushing = null;
  }
}
