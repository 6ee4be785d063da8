import { expect, test } from "bun:test";
import { QuietCollector } from "../../src/core/quiet-collect.ts";

test("collects once when a second with work is followed by a quiet one, then not again within the minute", () => {
  let runs = 0;
  const q = new QuietCollector(() => runs++, 60_000);
  q.tick(0); // idle from the start: nothing to collect
  expect(runs).toBe(0);
  q.worked(); q.tick(1_000); // a busy second
  expect(runs).toBe(0);
  q.tick(2_000); // quiet after work
  expect(runs).toBe(1);
  q.tick(3_000); // still quiet: once per quiet spell
  q.worked(); q.tick(4_000); q.tick(5_000); // another burst inside the minute
  expect(runs).toBe(1);
  q.worked(); q.tick(70_000); q.tick(71_000); // a burst after the minute
  expect(runs).toBe(2);
});

test("steady work never collects", () => {
  let runs = 0;
  const q = new QuietCollector(() => runs++, 0);
  for (let s = 0; s < 100; s++) { q.worked(); q.tick(s * 1_000); }
  expect(runs).toBe(0);
});
