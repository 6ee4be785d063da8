import * as v from "valibot";
import { parseDuration } from "../duration.ts";
import { Duration, WholeDuration } from "../values.ts";

const MAX_BLOCK_RULE = "must be a duration over zero (how long one delivery may hold its ordering key, e.g. \"1h\")";
// A value that is no duration at all is the duration schema's to refuse: valibot still runs this check on it.
const overZero = (d: string | number) => (typeof d === "number" ? d : parseDuration(d) ?? 1) > 0;
const ordering = (duration: v.GenericSchema<string | number, string | number>) => v.strictObject({
  maxBlock: v.pipe(duration, v.check(overZero, MAX_BLOCK_RULE)),
});

/**
 * An endpoint's own overrides of the delivery defaults: the one list of them. The config file takes these fields
 * as they are, the admin API with its limits (ADMIN_OPTION_FIELDS); the `options` column stores the set ones.
 */
export const OPTION_FIELDS = {
  schedule: v.array(Duration),
  timeoutMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
  autoDisableAfter: v.pipe(v.number(), v.integer(), v.minValue(0)),
  autoDisableWindow: Duration,
  rateLimit: v.pipe(v.number(), v.minValue(0.001)),
  maxConcurrency: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** DESIGN §13: the events of one ordering key one at a time, in the order accepted; one may hold its key for `maxBlock`. */
  ordering: ordering(Duration),
};
export type OptionKey = keyof typeof OPTION_FIELDS;
export const OPTION_KEYS = Object.keys(OPTION_FIELDS) as OptionKey[];

/** An API caller's bounds: one request must not set up an endpoint that holds a slot for an hour. */
export const ADMIN_OPTION_FIELDS = {
  ...OPTION_FIELDS,
  schedule: v.pipe(v.array(WholeDuration), v.maxLength(30)),
  timeoutMs: v.pipe(OPTION_FIELDS.timeoutMs, v.maxValue(300_000)),
  maxConcurrency: v.pipe(OPTION_FIELDS.maxConcurrency, v.maxValue(1000)),
  autoDisableWindow: WholeDuration,
  ordering: ordering(WholeDuration),
} satisfies Record<OptionKey, v.GenericSchema>;

/** The options as reads show them: null where the delivery default applies (what was stored, unchecked). */
export const OPTION_VIEW_FIELDS = {
  schedule: v.nullable(v.array(v.union([v.string(), v.number()]))),
  timeoutMs: v.nullable(v.number()),
  autoDisableAfter: v.nullable(v.number()),
  autoDisableWindow: v.nullable(v.union([v.string(), v.number()])),
  rateLimit: v.nullable(v.number()),
  maxConcurrency: v.nullable(v.number()),
  ordering: v.nullable(v.object({ maxBlock: v.union([v.string(), v.number()]) })),
} satisfies Record<OptionKey, v.GenericSchema>;

type Fields = Record<string, v.GenericSchema>;
const mapFields = <T extends Fields, R>(fields: T, wrap: (schema: v.GenericSchema) => R) =>
  Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, wrap(schema)])) as { [K in keyof T]: R };

/** Each field optional: a create body, a config endpoint. */
export const optionalFields = <T extends Fields>(fields: T) =>
  mapFields(fields, (s) => v.optional(s)) as { [K in keyof T]: v.OptionalSchema<T[K], undefined> };

/** Each field optional or null (a PATCH: null goes back to the delivery default). */
export const resettableFields = <T extends Fields>(fields: T) =>
  mapFields(fields, (s) => v.optional(v.nullable(s))) as { [K in keyof T]: v.OptionalSchema<v.NullableSchema<T[K], undefined>, undefined> };

export const EndpointOptionsSchema = v.object(optionalFields(OPTION_FIELDS));
export type EndpointOptions = v.InferOutput<typeof EndpointOptionsSchema>;
/** Option changes: a value sets it, null resets it to the default, absent keeps it. */
export type OptionChanges = { [K in OptionKey]?: EndpointOptions[K] | null };

/** `changes` over `stored`: set options only, in OPTION_KEYS order for new ones. */
export function withOptionChanges(changes: OptionChanges, stored: EndpointOptions = {}): EndpointOptions {
  const options: Record<string, unknown> = { ...stored };
  for (const key of OPTION_KEYS) {
    if (changes[key] === null) delete options[key];
    else if (changes[key] !== undefined) options[key] = changes[key];
  }
  return options as EndpointOptions;
}

export function optionsView(options: EndpointOptions): { [K in OptionKey]: NonNullable<EndpointOptions[K]> | null } {
  return Object.fromEntries(OPTION_KEYS.map((key) => [key, options[key] ?? null])) as never;
}
