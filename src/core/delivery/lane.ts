import type { Limits } from "./limits.ts";
import type { EventRow } from "../../store/schema.ts";
import { CLOSED, type BreakerState } from "./breaker.ts";

/** Why an endpoint's attempts in flight were aborted: it was disabled (they resume when enabled) or deleted. */
export type Retired = "disabled" | "deleted";

export interface Job {
  deliveryId: string;
  endpointId: string;
  /** This attempt's number: after every lease of the delivery before it (see DeliveriesTable.leases). */
  attempt: number;
  event: EventRow;
  trigger: "scheduled" | "manual";
  /** Sent as its endpoint's circuit-breaker probe. */
  probe?: boolean;
  /** An ordered delivery's key ("" for an event without one) and when it became its key's head (DESIGN §13). */
  ordering?: { key: string; heldSince: number | null };
}

/**
 * How many jobs a lane holds in memory: enough to keep its slots busy, bounded so memory stays flat. A rate-limited
 * lane holds about 2 s of its sends: its leases do not run out while queued, and other processes get their part.
 */
export const laneCap = ({ maxConcurrency, rateLimit }: Limits): number =>
  Math.min(Math.max(64, maxConcurrency * 8), rateLimit === null ? Infinity : Math.max(1, Math.ceil(rateLimit * 2)));

/**
 * One endpoint's line of work: its queue, its attempts in flight, its rate budget, and its circuit breaker
 * (in this process: the consecutive failures it saw, and the breaker's state, breaker.ts).
 */
export class Lane {
  private items: Job[] = [];
  private head = 0;
  active = 0;
  /**
   * Attempts started here whose records are not committed yet: their deliveries stay leased to this process, so
   * they count against the lane's room (a process killed now sends them again elsewhere, and no more than these).
   */
  unrecorded = 0;
  reserved = 0;
  claiming = false;
  /** Asked to claim while a claim was under way: claim again when it ends (an ordered key's next may be due). */
  claimAgain = false;
  /** The last claim filled the lane: more may be due in the store. */
  moreDue = false;
  private tokens = 0;
  private refilledAt = 0;
  /** Consecutive failed attempts seen here (reset by a success): the streak its breaker reads. */
  failures = 0;
  breaker: BreakerState = CLOSED;
  /** Aborts this lane's attempts in flight (one per lane, not per attempt: the hot path allocates nothing for it). */
  private controller: AbortController | null = null;

  /** The signal this lane's attempts starting now carry. */
  get signal(): AbortSignal { return (this.controller ??= new AbortController()).signal; }

  /** Aborts the attempts in flight (`why` is the signal's reason); the next ones carry a fresh signal. */
  abort(why: Retired): void {
    this.controller?.abort(why);
    this.controller = null;
  }

  get open(): boolean { return this.breaker.kind === "open"; }

  get queued(): number { return this.items.length - this.head; }

  push(job: Job): void { this.items.push(job); }

  shift(): Job | undefined {
    if (this.head >= this.items.length) return undefined;
    const job = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as Job;
    if (this.head > 1024 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
    return job;
  }

  /** Takes a queued job out (a manual attempt is about to send it), so it is not sent twice. */
  remove(deliveryId: string): boolean {
    const at = this.items.findIndex((job, i) => i >= this.head && job?.deliveryId === deliveryId);
    if (at < 0) return false;
    this.items.splice(at, 1);
    return true;
  }

  drain(): Job[] {
    const jobs = this.items.slice(this.head);
    this.items = []; this.head = 0;
    return jobs;
  }

  /** Token bucket: `rate` per second with a burst of max(1, rate). Returns ms to wait, 0 when a token was taken. */
  take(rate: number | null, now: number): number {
    if (rate === null) return 0;
    const burst = Math.max(1, rate);
    if (this.refilledAt === 0) { this.tokens = burst; this.refilledAt = now; }
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens >= 1) { this.tokens -= 1; return 0; }
    return Math.ceil(((1 - this.tokens) / rate) * 1000);
  }
}
