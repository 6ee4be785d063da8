import { Cron } from "croner";
import type { LoadedConfig } from "./config/load.ts";
import { Dispatcher, type Sender } from "./core/dispatcher.ts";
import { toMs } from "./core/duration.ts";
import type { SecretCodec } from "./core/endpoints/credentials.ts";
import { EndpointRegistry } from "./core/endpoints/registry.ts";
import { Ingest } from "./core/ingest.ts";
import { adminApi } from "./http/admin/index.ts";
import { AdminAuth } from "./http/auth.ts";
import { docs } from "./http/docs.ts";
import { problem } from "./http/problem.ts";
import { createFetch, createHttp, reasonOf, secured, sourceRoutes } from "./http/server.ts";
import { checkedFetch } from "./outbound/checked-fetch.ts";
import { send, type Resolver, type SenderOptions } from "./outbound/send.ts";
import type { Logger } from "./plugin-api/index.ts";
import { openSecrets } from "./secrets/index.ts";
import { superviseSources } from "./source-supervisor.ts";
import { openStore } from "./store/open.ts";
import { StoreLink } from "./store/outage.ts";
import { StoreWrites, storeLabel, storeOpenFailure } from "./store/store-errors.ts";
import type { Store } from "./store/types.ts";

export interface AppOptions {
  log: Logger & { child(fields: Record<string, unknown>): Logger };
  /** For tests: a resolver standing in for DNS. */
  resolve?: Resolver;
  /** The clock tenant sessions are issued and expire by (tests advance it instead of sleeping). */
  now?: () => number;
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

/** Opens and migrates the store, opens the endpoint secrets and reconciles the config's endpoints (every write of the start). */
async function openTheStore(loaded: LoadedConfig, options: AppOptions, link: StoreLink): Promise<{ store: Store; registry: EndpointRegistry; codec: SecretCodec }> {
  const { config } = loaded;
  const store = openStore(config.store, options.log.child({ component: "store" }), link);
  try {
    await store.migrate();
    let codec = options.codec;
    if (!codec) {
      // A wrong key must stop the start here: decrypting with it would sign deliveries with garbage.
      const secrets = await openSecrets(store, config.store);
      for (const warning of secrets.warnings) options.log.warn(warning);
      codec = secrets.codec;
    }
    const registry = new EndpointRegistry(store, { endpoints: config.endpoints, defaults: config.delivery }, codec);
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
  const writes = new StoreWrites(label);
  // Postgres out of reach: said once each way, /healthz and /readyz follow, deliveries pause (store/outage.ts).
  const link = new StoreLink(label, log.child({ component: "store" }), writes);
  const { store, registry, codec } = await openTheStore(loaded, options, link).catch((e) => {
    // A full disk, a read-only file, Postgres down: say which store and what to do, not the driver's last word.
    const failure = storeOpenFailure(e, label);
    throw failure ? new Error(failure) : e;
  });
  link.arm();

  const policy: SenderOptions = {
    requireHttps: config.delivery.requireHttps, allowNetworks: config.delivery.allowNetworks, resolve: options.resolve,
    connectTimeoutMs: config.delivery.connectTimeoutMs, proxy: config.delivery.proxy, ca: options.ca,
  };
  const sender: Sender = (request) => send(request, policy);
  const dispatcher = new Dispatcher(store, registry, sender, {
    concurrency: config.delivery.concurrency, log: log.child({ component: "dispatcher" }), paused: () => link.down,
    // Test-only: holds attempt records back so a test can kill the process between a send and its record.
    recordWindowMs: Number(process.env.HOOKGATE_TEST_RECORD_WINDOW_MS) || undefined,
  });
  const ingest = new Ingest(store, registry, dispatcher, config.events);

  const abort = new AbortController();
  const sources = superviseSources(loaded.sources, {
    store, ingest, writes, log, signal: abort.signal,
    fetch: checkedFetch(policy, { timeoutMs: 30_000, maxBytes: config.server.maxBodyBytes }),
    settings: { maxBodyBytes: config.server.maxBodyBytes, eventTypes: config.events ? Object.keys(config.events) : null, configDir: loaded.dir },
  });

  let draining = false;
  const auth = new AdminAuth(config.admin.tokens, store.tenants, options.now);
  const admin = adminApi({
    config, sources: loaded.sources.map((s) => ({ id: s.id, type: s.type })), store, queries: store.admin, registry, dispatcher, send: sender,
    resolve: options.resolve, now: auth.now,
  }, auth);
  const httpLog = log.child({ component: "http" });
  const http = createHttp({ plugins: [docs(), admin], log: httpLog, health: () => ({ store: writes.status }) });
  const server = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    maxRequestBodySize: Math.max(config.server.maxBodyBytes * 2, 16 * 1024 * 1024),
    // Bun's default, said explicitly: a client silent this long mid-upload is cut off (logged at debug).
    idleTimeout: 10,
    routes: sourceRoutes({ routes: sources.routes, isDraining: () => draining, log: httpLog }),
    fetch: createFetch(http, auth, httpLog),
    error: (e) => {
      httpLog.error("request failed", { error: reasonOf(e) });
      return secured(problem(500, "internal error"));
    },
  });
  const port = server.port!;

  dispatcher.start();
  sources.start();

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
        await sources.stop();
        await ingest.idle();
        await dispatcher.stop();
        server.stop(true);
        await store.close();
      })();
      return stopped;
    },
  };
}
