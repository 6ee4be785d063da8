import * as v from "valibot";
import { Duration } from "../core/values.ts";

/** The config file's `store:` section: the store declares its options, config/schema.ts composes them. */
export const StoreOptions = v.pipe(
  v.strictObject({
    sqlite: v.optional(v.string()),
    postgres: v.optional(v.string()),
    /** Connections each process opens to the Postgres store at most (default 10; see docs/operations.md, "Running several processes"). */
    pool: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    retention: v.optional(Duration, "30d"),
    /** "full" survives power loss; "normal" survives a process crash only. */
    synchronous: v.optional(v.picklist(["full", "normal"]), "full"),
  }),
  v.check((s) => !(s.sqlite && s.postgres), "set either sqlite or postgres, not both"),
  v.check((s) => s.pool === undefined || s.postgres !== undefined, "pool sizes the Postgres connections: set it with postgres, or remove it"),
);

export type StoreConfig = v.InferOutput<typeof StoreOptions>;
