import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, launch, writeConfig } from "../support/binary.ts";

setDefaultTimeout(60_000);

const CONFIG = `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
});
`;

beforeAll(() => ensureBinary());

/** Runs `serve` with stdout and stderr apart (stdout a pipe, as under journald or docker), until ready, then SIGTERM. */
async function serveOnce(dir: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const launched = await launch(join(dir, "webhooks.config.ts"), { env: { HOOKGATE_LOG_LEVEL: "", ...env } });
  await launched.ready.catch(() => null); // not ready in time: SIGTERM all the same, the output tells
  launched.proc.kill("SIGTERM");
  const code = await launched.done;
  return { code, stdout: launched.stdout(), stderr: launched.stderr() };
}

const INGEST_TOKEN = "binary-logs-token-0123456789";

const jsonLines = (text: string) => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("the binary's log", () => {
  test("every stdout line is JSON: ready (the plain line stays on stderr), the master.key warning on the first start only, stopped last", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-logs-"));
    try {
      writeConfig(CONFIG, dir);
      const first = await serveOnce(dir);
      expect(first.code).toBe(0);
      const lines = jsonLines(first.stdout);
      const ready = lines.find((l) => l.msg === "ready")!;
      expect(ready).toMatchObject({ level: "info" });
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.stderr).toContain(`hookgate listening on ${ready.url}`);
      const key = lines.filter((l) => String(l.msg).includes("master.key"));
      expect(key).toHaveLength(1);
      expect(key[0]).toMatchObject({ level: "warn" });
      expect(key[0]!.msg).toContain("back it up");
      expect(key[0]!.msg).toContain(join(dir, "data", "master.key"));
      expect(lines.at(-1)).toMatchObject({ level: "info", msg: "stopped" });

      const second = await serveOnce(dir);
      expect(second.code).toBe(0);
      expect(second.stdout).not.toContain("back it up");
      expect(jsonLines(second.stdout).at(-1)).toMatchObject({ msg: "stopped" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("HOOKGATE_LOG_LEVEL=warn: no info lines (the key warning still shows); an unknown level says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-logs-"));
    try {
      writeConfig(CONFIG, dir);
      const quiet = await serveOnce(dir, { HOOKGATE_LOG_LEVEL: "warn" });
      expect(quiet.code).toBe(0);
      const lines = jsonLines(quiet.stdout);
      expect(lines.filter((l) => l.level === "info")).toEqual([]);
      expect(lines.some((l) => l.level === "warn" && String(l.msg).includes("back it up"))).toBe(true);
      expect(quiet.stderr).toContain("hookgate listening on");

      const unknown = await serveOnce(dir, { HOOKGATE_LOG_LEVEL: "loud" });
      expect(jsonLines(unknown.stdout)[0]).toMatchObject({ level: "warn", msg: 'HOOKGATE_LOG_LEVEL "loud" is not a level: use debug, info, warn or error (logging at info)' });
      expect(jsonLines(unknown.stdout).some((l) => l.msg === "ready")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("stopped reaches a stdout pipe nobody read during the run (the lines still queued at SIGTERM)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-logs-"));
    try {
      writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${INGEST_TOKEN}", events: ["*"] }] }],
});
`, dir);
      // A FIFO this test reads only after SIGTERM (Bun's own "pipe" would be drained by this process all along).
      const fifo = join(dir, "stdout");
      expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
      const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      const proc = Bun.spawn([BINARY, "serve", "--config", join(dir, "webhooks.config.ts")], {
        env: { ...process.env, HOOKGATE_LOG_LEVEL: "debug" }, stdout: fd, stderr: "pipe", stdin: "ignore",
      });
      let stderr = "";
      void (async () => { const d = new TextDecoder(); for await (const c of proc.stderr) stderr += d.decode(c); })();
      const deadline = Date.now() + 20_000;
      while (!/listening on (\S+)/.test(stderr) && Date.now() < deadline) await Bun.sleep(10);
      const url = /listening on (\S+)/.exec(stderr)![1]!;
      // ~2,000 debug lines (several hundred KiB): far past a pipe's 64 KiB, so lines wait in the process at SIGTERM.
      for (let i = 0; i < 20; i++) {
        const batch = Array.from({ length: 100 }, (_, k) => ({ type: "job.done", data: { i, k } }));
        const r = await fetch(`${url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(batch) });
        expect(r.status).toBe(202);
      }
      proc.kill("SIGTERM");
      // Now a slow reader: what the process still holds must come out before it exits.
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(65_536);
      for (;;) {
        let n = 0;
        try { n = readSync(fd, buf); } catch (e) { if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e; }
        if (n > 0) { chunks.push(Buffer.from(buf.subarray(0, n))); continue; }
        if (proc.exitCode !== null) break;
        await Bun.sleep(5);
      }
      closeSync(fd);
      const stdout = Buffer.concat(chunks).toString();
      expect(await proc.exited).toBe(0);
      const lines = jsonLines(stdout);
      expect(lines.filter((l) => l.msg === "event accepted")).toHaveLength(2_000);
      expect(lines.at(-1)).toMatchObject({ level: "info", msg: "stopped" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * One `serve`, stdout to a file or a pipe, sent SIGTERM the moment its `ready` line is out (as a supervisor that
   * watches the log would): the signal may land right after that line, before the rest of the start has run.
   */
  async function readyThenTerm(dir: string, to: "file" | "pipe", n: number): Promise<{ code: number; stdout: string }> {
    const args = [BINARY, "serve", "--config", join(dir, "webhooks.config.ts")];
    const env = { ...process.env, HOOKGATE_LOG_LEVEL: "" };
    const deadline = Date.now() + 20_000;
    if (to === "file") {
      const path = join(dir, `stdout-${n}.log`);
      const fd = openSync(path, "w");
      const proc = Bun.spawn(args, { env, stdout: fd, stderr: "ignore", stdin: "ignore" });
      closeSync(fd);
      while (!readFileSync(path, "utf8").includes(`"msg":"ready"`) && proc.exitCode === null && Date.now() < deadline) await Bun.sleep(1);
      proc.kill("SIGTERM");
      const code = await proc.exited;
      return { code, stdout: readFileSync(path, "utf8") };
    }
    const proc = Bun.spawn(args, { env, stdout: "pipe", stderr: "ignore", stdin: "ignore" });
    let stdout = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      stdout += decoder.decode(chunk);
      if (stdout.includes(`"msg":"ready"`) && !proc.killed) proc.kill("SIGTERM");
    }
    return { code: await proc.exited, stdout };
  }

  test("stopped is the last line of every SIGTERM: 10 runs with stdout to a file, 10 to a pipe", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-logs-"));
    try {
      writeConfig(CONFIG, dir);
      const failed: string[] = [];
      for (const to of ["file", "pipe"] as const) {
        for (let n = 0; n < 10; n++) {
          const { code, stdout } = await readyThenTerm(dir, to, n);
          const last = stdout.split("\n").filter(Boolean).at(-1) ?? "";
          if (code !== 0 || !last.includes(`"msg":"stopped"`)) failed.push(`${to} run ${n}: exit ${code}, last line ${last}`);
        }
      }
      expect(failed).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
