/** The limits the slots apply: set at construction, replaced whole by a reload (Slots.reload). */
export interface SlotLimits {
  /** `delivery.concurrency`: attempts (sockets) in flight in this process, all endpoints and manual attempts together. */
  concurrency: number;
  /** `tenants.maxConcurrency`; unset: a quarter of `concurrency`, at least 1. */
  tenantConcurrency?: number;
}

/** The most attempts one tenant may have in flight in this process (global endpoints are not limited by it). */
export const tenantCap = (limits: SlotLimits): number => limits.tenantConcurrency ?? Math.max(1, Math.floor(limits.concurrency / 4));

/**
 * Slots kept for endpoints with nothing in flight: endpoints whose receivers hang can fill the rest, never these,
 * so a healthy endpoint always gets through (as the one-extra-per-endpoint rule did, but within the cap).
 */
const reserveOf = (concurrency: number): number => Math.max(1, Math.floor(concurrency / 16));

/**
 * The process's attempts in flight (DESIGN §9 Fairness): never more than `delivery.concurrency`, never more than
 * `tenants.maxConcurrency` of one tenant. The queues ask `free` and `take`; attempts outside them (a manual retry,
 * `/test`, a verification ping) wait in `acquire` and are served first when a slot frees.
 */
export class Slots {
  active = 0;
  private readonly byTenant = new Map<string, number>();
  private readonly waiters: { tenant: string | null; resolve: () => void }[] = [];

  constructor(private limits: SlotLimits) {}

  /** A reloaded config's limits, for the next attempts; those in flight finish. */
  reload(limits: SlotLimits): void {
    this.limits = limits;
  }

  /** Whether an attempt of this tenant may start now; `busy`: its endpoint already has attempts in flight. */
  free(tenant: string | null, busy: boolean): boolean {
    const cap = this.limits.concurrency;
    if (this.active >= (busy ? cap - reserveOf(cap) : cap)) return false;
    return tenant === null || (this.byTenant.get(tenant) ?? 0) < tenantCap(this.limits);
  }

  /** No slot left for an endpoint with attempts in flight: the queues need not be walked for those. */
  get busyFull(): boolean { return this.active >= this.limits.concurrency - reserveOf(this.limits.concurrency); }

  get full(): boolean { return this.active >= this.limits.concurrency; }

  take(tenant: string | null): void {
    this.active++;
    if (tenant !== null) this.byTenant.set(tenant, (this.byTenant.get(tenant) ?? 0) + 1);
  }

  /** Frees a slot, and hands it to the first waiting attempt that fits (before the queues are pumped). */
  give(tenant: string | null): void {
    this.active--;
    if (tenant !== null) {
      const left = this.byTenant.get(tenant)! - 1;
      if (left > 0) this.byTenant.set(tenant, left); else this.byTenant.delete(tenant);
    }
    if (this.waiters.length === 0) return;
    const at = this.waiters.findIndex((w) => this.free(w.tenant, false));
    if (at < 0) return;
    const [waiter] = this.waiters.splice(at, 1);
    this.take(waiter!.tenant);
    waiter!.resolve();
  }

  /** A slot for an attempt outside the queues: at once if one is free, else the first one that frees for it. */
  acquire(tenant: string | null): Promise<void> {
    if (this.waiters.length === 0 && this.free(tenant, false)) { this.take(tenant); return Promise.resolve(); }
    return new Promise((resolve) => this.waiters.push({ tenant, resolve }));
  }
}
