import { describe, expect, test } from "bun:test";
import { bearerToken, findToken } from "../../src/core/tokens.ts";

describe("findToken", () => {
  const entries = [
    { name: "a", token: "token-a-0123456789abcdef" },
    { name: "b", token: "token-b-0123456789abcdef" },
    { name: "c", token: "tökén-c-ünïcode-0123456789" },
  ];

  test("finds the entry whose token equals the presented one, and no other", () => {
    expect(findToken(entries, "token-b-0123456789abcdef")?.name).toBe("b");
    expect(findToken(entries, "token-a-0123456789abcdef")?.name).toBe("a");
    expect(findToken(entries, "tökén-c-ünïcode-0123456789")?.name).toBe("c");
    // The same again: the entries' digests are remembered, the answers do not change.
    expect(findToken(entries, "token-b-0123456789abcdef")?.name).toBe("b");
  });

  test("a token that differs in one character, is a prefix, is longer, or is empty matches nothing", () => {
    for (const presented of ["token-b-0123456789abcdeF", "token-b-0123456789abcde", "token-b-0123456789abcdef0", "", "tokén-c-ünïcode-0123456789"]) {
      expect(findToken(entries, presented)).toBeNull();
    }
  });

  test("an entry whose token is changed in place is compared with its new token, not a remembered digest", () => {
    const entry = { token: "first-token-0123456789" };
    expect(findToken([entry], "first-token-0123456789")).toBe(entry);
    entry.token = "second-token-0123456789";
    expect(findToken([entry], "first-token-0123456789")).toBeNull();
    expect(findToken([entry], "second-token-0123456789")).toBe(entry);
  });

  test("entries made per call (the metrics token) are found too", () => {
    expect(findToken([{ token: "metrics-token-0123456789" }], "metrics-token-0123456789")).not.toBeNull();
    expect(findToken([{ token: "metrics-token-0123456789" }], "metrics-token-012345678")).toBeNull();
  });
});

describe("bearerToken", () => {
  test("reads the token of a Bearer header, any case of the scheme", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer\tabc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});
