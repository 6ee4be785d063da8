import { describe, expect, test } from "bun:test";
import { MASK, originMove, plainCodec, storedHeaders, unmaskAuth } from "../../../src/core/endpoints/credentials.ts";
import { DomainError } from "../../../src/core/errors.ts";

describe("originMove", () => {
  test.each([
    ["https://a.example/x", undefined, null],
    ["https://a.example/x", "https://a.example/y?z=1", null],
    ["https://a.example/x", "https://b.example/x", "https://a.example → https://b.example"],
    ["https://a.example/x", "http://a.example/x", "https://a.example → http://a.example"],
    ["https://a.example/x", "https://a.example:8443/x", "https://a.example → https://a.example:8443"],
  ] as const)("%s → %p: %p", (before, after, move) => expect(originMove(before, after)).toBe(move));
});

const refusal = (work: () => unknown) => {
  try { work(); } catch (e) { return e instanceof DomainError ? { kind: e.kind, paths: e.problems?.map((p) => p.path) } : e; }
  return null;
};

describe("a mask sent back", () => {
  const stored = { type: "bearer", token: "t0ken" } as const;
  test("auth keeps the stored token", () => {
    expect(unmaskAuth(plainCodec, { type: "bearer", token: MASK }, stored, null)).toEqual({ type: "bearer", token: "t0ken" });
  });

  test.each([
    ["the URL moves", stored, "a → b", "auth.token"],
    ["another type is stored", { type: "basic", username: "u", password: "p" }, null, "auth.token"],
    ["nothing is stored", null, null, "auth.token"],
  ] as const)("auth is refused when %s", (_, old, move, path) => {
    expect(refusal(() => unmaskAuth(plainCodec, { type: "bearer", token: MASK }, old, move))).toEqual({ kind: "invalid", paths: [path] });
  });

  test.each([
    ["keeps the stored value", { "X-Api-Key": "k" }, null, null],
    ["is refused when nothing is stored under the name", {}, null, ["headers.X-Api-Key"]],
    ["is refused when the URL moves", { "X-Api-Key": "k" }, "a → b", ["headers.X-Api-Key"]],
  ] as const)("header %s", (_, old, move, paths) => {
    const run = () => storedHeaders(plainCodec, { "X-Api-Key": MASK }, old, move);
    if (paths) expect(refusal(run)).toEqual({ kind: "invalid", paths });
    else expect(run()).toEqual({ "X-Api-Key": { sealed: "k" } });
  });
});
