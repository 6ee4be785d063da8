/**
 * `$regex` in a filter must not cost the gateway its health (DESIGN §14). JavaScript's engine backtracks, so a
 * pattern is refused at save when its shape can make it backtrack catastrophically, and a kept one runs on at most
 * REGEX_INPUT_CAP characters of a value. The rule, checked on the pattern's text:
 * - no repetition of a group that itself holds a repetition or an alternation (`(a+)+`, `(a*)*`, `(a|a)+`,
 *   `(\w+\s?)*`, `(a+){2}`);
 * - no backreference (`\1`, `\k<name>`) and no lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`);
 * - at most one unbounded repetition (`*`, `+`, `{n,}`, or `{n,m}` with m over 16): each one more multiplies the
 *   worst case by the input's length (`.*a.*b$` over 256 characters takes 5 ms; `a*a*a*b` is worse);
 * - its worst case, estimated as (bounded repetitions multiplied) × (the input's length if it has an unbounded one)
 *   × (the input's length again unless it starts with `^`, since a search tries every start), is at most
 *   REGEX_BUDGET steps on REGEX_INPUT_CAP characters.
 * One evaluation of a filter spends at most REGEX_BUDGET of these estimated steps in all (array elements and several
 * `$regex` add up): past it, a `$regex` does not match. That bounds an evaluation's patterns to well under 1 ms.
 */
export const REGEX_INPUT_CAP = 256;
export const REGEX_BUDGET = REGEX_INPUT_CAP * REGEX_INPUT_CAP;
export const REGEX_MAX_LENGTH = 256;
const BIG_REPEAT = 16;

export type RegexCheck = { problem: string } | { problem: null; cost(length: number): number };

/** Why the pattern is refused, or null when it may be kept. */
export function unsafeRegex(pattern: string): string | null {
  return checkRegex(pattern).problem;
}

export function checkRegex(pattern: string): RegexCheck {
  if (pattern.length > REGEX_MAX_LENGTH) return { problem: `is longer than ${REGEX_MAX_LENGTH} characters` };
  try { new RegExp(pattern); } catch (error) { return { problem: `is not a valid regular expression (${(error as Error).message})` }; }
  // Per open group: whether it holds a repetition or an alternation (at any depth).
  const groups: { risky: boolean }[] = [];
  let unbounded = 0;
  let bounded = 1;
  let topAlternation = false;
  let lastGroupRisky = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    let atomWasGroup = false;
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") return { problem: "uses a backreference (it can backtrack catastrophically)" };
      i++;
    } else if (c === "[") {
      for (i++; i < pattern.length && pattern[i] !== "]"; i++) if (pattern[i] === "\\") i++;
    } else if (c === "(") {
      if (/^\(\?<?[=!]/.test(pattern.slice(i, i + 4))) return { problem: "uses a lookaround (it can backtrack catastrophically)" };
      groups.push({ risky: false });
      continue;
    } else if (c === ")") {
      lastGroupRisky = groups.pop()?.risky ?? false;
      atomWasGroup = true;
    } else if (c === "|") {
      if (groups.length) groups[groups.length - 1]!.risky = true; else topAlternation = true;
      continue;
    }
    // The atom's repetition: how many times it may match at most.
    const q = /^(?:([*+])|\?|\{(\d+)(,(\d*))?\})\??/.exec(pattern.slice(i + 1));
    const most = !q ? 1 : q[1] ? Infinity : q[0].startsWith("?") ? 2 : q[3] === undefined ? Number(q[2]) : q[4] === "" ? Infinity : Number(q[4]);
    if (q) i += q[0].length;
    if (atomWasGroup && lastGroupRisky && most > 2) {
      return { problem: "repeats a group that holds a repetition or an alternation, like (a+)+ or (a|b)* (it can backtrack catastrophically)" };
    }
    if (most > BIG_REPEAT) {
      if (++unbounded > 1) return { problem: `has more than one unbounded repetition (*, +, {n,} or {n,m} over ${BIG_REPEAT}): each one more multiplies the worst case` };
    } else bounded *= most;
    if (groups.length && (most > 1 || (atomWasGroup && lastGroupRisky))) groups[groups.length - 1]!.risky = true;
  }
  const anchored = pattern.startsWith("^") && !topAlternation;
  const cost = (length: number) => Math.max(length, bounded * (unbounded ? length : 1) * (anchored ? 1 : length), 1);
  if (cost(REGEX_INPUT_CAP) > REGEX_BUDGET) {
    return { problem: `can take about ${Math.round(cost(REGEX_INPUT_CAP))} steps on ${REGEX_INPUT_CAP} characters (at most ${REGEX_BUDGET}): anchor it with ^ or use fewer or smaller repetitions` };
  }
  return { problem: null, cost };
}
