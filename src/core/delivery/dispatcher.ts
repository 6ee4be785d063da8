import type { Limits } from "./limits.ts";
import { Summarizer } from "../logger.ts";
import type { Logger } from "../logger.ts";
import type { AttemptRow } from "../../store/schema.ts";
import type { IngestItem, Store } from "../../store/types.ts";
import type { EndpointRegistry, RuntimeEndpoint } from "../endpoints/registry.ts";
import type { OperationalEvents } from "../operational-events.ts";
import type { AttemptObserver, Sender } from "./attempt.ts";
import { BreakerEffects } from "./breaker-effects.ts";
import { Claims } from "./claims.ts";
import { Gate } from "./gate.ts";
import { Lanes } from "./lanes.ts";
import { ManualAttempts } from "./manual.ts";
import { Pump } from "./pump.ts";
import { Recorder } from "./recorder.ts";
import { QuietCollector } from "../quiet-collect.ts";
import { Runner } from "./runner.ts";
import { shutDown } from "./shutdown.ts";
import { Slots, type SlotLimits } from "./slots.ts";
import { WakeTimers } from "./wake-timers.ts";
import { onTheClock, type ClockTimer } from "../clock-timer.ts";

export interface DispatcherOptions {
  /**
   * Attempts (sockets) in flight in this process, manual ones and verification pings included. The last few slots
   * are kept for endpoints with none in flight, so endpoints that hang cannot stall the healthy ones (slots.ts).
   */
  concurrency: number;
  /** `tenants.maxConcurrency`: one tenant's attempts in flight in this process; unset: a quarter of `concurrency`. */
  tenantConcurrency?: number;
  log: Logger;
  /** How long attempt records wait to share a transaction (default 10 ms); tests lengthen it to widen the crash window. */
  recordWindowMs?: number;
  /** hookgate's own events: endpoint disabled, delivery exhausted. */
  events?: Pick<OperationalEvents, "endpointDisabled" | "deliveryFailed">;
  observer?: AttemptObserver;
  /**
   * The part of an endpoint's `rateLimit` and `maxConcurrency` this process applies (src/cluster/members.ts: its
   * share among the live processes; 0 slots: another process sends for it). Default: all of them.
   */
  share?: (endpoint: RuntimeEndpoint) => Limits;
  /** True while the store is out of reach: no claims and no new attempts (their records could not be written). */
  paused?: () => boolean;
  /** The longest wait between an open breaker's probes (default MAX_PROBE_DELAY_MS, 30 s); tests shorten it. */
  maxProbeDelayMs?: number;
}

/** A failing endpoint writes one `warn` line per this interval, with the count of the ones held back. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Sends deliveries: a new event's deliveries at once (handed over by ingest), due retries from the store on a
 * sweep. Each part is one job: claims.ts (which deliveries are ours), pump.ts (which start now), runner.ts (one
 * attempt: prepare → send → record), breaker-effects.ts, manual.ts, gate.ts (pause and recovery), shutdown.ts.
 */
export class Dispatcher {
  private readonly lanes: Lanes;
  private readonly slots: Slots;
  private readonly recorder: Recorder;
  private readonly summary: Summarizer;
  private readonly gate: Gate;
  private readonly timers: WakeTimers;
  private readonly claims: Claims;
  private readonly pump: Pump;
  private readonly manual: ManualAttempts;
  private sweeper: ClockTimer | null = null;
  private readonly quiet = new QuietCollector();

