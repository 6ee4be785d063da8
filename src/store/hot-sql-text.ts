/**
 * The hot statements' SQL and parameters per dialect, as plain data: run as a Bun macro by hot-sql.ts, so the build
 * compiles them with kysely once and the binary carries the text (from source it runs at the first import).
 */
import { buildHotStatements } from "./hot-sql-build.ts";
import type { Param } from "./compiled.ts";
import type { Dialect } from "./types.ts";

export function hotSqlText(dialect: Dialect): Record<string, { sql: string; params: Param[] }> {
  return Object.fromEntries(Object.entries(buildHotStatements(dialect)).map(([name, c]) => [name, { sql: c.sql, params: [...c.params] }]));
}
