import type * as v from "valibot";
import type { CheckedFetch } from "../outbound/checked-fetch.ts";

export { InvalidEventsError, type EmitOptions, type EmitResult, type EventInput } from "../core/event-input.ts";
export type { Logger } from "../core/logger.ts";
import type { EmitOptions, EmitResult, EventInput } from "../core/event-input.ts";
import type { Logger } from "../core/logger.ts";

/** A request route the source serves on the gateway's HTTP port (used by the `http` source). */
export interface SourceRoute {
  method: "GET" | "POST" | "PUT";
  path: string;
  /** `info.ip`: the peer's address, looked up when read. */
  handle(request: Request, info: { readonly ip: string | null }): Response | Promise<Response>;
}

/** What `GET /api/v1/sources` shows for a source. */
export type SourceStatus = "running" | "reconnecting" | "error";

export interface SourceState<T = unknown> {
  get(): Promise<T | undefined>;
  set(value: T): Promise<void>;
}

export interface SourceContext {
  /** The source id from the config. */
  readonly id: string;
  /**
   * Stores the events and all their deliveries, and `state` when given, in one transaction.
   * Resolves only after the commit: advance a cursor or delete a row after this, never before.
   * Rejects with InvalidEventsError for a bad event, also for `data` nested deeper than MAX_DEPTH.
   */
  emit(events: EventInput[], options?: EmitOptions): Promise<EmitResult[]>;
  /** The source's cursor, kept in the store. */
  readonly state: SourceState;
  readonly log: Logger;
  /**
   * Records the source's health after `start` resolved (a lost connection, a failed run, a recovery):
   * the admin API and the logs show it. Never throws. A failed `start` is recorded by the gateway.
   */
  report(status: SourceStatus, error?: unknown): void;
  /** Aborted when the gateway shuts down. */
  readonly signal: AbortSignal;
  /**
   * HTTP out of the gateway through the sender deliveries use: `delivery.requireHttps` and `allowNetworks`
   * apply, the connection goes to the checked address, a 3xx is returned (never followed), and the answer is
   * read whole up to `maxBytes`. Make every outbound request with it. Rejects with `OutboundError`.
   */
  fetch: CheckedFetch;
  /** Serves a route on the gateway's port. Call it in `create`; routes are mounted before listening. */
  route(route: SourceRoute): void;
  /** The gateway's settings a source may need. */
  readonly settings: {
    maxBodyBytes: number;
    eventTypes: readonly string[] | null;
    /** The config file's folder: resolve a plugin's relative paths against it, as the config does. */
    configDir: string;
  };
}

export interface Source {
  /** May be retried with backoff when it throws. */
  start(): Promise<void>;
  /** Idempotent, and safe to call after a failed start. */
  stop(): Promise<void>;
}

export interface PluginDefinition<S extends v.GenericSchema = v.GenericSchema> {
  type: string;
  options: S;
  /**
   * Whether the source runs on one process at a time when several share a Postgres store (under an advisory lock,
   * moving to another process when its holder dies) rather than on every process. Set it for a source that polls or
   * listens, whose work every process would otherwise repeat; not for one that serves routes. It decides by the
   * options (`postgres` runs once in notify mode only); absent, the source runs on every process.
   */
  runOnce?(options: v.InferOutput<S>): boolean;
  /** Does no I/O: it only wires the source up. */
  create(options: v.InferOutput<S>, ctx: SourceContext): Source;
}

export function definePlugin<S extends v.GenericSchema>(plugin: PluginDefinition<S>): PluginDefinition<S> {
  return plugin;
}

/** The plugins a config's `sources` may name by `type`, each under its own type. */
export type PluginRegistry = ReadonlyMap<string, PluginDefinition>;
