import { describe, expect, test } from "bun:test";
import { createLogger, Summarizer } from "../src/log.ts";

function harness(intervalMs = 10_000) {
  let now = 1_000_000;
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({}, (l) => lines.push(JSON.parse(l)));
  const summary = new Summarizer(log, intervalMs, () => now);
  return { summary, lines, tick: (ms: number) => { now += ms; } };
}

describe("Summarizer: repeated errors of one kind are one line per interval plus a count", () => {
  test.each([
    // [calls at these offsets (ms), lines written, suppressed counts carried]
    [[0], 1, [undefined]],
    [[0, 1, 2, 3], 1, [undefined]],
    [[0, 1, 2, 10_000], 2, [undefined, 2]],
    [[0, 10_000, 20_000], 3, [undefined, undefined, undefined]],
    [[0, 5_000, 9_999, 10_001, 10_002], 2, [undefined, 2]],
  ] as const)("calls at %p write %p lines", (offsets, count, carried) => {
    const { summary, lines, tick } = harness();
    let at = 0;
    for (const offset of offsets) { tick(offset - at); at = offset; summary.warn("ingest-store", "ingest refused: the store failed", { error: "disk full" }); }
    expect(lines).toHaveLength(count);
    expect(lines.map((l) => l.suppressed)).toEqual([...carried]);
    expect(lines.every((l) => l.level === "warn" && l.error === "disk full")).toBe(true);
  });

  test("keys are counted apart, and flush writes what is held back", () => {
    const { summary, lines } = harness();
    for (let i = 0; i < 5; i++) { summary.error("a", "a failed"); summary.warn("b", "b failed", { n: i }); }
    expect(lines.map((l) => l.msg)).toEqual(["a failed", "b failed"]);
    summary.flush();
    expect(lines.slice(2).map((l) => [l.msg, l.level, l.suppressed, l.n])).toEqual([["a failed", "error", 4, undefined], ["b failed", "warn", 4, 4]]);
    summary.flush();
    expect(lines).toHaveLength(4);
  });
});

describe("createLogger: HOOKGATE_LOG_LEVEL", () => {
  const write = (level: string | undefined) => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ component: "x" }, (l) => lines.push(JSON.parse(l)), level);
    const child = log.child({ sub: 1 });
    for (const l of [log, child]) { l.debug("d"); l.info("i"); l.warn("w"); l.error("e"); }
    return { lines, log };
  };

  test.each([
    // [HOOKGATE_LOG_LEVEL, the levels written (by the logger and its child alike)]
    [undefined, ["info", "warn", "error"]],
    ["", ["info", "warn", "error"]],
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
  ] as const)("%p writes %p", (level, written) => {
    const { lines, log } = write(level);
    expect(lines.map((l) => l.level)).toEqual([...written, ...written]);
    expect(lines.at(-1)).toMatchObject({ component: "x", sub: 1 });
    expect(log.enabled("debug")).toBe(written.includes("debug" as never));
    expect(log.enabled("error")).toBe(true);
  });

  test("an unknown level says so once and logs at info", () => {
    const { lines, log } = write("verbose");
    expect(lines[0]).toMatchObject({ level: "warn", msg: 'HOOKGATE_LOG_LEVEL "verbose" is not a level: use debug, info, warn or error (logging at info)' });
    expect(lines.slice(1).map((l) => l.level)).toEqual(["info", "warn", "error", "info", "warn", "error"]);
    expect(log.enabled("debug")).toBe(false);
  });
});
