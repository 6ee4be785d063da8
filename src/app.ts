import { Cron } from "croner";
import type { LoadedConfig } from "./config/load.ts";
import { Dispatcher, type Sender } from "./core/dispatcher.ts";
import { toMs } from "./core/duration.ts";
import { EndpointRegistry, type SecretCodec } from "./core/endpoints.ts";
import { Ingest } from "./core/ingest.ts";
import { adminApi } from "./http/admin/index.ts";
import { docs } from "./http/docs.ts";
import { problem } from "./http/problem.ts";
import { createFetch, createHttp, reasonOf, secured, sourceRoutes } from "./http/server.ts";
import { checkedFetch } from "./outbound/checked-fetch.ts";
import { send, type Resolver, type SenderOptions } from "./outbound/send.ts";
import { InvalidEventsError, type Logger, type Source, type SourceContext, type SourceRoute } from "./plugin-api/index.ts";
import { openSecrets } from "./secrets/index.ts";
import { openStore } from "./store/open.ts";
import { StoreWrites, storeLabel, storeOpenFailure } from "./store/store-errors.ts";
import type { Store } from "./store/store.ts";

export interface AppOptions {
  log: Logger & { child(fields: Record<string, unknown>): Logger };
  /** For tests: a resolver standing in for DNS. */
  resolve?: Resolver;
  /** For tests: an extra trusted CA (PEM) for https receivers. */
  ca?: string;
  /** Encrypts endpoint secrets at rest; by default AES-256-GCM with the key from HOOKGATE_MASTER_KEY or the data folder. */
  codec?: SecretCodec;
}

export interface App {
  url: string;
  port: number;
  store: Store;
  registry: EndpointRegistry;
  dispatcher: Dispatcher;
  ingest: Ingest;
  stop(): Promise<void>;
}

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

