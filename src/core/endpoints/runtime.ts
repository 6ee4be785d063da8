import type { KeyObject } from "node:crypto";
import { toMs } from "../duration.ts";
import { privateKeyObject, privateKeyProblem } from "../ed25519.ts";
import type { EventView, HeaderFn, TransformFn } from "../event-view.ts";
import type { RetryPolicy } from "../delivery/retry.ts";
import { DEFAULT_HEADER, isAsymmetric, type SchemeName } from "../signing.ts";
import { openAuth, openHeaders, type ReceiverAuth, type SecretCodec } from "./credentials.ts";
import type { Matcher } from "../filters/filter.ts";
import type { Endpoint, EndpointFilter } from "./endpoint.ts";
import type { EndpointOptions } from "./options.ts";
import type { SharedValues } from "./shared.ts";
import { TENANT_LIMIT_DEFAULTS, underTenantLimits, withinLimits, type TenantLimits } from "./tenant-limits.ts";

/** An endpoint as the dispatcher uses it: the stored endpoint plus the config-only functions, policy resolved. */
export interface RuntimeEndpoint {
  id: string;
  /** The customer who owns it; null: global (every tenant's events of its types, and events without a tenant). */
  tenant: string | null;
  /** Written through the API for a tenant: its timeout and schedule are held within `tenants:`, and its connections use tenants.allowNetworks. */
  tenantLimited: boolean;
  url: string;
  enabled: boolean;
  /** Shared between endpoints with the same list (read-only). */
  events: readonly string[];
  scheme: SchemeName;
  header: string | null;
  /** Newest first; the previous secret stays while its grace period runs. */
  secrets: string[];
  /** With `ed25519`: `secrets` as private keys, parsed once here rather than on every attempt; else empty. */
  signingKeys: readonly KeyObject[];
  /** Until when the second of `secrets` (the one before a rotation) still signs, in unix ms. */
  previousUntil: number | null;
  /** Read-only: endpoints without headers share one empty object. */
  headers: Readonly<Record<string, string | HeaderFn>>;
  auth: ReceiverAuth | null;
  transform: ((event: EventView) => unknown) | null;
  /** Its payload filter compiled (shared between endpoints with the same one); null: every event of its types. */
  filter: Matcher | null;
  /** Shared between endpoints with the same schedule (read-only). */
  retry: RetryPolicy;
  timeoutMs: number;
  autoDisableAfter: number;
  autoDisableWindowMs: number;
  circuitBreakerAfter: number;
  maxConcurrency: number;
  rateLimit: number | null;
  /** DESIGN §13: its deliveries of one ordering key go one at a time; one may hold its key this long. Null: no order. */
  ordering: { maxBlockMs: number; maxBlock: string } | null;
}

/** The delivery defaults an endpoint's options override (the config's `delivery` section). */
export type EndpointDefaults = Required<Pick<EndpointOptions, "schedule" | "timeoutMs" | "autoDisableAfter" | "autoDisableWindow">> & {
  jitter: number;
  circuitBreakerAfter: number;
  maxConcurrencyPerEndpoint: number;
};

/** An endpoint the config file defines (its functions stay in memory; the rest is written to the store). */
export type ConfigEndpoint = EndpointOptions & {
  id: string;
  tenant?: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  headers: Record<string, string | HeaderFn>;
  auth?: ReceiverAuth;
  signing: { scheme: SchemeName; header?: string };
  secret?: string;
  transform?: TransformFn;
  filter?: EndpointFilter;
};

/** What the registry builds endpoints from: the config's endpoints, its delivery defaults and its tenant limits. */
export interface Configured {
  endpoints: readonly ConfigEndpoint[];
  defaults: EndpointDefaults;
  /** `tenants:` in the config; left out: its defaults. */
  tenants?: TenantLimits;
}

/** What a runtime endpoint is built from beside the stored endpoint: the config, the secrets' codec and the shared values. */
export interface RuntimeSources {
  configured: Configured;
  configById: ReadonlyMap<string, ConfigEndpoint>;
  codec: SecretCodec;
  shared: SharedValues;
}

/** The endpoint as the dispatcher uses it: secrets decrypted, options over the defaults, a tenant's held within its limits. */
export function toRuntime(stored: Endpoint, from: RuntimeSources, now = Date.now()): RuntimeEndpoint {
  const fromConfig = stored.managedBy === "config" ? from.configById.get(stored.id) : undefined;
  const options = stored.options;
  const defaults = from.configured.defaults;
  const secrets = [stored.secret, stored.previousSecret && (stored.previousSecretUntil ?? 0) > now ? stored.previousSecret : null]
    .filter((s): s is string => !!s).map((s) => from.codec.decrypt(s));
  const shared = from.shared;
  const scheme = shared.string(stored.signing.scheme) as SchemeName;
  const tenantLimited = underTenantLimits(stored);
  let timing: { timeoutMs: number; schedule: readonly (string | number)[] } = { timeoutMs: options.timeoutMs ?? defaults.timeoutMs, schedule: options.schedule ?? defaults.schedule };
  // Checked on every API write too; this holds what was saved before a reload lowered the limits, and the defaults.
  if (tenantLimited) timing = withinLimits(timing.timeoutMs, timing.schedule, from.configured.tenants ?? TENANT_LIMIT_DEFAULTS);
  return {
    id: stored.id,
    tenant: stored.tenant,
    tenantLimited,
    url: stored.url,
    enabled: stored.enabled,
    events: shared.events(stored.events),
    scheme,
    header: shared.string(stored.signing.header) ?? DEFAULT_HEADER[scheme],
    secrets,
    // A secret that is no key (a row written by hand) signs nothing rather than failing the whole registry load.
    signingKeys: isAsymmetric(scheme) ? secrets.filter((s) => privateKeyProblem(s) === null).map(privateKeyObject) : [],
    previousUntil: secrets.length > 1 ? stored.previousSecretUntil : null,
    headers: fromConfig?.headers ?? shared.headers(stored.headers, (headers) => openHeaders(headers, from.codec)),
    auth: openAuth(stored.auth, from.codec),
    transform: fromConfig?.transform ?? null,
    filter: shared.filter(stored.filter),
    retry: shared.retry(timing.schedule, defaults.jitter),
    timeoutMs: timing.timeoutMs,
    autoDisableAfter: options.autoDisableAfter ?? defaults.autoDisableAfter,
    autoDisableWindowMs: toMs(options.autoDisableWindow ?? defaults.autoDisableWindow),
    circuitBreakerAfter: defaults.circuitBreakerAfter,
    maxConcurrency: options.maxConcurrency ?? defaults.maxConcurrencyPerEndpoint,
    rateLimit: options.rateLimit ?? null,
    ordering: options.ordering ? { maxBlockMs: toMs(options.ordering.maxBlock), maxBlock: String(options.ordering.maxBlock) + (typeof options.ordering.maxBlock === "number" ? "ms" : "") } : null,
  };
}
