import { Cron } from "croner";
import { Members } from "./cluster/members.ts";
import { localRunOnce, PgRunOnce, type RunOnce } from "./cluster/singleton.ts";
import { configChanges, type ConfigChanges } from "./config/changes.ts";
import type { LoadedConfig } from "./config/load.ts";
import type { Sender } from "./core/delivery/attempt.ts";
import { Dispatcher } from "./core/delivery/dispatcher.ts";
import { toMs } from "./core/duration.ts";
import type { SecretCodec } from "./core/endpoints/credentials.ts";
import { EndpointRegistry } from "./core/endpoints/registry.ts";
import { tenantPolicy } from "./core/endpoints/tenant-limits.ts";
import { Ingest } from "./core/ingest.ts";
import { OperationalEvents } from "./core/operational-events.ts";
import { adminApi } from "./http/admin/index.ts";
import { AdminAuth } from "./http/auth.ts";
import { SessionRate } from "./http/session-rate.ts";
import { docs } from "./http/docs.ts";
import { portal } from "./http/portal.ts";
import { problem } from "./http/problem.ts";
import { createFetch, createHttp, reasonOf, secured, sourceRoutes } from "./http/server.ts";
import type { LogLevel } from "./log.ts";
import { Metrics } from "./metrics/index.ts";
import { metricsRoute } from "./metrics/route.ts";
import { checkedFetch } from "./outbound/checked-fetch.ts";
import { send, type Resolver, type SenderOptions } from "./outbound/send.ts";
import type { Logger } from "./plugin-api/index.ts";
import { openSecrets } from "./secrets/index.ts";
import { SourceSupervisor, type MountedRoute } from "./sources/supervisor.ts";
import { listenForChanges } from "./store/changes.ts";
import { openStore } from "./store/open.ts";
import { lockStore, type StoreLock } from "./store/store-lock.ts";
import { StoreLink } from "./store/outage.ts";
import { StoreWrites, storeLabel, storeOpenFailure } from "./store/store-errors.ts";
import type { Store } from "./store/types.ts";

export interface AppOptions {
  log: Logger & { child(fields: Record<string, unknown>): Logger; enabled?(level: LogLevel): boolean };
  /** For tests: a resolver standing in for DNS. */
  resolve?: Resolver;
  /** The clock tenant sessions are issued and expire by (tests advance it instead of sleeping). */
  now?: () => number;
  /** For tests: an extra trusted CA (PEM) for https receivers. */
  ca?: string;
  /** Encrypts endpoint secrets at rest; by default AES-256-GCM with the key from HOOKGATE_MASTER_KEY or the data folder. */
  codec?: SecretCodec;
  /** For tests: the longest wait between an open circuit breaker's probes (default 30 s). */
  maxProbeDelayMs?: number;
}

export interface App {
  url: string;
  port: number;
  store: Store;
  registry: EndpointRegistry;
  dispatcher: Dispatcher;
  ingest: Ingest;
  /** The live processes sharing the store; `members.self.id` names this one. */
  members: Members;
  /**
   * Applies a reloaded config (already checked): endpoints reconciled as at start, changed sources restarted, tokens,
   * catalog and delivery defaults in force for the next attempts. `server` and `store` keep their running values.
   */
  reload(next: LoadedConfig): Promise<ConfigChanges>;
  stop(): Promise<void>;
}

/**
 * Locks a SQLite store to this process (before anything reads or migrates it), opens and migrates it, opens the
 * endpoint secrets and reconciles the config's endpoints (every write of the start).
 */
async function openTheStore(loaded: LoadedConfig, options: AppOptions, link: StoreLink): Promise<{ store: Store; registry: EndpointRegistry; codec: SecretCodec; lock: StoreLock | null }> {
  const { config } = loaded;
  const file = config.store.postgres ? null : config.store.sqlite;
  const lock = file && file !== ":memory:" ? await lockStore(file) : null;
  if (lock?.warning) options.log.warn(lock.warning);
  let store: Store | null = null;
  try {
    store = openStore(config.store, options.log.child({ component: "store" }), link);
    await store.migrate();
    let codec = options.codec;
    if (!codec) {
      // A wrong key must stop the start here: decrypting with it would sign deliveries with garbage.
      const secrets = await openSecrets(store, config.store);
      for (const warning of secrets.warnings) options.log.warn(warning);
      codec = secrets.codec;
    }
    const registry = new EndpointRegistry(store, { endpoints: config.endpoints, defaults: config.delivery, tenants: config.tenants }, codec);
    await registry.reconcile();
    return { store, registry, codec, lock };
  } catch (e) {
    await store?.close().catch(() => {});
    lock?.release();
    throw e;
  }
}

