import type { Counter, Gauge, Histogram } from "prom-client";
import * as client from "./prom.ts";
import type { AttemptObserver, AttemptOutcomeLabel } from "../core/delivery/attempt.ts";
import type { IngestObserver } from "../core/ingest.ts";
import type { Logger } from "../plugin-api/index.ts";
import type { Backlog } from "../store/admin-queries.ts";
import { BacklogReader } from "./backlog.ts";

export interface MetricsOptions {
  /** `metrics.perEndpoint`: an `endpoint` label on the attempt and delivery families (one series per endpoint). */
  perEndpoint: boolean;
  /** The configured sources: each has a `hookgate_source_up` series from the start (0 until it runs). */
  sources: readonly string[];
  /** Reads the backlog gauges from the store; called at most once per `refreshMs`, on a scrape. */
  backlog(now: number): Promise<Backlog>;
  refreshMs?: number;
  log: Logger;
}

const OUTCOMES: readonly AttemptOutcomeLabel[] = ["success", "retry", "failed", "refused"];
/** Attempt durations: loopback receivers answer in milliseconds, the default timeout is 10 s. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Child = Counter.Internal;
interface EndpointSeries { outcomes: Record<AttemptOutcomeLabel, Child>; duration: Histogram.Internal<string> }

/**
 * The families of DESIGN section 11 on one registry, with prom-client's default process_* and nodejs_* metrics. The
 * hot paths (ingest requests, accepted events, attempts) increment pre-bound children: after a label value's first
 * use no label object is built and nothing is allocated. The backlog gauges are read from the store on a scrape, cached.
 */
export class Metrics implements IngestObserver, AttemptObserver {
  readonly registry = new client.Registry();
  private readonly ingestRequests: Counter<"source" | "status">;
  private readonly eventsIngested: Counter<"source">;
  private readonly ingestedBySource = new Map<string, Child>();
  private readonly attempts: Counter<string>;
  private readonly duration: Histogram<string>;
  private readonly global: EndpointSeries | null;
  private readonly byEndpoint = new Map<string, EndpointSeries>();
  private readonly sourceUp: Gauge<"source">;
  /** prom-client's default metrics are registered (addDefaults, on the first scrape). */
  private defaults = false;

  constructor(private readonly options: MetricsOptions) {
    const registers = [this.registry];
    const perEndpoint = options.perEndpoint ? ["endpoint"] : [];
    this.ingestRequests = new client.Counter({ name: "hookgate_ingest_requests_total", help: "Requests to the sources' routes, by source and HTTP status.", labelNames: ["source", "status"], registers });
    this.eventsIngested = new client.Counter({ name: "hookgate_events_ingested_total", help: "Events stored (duplicates not counted), by source.", labelNames: ["source"], registers });
    this.attempts = new client.Counter({ name: "hookgate_attempts_total", help: "Delivery attempts by outcome: success, retry (another attempt is scheduled), failed (for good), refused (the address policy refused the target).", labelNames: [...perEndpoint, "outcome"], registers });
    this.duration = new client.Histogram({ name: "hookgate_attempt_duration_seconds", help: "How long delivery attempts took, to the receiver's answer or the error.", labelNames: perEndpoint, buckets: DURATION_BUCKETS, registers });
    this.sourceUp = new client.Gauge({ name: "hookgate_source_up", help: "1 while the source runs, 0 while it starts, reconnects or failed.", labelNames: ["source"], registers });
    for (const id of options.sources) this.sourceUp.labels(id).set(0);
    this.global = options.perEndpoint ? null : this.series([]);
    if (this.global) for (const outcome of OUTCOMES) this.global.outcomes[outcome].inc(0);
    new BacklogReader(options, registers);
  }

  /** A counter of one source's route requests, bound once per route: each status's child is made on its first use. */
  ingestRequestCounter(source: string): (status: number) => void {
    const children: Child[] = [];
    return (status) => (children[status] ??= this.ingestRequests.labels(source, String(status))).inc();
  }

  ingested(source: string, events: number): void {
    let child = this.ingestedBySource.get(source);
    if (!child) { child = this.eventsIngested.labels(source); this.ingestedBySource.set(source, child); }
    child.inc(events);
  }

  attempted(endpointId: string, outcome: AttemptOutcomeLabel, seconds: number): void {
    let series = this.global ?? this.byEndpoint.get(endpointId);
    if (!series) { series = this.series([endpointId]); this.byEndpoint.set(endpointId, series); }
    series.outcomes[outcome].inc();
    series.duration.observe(seconds);
  }

  /** A source's status changed (ctx.report or the supervisor): up is "running". */
  sourceStatus(source: string, status: string): void {
    this.sourceUp.labels(source).set(status === "running" ? 1 : 0);
  }

  /** A source a reload removed: its hookgate_source_up series goes (a 0 would read as a source down). */
  sourceRemoved(source: string): void {
    this.sourceUp.remove(source);
  }

  /** The text of a scrape, with its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    if (!this.defaults) this.addDefaults();
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /**
   * prom-client's default process_* and nodejs_* metrics, added on the first scrape: loading and starting them took
   * 5–6 ms of every start of the compiled binary (P5). process_* read the process's own totals (CPU since it started,
   * memory now), so they are the same; nodejs_gc_* and the event-loop lag count from the first scrape on.
   */
  private addDefaults(): void {
    this.defaults = true;
    client.collectDefaultMetrics({ register: this.registry });
    // prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like counters, which makes
    // `promtool check metrics` fail (DESIGN 11): dropped. process_* and the other nodejs_* stay.
    for (const metric of this.registry.getMetricsAsArray()) {
      if (!metric.name.startsWith("hookgate_") && metric.name.endsWith("_total") && !(metric instanceof client.Counter)) this.registry.removeSingleMetric(metric.name);
    }
  }

  private series(labels: string[]): EndpointSeries {
    const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, this.attempts.labels(...labels, o)])) as Record<AttemptOutcomeLabel, Child>;
    return { outcomes, duration: this.duration.labels(...labels) };
  }
}
