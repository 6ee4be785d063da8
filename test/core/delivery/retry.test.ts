import { describe, expect, test } from "bun:test";
import { afterAttempt, nextAttemptAt, parseRetryAfter, verdictOf } from "../../../src/core/delivery/retry.ts";

describe("verdictOf", () => {
  test.each([
    [200, "succeeded"], [204, "succeeded"], [299, "succeeded"],
    [301, "retry"], [302, "retry"], [307, "retry"],
    [400, "fail"], [401, "fail"], [404, "fail"], [422, "fail"], [499, "fail"],
    [408, "retry"], [425, "retry"], [429, "retry"],
    [410, "gone"],
    [500, "retry"], [502, "retry"], [503, "retry"], [599, "retry"],
    [null, "retry"],
  ] as const)("%p → %s", (status, verdict) => expect(verdictOf(status)).toBe(verdict));
});

describe("schedule", () => {
  const policy = { schedule: [30_000, 120_000, 900_000], jitter: 0.2 };
  const now = 1_000_000;

  test("delays follow the schedule, then stop", () => {
    expect(nextAttemptAt(policy, 1, now, null, 0.5)).toBe(now + 30_000);
    expect(nextAttemptAt(policy, 2, now, null, 0.5)).toBe(now + 120_000);
    expect(nextAttemptAt(policy, 3, now, null, 0.5)).toBe(now + 900_000);
    expect(nextAttemptAt(policy, 4, now, null, 0.5)).toBeNull();
  });

  test("jitter stays within ±jitter", () => {
    expect(nextAttemptAt(policy, 1, now, null, 0)).toBe(now + 24_000);
    expect(nextAttemptAt(policy, 1, now, null, 1)).toBe(now + 36_000);
  });

  test("Retry-After moves it later, never earlier", () => {
    expect(nextAttemptAt(policy, 1, now, 60_000, 0.5)).toBe(now + 60_000);
    expect(nextAttemptAt(policy, 1, now, 1_000, 0.5)).toBe(now + 30_000);
  });

  test("afterAttempt", () => {
    expect(afterAttempt(policy, "succeeded", 1, now, null)).toEqual({ status: "succeeded", nextAttemptAt: null });
    expect(afterAttempt(policy, "fail", 1, now, null)).toEqual({ status: "failed", nextAttemptAt: null });
    expect(afterAttempt(policy, "gone", 1, now, null)).toEqual({ status: "failed", nextAttemptAt: null });
    expect(afterAttempt(policy, "retry", 1, now, null).status).toBe("retrying");
    expect(afterAttempt(policy, "retry", 4, now, null)).toEqual({ status: "failed", nextAttemptAt: null });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-14T16:45:00Z");
  test.each([
    [undefined, null], ["", null], ["soon", null],
    ["120", 120_000], ["0", 0],
    ["999999", 24 * 3_600_000],
    ["Sat, 14 Mar 2026 16:46:00 GMT", 60_000],
    ["Sat, 14 Mar 2026 16:44:00 GMT", 0],
  ] as const)("%p → %p", (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
});
