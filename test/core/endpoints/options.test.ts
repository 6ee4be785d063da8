import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ADMIN_OPTION_FIELDS, OPTION_FIELDS, OPTION_KEYS, optionsView, withOptionChanges } from "../../../src/core/endpoints/options.ts";

const accepts = (schema: v.GenericSchema, value: unknown) => v.safeParse(schema, value).success;

describe("one option list, two sets of bounds", () => {
  test.each([
    ["timeoutMs", 1, true, true],
    ["timeoutMs", 0, false, false],
    ["timeoutMs", 300_000, true, true],
    ["timeoutMs", 300_001, true, false],
    ["timeoutMs", 1.5, false, false],
    ["maxConcurrency", 1000, true, true],
    ["maxConcurrency", 1001, true, false],
    ["autoDisableAfter", 0, true, true],
    ["autoDisableAfter", -1, false, false],
    ["rateLimit", 0.001, true, true],
    ["rateLimit", 0, false, false],
    ["autoDisableWindow", "1h", true, true],
    ["autoDisableWindow", 0, true, true],
    ["autoDisableWindow", "soon", false, false],
    ["schedule", ["30s", 2000], true, true],
    ["schedule", Array(31).fill("1s"), true, false],
    ["schedule", ["1 fortnight"], false, false],
    ["ordering", { maxBlock: "1h" }, true, true],
    ["ordering", { maxBlock: 1500 }, true, true],
    ["ordering", { maxBlock: "0s" }, false, false],
    ["ordering", { maxBlock: "soon" }, false, false],
    ["ordering", { maxBlock: 1.5 }, true, false],
    ["ordering", { maxBlock: "1h", extra: 1 }, false, false],
  ] as const)("%s = %p: config %p, admin %p", (key, value, config, admin) => {
    expect(accepts(OPTION_FIELDS[key], value)).toBe(config);
    expect(accepts(ADMIN_OPTION_FIELDS[key], value)).toBe(admin);
  });

  test("both list the same options", () => {
    expect(Object.keys(ADMIN_OPTION_FIELDS)).toEqual(OPTION_KEYS);
  });
});

describe("withOptionChanges", () => {
  test.each([
    ["nothing set", {}, undefined, "{}"],
    ["only options are kept, in list order", { maxConcurrency: 2, url: "https://x", schedule: ["1s"] }, undefined, '{"schedule":["1s"],"maxConcurrency":2}'],
    ["undefined keeps the stored value", { timeoutMs: undefined }, { timeoutMs: 5 }, '{"timeoutMs":5}'],
    ["null goes back to the default", { timeoutMs: null }, { timeoutMs: 5, rateLimit: 1 }, '{"rateLimit":1}'],
    ["a value replaces the stored one", { rateLimit: 2 }, { rateLimit: 1 }, '{"rateLimit":2}'],
  ] as const)("%s", (_, changes, stored, text) => {
    expect(JSON.stringify(withOptionChanges(changes as never, stored as never))).toBe(text);
  });
});

test("optionsView shows every option, null where the default applies", () => {
  expect(optionsView({ timeoutMs: 5 })).toEqual({
    schedule: null, timeoutMs: 5, autoDisableAfter: null, autoDisableWindow: null, rateLimit: null, maxConcurrency: null, ordering: null,
  });
});
