/**
 * How much slower the machine runs JavaScript's regex engine now than on the machine the tests' time bounds were set
 * on (never below 1): a fixed backtracking search, best of five, took 1.8 ms there (2026-12-07). A shared machine in
 * a slow spell (CI saw whole runs three to four times slower) stretches every timing alike; a bound multiplied by
 * this stays about hookgate's work, and what it guards against (a stall of seconds) still fails it.
 */
export function slowness(): number {
  const probe = /(x+x+)+y/;
  const text = "x".repeat(18);
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    probe.test(text);
    best = Math.min(best, performance.now() - start);
  }
  return Math.max(1, best / 1.8);
}
