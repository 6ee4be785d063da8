import type { EndpointRegistry } from "../endpoints/registry.ts";
import { leaseMs } from "../lease.ts";
import type { DispatcherOptions } from "./dispatcher.ts";
import type { Lanes } from "./lanes.ts";

/**
 * Whether the dispatcher may start work: not once it is stopping, and not while the store is out of reach (no claims
 * and no new attempts: their records could not be written). The way back from a pause is here too.
 */
export class Gate {
  /** Set at shutdown, for good. */
  stopping = false;
  private pausedAt: number | null = null;

  constructor(
    private readonly options: Pick<DispatcherOptions, "paused">,
    private readonly lanes: Lanes,
    private readonly registry: EndpointRegistry,
    private readonly wake: () => void,
  ) {}

  /** No work starts now: stopping, or paused. */
  closed(): boolean { return this.stopping || this.pausedNow(); }

  /**
   * Whether the store is out of reach now. On the way back, a lane whose jobs may have outlived their leases during
   * the pause forgets them (no write): the store hands them out again when the leases end, to us or another process.
   */
  pausedNow(): boolean {
    if (this.options.paused?.()) { this.pausedAt ??= Date.now(); return true; }
    if (this.pausedAt === null) return false;
    const pausedMs = Date.now() - this.pausedAt;
    this.pausedAt = null;
    for (const [id, lane] of this.lanes.entries()) {
      const endpoint = this.registry.get(id);
      if (endpoint && pausedMs >= leaseMs(endpoint) / 2) lane.drain();
    }
    setImmediate(this.wake); // nothing else may wake the lanes still holding jobs
    return false;
  }
}
