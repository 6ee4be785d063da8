import { describe, expect, test } from "bun:test";
import {
  breakerAfter, breakerChange, breakerHolds, CLOSED, probeDelay, streakAfter, type AttemptSignal, type BreakerChange, type BreakerState,
} from "../../../src/core/delivery/breaker.ts";

const policy = { schedule: [1_000, 5_000, 60_000], jitter: 0 };
const open = (probeAt: number, probesFailed = 0): BreakerState => ({ kind: "open", probeAt, probesFailed });

describe("breakerAfter: one transition", () => {
  // [name, state before, streak before, signal, probe, threshold, state after, streak after, change]
  test.each<[string, BreakerState, number, AttemptSignal, boolean, number, BreakerState, number, BreakerChange]>([
    ["closed: a failure below the threshold counts", CLOSED, 1, "failure", false, 3, CLOSED, 2, null],
    ["closed: the failure that reaches the threshold opens", CLOSED, 2, "failure", false, 3, open(1_000), 3, "opened"],
    ["closed: a success resets the streak", CLOSED, 2, "success", false, 3, CLOSED, 0, null],
    ["closed: hookgate's own failure says nothing", CLOSED, 2, "none", false, 3, CLOSED, 2, null],
    ["closed: threshold 0 never opens", CLOSED, 99, "failure", false, 0, CLOSED, 100, null],
    ["open: a leftover in flight fails: nothing moves", open(1_000), 3, "failure", false, 3, open(1_000), 4, null],
    ["open: a failed probe walks the schedule", open(1_000), 3, "failure", true, 3, open(5_000, 1), 4, "probe-failed"],
    ["open: failed probes stop at the 30 s cap", open(5_000, 1), 4, "failure", true, 3, open(30_000, 2), 5, "probe-failed"],
    ["open: a probe's success closes it", open(5_000, 1), 4, "success", true, 3, CLOSED, 0, "closed"],
    ["open: a leftover's success closes it too", open(5_000, 1), 4, "success", false, 3, CLOSED, 0, "closed"],
    ["open: hookgate's own failure on the probe says nothing", open(1_000), 3, "none", true, 3, open(1_000), 3, null],
    ["open: a threshold raised by a reload keeps it open", open(1_000), 3, "failure", true, 10, open(1_000), 4, null],
  ])("%s", (_name, before, streak, signal, probe, threshold, after, streakNext, change) => {
    const failures = streakAfter(streak, signal);
    const next = breakerAfter(before, failures, signal, probe, { circuitBreakerAfter: threshold, retry: policy }, 0);
    expect(failures).toBe(streakNext);
    expect(next).toEqual(after);
    expect(breakerChange(before, next)).toBe(change);
  });

  test("a success on a closed breaker returns the same state (the hot path allocates nothing)", () => {
    expect(breakerAfter(CLOSED, 0, "success", false, { circuitBreakerAfter: 3, retry: policy }, 0)).toBe(CLOSED);
  });
});

/** The breaker as the lane keeps it, in the fields these sequences were first written against (probeAt 0: closed). */
const view = (failures: number, state: BreakerState) =>
  ({ failures, probeAt: state.kind === "open" ? state.probeAt : 0, probesFailed: state.kind === "open" ? state.probesFailed : 0 });
type Step = [AttemptSignal, boolean, BreakerChange, Partial<ReturnType<typeof view>>];

describe("breakerAfter: sequences", () => {
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
    let failures = 0;
    let state = CLOSED;
    for (const [signal, probe, result, after] of steps) {
      const before = state;
      failures = streakAfter(failures, signal);
      state = breakerAfter(before, failures, signal, probe, { circuitBreakerAfter: threshold, retry: policy }, 0);
      expect(breakerChange(before, state)).toBe(result);
      expect(view(failures, state)).toMatchObject(after);
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

describe("probeDelay (the circuit breaker's probe schedule)", () => {
  const policy = (schedule: number[]) => ({ schedule, jitter: 0.2 });
  test.each([
    [[30_000, 120_000, 900_000], 0, 30_000],
    // Capped whatever the schedule: a receiver that is back gets its backlog within 30 s (DESIGN 11).
    [[30_000, 120_000, 900_000], 1, 30_000],
    [[30_000, 120_000, 900_000], 2, 30_000],
    [[60_000], 0, 30_000],
    [[30_000, 120_000, 900_000], 9, 30_000],
    [[300], 4, 300],
    [[], 0, 30_000],
  ])("schedule %p after %p failed probes waits %p ms", (schedule, probesFailed, expected) => {
    expect(probeDelay(policy(schedule), probesFailed)).toBe(expected);
  });
  test("a shorter cap (a test's) applies the same way", () => {
    expect(probeDelay(policy([100, 3_600_000]), 0, 1_000)).toBe(100);
    expect(probeDelay(policy([100, 3_600_000]), 1, 1_000)).toBe(1_000);
    expect(probeDelay(policy([]), 0, 1_000)).toBe(1_000);
  });
});
