import { Cron } from "croner";
import { Summarizer } from "../log.ts";
import type { Logger } from "../plugin-api/index.ts";
import type { AttemptRow } from "../store/schema.ts";
import type { IngestItem, Store } from "../store/types.ts";
import { attemptOnce, attemptRecord, outcomeLabel, type AttemptObserver, type Sender } from "./attempt.ts";
import { sentBody } from "./attempt-body.ts";
import { breakerAfter } from "./breaker.ts";
import type { EndpointRegistry, RuntimeEndpoint } from "./endpoints/registry.ts";
import type { OperationalEvents } from "./operational-events.ts";
import { Recorder } from "./recorder.ts";
import { Lane, laneCap, type Job, type Retired } from "./lane.ts";
import { Slots, type SlotLimits } from "./slots.ts";
import type { Limits } from "../cluster/share.ts";
import { WakeTimers } from "./wake-timers.ts";
import { afterAttempt, parseRetryAfter } from "./retry.ts";

export interface DispatcherOptions {
  /**
   * Attempts (sockets) in flight in this process, manual ones and verification pings included. The last few slots
   * are kept for endpoints with none in flight, so endpoints that hang cannot stall the healthy ones (slots.ts).
   */
  concurrency: number;
  /** `tenants.maxConcurrency`: one tenant's attempts in flight in this process; unset: a quarter of `concurrency`. */
  tenantConcurrency?: number;
  log: Logger;
  /** How often due deliveries are looked for (croner pattern). */
  sweep?: string;
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

/** How long a claimed delivery stays ours before another worker (or we, after a crash) may take it. */
export const leaseMs = (endpoint: Pick<RuntimeEndpoint, "timeoutMs">) => 2 * endpoint.timeoutMs + 5_000;
/** A failing endpoint writes one `warn` line per this interval, with the count of the ones held back. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Sends deliveries: a new event's deliveries at once (handed over by ingest), due retries from the store
 * on a sweep. Each attempt is prepare → send → record → reschedule; records are written in batches.
 */
export class Dispatcher {
  private lanes = new Map<string, Lane>();
  /** The lanes with queued jobs, in the order they got work: pump walks these, not every endpoint's lane. */
  private waiting = new Map<string, Lane>();
  private readonly slots: Slots;
  private readonly recorder: Recorder;
  private readonly summary: Summarizer;
  private cron: Cron | null = null;
  private stopping = false;
  private pausedAt: number | null = null;
  private readonly timers: WakeTimers;
  private readonly share: (endpoint: RuntimeEndpoint) => Limits;

  constructor(
    private readonly store: Store,
    private readonly registry: EndpointRegistry,
    private readonly send: Sender,
    private readonly options: DispatcherOptions,
  ) {
    this.summary = new Summarizer(options.log, FAILURE_LOG_INTERVAL_MS);
    this.share = options.share ?? ((endpoint) => endpoint);
    this.slots = new Slots(options);
    registry.onRetired((id, why) => this.retire(id, why));
    this.recorder = new Recorder(store, {
      disabled: (id, reason) => {
        this.registry.setEnabled(id, false);
        this.options.log.warn("endpoint disabled", { endpoint: id, reason });
        // Said whatever it was delivering: a disable happens once per enable, so reporting it cannot loop.
        const endpoint = this.registry.get(id);
        if (endpoint) this.options.events?.endpointDisabled(endpoint, reason);
      },
      exhausted: (outcome, event) => {
        const endpoint = this.registry.get(outcome.attempt.endpoint_id);
        if (endpoint) this.options.events?.deliveryFailed(endpoint, outcome, event);
      },
      // The attempts happened but could not be recorded: their leases expire and they are tried again.
      failed: (e, attempts) => this.summary.error("record", "recording attempts failed", { error: String(e), attempts }),
    }, options.recordWindowMs);
    // The probe is claimed from the store when it is due (the lane holds nothing while the breaker is open).
    this.timers = new WakeTimers(() => this.pump(), (id) => {
      const current = this.registry.get(id);
      if (current) void this.claim(current);
    });
  }

  /** A reloaded `delivery.concurrency` and `tenants.maxConcurrency`, for the next attempts. */
  reload(limits: SlotLimits): void {
    this.slots.reload(limits);
  }

  private lane(id: string): Lane {
    let lane = this.lanes.get(id);
    if (!lane) { lane = new Lane(); this.lanes.set(id, lane); }
    return lane;
  }

