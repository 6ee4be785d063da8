import { describe, expect, test } from "bun:test";
import { idFloor, newId, randomPart } from "../../src/core/ids.ts";

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

describe("randomPart", () => {
  /** The plain definition: the 80 bits as one number, five bits per character, most significant first. */
  function reference(bytes: Uint8Array): string {
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    let out = "";
    for (let i = 0; i < 16; i++) { out = "0123456789abcdefghjkmnpqrstvwxyz"[Number(v & 31n)] + out; v >>= 5n; }
    return out;
  }

  test("encodes 80 bits exactly as the plain definition does", () => {
    const cases = [new Uint8Array(10), new Uint8Array(10).fill(255), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])];
    for (let i = 0; i < 2000; i++) cases.push(crypto.getRandomValues(new Uint8Array(10)));
    for (const bytes of cases) expect(randomPart(bytes)).toBe(reference(bytes));
  });

  test("ids of one millisecond sort in the order they were made", () => {
    const t = Date.now() + 60_000;
    const ids = Array.from({ length: 5000 }, () => newId("evt", t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
