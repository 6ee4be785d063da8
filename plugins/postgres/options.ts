import * as v from "valibot";
import { Duration } from "../../src/plugin-api/index.ts";

/** Lowercase only, so an app's unquoted SQL and hookgate's quoted SQL name the same thing. */
const NAME = "[a-z_][a-z0-9_]{0,62}";

export const Channel = v.pipe(
  v.string(),
  v.regex(new RegExp(`^${NAME}$`), 'must be a lowercase SQL name like "hookgate" (letters, digits and _, at most 63)'),
);
export const Table = v.pipe(
  v.string(),
  v.regex(new RegExp(`^(${NAME}\\.)?${NAME}$`), 'must be a lowercase table name like "hookgate_outbox" or "app.hookgate_outbox"'),
);

export const PostgresOptions = v.pipe(
  v.strictObject({
    url: v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, 'must be a connection URL like "postgres://user:pass@host:5432/db"')),
    channel: Channel,
    /** Table mode: rows (id, type, data) the app writes in its own transactions. Without it: notify mode. */
    table: v.optional(Table),
    /** Notify mode: turns a notification's JSON payload into an event (or null to skip it). */
    map: v.optional(v.function()),
    /** Table mode: rows taken per transaction. */
    batchSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5_000)), 500),
    /** Table mode: how often the table is read even without a notification. */
    sweep: v.optional(Duration, 30_000),
  }),
  v.forward(
    v.check((o) => !(o.table && o.map), "map applies to notify mode only: in table mode the row's type and data are the event"),
    ["map"],
  ),
);
export type PostgresOptions = v.InferOutput<typeof PostgresOptions>;

/** `app.outbox` → `"app"."outbox"`: names are checked above, quoting keeps reserved words working. */
export const quoteName = (name: string): string => name.split(".").map((part) => `"${part}"`).join(".");