  private enqueue(lane: Lane, job: Job): void {
    lane.push(job);
    this.waiting.set(job.endpointId, lane);
  }

  /**
   * At ingest: whether a new delivery is leased to this process and sent at once (`leased`, counted as the
   * delivery's first lease), and the due time to store. While the endpoint's breaker is open: due at the probe.
   */
  reserve(endpoint: RuntimeEndpoint, now: number): { due: number; leased: boolean } {
    const existing = this.lanes.get(endpoint.id);
    if (existing?.open) return { due: Math.max(now, existing.probeAt), leased: false };
    // No lane for a disabled endpoint: 50,000 tenants' disabled endpoints would otherwise each hold one.
    const share = this.share(endpoint);
    if (this.stopping || !endpoint.enabled || share.maxConcurrency === 0) return { due: now, leased: false };
    const lane = existing ?? this.lane(endpoint.id);
    if (lane.queued + lane.reserved + lane.unrecorded >= laneCap(share)) return { due: now, leased: false };
    lane.reserved++;
    return { due: now + leaseMs(endpoint), leased: true };
  }

  /** After the commit: a reserved delivery joins its lane; a duplicate's reservation is dropped. */
  handOff(item: IngestItem, duplicate: boolean): void {
    for (const d of item.deliveries) {
      if (!d.leased) continue; // not reserved: the sweep will find it
      const lane = this.lane(d.endpoint_id);
      lane.reserved--;
      if (!duplicate) this.enqueue(lane, { deliveryId: d.id, endpointId: d.endpoint_id, attempt: 1, event: item.event, trigger: "scheduled" });
      // Its breaker opened since the reservation: it waits in the store for the probe like the others.
      if (lane.open) this.handBack(lane, lane.probeAt);
    }
    this.pump();
  }

  start(): void {
    this.cron = new Cron(this.options.sweep ?? "* * * * * *", { protect: true }, () => this.tick());
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopping || this.pausedNow()) return;
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
    if (this.stopping || !endpoint.enabled || share.maxConcurrency === 0 || this.pausedNow()) return;
    const lane = this.lane(endpoint.id);
    if (lane.claiming) return;
    const cap = laneCap(share);
    let room = cap - lane.queued - lane.reserved - lane.unrecorded;
    if (lane.open) {
      // An open breaker: one probe at a time, once it is due.
      if (lane.active > 0 || lane.queued > 0 || Date.now() < lane.probeAt) return;
      room = 1;
    } else if (room < cap / 2) return;
    lane.claiming = true;
    try {
      const now = Date.now();
      const claimed = await this.store.claimDue(endpoint.id, now, now + leaseMs(endpoint), room);
      lane.moreDue = claimed.length === room;
      for (const c of claimed) this.enqueue(lane, { deliveryId: c.id, endpointId: c.endpoint_id, attempt: c.attempt, event: c.event, trigger: "scheduled" });
    } catch (e) {
      this.summary.error(`claim:${endpoint.id}`, "claiming due deliveries failed", { endpoint: endpoint.id, error: String(e) });
    } finally {
      lane.claiming = false;
    }
    this.pump();
  }

  /** Starts as many queued jobs as the limits allow, round-robin over endpoints. */
  private pump(): void {
    if (this.stopping || this.pausedNow()) return;
    let progress = true;
    while (progress) {
      progress = false;
      for (const [id, lane] of this.waiting) {
        if (lane.queued === 0) { this.waiting.delete(id); continue; }
        if (this.slots.full) return;
        if (lane.active > 0 && this.slots.busyFull) continue;
        const endpoint = this.registry.get(id);
        if (!endpoint || !endpoint.enabled) { this.handBack(lane, Date.now()); continue; }
        const share = this.share(endpoint);
        if (share.maxConcurrency === 0) { this.handBack(lane, Date.now()); continue; } // another process sends for it
        if (lane.active >= (lane.open ? 1 : share.maxConcurrency)) continue;
        if (!this.slots.free(endpoint.tenant, lane.active > 0)) continue; // its tenant has its part in flight
        if (lane.open && lane.probeAt > Date.now()) { this.timers.wakeIn(lane.probeAt - Date.now()); continue; }
        const wait = lane.take(share.rateLimit, Date.now());
        if (wait > 0) { this.timers.wakeIn(wait); continue; }
        const job = lane.shift()!;
        job.probe = lane.open;
        this.slots.take(endpoint.tenant); lane.active++; lane.unrecorded++;
        progress = true;
        const attempt = this.run(job, endpoint, lane.signal);
        void attempt.sent.finally(() => { this.slots.give(endpoint.tenant); lane.active--; this.refill(lane, endpoint); this.pump(); });
        const recorded = () => { lane.unrecorded--; this.refill(lane, endpoint); };
        attempt.recorded.then(recorded, recorded);
      }
    }
  }

