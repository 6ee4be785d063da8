import { describe, expect, test } from "bun:test";
import { compileOnce, compilerFor } from "../../src/store/compiled.ts";
import { hotStatements } from "../../src/store/hot-sql.ts";

describe("statements compiled once", () => {
  test.each([
    ["sqlite", `select "id" from "deliveries" where "endpoint_id" = ? and "status" = ? and "next_attempt_at" <= ? and "created_at" <= ?`],
    ["postgres", `select "id" from "deliveries" where "endpoint_id" = $1 and "status" = $2 and "next_attempt_at" <= $3 and "created_at" <= $4`],
  ] as const)("%s: per-call values bind in place, constants stay, a slot may repeat", (dialect, text) => {
    const db = compilerFor(dialect);
    const q = compileOnce(["endpoint", "now"], (slot) => db.selectFrom("deliveries").select("id")
      .where("endpoint_id", "=", slot<string>("endpoint")).where("status", "=", "pending")
      .where("next_attempt_at", "<=", slot<number>("now")).where("created_at", "<=", slot<number>("now")));
    expect(q.sql).toBe(text);
    expect(q.bind({ endpoint: "ep_1", now: 5 })).toEqual(["ep_1", "pending", 5, 5]);
  });

  test("a slot named but not used is an error at start", () => {
    const db = compilerFor("sqlite");
    expect(() => compileOnce(["id", "now"], (slot) => db.selectFrom("tenants").select("id").where("id", "=", slot<string>("id"))))
      .toThrow("slot now is named but not used");
  });

  test.each(["sqlite", "postgres"] as const)("%s: the hot statements compile; only Postgres skips locked rows", (dialect) => {
    const s = hotStatements(dialect);
    expect(s.claim.sql.includes("for update skip locked")).toBe(dialect === "postgres");
    expect(s.claim.sql).toContain("status IN ('pending', 'retrying')");
  });
});
