import type * as v from "valibot";
import type { CheckedFetch } from "../outbound/checked-fetch.ts";

/** What a source hands to `ctx.emit`: one event. `id` is its idempotency key within the source and the event's tenant. */
export interface EventInput {
  type: string;
  data: unknown;
  id?: string;
  timestamp?: string;
  /** The customer (tenant) the event belongs to: it reaches that tenant's endpoints and the global ones only. */
  tenant?: string;
}

export interface EmitOptions {
  /** The source's new cursor, committed with the events. */
  state?: unknown;
  /**
   * Narrows idempotency keys from the source to (source, scope): the same `id` under another scope is another
   * event. The http source passes the token's name, so one client's keys never collide with another's.
   */
  idempotencyScope?: string;
}

export interface EmitResult {
  id: string;
  deliveries: number;
  duplicate: boolean;
}

export interface Logger {
  /** Written only with HOOKGATE_LOG_LEVEL=debug: what is routine, such as a client going away mid-upload. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Problems with an emitted batch: nothing of the batch was stored. */
export class InvalidEventsError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("; "));
    this.name = "InvalidEventsError";
  }
}

/** A request route the source serves on the gateway's HTTP port (used by the `http` source). */
export interface SourceRoute {
  method: "GET" | "POST" | "PUT";
  path: string;
  handle(request: Request, info: { ip: string | null }): Response | Promise<Response>;
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
