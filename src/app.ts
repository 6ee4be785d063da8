import { configChanges, type ConfigChanges } from "./config/changes.ts";
import type { LoadedConfig } from "./config/load.ts";
import type { Dispatcher } from "./core/delivery/dispatcher.ts";
import type { SecretCodec } from "./core/endpoints/credentials.ts";
import type { EndpointRegistry } from "./core/endpoints/registry.ts";
import type { Ingest } from "./core/ingest.ts";
import type { Members } from "./cluster/members.ts";
import type { LogLevel } from "./log.ts";
import type { Resolver } from "./outbound/send.ts";
import type { Logger } from "./plugin-api/index.ts";
import type { Store } from "./store/types.ts";
import { startServices } from "./app/lifecycle.ts";
import { openTheStore } from "./app/open.ts";
import { buildServices } from "./app/services.ts";

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
  /** For tests: how long attempt records wait to share a transaction (default 10 ms), to kill the process between a send and its record. */
  recordWindowMs?: number;
  /** For tests: false leaves out the Postgres LISTEN for endpoint changes, so the tick's check alone must find them. */
  listenForChanges?: boolean;
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

/** Wires config → store → services → http, and takes them down in the reverse order (src/app/). */
export async function startApp(loaded: LoadedConfig, options: AppOptions): Promise<App> {
  const opened = await openTheStore(loaded, options);
  const services = buildServices(loaded, opened, options);
  const { http, stop } = await startServices(loaded, services, options);
  const { config } = loaded;
  let running = loaded;
  return {
    url: http.url, port: http.port, store: services.store, registry: services.registry, dispatcher: services.dispatcher,
    ingest: services.ingest, members: services.members,
    async reload(next) {
      const changes = configChanges(running.config, next.config);
      http.reload(next);
      await services.reload(next, changes, (routes) => http.mount(routes));
      // What the next reload compares with: `server`, `store` and `metrics` keep their running values.
      running = { ...next, config: { ...next.config, server: config.server, store: config.store, metrics: config.metrics } };
      return changes;
    },
    stop,
  };
}
