import type { EventRow } from "../store/schema.ts";

export interface Job {
  deliveryId: string;
  endpointId: string;
  /** Attempts made before this one. */
  attemptsMade: number;
  event: EventRow;
  trigger: "scheduled" | "manual";
}

/** One endpoint's line of work: its queue, its attempts in flight, and its rate budget. */
export class Lane {
  private items: Job[] = [];
  private head = 0;
  active = 0;
  reserved = 0;
  claiming = false;
  /** The last claim filled the lane: more may be due in the store. */
  moreDue = false;
  private tokens = 0;
  private refilledAt = 0;

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
