import { describe, expect, test } from "bun:test";
import { inWords, maxBlockProblem, maxBlockText, maxBlockWords } from "../../src/portal/ordering.ts";

const MAX_BLOCK_WORDS = maxBlockWords();

describe("the portal's ordering field", () => {
  test.each([
    ["1h", null], ["90m", null], ["1.5h", null], ["250ms", null], [" 2d ", null],
    ["0s", MAX_BLOCK_WORDS], ["soon", MAX_BLOCK_WORDS], ["", MAX_BLOCK_WORDS], ["-1h", MAX_BLOCK_WORDS], ["1 week", MAX_BLOCK_WORDS],
  ])("maxBlock %p: %p", (text, problem) => {
    expect(maxBlockProblem(text)).toBe(problem);
  });

  test.each([
    ["1h", "1 hour"], ["90m", "90 minutes"], ["1.5h", "90 minutes"], ["2d", "2 days"], ["30s", "30 seconds"], [1500, "1,500 milliseconds"], [3_600_000, "1 hour"],
  ] as const)("%p reads %p", (maxBlock, words) => {
    expect(inWords(maxBlock)).toBe(words);
  });

  test("the form shows the saved maxBlock (a config's milliseconds with their unit), else offers 1h", () => {
    expect(maxBlockText(undefined)).toBe("1h");
    expect(maxBlockText({ ordering: null })).toBe("1h");
    expect(maxBlockText({ ordering: { maxBlock: "90m" } })).toBe("90m");
    expect(maxBlockText({ ordering: { maxBlock: 5000 } })).toBe("5000ms");
  });
});
