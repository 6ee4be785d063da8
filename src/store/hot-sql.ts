import { hotSqlText } from "./hot-sql-text.ts" with { type: "macro" };
import { compiledFrom } from "./compiled.ts";
import type { HotStatements } from "./hot-sql-build.ts";
import type { Dialect } from "./types.ts";

export type { HotStatements } from "./hot-sql-build.ts";

/** Compiled when hookgate is built (hot-sql-text.ts, a macro): kysely compiling them at start took 2–4 ms per dialect (P5). */
const TEXT = { sqlite: hotSqlText("sqlite"), postgres: hotSqlText("postgres") };

/** The hot paths' statements of one dialect (written in hot-sql-build.ts), ready to bind. */
export function hotStatements(dialect: Dialect): HotStatements {
  return Object.fromEntries(Object.entries(TEXT[dialect]).map(([name, t]) => [name, compiledFrom(t.sql, t.params)])) as unknown as HotStatements;
}
