import * as v from "valibot";
import { HeaderName as ConfigHeaderName, HeaderValue as ConfigHeaderValue, Scheme } from "../../config/schema.ts";
import { EventPattern, EventTypeName, TenantId } from "../../core/values.ts";
import { ADMIN_OPTION_FIELDS, OPTION_VIEW_FIELDS, optionalFields, resettableFields } from "../../core/endpoints/options.ts";

/** The admin API's shapes: request bodies, queries and answers. Types are inferred from here. */

export const Problem = v.object({
  type: v.string(),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: v.string(),
  errors: v.optional(v.array(v.object({ path: v.string(), message: v.string() }))),
});

/** The error answers a route can give besides its own, declared on every route so the document is complete. */
export function errors<const S extends number>(...statuses: S[]): { [K in S | 401 | 403]: typeof Problem } {
  return Object.fromEntries([401, 403, ...statuses].map((s) => [s, Problem])) as never;
}

const Iso = v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 date-time like 2026-03-14T16:45:00Z"));
export const Id = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(100)) });

/**
 * Server-side caps on what an API caller stores (the config file is ops' own and has none): every endpoint read
 * and every attempt carries these, so one caller's megabytes would slow every list and delivery.
 */
export const TEXT_CAPS = { description: 1000, headersBytes: 8192, headerName: 100, username: 256, password: 1024, token: 4096 } as const;

// The config file's header rules, for string values only: the API cannot hold functions.
const HeaderName = v.pipe(ConfigHeaderName, v.maxLength(TEXT_CAPS.headerName));
const HeaderValue = v.pipe(ConfigHeaderValue, v.maxLength(TEXT_CAPS.headersBytes));
const headersBytes = (h: Record<string, string>) => Object.entries(h).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
const Headers = v.pipe(
  v.record(HeaderName, HeaderValue),
  v.check((h) => Object.keys(h).length <= 50, "at most 50 headers"),
  v.check((h) => headersBytes(h) <= TEXT_CAPS.headersBytes, (issue) => `must be at most 8 KiB (${TEXT_CAPS.headersBytes} bytes) of names and values in all, not ${headersBytes(issue.input as Record<string, string>)}`),
  v.description("At most 50 headers, names and values at most 8 KiB (8192 bytes) in all."),
);
const AuthSchema = v.variant("type", [
  v.strictObject({ type: v.literal("basic"), username: v.pipe(ConfigHeaderValue, v.maxLength(TEXT_CAPS.username)), password: v.pipe(ConfigHeaderValue, v.maxLength(TEXT_CAPS.password)) }),
  v.strictObject({ type: v.literal("bearer"), token: v.pipe(ConfigHeaderValue, v.maxLength(TEXT_CAPS.token)) }),
]);
const SigningSchema = v.strictObject({ scheme: v.optional(Scheme, "standard"), header: v.optional(HeaderName) });

const Pattern = v.pipe(EventPattern, v.maxLength(200));
const Events = v.pipe(v.array(Pattern), v.minLength(1, 'must list at least one event type (use ["*"] for all)'), v.maxLength(200));

const Url = v.pipe(v.string(), v.maxLength(2048), v.url("must be an absolute URL"));
const Description = v.pipe(v.string(), v.maxLength(TEXT_CAPS.description));
const SecretText = v.pipe(v.string(), v.minLength(8), v.maxLength(512));

/**
 * A request example, as sent: Swagger UI's "Try it out" sends it as it is, so each must do no harm. Valibot types
 * examples as parsed output (defaults filled in); a request leaves the defaults out.
 */
const withExample = <S extends v.GenericSchema>(schema: S, example: Partial<v.InferOutput<S>>) =>
  v.pipe(schema, v.examples<v.InferOutput<S>, [v.InferOutput<S>]>([example as v.InferOutput<S>]));

/**
 * Its example pings a name that does not answer, so the create is refused (422) and nothing is saved; pointed at
 * a real receiver, it saves an endpoint with sane options (a 10 s timeout, 50 requests a second).
 */
