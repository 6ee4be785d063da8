import type { AppOptions } from "../app.ts";
import { Members } from "../cluster/members.ts";
import { localRunOnce, PgRunOnce, type RunOnce } from "../cluster/singleton.ts";
import type { ConfigChanges } from "../config/changes.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { Dispatcher } from "../core/delivery/dispatcher.ts";
import { Ingest } from "../core/ingest.ts";
import { OperationalEvents } from "../core/operational-events.ts";
import { AdminAuth } from "../http/auth.ts";
import { SessionRate } from "../http/session-rate.ts";
import { Metrics } from "../metrics/index.ts";
import { SourceSupervisor, type MountedRoute, type SourceServices } from "../sources/supervisor.ts";
import type { OpenedStore } from "./open.ts";
import { DeliverySender } from "./sender.ts";

/** Every service of a running gateway, built from one config; `reload` hands each the next config. */
export interface Services extends OpenedStore {
  sender: DeliverySender;
  metrics: Metrics;
  events: OperationalEvents;
  /** The live processes sharing the store; `members.self.id` names this one. */
  members: Members;
  dispatcher: Dispatcher;
  ingest: Ingest;
  /** On Postgres, what must run once (the retention purge, run-once sources) runs under an advisory lock. */
  runOnce: RunOnce;
  sources: SourceSupervisor;
  auth: AdminAuth;
  /** Aborted at stop: the sources' signals and the retention purge follow it. */
  abort: AbortController;
  /**
   * The next config (checked) to each service: endpoints reconciled, the sources in `changes` replaced (their routes
   * handed to `mount`), tokens, catalog and delivery defaults for the next attempts. `server`, `store` and `metrics`
   * keep the values they started with.
   */
  reload(next: LoadedConfig, changes: ConfigChanges, mount: (routes: MountedRoute[]) => void): Promise<void>;
}

const limitsOf = (config: Config) => ({ concurrency: config.delivery.concurrency, tenantConcurrency: config.tenants.maxConcurrency });

/** Builds the services from the config, with no I/O: `start` (lifecycle.ts) announces, listens and runs them. */
export function buildServices(loaded: LoadedConfig, opened: OpenedStore, options: AppOptions): Services {
  const { config } = loaded;
  const { store, registry, writes, link } = opened;
  const log = options.log;
  const sender = new DeliverySender(config, { resolve: options.resolve, ca: options.ca });
  // Read at each scrape: a reload swaps in the next delivery defaults.
  let delivery = config.delivery;
  const metrics = new Metrics({
    perEndpoint: config.metrics.perEndpoint, sources: loaded.sources.map((s) => s.id),
    backlog: (now) => store.admin.backlog(now, config.metrics.perEndpoint, delivery.circuitBreakerAfter), log: log.child({ component: "metrics" }),
  });
  // hookgate's own events go through ingest like any other (stored, delivered, retried); ingest is built below.
  const events: OperationalEvents = new OperationalEvents((input, about): Promise<unknown> => ingest.emitOperational(input, about), log.child({ component: "operational-events" }));
  // Started before the first attempt (lifecycle.ts), so this process starts with its share of the endpoints' limits.
  // On SQLite the store is this process's alone: all of every limit, and no heartbeat to write.
  const members = new Members(config.store.postgres ? store.processes : null, log.child({ component: "cluster" }));
  const dispatcher = new Dispatcher(store, registry, sender.send, {
    ...limitsOf(config), events, observer: metrics, share: members.limits, log: log.child({ component: "dispatcher" }), paused: () => link.down,
    recordWindowMs: options.recordWindowMs, maxProbeDelayMs: options.maxProbeDelayMs,
  });
  const debug = log.enabled?.("debug") ?? false;
  const ingest = new Ingest(store, registry, dispatcher, config.events, { observer: metrics, debugLog: debug ? log.child({ component: "ingest" }) : null });

  const runOnce: RunOnce = config.store.postgres ? new PgRunOnce({ url: config.store.postgres, log: log.child({ component: "cluster" }), self: members.self }) : localRunOnce(members.self);
  const abort = new AbortController();
  // server.maxBodyBytes and the config's folder keep their values until a restart; the event types follow a reload.
  const settingsOf = (next: Config): SourceServices["settings"] => ({
    maxBodyBytes: config.server.maxBodyBytes, eventTypes: next.events ? Object.keys(next.events) : null, configDir: loaded.dir,
  });
  const sources = new SourceSupervisor(loaded.sources, {
    store, ingest, writes, log, runOnce, signal: abort.signal, settings: settingsOf(config), events, onStatus: (id, status) => metrics.sourceStatus(id, status),
    fetch: sender.fetch({ timeoutMs: 30_000, maxBytes: config.server.maxBodyBytes }),
  });
  const auth = new AdminAuth(config.admin.tokens, store.tenants, options.now, new SessionRate(config.tenants.requestsPerSecond));

  return {
    ...opened, sender, metrics, events, members, dispatcher, ingest, runOnce, sources, auth, abort,
    async reload(next, changes, mount) {
      const now = next.config;
      sender.reload(now);
      dispatcher.reload(limitsOf(now)); // tenants.maxConcurrency unset: a quarter of the new concurrency (slots.ts)
      auth.reload(now.admin.tokens, now.tenants.requestsPerSecond);
      ingest.setCatalog(now.events);
      sources.reload(settingsOf(now));
      delivery = now.delivery;
      await registry.reconfigure({ endpoints: now.endpoints, defaults: now.delivery, tenants: now.tenants });
      const { restarted, added, removed } = changes.sources;
      const restart = new Set([...restarted, ...added, ...removed]);
      if (restart.size) await sources.replace(next.sources, restart, mount);
      for (const id of removed) metrics.sourceRemoved(id);
    },
  };
}