/** Opens and migrates the store, opens the endpoint secrets and reconciles the config's endpoints (every write of the start). */
async function openTheStore(loaded: LoadedConfig, options: AppOptions): Promise<{ store: Store; registry: EndpointRegistry; codec: SecretCodec }> {
  const { config } = loaded;
  const store = openStore(config.store, options.log.child({ component: "store" }));
  try {
    await store.migrate();
    let codec = options.codec;
    if (!codec) {
      // A wrong key must stop the start here: decrypting with it would sign deliveries with garbage.
      const secrets = await openSecrets(store, config.store);
      for (const warning of secrets.warnings) options.log.warn(warning);
      codec = secrets.codec;
    }
    const registry = new EndpointRegistry(store, config, codec);
    await registry.reconcile();
    return { store, registry, codec };
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
}

/** Wires config → store → sources → dispatcher → http, and takes them down in the reverse order. */
export async function startApp(loaded: LoadedConfig, options: AppOptions): Promise<App> {
  const { config } = loaded;
  const log = options.log;
  const label = storeLabel(config.store);
  const { store, registry, codec } = await openTheStore(loaded, options).catch((e) => {
    // A full disk, a read-only file, Postgres down: say which store and what to do, not the driver's last word.
    const failure = storeOpenFailure(e, label);
    throw failure ? new Error(failure) : e;
  });
  const writes = new StoreWrites(label);

  const policy: SenderOptions = {
    requireHttps: config.delivery.requireHttps, allowNetworks: config.delivery.allowNetworks, resolve: options.resolve,
    connectTimeoutMs: config.delivery.connectTimeoutMs, proxy: config.delivery.proxy, ca: options.ca,
  };
  const sender: Sender = (request) => send(request, policy);
  const dispatcher = new Dispatcher(store, registry, sender, {
    concurrency: config.delivery.concurrency, log: log.child({ component: "dispatcher" }),
    // Test-only: holds attempt records back so a test can kill the process between a send and its record.
    recordWindowMs: Number(process.env.HOOKGATE_TEST_RECORD_WINDOW_MS) || undefined,
  });
  const ingest = new Ingest(store, registry, dispatcher, config.events);

  const abort = new AbortController();
  const routes: SourceRoute[] = [];
  const eventTypes = config.events ? Object.keys(config.events) : null;
  // Sources reach out through the delivery policy too (the poll source, user plugins).
  const sourceFetch = checkedFetch(policy, { timeoutMs: 30_000, maxBytes: config.server.maxBodyBytes });
  const sources: RunningSource[] = loaded.sources.map((s) => {
    const sourceLog = log.child({ source: s.id });
    let written = Promise.resolve();
    const setStatus = (status: string, error: string | null) => (written = written
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
        if (abort.signal.aborted) return;
        const message = error === undefined || error === null ? null : error instanceof Error ? error.message : String(error);
        if (status !== "running") sourceLog.warn(`source ${status}`, { error: message });
        running.reports++;
        void setStatus(status, message);
      },
      signal: abort.signal,
      fetch: sourceFetch,
      route: (route) => routes.push(route),
      settings: { maxBodyBytes: config.server.maxBodyBytes, eventTypes, configDir: loaded.dir },
    };
    running.source = s.plugin.create(s.options, ctx);
    return running;
  });

  let draining = false;
  const admin = adminApi({
    config, sources: loaded.sources.map((s) => ({ id: s.id, type: s.type })), store, queries: store.admin, registry, dispatcher, send: sender,
    resolve: options.resolve,
  }, config.admin.tokens);
  const httpLog = log.child({ component: "http" });
  const http = createHttp({ plugins: [docs(), admin], log: httpLog, health: () => ({ store: writes.status }) });
  const server = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    maxRequestBodySize: Math.max(config.server.maxBodyBytes * 2, 16 * 1024 * 1024),
    // Bun's default, said explicitly: a client silent this long mid-upload is cut off (logged at debug).
    idleTimeout: 10,
    routes: sourceRoutes({ routes, isDraining: () => draining, log: httpLog }),
    fetch: createFetch(http, config.admin.tokens, httpLog),
    error: (e) => {
      httpLog.error("request failed", { error: reasonOf(e) });
      return secured(problem(500, "internal error"));
    },
  });
  const port = server.port!;

  dispatcher.start();
  const startSource = async (s: RunningSource, attempt = 0): Promise<void> => {
    if (abort.signal.aborted) return;
    const reportsBefore = s.reports;
    // The previous run's "running" must not show while this one is still starting.
    if (attempt === 0) await s.setStatus("starting", null);
    try {
      await s.source.start();
      if (abort.signal.aborted) return;
      s.started = true;
      // A status the source reported while starting (a bad row, a first failed run) is newer: keep it.
      if (s.reports === reportsBefore) await s.setStatus("running", null);
    } catch (e) {
      if (abort.signal.aborted) return;
      const message = e instanceof Error ? e.message : String(e);
      const delay = Math.min(60_000, 1_000 * 2 ** attempt);
      log.error("source failed to start", { source: s.id, error: message, retryInMs: delay });
      await s.setStatus("error", message);
      await s.source.stop().catch(() => {});
      s.retry = setTimeout(() => void startSource(s, attempt + 1), delay);
    }
  };
  for (const s of sources) void startSource(s);

  const retention = toMs(config.store.retention);
  const purge = new Cron("17 * * * *", { protect: true }, async () => {
    const removed = await store.purge(Date.now() - retention, { signal: abort.signal }).catch((e) => { log.error("retention purge failed", { error: String(e) }); return 0; });
    if (removed) log.info("retention purge", { events: removed });
  });

  const url = `http://${config.server.host === "0.0.0.0" ? "127.0.0.1" : config.server.host}:${port}`;
  let stopped: Promise<void> | null = null;
  return {
    url, port, store, registry, dispatcher, ingest,
    stop() {
      stopped ??= (async () => {
        draining = true;
        abort.abort();
        purge.stop();
        for (const s of sources) {
          if (s.retry) clearTimeout(s.retry);
          await s.source.stop().catch((e) => log.error("source stop failed", { source: s.id, error: String(e) }));
        }
        await ingest.idle();
        await dispatcher.stop();
        server.stop(true);
        await store.close();
      })();
      return stopped;
    },
  };
}
