/**
 * `bun run test`: the whole suite in about half the time of a plain `bun test` on a 2-core machine.
 *
 * Most test files wait on servers, receivers, Postgres and the compiled binary more than they compute, so they run
 * as `bun test --parallel=3`, slowest first by test/timings.json. The heavy cluster files (several compiled processes
 * on one Postgres, and bounds on rates and in-flight counts) run after them, alone, so that no other file loads the
 * machine under their figures. The last two lines are the totals of both runs, in `bun test`'s own form
 * (`N pass`, `N fail`), which .ci/run reads.
 *
 *   bun run test                      the whole suite
 *   bun run test -- --update-timings  the same, then writes the measured durations to test/timings.json
 *   bun run test -- FILE...           only these files (each still in its group)
 */
import { Glob } from "bun";

/** Files that run alone, after the rest: each starts several binaries on one Postgres and measures under it. */
const HEAVY = [
  "test/e2e/cluster-limits.test.ts",
  "test/e2e/cluster-load.test.ts",
  "test/e2e/pg-outage.test.ts",
  "test/e2e/cluster-sources.test.ts",
];
const WORKERS = 3;
const TIMINGS = "test/timings.json";

const args = process.argv.slice(2);
const updateTimings = args.includes("--update-timings");
const named = args.filter((a) => !a.startsWith("--")).map((f) => f.replace(/^\.\//, ""));
const all = named.length ? named : [...new Glob("test/**/*.test.ts").scanSync({ cwd: process.cwd() })].sort();
const heavy = all.filter((f) => HEAVY.includes(f));
const rest = all.filter((f) => !HEAVY.includes(f));

/** Runs `bun test ARGS`, passing its output through, and returns its exit code and counts. */
async function run(label: string, testArgs: string[]): Promise<{ code: number; pass: number; fail: number }> {
  console.log(`\n== bun test ${label}`);
  const proc = Bun.spawn(["bun", "test", ...testArgs], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  let text = "";
  const pass = async (stream: ReadableStream<Uint8Array>, to: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) { const t = decoder.decode(chunk, { stream: true }); text += t; to.write(t); }
  };
  await Promise.all([pass(proc.stdout, process.stdout), pass(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  const count = (word: string) => Number([...text.matchAll(new RegExp(`^ *(\\d+) ${word}$`, "gm"))].at(-1)?.[1] ?? 0);
  return { code, pass: count("pass"), fail: count("fail") };
}

const timings = ["--timings", TIMINGS, ...(updateTimings ? ["--update-timings"] : [])];
const results = [];
const started = Date.now();
if (rest.length) results.push(await run(`--parallel=${WORKERS} (${rest.length} files, slowest first)`, [`--parallel=${WORKERS}`, ...timings, ...rest]));
if (heavy.length) results.push(await run(`(${heavy.length} heavy cluster files, alone)`, [...heavy]));

const pass = results.reduce((n, r) => n + r.pass, 0);
const fail = results.reduce((n, r) => n + r.fail, 0);
// A run that failed without a failing test (a file that did not load, a crash) still fails the whole.
const broken = results.filter((r) => r.code !== 0 && r.fail === 0).length;
console.log(`\n== totals (${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log(` ${pass} pass`);
console.log(` ${fail + broken} fail`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