export const EndpointCreate = withExample(v.strictObject({
  url: Url,
  events: Events,
  description: v.optional(Description, ""),
  enabled: v.optional(v.boolean(), true),
  headers: v.optional(Headers, {}),
  auth: v.optional(AuthSchema),
  signing: v.optional(SigningSchema, { scheme: "standard" }),
  /** Bring your own signing secret (a receiver may hand one out); otherwise one is generated. */
  secret: v.optional(SecretText),
  /** Send a `ping` first and save only on a 2xx. */
  verify: v.optional(v.boolean(), true),
  /** The customer it belongs to (its events only, plus global ones); left out: global, or the session's tenant. Fixed once created. */
  tenant: v.optional(TenantId),
  /** Per-endpoint overrides of the delivery defaults. */
  ...optionalFields(ADMIN_OPTION_FIELDS),
}), { url: "https://hooks.example.com/hookgate", events: ["*"], description: "All events, saved once the receiver answers the ping", timeoutMs: 10_000, rateLimit: 50 });
export type EndpointCreate = v.InferOutput<typeof EndpointCreate>;

export const EndpointPatch = withExample(v.strictObject({
  url: v.optional(Url),
  events: v.optional(Events),
  description: v.optional(Description),
  enabled: v.optional(v.boolean()),
  headers: v.optional(Headers),
  auth: v.optional(v.nullable(AuthSchema)),
  signing: v.optional(SigningSchema),
  /** null goes back to the delivery default. */
  ...resettableFields(ADMIN_OPTION_FIELDS),
}), { enabled: false });
export type EndpointPatch = v.InferOutput<typeof EndpointPatch>;

/** Receiver credentials are write-only: reads show them masked (MASK). */
const AuthView = v.variant("type", [
  v.object({ type: v.literal("basic"), username: v.string(), password: v.string() }),
  v.object({ type: v.literal("bearer"), token: v.string() }),
]);

/** null: global (no tenant). */
const Tenant = v.nullable(v.string());

export const Endpoint = v.object({
  id: v.string(),
  tenant: Tenant,
  url: v.string(),
  description: v.string(),
  events: v.array(v.string()),
  enabled: v.boolean(),
  disabledReason: v.nullable(v.string()),
  managedBy: v.picklist(["config", "api"]),
  headers: v.record(v.string(), v.string()),
  auth: v.nullable(AuthView),
  signing: v.object({ scheme: Scheme, header: v.nullable(v.string()) }),
  ...OPTION_VIEW_FIELDS,
  createdAt: Iso,
  updatedAt: Iso,
});
export const EndpointWithSecret = v.object({ ...Endpoint.entries, signingSecret: v.string() });
/** A PATCH answer: `signingSecret` only when a scheme change needed a new secret (shown this once). */
export const PatchedEndpoint = v.object({ ...Endpoint.entries, signingSecret: v.optional(v.string()) });

export const Attempt = v.object({
  id: v.string(),
  number: v.pipe(v.number(), v.integer()),
  trigger: v.picklist(["scheduled", "manual"]),
  outcome: v.picklist(["succeeded", "failed"]),
  startedAt: Iso,
  url: v.string(),
  requestHeaders: v.record(v.string(), v.string()),
  /** The body sent, first 64 KiB (the `transform`ed one when the endpoint has a transform). */
  requestBody: v.string(),
  statusCode: v.nullable(v.pipe(v.number(), v.integer())),
  responseHeaders: v.record(v.string(), v.string()),
  /** The first 64 KiB. */
  responseBody: v.string(),
  durationMs: v.pipe(v.number(), v.integer()),
  error: v.nullable(v.string()),
});
/** An attempt made on request (test event, retry), with where it was recorded. */
export const ManualAttempt = v.object({ ...Attempt.entries, deliveryId: v.string(), eventId: v.string() });
/** A 422 from creation: a failed verification carries the ping's attempt. */
export const VerifyFailed = v.object({ ...Problem.entries, attempt: v.optional(Attempt) });

export const DeliveryStatus = v.picklist(["pending", "retrying", "succeeded", "failed"]);
export const Delivery = v.object({
  id: v.string(),
  eventId: v.string(),
  eventType: v.string(),
  endpointId: v.string(),
  /** Its endpoint's tenant. */
  tenant: Tenant,
  status: DeliveryStatus,
  /** Every attempt, oldest first. */
  attempts: v.array(Attempt),
  nextAttemptAt: v.nullable(Iso),
  createdAt: Iso,
  updatedAt: Iso,
});

export const Event = v.object({
  id: v.string(),
  type: v.string(),
  tenant: Tenant,
  source: v.string(),
  timestamp: v.string(),
  receivedAt: Iso,
  idempotencyKey: v.nullable(v.string()),
  data: v.unknown(),
});
export const EventWithDeliveries = v.object({ ...Event.entries, deliveries: v.array(Delivery) });

export const EventType = v.object({
  type: v.string(),
  description: v.string(),
  /** The data schema as JSON Schema, when the catalog gives one. */
  schema: v.nullable(v.record(v.string(), v.unknown())),
  /** False for types seen in the store but not in the config's catalog (no catalog: any type is accepted). */
  inCatalog: v.boolean(),
});

