import * as v from "valibot";
import { OPTION_FIELDS, optionalFields } from "../core/endpoints/options.ts";
import { TENANT_LIMIT_DEFAULTS } from "../core/endpoints/tenant-limits.ts";
import { FilterSchema } from "../core/filters/schema.ts";
import { headerNameProblem, headerValueProblem } from "../outbound/header-rules.ts";
import { checkProxyUrl } from "../outbound/url-policy.ts";
import type { HeaderFn, TransformFn } from "../core/event-view.ts";
import { Duration, EventCatalog, EventPattern, Scheme, TenantId } from "../core/values.ts";
import { PortalSchema } from "./portal.ts";
import { StoreOptions } from "../store/options.ts";

/** The one source of truth for the config file. Types are inferred from it, never restated. */

export { RESERVED_HEADERS } from "../outbound/header-rules.ts";
/** Header rules (outbound/header-rules.ts) as schemas: the config file's and the admin API's. */
export const HeaderName = v.pipe(
  v.string(),
  v.check((name) => headerNameProblem(name) === null, (issue) => headerNameProblem(String(issue.input)) ?? "is not a valid header name"),
);
export const HeaderValue = v.pipe(
  v.string(),
  v.check((value) => headerValueProblem(value) === null, (issue) => headerValueProblem(String(issue.input)) ?? "is not a valid header value"),
);
const isFunction = (x: unknown) => typeof x === "function";
export const HeadersSchema = v.record(HeaderName, v.union([HeaderValue, v.custom<HeaderFn>(isFunction, "must be a string or a function")]));

export { Scheme };
export const SigningSchema = v.strictObject({
  scheme: v.optional(Scheme, "standard"),
  header: v.optional(v.pipe(HeaderName)),
});

export const AuthSchema = v.variant("type", [
  v.strictObject({ type: v.literal("basic"), username: HeaderValue, password: HeaderValue }),
  v.strictObject({ type: v.literal("bearer"), token: HeaderValue }),
]);

const Cidr = v.pipe(v.string(), v.regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be a CIDR like "10.0.0.0/8"'));

const RetrySchedule = v.array(Duration);

export const EndpointSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must be 1-64 letters, digits, '_', '.' or '-'")),
  url: v.pipe(v.string(), v.url("must be an absolute URL")),
  /** The customer who owns it; without: a global endpoint (every tenant's events of its types). */
  tenant: v.optional(TenantId),
  description: v.optional(v.string(), ""),
  events: v.pipe(v.array(EventPattern), v.minLength(1, 'must list at least one event type (use ["*"] for all)')),
  secret: v.optional(v.pipe(v.string(), v.minLength(8, "must be at least 8 characters"))),
  signing: v.optional(SigningSchema, { scheme: "standard" }),
  headers: v.optional(HeadersSchema, {}),
  auth: v.optional(AuthSchema),
  enabled: v.optional(v.boolean(), true),
  transform: v.optional(v.custom<TransformFn>(isFunction, "must be a function (event) => body")),
  /** Which events of its types it gets, by their content (DESIGN §14). */
  filter: v.optional(FilterSchema),
  /** Per-endpoint overrides of the delivery defaults, for receivers that document their own policy. */
  ...optionalFields(OPTION_FIELDS),
});

const TokenSchema = v.pipe(v.string(), v.minLength(16, "must be at least 16 characters"));

export const ConfigSchema = v.strictObject({
  server: v.optional(
    v.strictObject({
      host: v.optional(v.string(), "0.0.0.0"),
      port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), 8080),
      maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 1_048_576),
      /** The address customers reach hookgate at (session urls start with it); else the request's own origin. */
      publicUrl: v.optional(v.pipe(v.string(), v.url("must be an absolute URL"), v.regex(/^https?:\/\//, "must be an http(s) URL like https://hooks.example.com"))),
      /** A bearer token that reads GET /metrics and nothing else (for Prometheus); admin tokens with `read` work too. */
      metricsToken: v.optional(TokenSchema),
    }),
    {},
  ),
  store: v.optional(StoreOptions, {}),
  admin: v.optional(
    v.strictObject({
      tokens: v.optional(
        v.array(v.strictObject({
          name: v.string(),
          token: TokenSchema,
          scopes: v.optional(v.array(v.picklist(["read", "write"])), ["read", "write"]),
        })),
        [],
      ),
    }),
    {},
  ),
  tenants: v.optional(
    v.strictObject({
      /** How many endpoints one tenant may have (409 past it); none: no limit. */
      maxEndpoints: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      /** The longest `timeoutMs` a tenant endpoint may set (422 past it). */
      maxTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), TENANT_LIMIT_DEFAULTS.maxTimeoutMs),
      /** The shortest delay a tenant endpoint's `schedule` may hold (422 below it). */
      minRetryDelay: v.optional(Duration, TENANT_LIMIT_DEFAULTS.minRetryDelay),
      /** The most attempts a tenant endpoint's schedule may make in all (the first one included). */
      maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), TENANT_LIMIT_DEFAULTS.maxAttempts),
      /** Private ranges tenant endpoints may reach (`delivery.allowNetworks` is for global and config endpoints only). */
      allowNetworks: v.optional(v.array(Cidr), []),
      /** Attempts one tenant may have in flight in this process; default a quarter of `delivery.concurrency`. */
      maxConcurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      /** Admin requests per second one tenant session may make (429 with Retry-After past it). */
      requestsPerSecond: v.optional(v.pipe(v.number(), v.minValue(0.1)), 20),
    }),
    {},
  ),
  portal: PortalSchema,
  metrics: v.optional(
    v.strictObject({
      /** An `endpoint` label on the attempt and delivery families: one series per endpoint, so off by default. */
      perEndpoint: v.optional(v.boolean(), false),
    }),
    {},
  ),
  events: v.optional(EventCatalog),
  delivery: v.optional(
    v.strictObject({
      timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 10_000),
      connectTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 5_000),
      schedule: v.optional(RetrySchedule, ["30s", "2m", "15m", "1h", "6h", "24h"]),
      jitter: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0.2),
      autoDisableAfter: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 20),
      /** The streak must also be this old: a short outage under load never disables ("0s": count only). */
      autoDisableWindow: v.optional(Duration, "1h"),
      /** Past this many consecutive failures an endpoint gets one probe at a time on the retry schedule (0: off). */
      circuitBreakerAfter: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 5),
      requireHttps: v.optional(v.boolean(), true),
      allowNetworks: v.optional(v.array(Cidr), []),
      concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 64),
      maxConcurrencyPerEndpoint: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 32),
      proxy: v.optional(v.pipe(v.string(), v.check((p) => checkProxyUrl(p) === null, (issue) => checkProxyUrl(String(issue.input)) ?? "is not a proxy URL"))),
    }),
    {},
  ),
  sources: v.optional(
    v.array(v.looseObject({
      type: v.string(),
      id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1-64 letters, digits, '_' or '-'")),
    })),
    [],
  ),
  endpoints: v.optional(v.array(EndpointSchema), []),
});

export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type Config = v.InferOutput<typeof ConfigSchema>;
export type EndpointConfig = v.InferOutput<typeof EndpointSchema>;
export type SigningConfig = v.InferOutput<typeof SigningSchema>;
export type AuthConfig = v.InferOutput<typeof AuthSchema>;
export type DeliveryConfig = Config["delivery"];