  /** More due deliveries for a lane that ran low: a send freed a slot, or a committed record freed room. */
  private refill(lane: Lane, endpoint: RuntimeEndpoint): void {
    if (lane.moreDue && lane.queued < laneCap(this.share(endpoint)) / 2) void this.claim(endpoint);
  }

  /**
   * One attempt: prepare → send → decide → queue the record. `sent` resolves when the receiver answered (the
   * slot is free again), `recorded` with the attempt once its record is committed.
   */
  private run(job: Job, endpoint: RuntimeEndpoint, signal: AbortSignal): { sent: Promise<void>; recorded: Promise<AttemptRow> } {
    const sent = Promise.withResolvers<void>();
    const recorded = (async () => {
      const { row, result, verdict, built } = await attemptOnce(this.send, endpoint, job, signal);
      sent.resolve();
      const finishedAt = Date.now();
      // Cut off by a disable or delete (an answer that came first counts as the answer).
      if (signal.aborted && result.statusCode === null) return this.aborted(job, endpoint, row, signal.reason as Retired, finishedAt);
      // A request hookgate could not build is its own fault, not the receiver's: no streak, no breaker, no
      // retry (the same event builds the same way next time): the delivery fails for good.
      const next = !built ? { status: "failed" as const, nextAttemptAt: null }
        : afterAttempt(endpoint.retry, verdict, job.attempt, finishedAt, parseRetryAfter(result.responseHeaders["retry-after"], finishedAt));
      this.afterResult(job, endpoint, !built ? "none" : verdict === "succeeded" ? "success" : "failure", finishedAt);
      const outcome = outcomeLabel(verdict, result, next.status);
      this.options.observer?.attempted(endpoint.id, outcome, result.durationMs / 1000);
      const fields = { delivery: job.deliveryId, endpoint: endpoint.id, attempt: job.attempt, status: result.statusCode, error: row.error, next: next.status, outcome, durationMs: result.durationMs };
      this.options.log.debug("attempt", fields);
      if (!built) this.summary.error(`build:${endpoint.id}`, "could not build the request: the delivery fails for good (fix the endpoint's headers or transform)", fields);
      else if (verdict !== "succeeded") this.summary.warn(`attempt:${endpoint.id}`, "attempt failed", fields);
      return this.recorder.record(attemptRecord(job, endpoint, { row, verdict, built }, next), job.event);
    })();
    recorded.catch(() => sent.resolve());
    return { sent: sent.promise, recorded };
  }

  /**
   * An attempt aborted because its endpoint was disabled: recorded as such, and its delivery waits for the endpoint,
   * due at once (no streak, no breaker, no step of the schedule spent). Deleted: there is nothing left to record.
   */
  private aborted(job: Job, endpoint: RuntimeEndpoint, row: AttemptRow, why: Retired, now: number): Promise<AttemptRow> {
    this.options.log.debug("attempt aborted", { delivery: job.deliveryId, endpoint: endpoint.id, attempt: job.attempt, because: why });
    if (why === "deleted") return Promise.resolve(row);
    const error = "aborted: the endpoint was disabled while the attempt was in flight (the delivery resumes when it is enabled)";
    return this.recorder.record({
      attempt: { ...row, error }, delivery: { id: job.deliveryId, status: "retrying", attempts: job.attempt, next_attempt_at: now }, endpoint: null,
    }, job.event);
  }

  /** An endpoint was disabled or deleted (here, by auto-disable, or by another process): its attempts in flight end now. */
  private retire(id: string, why: Retired): void {
    const lane = this.lanes.get(id);
    if (!lane) return;
    lane.abort(why);
    if (lane.queued > 0) this.handBack(lane, Date.now());
  }