export const Source = v.object({
  id: v.string(),
  type: v.string(),
  status: v.string(),
  lastError: v.nullable(v.string()),
  cursor: v.unknown(),
  updatedAt: v.nullable(Iso),
  /** The process that runs it: `<hostname>:<pid>`, `all` (every process runs it), or null (none holds it now). */
  runningOn: v.pipe(v.nullable(v.string()), v.description("The process that runs it: `<hostname>:<pid>`; `all` when every process runs it (http, table-mode postgres); null while no process holds a run-once source.")),
});

/** Who the bearer token is (`GET /me`): what a client such as the portal may offer it. */
export const Me = v.object({
  kind: v.pipe(v.picklist(["admin", "session"]), v.description("`admin`: a token from admin.tokens; `session`: a tenant session")),
  name: v.pipe(v.nullable(v.string()), v.description("The admin token's name; null for a session")),
  tenant: v.pipe(v.nullable(v.string()), v.description("The session's tenant; null for an admin token (every tenant)")),
  scopes: v.array(v.picklist(["read", "write"])),
  expiresAt: v.pipe(v.nullable(Iso), v.description("When the session ends; null for an admin token")),
});

export const page = <T extends v.GenericSchema>(item: T) => v.object({ data: v.array(item), nextCursor: v.nullable(v.string()) });

const Limit = v.pipe(v.string(), v.regex(/^\d{1,3}$/, "must be a number from 1 to 100"), v.transform(Number), v.minValue(1), v.maxValue(100));
export const ListQuery = { cursor: v.optional(v.pipe(v.string(), v.maxLength(200))), limit: v.optional(Limit) };
export const PageQuery = v.object(ListQuery);
/** `?tenant=`: one tenant's rows, for an admin token; a session sees its own tenant's (naming another is 403). */
const TenantListQuery = { ...ListQuery, tenant: v.optional(TenantId) };
export const EndpointsQuery = v.object(TenantListQuery);
export const EventsQuery = v.object({ ...TenantListQuery, type: v.optional(EventTypeName), since: v.optional(Iso) });
export const DeliveriesQuery = v.object({
  ...TenantListQuery,
  endpoint: v.optional(v.string()),
  status: v.optional(DeliveryStatus),
  event: v.optional(v.string()),
  /** Deliveries of events of this type (exact). */
  type: v.optional(EventTypeName),
});

export const RotateBody = v.optional(withExample(v.strictObject({
  graceSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(30 * 86_400)), 86_400),
  /** A secret of one's own, e.g. one the receiver already accepts beside the old one (github and hex: see the README). */
  secret: v.optional(SecretText),
}), { graceSeconds: 86_400 }));
export const Rotated = v.object({
  signingSecret: v.string(),
  /** The grace in force: 0 for github and hex, whose header carries one signature (the switch is immediate). */
  graceSeconds: v.pipe(v.number(), v.integer()),
  previousSecretExpiresAt: v.nullable(Iso),
  note: v.optional(v.string()),
});
export const TestBody = v.optional(withExample(v.strictObject({ type: v.optional(EventTypeName, "ping"), data: v.optional(v.unknown()) }), { type: "ping" }));
/** For actions that take nothing: an empty object or no body at all. */
export const EmptyBody = v.optional(v.strictObject({}));
export const RecoverBody = withExample(v.strictObject({ since: Iso, until: v.optional(Iso) }), { since: "2026-01-01T00:00:00Z" });
/** `?since=`: an ISO time; left out, 24 hours ago. */
export const StatsQuery = v.object({ since: v.optional(Iso) });
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
export const EndpointStats = v.pipe(v.object({
  since: Iso,
  /** The endpoint's deliveries whose event was accepted since `since` (the time in their id), by status. */
  succeeded: Count,
  failed: Count,
  pending: Count,
  retrying: Count,
  /** Its last attempt, whenever it was (null: never attempted). */
  lastAttemptAt: v.nullable(Iso),
  /** That attempt's response status (null: no attempt, or no response: a timeout or a refused connection). */
  lastStatusCode: v.nullable(v.pipe(v.number(), v.integer())),
}), v.examples([{ since: "2026-03-13T16:45:00.000Z", succeeded: 1412, failed: 3, pending: 0, retrying: 2, lastAttemptAt: "2026-03-14T16:44:58.120Z", lastStatusCode: 200 }]));
export const Recovered = v.object({ requeued: v.pipe(v.number(), v.integer()) });
