import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawn, type Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const BINARY = join(ROOT, "dist/hookgate");

let built: Promise<void> | null = null;

/** Builds dist/hookgate once per test run (tests that spawn the binary share it). */
export function ensureBinary(): Promise<void> {
  built ??= (async () => {
    const proc = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if ((await proc.exited) !== 0) throw new Error(`bun run build failed: ${await new Response(proc.stderr).text()}`);
    if (!existsSync(BINARY) || statSync(BINARY).size === 0) throw new Error("bun run build wrote no dist/hookgate");
  })();
  return built;
}

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Writes a config file into a temp folder (or `dir`) and returns its path. */
export function writeConfig(source: string, dir = mkdtempSync(join(tmpdir(), "hookgate-bin-"))): string {
  const path = join(dir, "webhooks.config.ts");
  writeFileSync(path, source);
  return path;
}

/** Runs `dist/hookgate serve --config PATH` and resolves at its ready line. */
export async function startBinary(configPath: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Running> {
  await ensureBinary();
  const proc = spawn([BINARY, "serve", "--config", configPath], {
    env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe", stdin: "ignore",
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk);
  };
  void pump(proc.stdout); void pump(proc.stderr);
  const deadline = Date.now() + timeoutMs;
  let url: string | null = null;
  while (!url) {
    const match = /hookgate listening on (http:\/\/\S+)/.exec(out);
    if (match) url = match[1]!;
    else if (proc.exitCode !== null) throw new Error(`hookgate exited ${proc.exitCode} before ready:\n${out}`);
    else if (Date.now() > deadline) { proc.kill(); throw new Error(`hookgate not ready in ${timeoutMs} ms:\n${out}`); }
    else await Bun.sleep(10);
  }
  return {
    proc, url,
    output: () => out,
    async stop(signal = "SIGTERM") { proc.kill(signal); return proc.exited; },
  };
}

/** Runs the binary to completion (check, version, pg-setup, ...). */
export async function runBinary(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  await ensureBinary();
  const proc = Bun.spawn([BINARY, ...args], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
