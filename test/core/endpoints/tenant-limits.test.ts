import { describe, expect, test } from "bun:test";
import { limitProblems, TENANT_LIMIT_DEFAULTS, underTenantLimits, withinLimits } from "../../../src/core/endpoints/tenant-limits.ts";

const limits = { ...TENANT_LIMIT_DEFAULTS, maxAttempts: 3 };

describe("tenant limits (pure)", () => {
  test.each([
    [{ tenant: "acme", managedBy: "api" as const }, true],
    [{ tenant: "acme", managedBy: "config" as const }, false],
    [{ tenant: null, managedBy: "api" as const }, false],
  ])("under the limits: %o → %p", (endpoint, under) => expect(underTenantLimits(endpoint)).toBe(under));

  test.each([
    [{}, []],
    [{ timeoutMs: null, schedule: null }, []],
    [{ timeoutMs: 15_000, schedule: ["5s", 5_000] }, []],
    [{ timeoutMs: 15_001 }, ["timeoutMs"]],
    [{ schedule: ["4s", 0] }, ["schedule[0]", "schedule[1]"]],
    [{ schedule: ["5s", "5s", "5s"] }, ["schedule"]],
  ])("limitProblems(%o) → paths %p", (options, paths) => {
    expect(limitProblems(options, limits).map((p) => p.path)).toEqual(paths);
  });

  test.each([
    [60_000, ["0s", "1m", "1h", "2h"], { timeoutMs: 15_000, schedule: [5_000, 60_000] }],
    [10_000, ["30s", "2m", "15m"], { timeoutMs: 10_000, schedule: ["30s", "2m"] }],
    [1_000, [], { timeoutMs: 1_000, schedule: [] }],
  ])("withinLimits(%p, %o) → %o", (timeoutMs, schedule, expected) => {
    expect(withinLimits(timeoutMs, schedule, limits)).toEqual(expected);
  });
});
