import { describe, expect, test } from "bun:test";
import { isUnreachable } from "../../src/store/outage.ts";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

// Only these make the store "lost" (one error line, 503s, deliveries paused); a statement Postgres refused does not.
describe("isUnreachable", () => {
  const cases: [string, unknown, boolean][] = [
    ["connection refused", withCode("ECONNREFUSED"), true],
    ["fast shutdown or pg_terminate_backend", withCode("57P01", "terminating connection due to administrator command"), true],
    ["starting up", withCode("57P03", "the database system is starting up"), true],
    ["a connection exception", withCode("08006"), true],
    ["a dead client", new Error("Client has encountered a connection error and is not queryable"), true],
    ["a connect that timed out", new Error("Connection terminated due to connection timeout"), true],
    ["a socket that closed", new Error("Connection terminated unexpectedly"), true],
    ["every pooled connection busy (a loaded store, not a lost one)", new Error("timeout exceeded when trying to connect"), false],
    ["a deadlock", withCode("40P01", "deadlock detected"), false],
    ["a unique violation", withCode("23505", "duplicate key value violates unique constraint"), false],
    ["a full disk", withCode("53100", "could not extend file"), false],
    ["a wrong password", withCode("28P01"), false],
    ["not an error", "oops", false],
  ];
  for (const [what, error, expected] of cases) test(what, () => expect(isUnreachable(error)).toBe(expected));
});
