import { describe, expect, test } from "bun:test";
import { hotStatements } from "../../src/store/hot-sql.ts";
import { buildHotStatements } from "../../src/store/hot-sql-build.ts";

/** The statements the build carries (hot-sql.ts, a macro) are the ones kysely compiles from hot-sql-build.ts. */
describe("the hot statements carried as text", () => {
  for (const dialect of ["sqlite", "postgres"] as const) {
    test(dialect, () => {
      const built = buildHotStatements(dialect);
      const carried = hotStatements(dialect);
      expect(Object.keys(carried).sort()).toEqual(Object.keys(built).sort());
      const values = { id: "ep_1", now: 1, leaseUntil: 2, endpointId: "ep_2", limit: 3, staleBefore: 4, reset: 1, failures: 5, firstFailureAt: 6, lastAttemptAt: 7, lastStatusCode: 500 };
      for (const [name, statement] of Object.entries(built)) {
        const other = carried[name as keyof typeof carried];
        expect({ name, sql: other.sql }).toEqual({ name, sql: statement.sql });
        expect(other.bind(values as never)).toEqual(statement.bind(values as never));
        expect(statement.bind(values as never).length).toBeGreaterThan(0);
      }
    });
  }
});
