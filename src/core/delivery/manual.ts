import type { AttemptRow } from "../../store/schema.ts";
import type { Store } from "../../store/types.ts";
import type { EndpointRegistry } from "../endpoints/registry.ts";
import { sentBody } from "./attempt-body.ts";
import type { Lanes } from "./lanes.ts";
import type { Runner } from "./runner.ts";
import type { Slots } from "./slots.ts";

/** Attempts outside the queues: an admin retry or `/test` of a delivery, and the verification ping (no delivery's). */
export class ManualAttempts {
  constructor(
    private readonly store: Store,
    private readonly registry: EndpointRegistry,
    private readonly lanes: Lanes,
    private readonly slots: Slots,
    private readonly runner: Runner,
    private readonly wake: () => void,
  ) {}

  /**
   * An attempt now, whatever the delivery's status. It waits for a slot (ahead of the queues), then leases the
   * delivery, so its lease starts when it can be sent.
   */
  async attemptNow(delivery: { id: string; endpoint_id: string }, trigger: "manual" | "scheduled"): Promise<AttemptRow | null> {
    const endpoint = this.registry.get(delivery.endpoint_id);
    if (!endpoint) return null;
    await this.slots.acquire(endpoint.tenant);
    const lane = this.lanes.of(endpoint.id);
    lane.active++;
    const free = () => { this.slots.give(endpoint.tenant); lane.active--; this.wake(); };
    let event: Awaited<ReturnType<Store["event"]>> | null;
    let leased: Awaited<ReturnType<Store["leaseNow"]>>;
    try {
      leased = await this.store.leaseNow(delivery.id);
      event = leased && await this.store.event(leased.delivery.event_id);
    } catch (e) { free(); throw e; }
    if (!leased || !event) { free(); return null; }
    lane.remove(delivery.id);
    // Outside the order (DESIGN §13), and never failed for holding its key; one that ends still lets the next of its key go.
    const key = leased.delivery.ordering_key;
    const job = { deliveryId: delivery.id, endpointId: endpoint.id, attempt: leased.attempt, event, trigger, ...(key !== null && { ordering: { key, heldSince: null } }) };
    const attempt = this.runner.run(job, endpoint, lane.signal);
    void attempt.sent.finally(free);
    const row = await attempt.recorded;
    return { ...row, request_body: sentBody(row.request_body, event) };
  }

  /** An attempt that is no delivery's (the verification ping): it takes a slot like any other, and waits for one. */
  async outside<T>(tenant: string | null, attempt: () => Promise<T>): Promise<T> {
    await this.slots.acquire(tenant);
    try { return await attempt(); } finally { this.slots.give(tenant); this.wake(); }
  }
}
