import { expect, test } from "bun:test";
import { isValidPattern, matchesPattern } from "../../src/core/patterns.ts";
import { newId } from "../../src/core/ids.ts";

test.each([
  ["job.completed", "job.completed", true], ["job.completed", "job.created", false],
  ["job.completed", "*", true], ["job.completed", "job.*", true], ["jobs.completed", "job.*", false],
  ["job", "job.*", false], ["job.a.b", "job.*", true], ["job.a.b", "job.a.*", true],
  // hookgate's own events: `*` never matches them, naming them (exactly or by prefix) does.
  ["hookgate.endpoint.disabled", "*", false], ["hookgate.endpoint.disabled", "hookgate.*", true],
  ["hookgate.endpoint.disabled", "hookgate.endpoint.*", true], ["hookgate.endpoint.disabled", "hookgate.endpoint.disabled", true],
  ["hookgate.source.error", "hookgate.endpoint.*", false], ["hookgates.x", "*", true],
] as const)("%s ~ %s = %p", (type, pattern, expected) => expect(matchesPattern(type, pattern)).toBe(expected));

test.each([["*", true], ["a.b", true], ["a.*", true], ["a*", false], ["*.a", false], ["", false], ["a..b", false]] as const)(
  "isValidPattern(%p) = %p", (pattern, ok) => expect(isValidPattern(pattern)).toBe(ok));

test("ids are prefixed and sort in creation order, also within one millisecond", () => {
  const ids = Array.from({ length: 2_000 }, () => newId("evt"));
  expect(ids.every((id) => /^evt_[0-9a-z]{26}$/.test(id))).toBe(true);
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});
