import type { AttemptRow, EventRow } from "../../store/schema.ts";
import type { AttemptOutcome, ClaimedDelivery, Store } from "../../store/types.ts";

/**
 * Attempt records wait this long (or until this many are waiting) to share one transaction: every commit is an
 * fsync, and an unrecorded attempt only means a resend after its lease if the process dies (at-least-once; the
 * resend is numbered after it, see DeliveriesTable.leases).
 */
const RECORD_WINDOW_MS = 10;
const RECORD_BATCH = 512;
/** The window when an ordered delivery ended: the next of its key waits for this commit (DESIGN §13). */
const ORDERED_WINDOW_MS = 1;

/** A batch that could not be written is tried again after these waits, then given up (with a `failed` that says so). */
const RETRY_WAITS_MS = [250, 1_000, 2_000, 5_000, 10_000, 30_000, 30_000, 30_000];
/** Attempts kept for a retry at most: past this (a long outage) the oldest batches are given up first. */
const MAX_KEPT = 100_000;

export interface RecorderHooks {
  /** The store disabled an endpoint (a 410, or a sustained failure streak). */
  disabled(id: string, reason: string): void;
  /** A delivery's final failure is committed (its schedule ran out, or it failed for good). */
  exhausted?(outcome: AttemptOutcome, event: EventRow): void;
  /** A batch could not be written: it is kept and tried again, and said again when given up (its leases resend it). */
  failed(error: unknown, attempts: number): void;
  /** Ordered deliveries the batch leased to this process: the next of each key that ended (types.ts EndedKey). */
  leased?(claimed: ClaimedDelivery[]): void;
}

/** An attempt's record, and the event of its delivery (for `exhausted` once a final failure is committed). */
type Item = { outcome: AttemptOutcome; event?: EventRow };
type Queued = Item & { done: (row: AttemptRow) => void };
/** A batch that failed: its attempts were sent, so it is written later rather than lost from the delivery log. */
interface Kept { items: Item[]; tries: number; due: number }

/** Writes attempt records and hands leased deliveries back to the store, in batches. */
export class Recorder {
  private outcomes: Queued[] = [];
  /** Leased deliveries handed back unsent, each group due again at its time. */
  private releases: { ids: string[]; at: number }[] = [];
  private kept: Kept[] = [];
  private keptTimer: Timer | null = null;
  private flushing: Promise<void> | null = null;
  private timer: Timer | null = null;
  /** The window `timer` was set for. */
  private timerMs = 0;
  private urgent = false;

  constructor(private readonly store: Store, private readonly hooks: RecorderHooks, private readonly windowMs = RECORD_WINDOW_MS) {}

  /** Queues one attempt's record (of a delivery of `event`); resolves with the attempt once it is committed (or its batch failed and is kept). */
  record(outcome: AttemptOutcome, event?: EventRow): Promise<AttemptRow> {
    return new Promise<AttemptRow>((done) => {
      this.outcomes.push({ outcome, event, done });
      // An ordered delivery that ended holds up the next of its key until its record is committed: a shorter window.
      const { ordering, status } = outcome.delivery;
      this.schedule(this.outcomes.length >= RECORD_BATCH, ordering && (status === "succeeded" || status === "failed") ? ORDERED_WINDOW_MS : this.windowMs);
    });
  }

  release(ids: string[], at: number): void {
    if (ids.length === 0) return;
    this.releases.push({ ids, at });
    this.schedule();
  }

  /** From now on every record is written at once (shutdown). */
  hurry(): void { this.urgent = true; }

  /** How many attempts wait for a retry of their batch. */
  get waiting(): number { return this.kept.reduce((n, k) => n + k.items.length, 0); }

  /** Resolves when everything queued so far is written (kept batches are tried once more, now). */
  async idle(): Promise<void> {
    for (const k of this.kept) k.due = 0;
    for (let pass = 0; pass < 2; pass++) {
      this.schedule();
      while (this.flushing) await this.flushing;
      // A flush already under way had passed the kept batches: one more pass takes them.
      if (!this.kept.some((k) => k.due === 0)) break;
    }
  }

  /** Records are written after a short window (or at once: a full batch, releases, shutdown). */
  private schedule(now = true, windowMs = this.windowMs): void {
    if (this.flushing) return;
    if (!now && !this.urgent) {
      if (this.timer && windowMs < this.timerMs) { clearTimeout(this.timer); this.timer = null; }
      if (!this.timer) {
        this.timerMs = windowMs;
        this.timer = setTimeout(() => { this.timer = null; this.schedule(); }, windowMs);
      }
      return;
    }
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.flushing = new Promise<void>((resolve) => setImmediate(() => this.flush().finally(resolve)));
  }

  private async flush(): Promise<void> {
    await this.retryKept();
    while (this.outcomes.length || this.releases.length) {
      const batch = this.outcomes; this.outcomes = [];
      const releases = this.releases; this.releases = [];
      try {
        for (const r of releases) await this.store.release(r.ids, r.at);
      } catch (e) {
        this.hooks.failed(e, 0); // released deliveries come due anyway when their leases end
      }
      const items = batch.map(({ outcome, event }) => ({ outcome, event }));
      if (items.length && !(await this.write(items))) {
        const kept = { items, tries: 1, due: Date.now() + RETRY_WAITS_MS[0]! };
        if (this.urgent) this.giveUp(kept, "at shutdown"); else this.keep(kept);
      }
      for (const b of batch) b.done(b.outcome.attempt as AttemptRow);
    }
    this.flushing = null;
    this.armKept();
  }

  private async write(items: Item[]): Promise<boolean> {
    try {
      const { disabled, leased } = await this.store.recordAttempts(items.map((i) => i.outcome));
      for (const { id, reason } of disabled) this.hooks.disabled(id, reason);
      if (leased.length) this.hooks.leased?.(leased);
      for (const i of items) if (i.event && i.outcome.delivery.status === "failed") this.hooks.exhausted?.(i.outcome, i.event);
      return true;
    } catch (e) {
      this.hooks.failed(e, items.length);
      return false;
    }
  }

  /** Kept batches that are due, each on its own, so one that cannot be written does not hold back the others. */
  private async retryKept(): Promise<void> {
    const now = Date.now();
    const due = this.kept.filter((k) => k.due <= now);
    if (due.length === 0) return;
    this.kept = this.kept.filter((k) => k.due > now);
    for (const k of due) {
      if (await this.write(k.items)) continue;
      const wait = RETRY_WAITS_MS[k.tries];
      if (this.urgent) this.giveUp(k, "at shutdown");
      else if (wait === undefined) this.giveUp(k, `after ${k.tries + 1} tries`);
      else this.keep({ ...k, tries: k.tries + 1, due: Date.now() + wait });
    }
  }

  private keep(k: Kept): void {
    this.kept.push(k);
    while (this.kept.length > 1 && this.waiting > MAX_KEPT) this.giveUp(this.kept.shift()!, `with more than ${MAX_KEPT} attempts waiting`);
  }

  private giveUp(k: Kept, why: string): void {
    this.hooks.failed(new Error(`gave up recording ${k.items.length} attempts ${why}: they are missing from the delivery log, and their deliveries are sent again when their leases end`), k.items.length);
  }

  /** Wakes the flush when the next kept batch is due (not keeping the process alive for it). */
  private armKept(): void {
    if (this.keptTimer || this.kept.length === 0) return;
    const wait = Math.max(0, Math.min(...this.kept.map((k) => k.due)) - Date.now());
    this.keptTimer = setTimeout(() => { this.keptTimer = null; this.schedule(); }, wait);
    this.keptTimer.unref();
  }
}
