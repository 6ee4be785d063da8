import type { LoadedSource } from "./config/load.ts";
import type { Ingest } from "./core/ingest.ts";
import type { CheckedFetch } from "./outbound/checked-fetch.ts";
import { InvalidEventsError, type Logger, type Source, type SourceContext, type SourceRoute } from "./plugin-api/index.ts";
import type { StoreWrites } from "./store/store-errors.ts";
import type { Store } from "./store/types.ts";

interface RunningSource {
  id: string;
  source: Source;
  started: boolean;
  retry: Timer | null;
  /** How many times the source reported its status (ctx.report). */
  reports: number;
  /** Writes the source's status; writes land in the order they were made, by the gateway or the source. */
  setStatus(status: string, error: string | null): Promise<void>;
}

/** A source's route, with the source it belongs to (metrics count its requests by source). */
export type MountedRoute = SourceRoute & { source: string };

export interface SupervisorOptions {
  store: Pick<Store, "setSourceStatus" | "getCursor" | "setCursor">;
  ingest: Pick<Ingest, "emit">;
  /** Counts the sources' writes into the store's health (GET /health). */
  writes: StoreWrites;
  log: Logger & { child(fields: Record<string, unknown>): Logger };
  /** Sources reach out through the delivery policy too (the poll source, user plugins). */
  fetch: CheckedFetch;
  settings: SourceContext["settings"];
  /** Aborted when the gateway shuts down: the sources' ctx.signal; no status is written and no start retried after. */
  signal: AbortSignal;
  /** Told of every status a source gets (hookgate_source_up). */
  onStatus?(source: string, status: string): void;
}

export interface SourceSupervisor {
  /** The routes the sources asked for in `create`, to mount before the server listens. */
  readonly routes: MountedRoute[];
  /** Starts every source; one that fails is retried with backoff (1 s doubling to 60 s) until the shutdown. */
  start(): void;
  /** Stops every source (after the signal aborted), each once, a failure logged. */
  stop(): Promise<void>;
}

/** Creates each configured source (create does no I/O) with its context, and runs their lifecycle. */
export function superviseSources(loaded: readonly LoadedSource[], options: SupervisorOptions): SourceSupervisor {
  const { store, ingest, writes, log, signal } = options;
  const routes: MountedRoute[] = [];
  const sources: RunningSource[] = loaded.map((s) => {
    const sourceLog = log.child({ source: s.id });
    let written = Promise.resolve();
    const setStatus = (status: string, error: string | null) => (options.onStatus?.(s.id, status), written = written
      .then(() => store.setSourceStatus(s.id, status, error))
      .catch((e) => sourceLog.error("source status not recorded", { error: String(e) })));
    const running = { id: s.id, started: false, retry: null, reports: 0, setStatus } as RunningSource;
    const ctx: SourceContext = {
      id: s.id,
      emit: (events, opts) => ingest.emit(s.id, events, opts).then(
        (results) => { writes.succeeded(); return results; },
        (e) => { if (!(e instanceof InvalidEventsError)) writes.failed(e); throw e; },
      ),
      state: { get: () => store.getCursor(s.id), set: (value) => store.setCursor(s.id, value) },
      log: sourceLog,
      report: (status, error) => {
        if (signal.aborted) return;
        const message = error === undefined || error === null ? null : error instanceof Error ? error.message : String(error);
        if (status !== "running") sourceLog.warn(`source ${status}`, { error: message });
        running.reports++;
        void setStatus(status, message);
      },
      signal,
      fetch: options.fetch,
      route: (route) => routes.push({ method: route.method, path: route.path, handle: route.handle.bind(route), source: s.id }),
      settings: options.settings,
    };
    running.source = s.plugin.create(s.options, ctx);
    return running;
  });

  const startSource = async (s: RunningSource, attempt = 0): Promise<void> => {
    if (signal.aborted) return;
    const reportsBefore = s.reports;
    // The previous run's "running" must not show while this one is still starting.
    if (attempt === 0) await s.setStatus("starting", null);
    try {
      await s.source.start();
      if (signal.aborted) return;
      s.started = true;
      // A status the source reported while starting (a bad row, a first failed run) is newer: keep it.
      if (s.reports === reportsBefore) await s.setStatus("running", null);
    } catch (e) {
      if (signal.aborted) return;
      const message = e instanceof Error ? e.message : String(e);
      const delay = Math.min(60_000, 1_000 * 2 ** attempt);
      log.error("source failed to start", { source: s.id, error: message, retryInMs: delay });
      await s.setStatus("error", message);
      await s.source.stop().catch(() => {});
      s.retry = setTimeout(() => void startSource(s, attempt + 1), delay);
    }
  };

  return {
    routes,
    start() {
      for (const s of sources) void startSource(s);
    },
    async stop() {
      for (const s of sources) {
        if (s.retry) clearTimeout(s.retry);
        await s.source.stop().catch((e) => log.error("source stop failed", { source: s.id, error: String(e) }));
      }
    },
  };
}
