import * as v from "valibot";
import { OPTION_VIEW_FIELDS } from "../../core/endpoints/options.ts";
import { Scheme } from "../../core/values.ts";

/**
 * What the admin API answers: the types clients (the portal too) infer from. No server-only imports here, so the
 * portal's type check can read this file.
 */

export const Iso = v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 date-time like 2026-03-14T16:45:00Z"));

export const Problem = v.object({
  type: v.string(),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: v.string(),
  errors: v.optional(v.array(v.object({ path: v.string(), message: v.string() }))),
});

/** Receiver credentials are write-only: reads show them masked (MASK). */
const AuthView = v.variant("type", [
  v.object({ type: v.literal("basic"), username: v.string(), password: v.string() }),
  v.object({ type: v.literal("bearer"), token: v.string() }),
]);

/** null: global (no tenant). */
const TenantOf = v.nullable(v.string());

export const Endpoint = v.object({
  id: v.string(),
  tenant: TenantOf,
  url: v.string(),
  description: v.string(),
  events: v.array(v.string()),
  enabled: v.boolean(),
  disabledReason: v.nullable(v.string()),
  managedBy: v.picklist(["config", "api"]),
  headers: v.record(v.string(), v.string()),
  auth: v.nullable(AuthView),
  signing: v.object({
    scheme: Scheme,
    header: v.nullable(v.string()),
    publicKey: v.pipe(v.optional(v.string()), v.description("With `ed25519`: the public key receivers verify with, `whpk_` + base64 of its 32 raw bytes (the private key is never shown).")),
  }),
  /** Its payload filter as saved; null: every event of its types. */
  filter: v.pipe(v.nullable(v.record(v.string(), v.unknown())), v.description("Its payload filter as saved; null: every event of its types.")),
  ...OPTION_VIEW_FIELDS,
  createdAt: Iso,
  updatedAt: Iso,
});
/** A create answer: `signingSecret` shown this once; with `ed25519` none (its public key is `signing.publicKey`). */
export const EndpointWithSecret = v.object({
  ...Endpoint.entries,
  signingSecret: v.pipe(v.optional(v.string()), v.description("The HMAC secret, shown this once; absent with `ed25519` (receivers verify with `signing.publicKey`).")),
});
/** A PATCH answer: `signingSecret` only when a scheme change needed a new secret (shown this once). */
export const PatchedEndpoint = v.object({ ...Endpoint.entries, signingSecret: v.optional(v.string()) });

export const Rotated = v.object({
  /** The new HMAC secret, shown this once; absent with `ed25519`. */
  signingSecret: v.pipe(v.optional(v.string()), v.description("The new HMAC secret, shown this once; absent with `ed25519`.")),
  /** With `ed25519`: the new key pair's public key (the private key is never shown). */
  publicKey: v.pipe(v.optional(v.string()), v.description("With `ed25519`: the new key's public key, `whpk_...` (the private key is never shown).")),
  /** The grace in force: 0 for github and hex, whose header carries one signature (the switch is immediate). */
  graceSeconds: v.pipe(v.number(), v.integer()),
  previousSecretExpiresAt: v.nullable(Iso),
  note: v.optional(v.string()),
});

/** `GET /endpoints/{id}/public-keys`: the keys that sign now, newest first. */
export const PublicKeys = v.object({
  data: v.array(v.object({
    publicKey: v.pipe(v.string(), v.description("`whpk_` + base64 of the 32-byte raw Ed25519 public key")),
    /** `current`: signs every delivery; `previous`: signs beside it until `expiresAt` (a rotation's grace). */
    status: v.picklist(["current", "previous"]),
    expiresAt: v.pipe(v.nullable(Iso), v.description("When a previous key stops signing; null for the current one")),
  })),
});

export const Recovered = v.object({ requeued: v.pipe(v.number(), v.integer()) });

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
  /** Its endpoint's URL and description, so a list never shows a bare id (null: the endpoint is gone). */
  endpointUrl: v.nullable(v.string()),
  endpointDescription: v.nullable(v.string()),
  /** Its endpoint's tenant. */
  tenant: TenantOf,
  status: DeliveryStatus,
  /** Its event's ordering key (DESIGN §13); null: none. */
  orderingKey: v.pipe(v.nullable(v.string()), v.description("Its event's ordering key; null: none.")),
  /** Every attempt, oldest first. */
  attempts: v.array(Attempt),
  /** Null for a pending delivery to an endpoint with `ordering` while an earlier one of its key is under way. */
  nextAttemptAt: v.pipe(v.nullable(Iso), v.description("When it is due (while in flight: its lease's end). Null when it ended, or while it waits for an earlier delivery of its ordering key.")),
  createdAt: Iso,
  updatedAt: Iso,
});

export const Event = v.object({
  id: v.string(),
  type: v.string(),
  tenant: TenantOf,
  source: v.string(),
  timestamp: v.string(),
  receivedAt: Iso,
  idempotencyKey: v.nullable(v.string()),
  /** DESIGN §13; null: none. */
  orderingKey: v.pipe(v.nullable(v.string()), v.description("Its ordering key; null: none.")),
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
  /** An example of its data: the config's `example`, else built from the schema (null: neither). */
  example: v.unknown(),
  /** False for hookgate's types about the gateway itself (a source's error), which a tenant's endpoints never receive. */
  forTenants: v.boolean(),
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
/** A page asked for by number (`?page=`): `total` counts every row the filters match; nextCursor is null. */
export const numberedPage = <T extends v.GenericSchema>(item: T) => v.object({ ...page(item).entries, total: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))) });

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

/** An endpoint in a list asked for `?stats=true`: with its stats of the last 24 hours. */
export const ListedEndpoint = v.object({ ...Endpoint.entries, stats: v.optional(EndpointStats) });

/** A tenant as /tenants shows it (tenant-schemas.ts has its requests). */
export const Tenant = v.object({
  id: v.string(),
  name: v.nullable(v.string()),
  metadata: v.nullable(v.record(v.string(), v.unknown())),
  /** How many endpoints the tenant has. */
  endpoints: v.pipe(v.number(), v.integer()),
  createdAt: Iso,
});
