import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

setDefaultTimeout(60_000);

const ROOT = join(import.meta.dir, "../..");

/** `bun bench/run.ts …` as `bun run bench -- …` runs it; a run that outlives `timeoutMs` is killed and says so. */
async function bench(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000) {
  const proc = Bun.spawn(["bun", "bench/run.ts", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), timeoutMs);
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { code, stdout, stderr, killed: proc.signalCode !== null };
}

describe("the benchmark harness", () => {
  test("refuses an argument it does not know before it starts anything (a full run is 20 minutes and rewrites RESULTS.md)", async () => {
    const started = performance.now();
    const r = await bench(["--help"]);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown argument "--help"');
    expect(r.stderr).toContain("--only L0,P1");
    expect(r.stdout).not.toContain("[bench] L0 run");
    expect(performance.now() - started).toBeLessThan(10_000);
    const valueless = await bench(["--quick", "--only"]);
    expect(valueless.code).toBe(2);
    expect(valueless.stderr).toContain('unknown argument "--only" (it takes a value)');
  });

  test("with CI set, no Postgres fails the run instead of skipping P2pg, P2pg2 and P7", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-bench-harness-"));
    try {
      const out = join(dir, "RESULTS.md");
      // Port 1 on loopback: nothing listens, every connect is refused.
      const r = await bench(["--quick", "--no-build", "--only", "P2pg", "--out", out], { CI: "true", HOOKGATE_BENCH_PG: "postgres://postgres@127.0.0.1:1/postgres" });
      expect(r.killed).toBe(false);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("no Postgres at 127.0.0.1:1: P2pg, P2pg2 and P7 skipped, and CI is set");
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
