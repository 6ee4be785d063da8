import { describe, expect, test } from "bun:test";
import { breakerAfter, breakerHolds, type AttemptSignal, type BreakerState } from "../../../src/core/delivery/breaker.ts";

const policy = { schedule: [1_000, 5_000, 60_000], jitter: 0 };
type Step = [AttemptSignal, boolean, ReturnType<typeof breakerAfter>, Partial<BreakerState>];

describe("breakerAfter", () => {
  test.each<[string, number, Step[]]>([
    ["opens at the threshold, not before", 3, [
      ["failure", false, null, { failures: 1, probeAt: 0 }],
      ["failure", false, null, { failures: 2, probeAt: 0 }],
      ["failure", false, "opened", { failures: 3, probeAt: 1_000 }],
    ]],
    ["a success before the threshold starts the count again", 2, [
      ["failure", false, null, { failures: 1 }],
      ["success", false, null, { failures: 0, probeAt: 0 }],
      ["failure", false, null, { failures: 1, probeAt: 0 }],
    ]],
    ["failed probes walk the retry schedule; leftovers in flight do not move it", 1, [
      ["failure", false, "opened", { probeAt: 1_000, probesFailed: 0 }],
      ["failure", false, null, { probeAt: 1_000, probesFailed: 0 }],
      ["failure", true, "probe-failed", { probeAt: 5_000, probesFailed: 1 }],
    ]],
    ["a schedule past 30 s: probes 30 s apart all the same", 1, [
      ["failure", false, "opened", { probeAt: 1_000 }],
      ["failure", true, "probe-failed", { probeAt: 5_000 }],
      ["failure", true, "probe-failed", { probeAt: 30_000, probesFailed: 2 }],
      ["failure", true, "probe-failed", { probeAt: 30_000, probesFailed: 3 }],
    ]],
    ["a probe's success closes it", 1, [
      ["failure", false, "opened", { probeAt: 1_000 }],
      ["success", true, "closed", { failures: 0, probeAt: 0, probesFailed: 0 }],
    ]],
    ["hookgate's own failures say nothing", 1, [
      ["none", false, null, { failures: 0, probeAt: 0 }],
    ]],
    ["threshold 0 never opens", 0, [
      ["failure", false, null, { failures: 1, probeAt: 0 }],
      ["failure", false, null, { failures: 2, probeAt: 0 }],
    ]],
  ])("%s", (_name, threshold, steps) => {
    const state: BreakerState = { failures: 0, probeAt: 0, probesFailed: 0 };
    for (const [signal, probe, result, after] of steps) {
      expect(breakerAfter(state, signal, probe, threshold, policy, 0)).toBe(result);
      expect(state).toMatchObject(after);
    }
  });
});

describe("breakerHolds (the one rule: the dispatcher's lane and the store's SQL for /metrics)", () => {
  test.each([
    [0, 5, false], [4, 5, false], [5, 5, true], [9, 5, true],
    [0, 1, false], [1, 1, true],
    [100, 0, false], // 0: the breaker is off
  ])("a streak of %p against circuitBreakerAfter %p holds: %p", (failures, threshold, held) => {
    expect(breakerHolds(failures, threshold)).toBe(held);
  });
});
