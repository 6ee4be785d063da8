import type { Limits } from "./limits.ts";
import type { EndpointRegistry, RuntimeEndpoint } from "../endpoints/registry.ts";
import type { Claims } from "./claims.ts";
import type { Gate } from "./gate.ts";
import type { Lanes } from "./lanes.ts";
import type { Runner } from "./runner.ts";
import type { Slots } from "./slots.ts";
import type { WakeTimers } from "./wake-timers.ts";

/**
 * Starts as many queued jobs as the limits allow, round-robin over the lanes with work: the process's slots, the
 * tenant's part of them, the endpoint's share of `maxConcurrency` (one probe while its breaker is open) and its rate.
 */
export class Pump {
  constructor(
    private readonly lanes: Lanes,
    private readonly slots: Slots,
    private readonly registry: EndpointRegistry,
    private readonly share: (endpoint: RuntimeEndpoint) => Limits,
    private readonly gate: Gate,
    private readonly timers: WakeTimers,
    private readonly claims: Claims,
    private readonly runner: Runner,
  ) {}

  run(): void {
    if (this.gate.closed()) return;
    let progress = true;
    while (progress) {
      progress = false;
      for (const [id, lane] of this.lanes.waiting) {
        if (lane.queued === 0) { this.lanes.waiting.delete(id); continue; }
        if (this.slots.full) return;
        if (lane.active > 0 && this.slots.busyFull) continue;
        const endpoint = this.registry.get(id);
        if (!endpoint || !endpoint.enabled) { this.lanes.handBack(lane, Date.now()); continue; }
        const share = this.share(endpoint);
        if (share.maxConcurrency === 0) { this.lanes.handBack(lane, Date.now()); continue; } // another process sends for it
        const breaker = lane.breaker;
        if (lane.active >= (breaker.kind === "open" ? 1 : share.maxConcurrency)) continue;
        if (!this.slots.free(endpoint.tenant, lane.active > 0)) continue; // its tenant has its part in flight
        if (breaker.kind === "open" && breaker.probeAt > Date.now()) { this.timers.wakeIn(breaker.probeAt - Date.now()); continue; }
        const wait = lane.take(share.rateLimit, Date.now());
        if (wait > 0) { this.timers.wakeIn(wait); continue; }
        const job = lane.shift()!;
        job.probe = breaker.kind === "open";
        this.slots.take(endpoint.tenant); lane.active++; lane.unrecorded++;
        progress = true;
        const attempt = this.runner.run(job, endpoint, lane.signal);
        void attempt.sent.finally(() => { this.slots.give(endpoint.tenant); lane.active--; this.claims.refill(lane, endpoint); this.run(); });
        // An ordered delivery's record that ended it leased the next of its key to this process (claims.ts takeLeased).
        const recorded = () => { lane.unrecorded--; this.claims.refill(lane, endpoint); };
        attempt.recorded.then(recorded, recorded);
      }
    }
  }
}