  /** The circuit breaker's part of an attempt's outcome (breaker.ts decides; this acts). */
  private afterResult(job: Job, endpoint: RuntimeEndpoint, signal: "success" | "failure" | "none", now: number): void {
    const lane = this.lane(endpoint.id);
    const change = breakerAfter(lane, signal, job.probe === true, endpoint.circuitBreakerAfter, endpoint.retry, now, this.options.maxProbeDelayMs);
    if (change === null) return;
    if (change === "closed") {
      this.options.log.info("endpoint answers again: circuit breaker closed", { endpoint: endpoint.id });
      void this.claim(endpoint);
      return;
    }
    if (change === "opened") {
      this.options.log.warn("circuit breaker open: one probe attempt at a time until the endpoint answers", {
        endpoint: endpoint.id, consecutiveFailures: lane.failures, nextProbeAt: new Date(lane.probeAt).toISOString(),
      });
      this.handBack(lane, lane.probeAt);
    }
    this.timers.probeIn(endpoint.id, lane.probeAt - now);
  }

  /**
   * Whether the store is out of reach now. On the way back, a lane whose jobs may have outlived their leases during
   * the pause forgets them (no write): the store hands them out again when the leases end, to us or another process.
   */
  private pausedNow(): boolean {
    if (this.options.paused?.()) { this.pausedAt ??= Date.now(); return true; }
    if (this.pausedAt === null) return false;
    const pausedMs = Date.now() - this.pausedAt;
    this.pausedAt = null;
    for (const [id, lane] of this.lanes) {
      const endpoint = this.registry.get(id);
      if (endpoint && pausedMs >= leaseMs(endpoint) / 2) lane.drain();
    }
    setImmediate(() => this.pump()); // nothing else may wake the lanes still holding jobs
    return false;
  }

  /** Hands a lane's queued deliveries back to the store, unsent, due at `at`. */
  private handBack(lane: Lane, at: number): void {
    this.recorder.release(lane.drain().map((j) => j.deliveryId), at);
  }

  /**
   * An attempt now, outside the queues, whatever the delivery's status (admin retry and test). It waits for a slot
   * (ahead of the queues), then leases the delivery, so its lease starts when it can be sent.
   */
  async attemptNow(delivery: { id: string; endpoint_id: string }, trigger: "manual" | "scheduled" = "manual"): Promise<AttemptRow | null> {
    const endpoint = this.registry.get(delivery.endpoint_id);
    if (!endpoint) return null;
    await this.slots.acquire(endpoint.tenant);
    const lane = this.lane(endpoint.id);
    lane.active++;
    const free = () => { this.slots.give(endpoint.tenant); lane.active--; this.pump(); };
    let event: Awaited<ReturnType<Store["event"]>> | null;
    let leased: Awaited<ReturnType<Store["leaseNow"]>>;
    try {
      leased = await this.store.leaseNow(delivery.id);
      event = leased && await this.store.event(leased.delivery.event_id);
    } catch (e) { free(); throw e; }
    if (!leased || !event) { free(); return null; }
    lane.remove(delivery.id);
    const attempt = this.run({ deliveryId: delivery.id, endpointId: endpoint.id, attempt: leased.attempt, event, trigger }, endpoint, lane.signal);
    void attempt.sent.finally(free);
    const row = await attempt.recorded;
    return { ...row, request_body: sentBody(row.request_body, event) };
  }

  /** An attempt that is no delivery's (the verification ping): it takes a slot like any other, and waits for one. */
  async outside<T>(tenant: string | null, attempt: () => Promise<T>): Promise<T> {
    await this.slots.acquire(tenant);
    try { return await attempt(); } finally { this.slots.give(tenant); this.pump(); }
  }

  /** Stops taking work, lets attempts in flight finish, hands queued deliveries back to the store. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.recorder.hurry();
    this.cron?.stop();
    this.timers.clear();
    // A loop, not Math.max(...all): a spread of 100,000 endpoints overflows the arguments limit.
    const longest = this.registry.all().reduce((max, e) => Math.max(max, e.timeoutMs), 1_000) + 2_000;
    const deadline = Date.now() + longest;
    while (this.slots.active > 0 && Date.now() < deadline) await Bun.sleep(10);
    for (const lane of this.lanes.values()) this.handBack(lane, Date.now());
    await this.recorder.idle();
    this.summary.flush();
  }

  stats(): { active: number; queued: number } {
    let queued = 0;
    for (const lane of this.lanes.values()) queued += lane.queued;
    return { active: this.slots.active, queued };
  }
}
