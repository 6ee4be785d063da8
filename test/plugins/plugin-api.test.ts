import { describe, expect, setDefaultTimeout, test } from "bun:test";
import * as v from "valibot";
import { backoff, Duration, sleep } from "../../src/plugin-api/index.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

describe("plugin API helpers", () => {
  test.each([
    [0, 250, 30_000, 200, 250],
    [1, 250, 30_000, 400, 500],
    [3, 250, 30_000, 1_600, 2_000],
    [20, 250, 30_000, 24_000, 30_000],
    [500, 1_000, 300_000, 240_000, 300_000],
  ])("backoff(%d, %d, %d) is within [%d, %d]", (attempt, base, max, low, high) => {
    for (let i = 0; i < 50; i++) {
      const ms = backoff(attempt, base, max);
      expect(ms).toBeGreaterThanOrEqual(low);
      expect(ms).toBeLessThanOrEqual(high);
    }
  });

  test.each([
    ["30s", 30_000], ["2m", 120_000], ["250ms", 250], [1_500, 1_500],
  ] as const)("Duration reads %p as %d ms", (input, ms) => {
    expect(v.parse(Duration, input)).toBe(ms);
  });

  test.each(["soon", "-1s", -5])("Duration refuses %p", (input) => {
    expect(v.safeParse(Duration, input).success).toBe(false);
  });

  test("sleep ends early when its signal aborts", async () => {
    const halt = new AbortController();
    const started = Date.now();
    setTimeout(() => halt.abort(), 20);
    await sleep(10_000, halt.signal);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
