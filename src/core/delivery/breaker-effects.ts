import type { RuntimeEndpoint } from "../endpoints/registry.ts";
import { breakerAfter, breakerChange, streakAfter, type AttemptSignal } from "./breaker.ts";
import type { DispatcherOptions } from "./dispatcher.ts";
import type { Job } from "./lane.ts";
import type { Lanes } from "./lanes.ts";
import type { WakeTimers } from "./wake-timers.ts";

/** The circuit breaker's part of an attempt's outcome: breaker.ts decides the next state, this acts on the change. */
export class BreakerEffects {
  constructor(
    private readonly lanes: Lanes,
    private readonly timers: WakeTimers,
    private readonly claim: (endpoint: RuntimeEndpoint) => void,
    private readonly options: Pick<DispatcherOptions, "log" | "maxProbeDelayMs">,
  ) {}

  after(job: Job, endpoint: RuntimeEndpoint, signal: AttemptSignal, now: number): void {
    const lane = this.lanes.of(endpoint.id);
    const before = lane.breaker;
    lane.failures = streakAfter(lane.failures, signal);
    const after = lane.breaker = breakerAfter(before, lane.failures, signal, job.probe === true, endpoint, now, this.options.maxProbeDelayMs);
    const change = breakerChange(before, after);
    if (change === null) return;
    if (after.kind === "closed") {
      this.options.log.info("endpoint answers again: circuit breaker closed", { endpoint: endpoint.id });
      this.claim(endpoint);
      return;
    }
    if (change === "opened") {
      this.options.log.warn("circuit breaker open: one probe attempt at a time until the endpoint answers", {
        endpoint: endpoint.id, consecutiveFailures: lane.failures, nextProbeAt: new Date(after.probeAt).toISOString(),
      });
      // New and due deliveries wait in the store for the probe; the probe itself is claimed when it is due.
      this.lanes.handBack(lane, after.probeAt);
    }
    this.timers.probeIn(endpoint.id, after.probeAt - now);
  }
}
