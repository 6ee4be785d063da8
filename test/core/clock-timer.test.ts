import { describe, expect, test } from "bun:test";
import { onTheClock } from "../../src/core/clock-timer.ts";

describe("onTheClock", () => {
  test("runs on the clock's boundaries", async () => {
    const at: number[] = [];
    const t = onTheClock(100, () => { at.push(Date.now()); });
    await Bun.sleep(450);
    t.stop();
    expect(at.length).toBeGreaterThanOrEqual(3);
    for (const ms of at) expect(ms % 100).toBeLessThan(40); // a timer fires at or just after its boundary
  });

  test("an offset moves the boundaries", async () => {
    const at: number[] = [];
    const t = onTheClock(100, () => { at.push(Date.now()); }, { offsetMs: 50 });
    await Bun.sleep(350);
    t.stop();
    expect(at.length).toBeGreaterThanOrEqual(2);
    for (const ms of at) expect((ms - 50) % 100).toBeLessThan(40);
  });

  test("a run still going makes the next skip: never two at once", async () => {
    let running = 0, most = 0, runs = 0;
    const t = onTheClock(20, async () => {
      running++; runs++; most = Math.max(most, running);
      await Bun.sleep(70);
      running--;
    });
    await Bun.sleep(400);
    t.stop();
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThan(400 / 20); // skipped ones did not queue up
  });

  test("a failing run does not stop the next", async () => {
    let runs = 0;
    const t = onTheClock(30, () => { runs++; throw new Error("boom"); });
    await Bun.sleep(200);
    t.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  test("paused runs nothing until resumed; stopped runs nothing again", async () => {
    let runs = 0;
    const t = onTheClock(20, () => { runs++; }, { paused: true });
    await Bun.sleep(100);
    expect(runs).toBe(0);
    t.resume();
    await Bun.sleep(100);
    expect(runs).toBeGreaterThan(0);
    t.pause();
    const paused = runs;
    await Bun.sleep(100);
    expect(runs).toBe(paused);
    t.stop();
    t.resume(); // stopped for good
    await Bun.sleep(100);
    expect(runs).toBe(paused);
  });
});
