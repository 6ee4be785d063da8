import { expect, test } from "bun:test";
import { MAX_DEPTH, textTooDeep, valueTooDeep } from "../../src/core/json-depth.ts";

const nest = (n: number, inner = "0") => "[".repeat(n) + inner + "]".repeat(n);

// [text, limit, the path of the first container past the limit, or null when within it]
test.each([
  ["0", 0, null],
  ['"[[[["', 1, null],
  ['"\\"[[[["', 1, null],
  ['"\\\\"', 0, null],
  ['["\\\\", [1]]', 1, [1]],
  ['{"a[{": "]}{["}', 1, null],
  ['{"a": {"b": 1}}', 1, ["a"]],
  ['{"a": 1, "b\\"": [2]}', 1, ['b"']],
  ['{"a": {"k": "v", "x": [[]]}}', 3, ["a", "x", 0]],
  ['[1, [2], {"c": [3, [4]]}]', 3, [2, "c", 1]],
  ['[{"a,b": 1}, [", ["], {"s": "\\u005b"}]', 2, null],
  ["[".repeat(64) + "]".repeat(64), 64, null],
  ["[".repeat(65) + "]".repeat(65), 64, Array(64).fill(0)],
  ["  " + nest(65, '"]]]"'), 65, null],
  ["[[[[", 3, [0, 0, 0]],
  ["]]]][[", 2, null],
] as const)("textTooDeep(%p, %p)", (text, limit, expected) => {
  expect(textTooDeep(new TextEncoder().encode(text), limit)).toEqual(expected as never);
  expect(textTooDeep(text, limit)).toEqual(expected as never);
});

// [what, value, limit, expected]: the same contract for a parsed value.
test.each([
  ["a number", 0, 0, null], ["a string of brackets", "[[[", 0, null], ["[] at limit 0", [], 0, []], ["[] at limit 1", [], 1, null],
  ["an object in an object", { a: { b: 1 } }, 1, ["a"]], ["mixed", { a: 1, b: [{ c: [] }] }, 2, ["b", 0]],
  ["arrays and objects", [1, [2], { c: [3, [4]] }], 3, [2, "c", 1]],
  ["64 arrays", JSON.parse(nest(64)), 64, null], ["65 arrays", JSON.parse(nest(65)), 64, Array(64).fill(0)],
  ["an own __proto__ key", JSON.parse('{"__proto__": {"x": [1]}}'), 2, ["__proto__", "x"]],
] as const)("valueTooDeep: %s", (_what, value, limit, expected) => {
  expect(valueTooDeep(value, limit)).toEqual(expected as never);
});

test("the limit is 64, and 500,000 levels are refused in one pass without recursion", () => {
  expect(MAX_DEPTH).toBe(64);
  const text = nest(500_000);
  const started = performance.now();
  expect(textTooDeep(text, MAX_DEPTH)).toHaveLength(MAX_DEPTH);
  let value: unknown = 0;
  for (let i = 0; i < 500_000; i++) value = [value];
  expect(valueTooDeep(value, MAX_DEPTH)).toHaveLength(MAX_DEPTH);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(valueTooDeep(cyclic, MAX_DEPTH)).toHaveLength(MAX_DEPTH);
  expect(performance.now() - started).toBeLessThan(1_000);
});
