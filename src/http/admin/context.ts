import type { Config } from "../../config/schema.ts";
import type { Sender } from "../../core/delivery/attempt.ts";
import type { Dispatcher } from "../../core/delivery/dispatcher.ts";
import type { EndpointRegistry } from "../../core/endpoints/registry.ts";
import { EndpointService } from "../../core/endpoints/service.ts";
import { DomainError, type DomainErrorKind } from "../../core/errors.ts";
import type { TenantScope } from "../../core/scope.ts";
import type { OperationalEvents } from "../../core/operational-events.ts";
import { systemResolver, type Resolver } from "../../outbound/send.ts";
import { urlChecker, type UrlPolicy } from "../../outbound/url-policy.ts";
import type { Logger } from "../../plugin-api/index.ts";
import type { AdminQueries } from "../../store/admin-queries.ts";
import type { Store } from "../../store/types.ts";
import { HttpProblem } from "../problem.ts";
import { attemptView } from "./views.ts";

/**
 * The config values the admin routes read: built from the running config, and `reload` swaps in the next config's
 * whole (never a field of the running one). `server.publicUrl` keeps its value until a restart.
 */
export class AdminSettings {
  private config: Config;
  private list: readonly { id: string; type: string }[];
  readonly publicUrl: string | undefined;

  constructor(config: Config, sources: readonly { id: string; type: string }[]) {
    this.config = config;
    this.list = sources;
    this.publicUrl = config.server.publicUrl;
  }

  reload(next: Config, sources: readonly { id: string; type: string }[]): void {
    this.config = next;
    this.list = sources;
  }

  /** The configured sources, in config order. */
  get sources(): readonly { id: string; type: string }[] { return this.list; }
  /** The event catalog; undefined: any type goes. */
  get catalog(): Config["events"] { return this.config.events; }
  get tenants(): Config["tenants"] { return this.config.tenants; }
  /** The address policy endpoint URLs are checked against (`delivery.requireHttps`, `delivery.allowNetworks`). */
  get policy(): UrlPolicy { return this.config.delivery; }
}

/** What the admin routes use: plain services, never the request context. */
export interface AdminContext {
  settings: AdminSettings;
  /** Which process runs each source, given the holders recorded in the store (see SourceSupervisor.runningOn). */
  runningOn?(recorded: ReadonlyMap<string, string | null>): Promise<Map<string, string | null>>;
  store: Store;
  queries: AdminQueries;
  registry: EndpointRegistry;
  dispatcher: Dispatcher;
  /** The outbound sender with the delivery policy applied (the verification ping uses it). */
  send: Sender;
  /** The sender's resolver (DNS unless a test stands one in): registration looks endpoint names up with it. */
  resolve?: Resolver;
  /** The clock sessions are issued by (the same one AdminAuth checks expiry against). */
  now: () => number;
  /** hookgate's own events (an admin's disable, enable and rotation emit them). */
  events?: OperationalEvents;
  /** Where admin changes are logged (one info line each). */
  log?: Logger;
}

/** The routes' context: the services above with the endpoint lifecycle built over them. */
export type AdminServices = AdminContext & { endpoints: EndpointService };

export function withServices(ctx: AdminContext): AdminServices {
  const endpoints = new EndpointService({
    store: ctx.store, queries: ctx.queries, registry: ctx.registry, dispatcher: ctx.dispatcher, send: ctx.send,
    urls: urlChecker(ctx.resolve ?? systemResolver), events: ctx.events,
    // Read at each use: a config reload replaces them (AdminSettings.reload).
    get policy() { return ctx.settings.policy; },
    get catalog() { return ctx.settings.catalog; },
    get maxEndpoints() { return ctx.settings.tenants.maxEndpoints; },
    get tenants() { return ctx.settings.tenants; },
  });
  return { ...ctx, endpoints };
}

const STATUS: Record<DomainErrorKind, number> = { unauthorized: 401, forbidden: 403, "not-found": 404, conflict: 409, invalid: 422 };

/** A core refusal as the problem the API answers (a failed verification carries its attempt); anything else passes on. */
export function asProblem(e: unknown): never {
  if (!(e instanceof DomainError)) throw e;
  throw new HttpProblem(STATUS[e.kind], e.detail, e.problems, {}, e.attempt ? { attempt: attemptView(e.attempt) } : {});
}

/** A list's scope given its `?tenant=` (TenantScope.narrow: a session naming another tenant is 403). */
export function narrowed(scope: TenantScope, asked: string | undefined): TenantScope {
  try { return scope.narrow(asked); } catch (e) { return asProblem(e); }
}
