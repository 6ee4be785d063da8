import type { LoadedSource } from "./config/load.ts";
import type { Ingest } from "./core/ingest.ts";
import type { OperationalEvents } from "./core/operational-events.ts";
import type { CheckedFetch } from "./outbound/checked-fetch.ts";
import type { Lease, RunOnce } from "./cluster/singleton.ts";
import { InvalidEventsError, type Logger, type Source, type SourceContext, type SourceRoute } from "./plugin-api/index.ts";
import type { StoreWrites } from "./store/store-errors.ts";
import type { Store } from "./store/types.ts";

interface RunningSource {
  id: string;
  source: Source;
  /** The routes it asked for in `create`. */
  routes: MountedRoute[];
  /** Aborted when it stops (shutdown, or a reload restarts it): its ctx.signal; no status written, no start retried after. */
  abort: AbortController;
  retry: Timer | null;
  /** Run-once: on Postgres it runs on one process at a time, started and stopped by its lock (`lease`). */
  once: boolean;
  lease: Lease | null;
  /** Aborted when this process loses the source's lock: a start still under way gives up. */
  term: AbortController;
  /** How many times the source reported its status (ctx.report). */
  reports: number;
  /** Failing since the last time it ran: a failure is reported once (hookgate.source.error), not on every retry. */
  failing: boolean;
  /** Writes the source's status; writes land in the order they were made, by the gateway or the source. */
  setStatus(status: string, error: string | null): Promise<void>;
}

/** A source's route, with the source it belongs to (metrics count its requests by source). */
export type MountedRoute = SourceRoute & { source: string };

export interface SupervisorOptions {
  store: Pick<Store, "setSourceStatus" | "getCursor" | "setCursor" | "setSourceHolder">;
  /** Runs the run-once sources (PluginDefinition.runOnce) on one process at a time; without it they run here. */
  runOnce?: RunOnce;
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

export interface SourceSupervisor {
  /** The routes the running sources asked for in `create`, to mount on the server. */
  readonly routes: MountedRoute[];
  /** Starts every source; one that fails is retried with backoff (1 s doubling to 60 s) until it stops. */
  start(): void;
  /**
   * Replaces the sources named in `restart` (their options changed, or they are new or gone) with those of `next`:
   * creates the new ones, hands the routes to `mount` (so the server answers with the new handlers before the old
   * ones stop), stops the old ones, then starts the new. The others keep running untouched.
   */
  replace(next: readonly LoadedSource[], restart: ReadonlySet<string>, mount: (routes: MountedRoute[]) => void): Promise<void>;
  /**
   * Which process runs each source (GET /sources), given the holders recorded in the store: the holder of a held
   * run-once source (null while none holds it), "all" for a source every process runs, this process on SQLite.
   */
  runningOn(recorded: ReadonlyMap<string, string | null>): Promise<Map<string, string | null>>;
  /** Stops every source (after the signal aborted), each once, a failure logged. */
  stop(): Promise<void>;
}

/** Creates each configured source (create does no I/O) with its context, and runs their lifecycle. */
export function superviseSources(loaded: readonly LoadedSource[], options: SupervisorOptions): SourceSupervisor {
  const { store, ingest, writes, log } = options;

  const create = (s: LoadedSource): RunningSource => {
    const sourceLog = log.child({ source: s.id });
    const abort = new AbortController();
    const signal = AbortSignal.any([options.signal, abort.signal]);
    let written = Promise.resolve();
    const setStatus = (status: string, error: string | null) => {
      options.onStatus?.(s.id, status);
      // "starting" says nothing yet; "running" ends a failure; anything else (error, reconnecting) is one.
      if (status === "running") running.failing = false;
      else if (status !== "starting" && !running.failing) {
        running.failing = true;
        options.events?.sourceError(s.id, status, error);
      }
      return (written = written
        .then(() => store.setSourceStatus(s.id, status, error))
        .catch((e) => sourceLog.error("source status not recorded", { error: String(e) })));
    };
    const once = s.plugin.runOnce?.(s.options) ?? false;
    const term = new AbortController();
    const running = { id: s.id, routes: [], abort, retry: null, once, lease: null, term, reports: 0, failing: false, setStatus } as unknown as RunningSource;
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
      route: (route) => running.routes.push({ method: route.method, path: route.path, handle: route.handle.bind(route), source: s.id }),
      settings: options.settings,
    };
    running.source = s.plugin.create(s.options, ctx);
    return running;
  };

