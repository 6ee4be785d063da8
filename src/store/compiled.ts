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

/** One parameter of a compiled statement: a value given per call (by name), or a constant of the statement. */
export type Param<K extends string = string> = { slot: K } | { value: unknown };

/** A statement compiled once: its SQL, and its parameters in order from one call's values. `O`: a row it returns. */
export interface Compiled<K extends string, O = unknown> {
  /** Never set: it carries the row type from the kysely query to the call sites. */
  readonly row?: O;
  readonly sql: string;
  /** Plain data (a build-time macro carries it into the binary, hot-sql.ts). */
  readonly params: readonly Param<K>[];
  bind(values: Record<K, unknown>): unknown[];
}

/** A compiled statement from its SQL and parameters (as compileOnce made them, maybe at build time). */
export function compiledFrom<K extends string, O>(sql: string, params: readonly Param<K>[]): Compiled<K, O> {
  return { sql, params, bind: (values) => params.map((p) => ("slot" in p ? values[p.slot] : p.value)) };
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
  return compiledFrom(query.sql, params.map((p): Param<K> => (p instanceof Slot ? { slot: p.name as K } : { value: p })));
}
