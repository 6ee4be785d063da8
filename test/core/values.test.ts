import { expect, test } from "bun:test";
import * as v from "valibot";
import { Duration, DURATION_RULE, DurationMs, EventCatalog, EventPattern, EventTypeName, WholeDuration } from "../../src/core/values.ts";

const read = (schema: v.GenericSchema, input: unknown): { ok?: unknown; issues?: readonly string[] } => {
  const result = v.safeParse(schema, input);
  return result.success ? { ok: result.output } : { issues: result.issues.map((i) => i.message) };
};

// One row per input: how the config (Duration), the admin API (WholeDuration) and plugin options (DurationMs) read it.
test.each([
  ["30s", { ok: "30s" }, { ok: "30s" }, { ok: 30_000 }],
  ["2m", { ok: "2m" }, { ok: "2m" }, { ok: 120_000 }],
  [" 1.5h ", { ok: " 1.5h " }, { ok: " 1.5h " }, { ok: 5_400_000 }],
  ["30d", { ok: "30d" }, { ok: "30d" }, { ok: 2_592_000_000 }],
  ["0s", { ok: "0s" }, { ok: "0s" }, { ok: 0 }],
  [250, { ok: 250 }, { ok: 250 }, { ok: 250 }],
  [0, { ok: 0 }, { ok: 0 }, { ok: 0 }],
  [2.5, { ok: 2.5 }, { issues: ["Invalid integer: Received 2.5"] }, { ok: 2.5 }],
  [-1, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }],
  ["30", { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }],
  ["1w", { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }],
  ["", { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }],
  [true, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }],
  [null, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }, { issues: [DURATION_RULE] }],
] as const)("duration %p", (input, config, admin, plugin) => {
  expect(read(Duration, input)).toEqual(config);
  expect(read(WholeDuration, input)).toEqual(admin);
  expect(read(DurationMs, input)).toEqual(plugin);
});

const TYPE_RULE = /^must be a dotted event type name/;
test.each([
  ["job.completed", true], ["a", true], ["a:b.c-d_e", true], ["A1.B2", true],
  ["", false], ["a..b", false], [".a", false], ["a.", false], ["a b", false],
  ["a.*", false], ["*", false], ["a\r\nb", false], ["é", false],
] as const)("EventTypeName %p: %p", (input, ok) => {
  const result = read(EventTypeName, input);
  if (ok) expect(result).toEqual({ ok: input });
  else expect(result.issues?.[0]).toMatch(TYPE_RULE);
});

test("EventTypeName takes at most 200 characters", () => {
  expect(read(EventTypeName, "x".repeat(200))).toEqual({ ok: "x".repeat(200) });
  expect(read(EventTypeName, "x".repeat(201)).issues?.[0]).toMatch(TYPE_RULE);
});

test.each([
  ["*", true], ["job.completed", true], ["job.*", true], ["a.b.*", true],
  ["job*", false], ["*.job", false], ["", false], ["job.**", false], [".*", false],
] as const)("EventPattern %p: %p", (input, ok) =>
  expect(read(EventPattern, input)).toEqual(ok ? { ok: input } : { issues: ['must be an event type, "*" or "prefix.*"'] }));

test("the catalog keys are event-type names; entries take a description and a valibot schema", () => {
  const schema = v.object({ id: v.string() });
  expect(read(EventCatalog, { "job.completed": { schema } })).toEqual({ ok: { "job.completed": { description: "", schema } } });
  expect(read(EventCatalog, { "job completed": {} }).issues?.[0]).toMatch(TYPE_RULE);
  expect(read(EventCatalog, { "job.completed": { schema: { type: "object" } } })).toEqual({ issues: ["must be a valibot schema (v.object(...))"] });
  expect(read(EventCatalog, { "job.completed": { extra: 1 } }).issues).toHaveLength(1);
});