  const startSource = async (s: RunningSource, attempt = 0, term = s.term): Promise<void> => {
    const aborted = () => options.signal.aborted || s.abort.signal.aborted || term.signal.aborted;
    if (aborted()) return;
    const reportsBefore = s.reports;
    // The previous run's "running" must not show while this one is still starting.
    if (attempt === 0) await s.setStatus("starting", null);
    if (aborted()) return; // the lock was lost meanwhile
    try {
      await s.source.start();
      if (aborted()) return;
      // A status the source reported while starting (a bad row, a first failed run) is newer: keep it.
      if (s.reports === reportsBefore) await s.setStatus("running", null);
    } catch (e) {
      if (aborted()) return;
      const message = e instanceof Error ? e.message : String(e);
      const delay = Math.min(60_000, 1_000 * 2 ** attempt);
      log.error("source failed to start", { source: s.id, error: message, retryInMs: delay });
      await s.setStatus("error", message);
      await s.source.stop().catch(() => {});
      s.retry = setTimeout(() => void startSource(s, attempt + 1, term), delay);
    }
  };

  // A run-once source starts when this process takes its lock, and stops (at once) when it loses it.
  const launch = (s: RunningSource) => {
    if (!s.once || !options.runOnce?.cluster) return void startSource(s); // SQLite: one process, no lock
    const runOnce = options.runOnce;
    s.lease = runOnce.hold(`hookgate:source:${s.id}`, {
      async start() {
        s.term = new AbortController();
        await store.setSourceHolder(s.id, runOnce.me).catch((e) => log.error("source holder not recorded", { source: s.id, error: String(e) }));
        void startSource(s);
      },
      async stop() {
        s.term.abort();
        if (s.retry) clearTimeout(s.retry);
        await s.source.stop().catch((e) => log.error("source stop failed", { source: s.id, error: String(e) }));
      },
    });
  };

  const stopSource = async (s: RunningSource) => {
    await s.lease?.release();
    s.abort.abort();
    if (s.retry) clearTimeout(s.retry);
    await s.source.stop().catch((e) => log.error("source stop failed", { source: s.id, error: String(e) }));
  };

  let sources: RunningSource[] = loaded.map(create);
  return {
    get routes() { return sources.flatMap((s) => s.routes); },
    start() {
      for (const s of sources) launch(s);
    },
    async replace(next, restart, mount) {
      const created = new Map(next.filter((s) => restart.has(s.id)).map((s) => [s.id, create(s)]));
      const old = sources.filter((s) => restart.has(s.id));
      const kept = new Map(sources.filter((s) => !restart.has(s.id)).map((s) => [s.id, s]));
      sources = next.flatMap((s) => kept.get(s.id) ?? created.get(s.id) ?? []);
      mount(sources.flatMap((s) => s.routes));
      for (const s of old) await stopSource(s);
      for (const s of created.values()) launch(s);
    },
    async runningOn(recorded) {
      const runOnce = options.runOnce;
      if (!runOnce?.cluster) return new Map(sources.map((s) => [s.id, runOnce?.me ?? null]));
      const held = await runOnce.held(sources.filter((s) => s.once).map((s) => `hookgate:source:${s.id}`));
      return new Map(sources.map((s) => {
        if (!s.once) return [s.id, "all"];
        // Not knowing whether the lock is held (no lock connection), the recorded holder is the best answer.
        const live = held ? held.has(`hookgate:source:${s.id}`) : true;
        return [s.id, live ? recorded.get(s.id) ?? null : null];
      }));
    },
    async stop() {
      for (const s of sources) await stopSource(s);
    },
  };
}
