import * as v from "valibot";
import { parseDuration, toMs } from "./duration.ts";
import { EVENT_TYPE_RULE, isOperationalType, isValidEventType, isValidPattern } from "./patterns.ts";

/**
 * The value schemas the config file, the admin API and plugin options share, so a duration or an event type
 * reads the same everywhere. Pure: valibot only.
 */

export const DURATION_RULE = 'must be a duration like "30s", "2m", "1h", "30d" or milliseconds';

/** A duration written as text: a number and one of ms, s, m, h, d. */
export const DurationText = v.pipe(v.string(), v.check((d) => parseDuration(d) !== null, DURATION_RULE));
const Millis = v.pipe(v.number(), v.minValue(0, DURATION_RULE));

/** A duration kept as written (text or milliseconds): configs and endpoint reads show it back as given; read it with toMs. */
export const Duration = v.union([DurationText, Millis], DURATION_RULE);
/** The admin API's duration: its number form is whole milliseconds (the OpenAPI document says integer). */
export const WholeDuration = v.union([DurationText, v.pipe(Millis, v.integer())], DURATION_RULE);
/** A duration read as milliseconds, for options used as numbers (plugin options). */
export const DurationMs = v.pipe(Duration, v.transform(toMs));

/** An event-type name (patterns.ts holds the rule). */
export const EventTypeName = v.pipe(v.string(), v.check(isValidEventType, EVENT_TYPE_RULE));
/** An endpoint's or token's subscription: an exact type, "*" (all but hookgate's own hookgate.*) or "prefix.*". */
export const EventPattern = v.pipe(v.string(), v.check(isValidPattern, 'must be an event type, "*" or "prefix.*"'));

const isSchema = (x: unknown): x is v.GenericSchema =>
  typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "schema" && "~run" in x;

/** The event catalog: the types a gateway accepts, each with an optional schema for its data. */
export const EventCatalog = v.record(
  // hookgate.* types are hookgate's own (operational-events.ts), always in the catalog.
  v.pipe(EventTypeName, v.check((type) => !isOperationalType(type), "hookgate.* types are hookgate's own operational events, always in the catalog: pick another name")),
  v.pipe(
    v.strictObject({
      description: v.optional(v.string(), ""),
      schema: v.optional(v.custom<v.GenericSchema>(isSchema, "must be a valibot schema (v.object(...))")),
      /** An example of the event's data: the portal shows it in the catalog and sends it as a test event. */
      example: v.optional(v.unknown()),
    }),
    v.check((entry) => entry.example === undefined || !entry.schema || v.is(entry.schema, entry.example), "example: does not match the type's schema (fix the example or the schema)"),
  ),
);
/** No catalog (undefined): any well-formed type is accepted. */
export type Catalog = v.InferOutput<typeof EventCatalog> | undefined;

export const TENANT_RULE = "must be a tenant id: a letter or digit, then letters, digits, '_', '.', ':' or '-', at most 128 characters";
/** A tenant (one of the app's own customers): the app's own account id. */
export const TenantId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, TENANT_RULE));

/** A signing scheme (core/signing.ts implements each). */
export const Scheme = v.picklist(["standard", "stripe", "github", "hex", "ed25519", "none"]);
