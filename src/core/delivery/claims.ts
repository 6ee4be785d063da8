import type { Limits } from "./limits.ts";
import type { Summarizer } from "../logger.ts";
import type { ClaimedDelivery, IngestItem, Store } from "../../store/types.ts";
import type { EndpointRegistry, RuntimeEndpoint } from "../endpoints/registry.ts";
import { leaseMs } from "../lease.ts";
import type { Gate } from "./gate.ts";
import { laneCap, type Job, type Lane } from "./lane.ts";
import type { Lanes } from "./lanes.ts";

/** An ordered key waiting this long with none of its deliveries under way is released by the sweep. */
const STALE_WAIT_MS = 10_000;

/**
 * How deliveries become this process's to send: reserved at ingest and handed over after the commit, or claimed
 * from the store once due (a sweep every second, after an enable, when a lane runs low, when a probe is due).
 */
export class Claims {
  constructor(
    private readonly store: Store,
    private readonly registry: EndpointRegistry,
    private readonly lanes: Lanes,
    private readonly gate: Gate,
    private readonly share: (endpoint: RuntimeEndpoint) => Limits,
    private readonly summary: Summarizer,
    private readonly wake: () => void,
  ) {}

  /**
   * At ingest: whether a new delivery is leased to this process and sent at once (`leased`, counted as the
   * delivery's first lease), and the due time to store. While the endpoint's breaker is open: due at the probe.
   */
  reserve(endpoint: RuntimeEndpoint, now: number): { due: number; leased: boolean } {
    const existing = this.lanes.get(endpoint.id);
    if (existing?.breaker.kind === "open") return { due: Math.max(now, existing.breaker.probeAt), leased: false };
    // No lane for a disabled endpoint: 50,000 tenants' disabled endpoints would otherwise each hold one.
    const share = this.share(endpoint);
    if (this.gate.stopping || !endpoint.enabled || share.maxConcurrency === 0) return { due: now, leased: false };
    const lane = existing ?? this.lanes.of(endpoint.id);
    if (lane.queued + lane.reserved + lane.unrecorded >= laneCap(share)) return { due: now, leased: false };
    lane.reserved++;
    return { due: now + leaseMs(endpoint), leased: true };
  }

  /** After the commit: a reserved delivery joins its lane; a duplicate's reservation is dropped. */
  handOff(item: IngestItem, duplicate: boolean): void {
    for (const d of item.deliveries) {
      // Ordered: the store made the first of its key due, if none is under way; claim it now, not at the sweep.
      if (d.ordering_key != null && !duplicate) { this.claimSoon(d.endpoint_id); continue; }
      if (!d.leased) continue; // not reserved: the sweep will find it
      const lane = this.lanes.of(d.endpoint_id);
      lane.reserved--;
      if (!duplicate) this.lanes.enqueue(lane, { deliveryId: d.id, endpointId: d.endpoint_id, attempt: 1, event: item.event, trigger: "scheduled" });
      // Its breaker opened since the reservation: it waits in the store for the probe like the others.
      if (lane.breaker.kind === "open") this.lanes.handBack(lane, lane.breaker.probeAt);
    }
    this.wake();
  }

  /** Endpoints to claim for once this turn's hand-offs are done (one claim each, however many events). */
  private soon = new Set<string>();

  /** Claims for the endpoint in a moment: after an ordered delivery was written or ended, its key's next is due. */
  claimSoon(endpointId: string): void {
    if (this.soon.size === 0) queueMicrotask(() => {
      const ids = [...this.soon];
      this.soon.clear();
      for (const id of ids) {
        const endpoint = this.registry.get(id);
        if (endpoint) void this.claim(endpoint);
      }
    });
    this.soon.add(endpointId);
  }

  private sweeps = 0;