  constructor(store: Store, private readonly registry: EndpointRegistry, send: Sender, private readonly options: DispatcherOptions) {
    const share = options.share ?? ((endpoint) => endpoint);
    const wake = () => { this.quiet.worked(); this.pump.run(); };
    this.summary = new Summarizer(options.log, FAILURE_LOG_INTERVAL_MS);
    this.slots = new Slots(options);
    this.recorder = new Recorder(store, {
      disabled: (id, reason) => {
        registry.setEnabled(id, false);
        options.log.warn("endpoint disabled", { endpoint: id, reason });
        // Said whatever it was delivering: a disable happens once per enable, so reporting it cannot loop.
        const endpoint = registry.get(id);
        if (endpoint) options.events?.endpointDisabled(endpoint, reason);
      },
      exhausted: (outcome, event) => {
        const endpoint = registry.get(outcome.attempt.endpoint_id);
        if (endpoint) options.events?.deliveryFailed(endpoint, outcome, event);
      },
      // The attempts happened but could not be recorded: their leases expire and they are tried again.
      failed: (e, attempts) => this.summary.error("record", "recording attempts failed", { error: String(e), attempts }),
      leased: (claimed) => this.claims.takeLeased(claimed, (ids, at) => this.recorder.release(ids, at)),
    }, options.recordWindowMs);
    this.lanes = new Lanes(this.recorder);
    registry.onRetired((id, why) => this.lanes.retire(id, why));
    this.gate = new Gate(options, this.lanes, registry, wake);
    this.claims = new Claims(store, registry, this.lanes, this.gate, share, this.summary, wake);
    // The probe is claimed from the store when it is due (the lane holds nothing while the breaker is open).
    this.timers = new WakeTimers(wake, (id) => {
      const current = registry.get(id);
      if (current) void this.claims.claim(current);
    });
    const breakers = new BreakerEffects(this.lanes, this.timers, (endpoint) => void this.claims.claim(endpoint), options);
    const runner = new Runner(send, this.recorder, breakers, this.summary, options, (id, at) => this.timers.claimAt(id, at));
    this.pump = new Pump(this.lanes, this.slots, registry, share, this.gate, this.timers, this.claims, runner);
    this.manual = new ManualAttempts(store, registry, this.lanes, this.slots, runner, wake);
  }

  /** A reloaded `delivery.concurrency` and `tenants.maxConcurrency`, for the next attempts. */
  reload(limits: SlotLimits): void {
    this.slots.reload(limits);
  }

  /** At ingest: whether a new delivery is leased to this process and sent at once, and the due time to store (claims.ts). */
  reserve(endpoint: RuntimeEndpoint, now: number): { due: number; leased: boolean } { return this.claims.reserve(endpoint, now); }

  /** After the commit: a reserved delivery joins its lane; a duplicate's reservation is dropped. */
  handOff(item: IngestItem, duplicate: boolean): void { this.quiet.worked(); this.claims.handOff(item, duplicate); }

  /**
   * The sweep every second, and a first one at once. "At once" is the event loop's next turn: at a start the server
   * has just begun to listen, and a request waiting for it (a health check, an ingest) is answered before the sweep's
   * first run, its coldest (P5).
   */
  start(): void {
    this.sweeper = onTheClock(1_000, () => { this.quiet.tick(); return this.claims.sweep(); });
    setTimeout(() => void this.claims.sweep(), 0);
  }

  /** Looks for due deliveries of one endpoint now (after enabling it, or when its lane ran low). */
  claim(endpoint: RuntimeEndpoint): Promise<void> { return this.claims.claim(endpoint); }

  /** An attempt now, outside the queues, whatever the delivery's status (admin retry and test; manual.ts). */
  attemptNow(delivery: { id: string; endpoint_id: string }, trigger: "manual" | "scheduled" = "manual"): Promise<AttemptRow | null> {
    return this.manual.attemptNow(delivery, trigger);
  }

  /** An attempt that is no delivery's (the verification ping): it takes a slot like any other, and waits for one. */
  outside<T>(tenant: string | null, attempt: () => Promise<T>): Promise<T> { return this.manual.outside(tenant, attempt); }

  /** Stops taking work, lets attempts in flight finish, hands queued deliveries back to the store. */
  stop(): Promise<void> {
    const { gate, sweeper, timers, registry, slots, lanes, recorder, summary } = this;
    return shutDown({ gate, sweeper, timers, registry, slots, lanes, recorder, summary });
  }

  stats(): { active: number; queued: number } {
    return { active: this.slots.active, queued: this.lanes.queued() };
  }
}
