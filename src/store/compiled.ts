import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Compilable } from "kysely";
import type { DB } from "./schema.ts";
import type { Dialect } from "./types.ts";

/** A kysely that only compiles (no connection): hot statements are built with it once per dialect, at start. */
export function compilerFor(dialect: Dialect): Kysely<DB> {
  const postgres = dialect === "postgres";
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (postgres ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (postgres ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}

/** Where a per-call value goes in a compiled statement. */
class Slot {
  constructor(readonly name: string) {}
}

/** A statement compiled once: its SQL, and its parameters in order from one call's values. `O`: a row it returns. */
export interface Compiled<K extends string, O = unknown> {
  /** Never set: it carries the row type from the kysely query to the call sites. */
  readonly row?: O;
  readonly sql: string;
  bind(values: Record<K, unknown>): unknown[];
}

/**
 * Compiles a statement once. `slots` names the values given per call; `slot(name)` stands for one (typed as the
 * column it goes in), and may be used more than once; every other value is a constant of the statement.
 */
export function compileOnce<const K extends string, O>(slots: readonly K[], build: (slot: <T>(name: K) => T) => Compilable<O>): Compiled<K, O> {
  const query = build(<T>(name: K) => new Slot(name) as T).compile();
  const params = query.parameters;
  const unused = slots.filter((name) => !params.some((p) => p instanceof Slot && p.name === name));
  if (unused.length) throw new Error(`compileOnce: slot ${unused.join(", ")} is named but not used in ${query.sql}`);
  return {
    sql: query.sql,
    bind: (values) => params.map((p) => (p instanceof Slot ? values[p.name as K] : p)),
  };
}