  /** The sweep: due deliveries of every enabled endpoint. */
  async sweep(): Promise<void> {
    if (this.gate.closed()) return;
    // Every 10 s: ordered keys left waiting with none under way get their next (hot-sql.ts promoteStale).
    if (this.sweeps++ % 10 === 0) {
      const now = Date.now();
      await this.store.promoteStale(now, now - STALE_WAIT_MS).catch((e) => this.summary.error("promote", "releasing ordered deliveries failed", { error: String(e) }));
    }
    // Other processes sharing a Postgres store change endpoints: follow the store's change log (a one-row read).
    await this.registry.catchUp().catch((e) => this.summary.error("refresh", "endpoint refresh failed", { error: String(e) }));
    // Only enabled endpoints: with 100,000 endpoints, a promise each per second would cost the ingest path.
    const claims: Promise<void>[] = [];
    for (const endpoint of this.registry.enabled()) claims.push(this.claim(endpoint));
    await Promise.all(claims);
  }

  /** Looks for due deliveries of one endpoint now (after enabling it, or when its lane ran low). */
  async claim(endpoint: RuntimeEndpoint): Promise<void> {
    // Before the lane: a sweep over 100,000 disabled endpoints makes no lane for them.
    const share = this.share(endpoint);
    if (this.gate.stopping || !endpoint.enabled || share.maxConcurrency === 0 || this.gate.pausedNow()) return;
    const lane = this.lanes.of(endpoint.id);
    if (lane.claiming) { lane.claimAgain = true; return; }
    const cap = laneCap(share);
    let room = cap - lane.queued - lane.reserved - lane.unrecorded;
    if (lane.breaker.kind === "open") {
      // An open breaker: one probe at a time, once it is due.
      if (lane.active > 0 || lane.queued > 0 || Date.now() < lane.breaker.probeAt) return;
      room = 1;
    } else if (room < cap / 2) return;
    lane.claiming = true;
    try {
      const now = Date.now();
      const claimed = await this.store.claimDue(endpoint.id, now, now + leaseMs(endpoint), room);
      lane.moreDue = claimed.length === room;
      for (const c of claimed) this.lanes.enqueue(lane, jobOf(c));
    } catch (e) {
      this.summary.error(`claim:${endpoint.id}`, "claiming due deliveries failed", { endpoint: endpoint.id, error: String(e) });
    } finally {
      lane.claiming = false;
    }
    this.wake();
    if (lane.claimAgain) { lane.claimAgain = false; void this.claim(endpoint); }
  }

  /**
   * Ordered deliveries a record leased to this process (the next of each key that ended, recorder.ts): queued like a
   * claim's, or given back due now when this process no longer sends for their endpoint.
   */
  takeLeased(leased: ClaimedDelivery[], release: (ids: string[], at: number) => void): void {
    const back: string[] = [];
    for (const c of leased) {
      const endpoint = this.registry.get(c.endpoint_id);
      if (!endpoint || this.gate.stopping || !endpoint.enabled || this.share(endpoint).maxConcurrency === 0) { back.push(c.id); continue; }
      const lane = this.lanes.of(endpoint.id);
      this.lanes.enqueue(lane, jobOf(c));
      // Its breaker is open (the delivery before it failed for good): it waits in the store for the probe.
      if (lane.breaker.kind === "open") this.lanes.handBack(lane, lane.breaker.probeAt);
    }
    if (back.length) release(back, Date.now());
    this.wake();
  }

  /** More due deliveries for a lane that ran low: a send freed a slot, or a committed record freed room. */
  refill(lane: Lane, endpoint: RuntimeEndpoint): void {
    if (lane.moreDue && lane.queued < laneCap(this.share(endpoint)) / 2) void this.claim(endpoint);
  }
}

/** A delivery the store leased to this process (a claim, or a record's lease of a key's next), as its lane's job. */
const jobOf = (c: ClaimedDelivery): Job => ({
  deliveryId: c.id, endpointId: c.endpoint_id, attempt: c.attempt, event: c.event, trigger: "scheduled",
  ...(c.orderingKey !== null && { ordering: { key: c.orderingKey, heldSince: c.heldSince } }),
});
