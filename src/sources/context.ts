import type { LoadedSource } from "../config/load.ts";
import type { Ingest } from "../core/ingest.ts";
import type { OperationalEvents } from "../core/operational-events.ts";
import type { CheckedFetch } from "../outbound/checked-fetch.ts";
import { InvalidEventsError, type Logger, type SourceContext, type SourceRoute } from "../plugin-api/index.ts";
import type { StoreWrites } from "../store/store-errors.ts";
import type { Store } from "../store/types.ts";

/** A source's route, with the source it belongs to (metrics count its requests by source). */
export type MountedRoute = SourceRoute & { source: string };

/** What the gateway gives every source: the store, ingest, the checked fetch and the settings. */
export interface SourceServices {
  store: Pick<Store, "setSourceStatus" | "getCursor" | "setCursor" | "setSourceHolder" | "processes">;
  ingest: Pick<Ingest, "emit">;
  /** Counts the sources' writes into the store's health (GET /health). */
  writes: StoreWrites;
  log: Logger & { child(fields: Record<string, unknown>): Logger };
  /** Sources reach out through the delivery policy too (the poll source, user plugins). */
  fetch: CheckedFetch;
  settings: SourceContext["settings"];
  /** Aborted when the gateway shuts down: every source's ctx.signal follows it. */
  signal: AbortSignal;
  /** hookgate's own events: a source that starts failing emits hookgate.source.error. */
  events?: Pick<OperationalEvents, "sourceError">;
  /** Told of every status a source gets (hookgate_source_up). */
  onStatus?(source: string, status: string): void;
}

/**
 * A source's status as the store and the metrics see it. Writes land in the order they were made, by the gateway or
 * the source; a failure (any status but starting and running) is reported once, not on every retry, until it runs.
 */
export class SourceStatus {
  /** How many times the source reported its status itself (ctx.report). */
  reports = 0;
  private failing = false;
  private written = Promise.resolve();

  constructor(private readonly id: string, private readonly services: SourceServices, private readonly log: Logger) {}

  set(status: string, error: string | null): Promise<void> {
    const { store, events, onStatus } = this.services;
    onStatus?.(this.id, status);
    if (status === "running") this.failing = false;
    else if (status !== "starting" && !this.failing) {
      this.failing = true;
      events?.sourceError(this.id, status, error);
    }
    return (this.written = this.written
      .then(() => store.setSourceStatus(this.id, status, error))
      .catch((e) => this.log.error("source status not recorded", { error: String(e) })));
  }
}

/** The `ctx` a source is created with: emit, its cursor, its log, report, its signal, fetch and its routes. */
export function sourceContext(s: LoadedSource, services: SourceServices, own: { signal: AbortSignal; status: SourceStatus; log: Logger; routes: MountedRoute[] }): SourceContext {
  const { store, ingest, writes } = services;
  return {
    id: s.id,
    emit: (events, opts) => ingest.emit(s.id, events, opts).then(
      (results) => { writes.succeeded(); return results; },
      (e) => { if (!(e instanceof InvalidEventsError)) writes.failed(e); throw e; },
    ),
    state: { get: () => store.getCursor(s.id), set: (value) => store.setCursor(s.id, value) },
    log: own.log,
    report: (status, error) => {
      if (own.signal.aborted) return;
      const message = error === undefined || error === null ? null : error instanceof Error ? error.message : String(error);
      if (status !== "running") own.log.warn(`source ${status}`, { error: message });
      own.status.reports++;
      void own.status.set(status, message);
    },
    signal: own.signal,
    fetch: services.fetch,
    route: (route) => own.routes.push({ method: route.method, path: route.path, handle: route.handle.bind(route), source: s.id }),
    // Read at each use: a reload replaces the settings (SourceSupervisor.reload).
    get settings() { return services.settings; },
  };
}
