import * as v from "valibot";
import { HeaderName as ConfigHeaderName, HeaderValue as ConfigHeaderValue, Scheme } from "../../config/schema.ts";
import { EventPattern, EventTypeName, TenantId } from "../../core/values.ts";
import { ADMIN_OPTION_FIELDS, optionalFields, resettableFields } from "../../core/endpoints/options.ts";
import { FilterSchema } from "../../core/filters/schema.ts";
import { DeliveryStatus, Iso, Problem } from "./answers.ts";

// The answers (what the API shows) live in answers.ts, which the portal reads too.
export * from "./answers.ts";

/** The admin API's shapes: request bodies, queries and answers. Types are inferred from here. */


/** The error answers a route can give besides its own, declared on every route so the document is complete. */
export function errors<const S extends number>(...statuses: S[]): { [K in S | 401 | 403]: typeof Problem } {
  return Object.fromEntries([401, 403, ...statuses].map((s) => [s, Problem])) as never;
}

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
 * a real receiver, it saves an endpoint for one event type (not a catch-all) with sane options (a 10 s timeout, 50
 * requests a second).
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
  /** Which events of its types it gets, by their content; left out: all of them. */
  filter: v.optional(FilterSchema),
  /** Per-endpoint overrides of the delivery defaults. */
  ...optionalFields(ADMIN_OPTION_FIELDS),
}), { url: "https://hooks.example.com/hookgate", events: ["order.created"], description: "New orders, saved once the receiver answers the ping", timeoutMs: 10_000, rateLimit: 50 });
export type EndpointCreate = v.InferOutput<typeof EndpointCreate>;

export const EndpointPatch = withExample(v.strictObject({
  url: v.optional(Url),
  events: v.optional(Events),
  description: v.optional(Description),
  enabled: v.optional(v.boolean()),
  headers: v.optional(Headers),
  auth: v.optional(v.nullable(AuthSchema)),
  signing: v.optional(SigningSchema),
  /** null removes the filter (every event of its types again). */
  filter: v.optional(v.nullable(FilterSchema)),
  /** null goes back to the delivery default. */
  ...resettableFields(ADMIN_OPTION_FIELDS),
  // Run on whatever id is typed, it changes a label only: an `enabled: false` here disabled endpoints by accident.
}), { description: "Orders of the EU shop" });
export type EndpointPatch = v.InferOutput<typeof EndpointPatch>;


const Limit = v.pipe(v.string(), v.regex(/^\d{1,3}$/, "must be a number from 1 to 100"), v.transform(Number), v.minValue(1), v.maxValue(100));
export const ListQuery = { cursor: v.optional(v.pipe(v.string(), v.maxLength(200))), limit: v.optional(Limit) };
export const PageQuery = v.object(ListQuery);
/** `?tenant=`: one tenant's rows, for an admin token; a session sees its own tenant's (naming another is 403). */
const TenantListQuery = { ...ListQuery, tenant: v.optional(TenantId) };
/** `?page=`: a numbered page (1 is the newest), answered with `total`; with `cursor` use nextCursor instead. */
const PageNumber = v.pipe(v.string(), v.regex(/^\d{1,6}$/, "must be a page number from 1"), v.transform(Number), v.minValue(1));
const Search = v.pipe(v.string(), v.maxLength(200));
export const EndpointsQuery = v.object({
  ...TenantListQuery,
  page: v.optional(PageNumber),
  /** Part of the URL or description (any case), or an exact id. */
  search: v.optional(Search),
  /** `failing`: enabled, and its latest attempts failed. */
  state: v.optional(v.picklist(["enabled", "disabled", "failing"])),
  /** `true`: each endpoint carries its `stats` of the last 24 hours (one request for a page, not one per row). */
  stats: v.optional(v.picklist(["true", "false"])),
});
export const EventsQuery = v.object({ ...TenantListQuery, type: v.optional(EventTypeName), since: v.optional(Iso) });
export const DeliveriesQuery = v.object({
  ...TenantListQuery,
  endpoint: v.optional(v.string()),
  status: v.optional(DeliveryStatus),
  event: v.optional(v.string()),
  /** Deliveries of events of this type (exact). */
  type: v.optional(EventTypeName),
  /** Of events accepted in [since, until). */
  since: v.optional(Iso),
  until: v.optional(Iso),
  page: v.optional(PageNumber),
});

export const RotateBody = v.optional(withExample(v.strictObject({
  graceSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(30 * 86_400)), 86_400),
  /** A secret of one's own, e.g. one the receiver already accepts beside the old one (github and hex: see docs/concepts/delivery.md, "Rotating a secret"). */
  secret: v.optional(SecretText),
}), { graceSeconds: 86_400 }));
export const TestBody = v.optional(withExample(v.strictObject({ type: v.optional(EventTypeName, "ping"), data: v.optional(v.unknown()) }), { type: "ping" }));
/** For actions that take nothing: an empty object or no body at all. */
export const EmptyBody = v.optional(v.strictObject({}));
/** Its example reaches back an hour before the server started, not months: a recover re-sends everything since. */
export const RecoverBody = withExample(v.strictObject({ since: Iso, until: v.optional(Iso) }), { since: new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000).toISOString().replace(".000", "") });
/** `?since=`: an ISO time; left out, 24 hours ago. */
export const StatsQuery = v.object({ since: v.optional(Iso) });
