import { describe, expect, setDefaultTimeout, test } from "bun:test";
import * as v from "valibot";
import { backoff, Duration, sleep } from "../../src/plugin-api/index.ts";
import { definePlugin, emitEach, InvalidEventsError, type EmitResult, type EventInput, type PluginDefinition } from "../../src/plugin-api/index.ts";
import { builtinPlugins, pluginRegistry } from "../../plugins/index.ts";

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

describe("emitEach", () => {
  /** A context whose emit refuses a batch holding a "bad" event, and fails like a store that is down on a "down" one. */
  function recorder() {
    const calls: { types: string[]; state: unknown }[] = [];
    const ctx = {
      async emit(events: EventInput[], options?: { state?: unknown }): Promise<EmitResult[]> {
        calls.push({ types: events.map((e) => e.type), state: options?.state });
        // Events are checked before the write, as the ingest does: an invalid batch never reaches the store.
        const bad = events.findIndex((e) => e.type === "bad");
        if (bad !== -1) throw new InvalidEventsError([{ path: `[${bad}].type`, message: "is not listed" }]);
        if (events.some((e) => e.type === "down")) throw new Error("the store is down");
        return events.map((e, i) => ({ id: `evt_${i}`, deliveries: 0, duplicate: false }));
      },
    };
    return { calls, ctx };
  }
  const item = (type: string | null, next = 0) => ({ event: type === null ? null : { type, data: {} }, next });
  type Item = ReturnType<typeof item>;

  test.each([
    ["all valid: one batch", ["a", "b"], [["a", "b"]], ["a", "b"], []],
    ["one invalid: the batch, then one by one", ["a", "bad", "c"], [["a", "bad", "c"], ["a"], ["bad"], ["c"]], ["a", "c"], ["bad"]],
    ["an item without an event still goes one by one (it moves the cursor)", [null, "bad"], [["bad"], [], ["bad"]], [null], ["bad"]],
  ] as const)("%s", async (_name, types, emitted, stored, invalid) => {
    const { calls, ctx } = recorder();
    const refused: (string | null)[] = [];
    const result = await emitEach<Item>(ctx, types.map((t) => item(t)), {
      event: (i) => i.event,
      invalid: (i, error) => { expect(error).toBeInstanceOf(InvalidEventsError); refused.push(i.event?.type ?? null); },
    });
    expect(calls.map((c) => c.types)).toEqual(emitted.map((e) => [...e]));
    expect(result.map((i) => i.event?.type ?? null)).toEqual([...stored]);
    expect(refused).toEqual([...invalid]);
  });

  test("state: the batch commits the last item's, one by one each item's own", async () => {
    const { calls, ctx } = recorder();
    await emitEach<Item>(ctx, [item("a", 10), item("bad", 20), item("c", 30)], { event: (i) => i.event, state: (i) => i.next, invalid: () => {} });
    expect(calls.map((c) => c.state)).toEqual([30, 10, 20, 30]);
  });

  test("a store error is thrown, and nothing after it is tried", async () => {
    const { calls, ctx } = recorder();
    const run = emitEach<Item>(ctx, [item("bad"), item("down"), item("c")], { event: (i) => i.event, invalid: () => {} });
    await expect(run).rejects.toThrow("the store is down");
    expect(calls.map((c) => c.types)).toEqual([["bad", "down", "c"], ["bad"], ["down"]]);
  });

  test("with failed, a store error is handed over and the other items are still tried", async () => {
    const { calls, ctx } = recorder();
    const failed: string[][] = [];
    const how = { event: (i: Item) => i.event, invalid: () => {}, failed: (items: Item[]) => { failed.push(items.map((i) => i.event!.type)); } };
    expect(await emitEach<Item>(ctx, [item("a"), item("down")], how)).toEqual([]);
    expect(failed).toEqual([["a", "down"]]);
    const stored = await emitEach<Item>(ctx, [item("bad"), item("down"), item("c")], how);
    expect(stored.map((i) => i.event!.type)).toEqual(["c"]);
    expect(failed).toEqual([["a", "down"], ["down"]]);
    expect(calls.map((c) => c.types).slice(1)).toEqual([["bad", "down", "c"], ["bad"], ["down"], ["c"]]);
  });
});

describe("the built-in plugin registry", () => {
  const plugin = (type: string) => definePlugin({ type, options: v.object({}), create: () => ({ start: async () => {}, stop: async () => {} }) });

  test("keys each plugin by its own type, in order", () => {
    expect([...builtinPlugins.keys()]).toEqual(["http", "postgres", "poll"]);
    expect([...pluginRegistry([plugin("a"), plugin("b")]).keys()]).toEqual(["a", "b"]);
  });

  test.each([
    [[plugin("a"), plugin("a")], 'two built-in plugins have type "a": give each its own type'],
    [[plugin("plugin")], 'a built-in plugin cannot have type "plugin"'],
  ])("refuses %#", (plugins, message) => {
    expect(() => pluginRegistry(plugins as PluginDefinition[])).toThrow(message);
  });
});
