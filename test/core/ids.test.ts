import { describe, expect, test } from "bun:test";
import { idFloor, newId } from "../../src/core/ids.ts";

describe("idFloor", () => {
  test("sorts before every id made at or after its time and after every id made before", () => {
    const t = Date.parse("2026-12-01T03:00:00.000Z");
    const floor = idFloor("dlv", t);
    expect(floor).toHaveLength(newId("dlv", t).length);
    for (const at of [t, t + 1, t + 86_400_000]) expect(newId("dlv", at) >= floor).toBe(true);
    // newId never goes back in time (it keeps the newest millisecond seen), so compare an id's own time part.
    const before = `dlv_${idFloor("x", t - 1).slice(2, 12)}zzzzzzzzzzzzzzzz`;
    expect(before < floor).toBe(true);
    expect(idFloor("dlv", t + 0.5)).toBe(idFloor("dlv", t + 1));
  });

  test("clamps times outside the 48 bits ids carry", () => {
    expect(idFloor("dlv", -5)).toBe(`dlv_${"0".repeat(26)}`);
    expect(idFloor("dlv", 2 ** 50)).toBe(`dlv_7zzzzzzzzz${"0".repeat(16)}`);
  });
});