/** Wires config → store → sources → dispatcher → http, and takes them down in the reverse order. */
export async function startApp(loaded: LoadedConfig, options: AppOptions): Promise<App> {
  const { config } = loaded;
  const log = options.log;
  const label = storeLabel(config.store);
  const writes = new StoreWrites(label);
  // Postgres out of reach: said once each way, /healthz and /readyz follow, deliveries pause (store/outage.ts).
  const link = new StoreLink(label, log.child({ component: "store" }), writes);
  const { store, registry, codec, lock } = await openTheStore(loaded, options, link).catch((e) => {
    // A full disk, a read-only file, Postgres down: say which store and what to do, not the driver's last word.
    const failure = storeOpenFailure(e, label);
    throw failure ? new Error(failure) : e;
  });
  link.arm();

  const policy: SenderOptions = {
    requireHttps: config.delivery.requireHttps, allowNetworks: config.delivery.allowNetworks, resolve: options.resolve,
    connectTimeoutMs: config.delivery.connectTimeoutMs, proxy: config.delivery.proxy, ca: options.ca,
  };
  // Tenant endpoints the API wrote reach only tenants.allowNetworks; global and config ones delivery.allowNetworks.
  const tenantSenderPolicy = tenantPolicy(policy, config.tenants);
  const sender: Sender = (request, endpoint) => send(request, endpoint.tenantLimited ? tenantSenderPolicy : policy);
  const metrics = new Metrics({
    perEndpoint: config.metrics.perEndpoint, sources: loaded.sources.map((s) => s.id),
    backlog: (now) => store.admin.backlog(now, config.metrics.perEndpoint, config.delivery.circuitBreakerAfter), log: log.child({ component: "metrics" }),
  });
  // hookgate's own events go through ingest like any other (stored, delivered, retried); ingest is built below.
  const events: OperationalEvents = new OperationalEvents((input, about): Promise<unknown> => ingest.emitOperational(input, about), log.child({ component: "operational-events" }));
  // Announced before the first attempt, so this process starts with its share of the endpoints' limits.
  const members = new Members(store.processes, log.child({ component: "cluster" }));
  await members.start();
  const dispatching = {
    events, observer: metrics, share: members.limits,
    concurrency: config.delivery.concurrency, tenantConcurrency: config.tenants.maxConcurrency, log: log.child({ component: "dispatcher" }), paused: () => link.down,
    // Test-only: holds attempt records back so a test can kill the process between a send and its record.
    recordWindowMs: Number(process.env.HOOKGATE_TEST_RECORD_WINDOW_MS) || undefined,
    maxProbeDelayMs: options.maxProbeDelayMs,
  };
  const dispatcher = new Dispatcher(store, registry, sender, dispatching);
  const debug = log.enabled?.("debug") ?? false;
  const ingest = new Ingest(store, registry, dispatcher, config.events, { observer: metrics, debugLog: debug ? log.child({ component: "ingest" }) : null });

  // On Postgres, what must run once (the retention purge, run-once sources) runs under an advisory lock.
  const runOnce: RunOnce = config.store.postgres ? new PgRunOnce({ url: config.store.postgres, log: log.child({ component: "cluster" }), self: members.self }) : localRunOnce(members.self);
  const abort = new AbortController();
  const settings = { maxBodyBytes: config.server.maxBodyBytes, eventTypes: config.events ? Object.keys(config.events) : null, configDir: loaded.dir };
  const sources = new SourceSupervisor(loaded.sources, {
    store, ingest, writes, log, runOnce, signal: abort.signal, settings, events, onStatus: (id, status) => metrics.sourceStatus(id, status),
    fetch: checkedFetch(policy, { timeoutMs: 30_000, maxBytes: config.server.maxBodyBytes }),
  });

  let draining = false;
  let started = false;
  const auth = new AdminAuth(config.admin.tokens, store.tenants, options.now, new SessionRate(() => config.tenants.requestsPerSecond));
  const sourceList = loaded.sources.map((s) => ({ id: s.id, type: s.type }));
  const admin = adminApi({
    config, sources: sourceList, runningOn: (recorded) => sources.runningOn(recorded), store, queries: store.admin, registry, dispatcher, send: sender,
    resolve: options.resolve, now: auth.now, events, log: log.child({ component: "admin" }),
  }, auth);
  const httpLog = log.child({ component: "http" });
  // Admin tokens read at each scrape (a reload replaces them); server.metricsToken needs a restart.
  const scrape = metricsRoute(metrics, { get adminTokens() { return config.admin.tokens; }, metricsToken: config.server.metricsToken });
  const http = createHttp({ plugins: [docs(), portal(config.portal), admin, scrape], log: httpLog, health: () => ({ store: writes.status }),
    notReady: () => draining ? "draining" : !started ? "starting" : writes.status === "ok" ? null : `store ${writes.status}`,
  });
  // The same handlers after a reload (server.reload replaces them): /readyz, /metrics and the admin API stay as they are.
  const handlers = {
    fetch: createFetch(http, auth, httpLog),
    error: (e: Error) => {
      httpLog.error("request failed", { error: reasonOf(e) });
      return secured(problem(500, "internal error"));
    },
  };
  // The sources' routes, each counted by source (hookgate_ingest_requests_total), at start and after a reload.
  const mountRoutes = (routes: MountedRoute[]) => sourceRoutes({ routes, isDraining: () => draining, log: httpLog, countRequests: (id) => metrics.ingestRequestCounter(id) });
  const server = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    maxRequestBodySize: Math.max(config.server.maxBodyBytes * 2, 16 * 1024 * 1024),
    // Bun's default, said explicitly: a client silent this long mid-upload is cut off (logged at debug).
    idleTimeout: 10,
    routes: mountRoutes(sources.routes),
    ...handlers,
  });
  const port = server.port!;

  dispatcher.start();
  sources.start();
  // Endpoint changes through other processes sharing the store: at once by notification, else by the tick's check
  // (test-only: HOOKGATE_TEST_NO_LISTEN leaves the check alone, to prove it).
  const changeListener = config.store.postgres && !process.env.HOOKGATE_TEST_NO_LISTEN
    ? listenForChanges(config.store.postgres, () => void registry.catchUp().catch(() => {}), log.child({ component: "changes" }))
    : null;

  const retention = toMs(config.store.retention);
  const purge = new Cron("17 * * * *", { protect: true, paused: true }, async () => {
    const removed = await store.purge(Date.now() - retention, { signal: abort.signal }).catch((e) => { log.error("retention purge failed", { error: String(e) }); return 0; });
    if (removed) log.info("retention purge", { events: removed });
  });
  const purging = runOnce.hold("hookgate:purge:retention", { start: () => void purge.resume(), stop: () => void purge.pause() });

  started = true;
  const url = `http://${config.server.host === "0.0.0.0" ? "127.0.0.1" : config.server.host}:${port}`;
  let stopped: Promise<void> | null = null;
  let running = loaded;
  return {
    url, port, store, registry, dispatcher, ingest, members,
    async reload(next) {
      const changes = configChanges(running.config, next.config);
      const now = next.config;
      // In place: the admin routes, the sender and the sources read these objects at each use.
      Object.assign(config.delivery, now.delivery);
      config.events = now.events;
      config.admin = now.admin;
      config.tenants = now.tenants;
      config.endpoints = now.endpoints;
      config.sources = now.sources;
      Object.assign(policy, { requireHttps: now.delivery.requireHttps, allowNetworks: now.delivery.allowNetworks, connectTimeoutMs: now.delivery.connectTimeoutMs, proxy: now.delivery.proxy });
      Object.assign(tenantSenderPolicy, tenantPolicy(policy, now.tenants));
      dispatching.concurrency = now.delivery.concurrency;
      dispatching.tenantConcurrency = now.tenants.maxConcurrency; // unset: a quarter of the new concurrency (slots.ts)
      auth.tokens = now.admin.tokens;
      ingest.setCatalog(now.events);
      settings.eventTypes = now.events ? Object.keys(now.events) : null;
      await registry.reconfigure({ endpoints: now.endpoints, defaults: now.delivery, tenants: now.tenants });
      const { restarted, added, removed } = changes.sources;
      const restart = new Set([...restarted, ...added, ...removed]);
      if (restart.size) {
        await sources.replace(next.sources, restart, (routes) => server.reload({ routes: mountRoutes(routes), ...handlers }));
      }
      sourceList.splice(0, sourceList.length, ...next.sources.map((s) => ({ id: s.id, type: s.type })));
      for (const id of removed) metrics.sourceRemoved(id);
      running = { ...next, config: { ...now, server: config.server, store: config.store, metrics: config.metrics } };
      return changes;
    },
    stop() {
      stopped ??= (async () => {
        draining = true;
        abort.abort();
        await purging.release();
        purge.stop();
        await changeListener?.close();
        await sources.stop();
        await runOnce.close();
        await ingest.idle();
        await dispatcher.stop();
        // The last attempts' records may have emitted operational events: store them before the store closes.
        await ingest.idle();
        await members.stop();
        server.stop(true);
        await store.close();
        lock?.release();
      })();
      return stopped;
    },
  };
}
