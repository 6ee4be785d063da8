import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { spawn, type Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const BINARY = join(ROOT, "dist/hookgate");

/** What the binary is built from: everything under these (and the files named) goes into the fingerprint. */
const SOURCES = ["src", "plugins", "scripts/build.ts", "package.json", "bun.lock", "tsconfig.json"];
const STAMP = `${BINARY}.stamp`;
const LOCK = join(ROOT, "dist/.build.lock");

let built: Promise<void> | null = null;

/**
 * Builds dist/hookgate once for all the test processes of a run (test files run in parallel, each its own process):
 * the build is under a lock across processes, and skipped when dist/hookgate was built from the same commit and the
 * same sources (a fingerprint in dist/hookgate.stamp).
 */
export function ensureBinary(): Promise<void> {
  built ??= withBuildLock(async () => {
    const fingerprint = sourceFingerprint();
    if (existsSync(BINARY) && statSync(BINARY).size > 0 && readFileOr(STAMP) === fingerprint) return;
    rmSync(STAMP, { force: true });
    const proc = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if ((await proc.exited) !== 0) throw new Error(`bun run build failed: ${await new Response(proc.stderr).text()}`);
    if (!existsSync(BINARY) || statSync(BINARY).size === 0) throw new Error("bun run build wrote no dist/hookgate");
    writeFileSync(STAMP, fingerprint);
  });
  return built;
}

/** The commit as the build names it (with `-dirty`) and a hash of every source file's path and content. */
function sourceFingerprint(): string {
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: ROOT }).stdout.toString().trim();
  const head = git("rev-parse", "--short=12", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
  const hasher = new Bun.CryptoHasher("sha256");
  for (const entry of SOURCES) {
    const path = join(ROOT, entry);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory()
      ? [...new Bun.Glob("**/*").scanSync({ cwd: path, onlyFiles: true })].sort().map((f) => join(entry, f))
      : [entry];
    for (const file of files) hasher.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update("\0");
  }
  return `${head}${dirty ? "-dirty" : ""} ${hasher.digest("hex")}\n`;
}

/** Runs `fn` holding dist/.build.lock (a folder: mkdir is atomic); a lock whose holder has died is taken over. */
async function withBuildLock(fn: () => Promise<void>): Promise<void> {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try { mkdirSync(LOCK); break; } catch (e) { if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; }
    const holder = Number(readFileOr(join(LOCK, "pid")));
    if (holder && !alive(holder)) { rmSync(LOCK, { recursive: true, force: true }); continue; }
    if (Date.now() > deadline) throw new Error(`dist/.build.lock still held (pid ${holder || "unknown"}) after 300 s`);
    await Bun.sleep(100);
  }
  try {
    writeFileSync(join(LOCK, "pid"), String(process.pid));
    await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function readFileOr(path: string): string {
  try { return readFileSync(path, "utf8"); } catch { return ""; }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === "EPERM"; }
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

export interface LaunchOptions {
  env?: Record<string, string>;
  /** The process's working folder (a relative `./data` is under it); this test process's by default. */
  cwd?: string;
  /** How long the ready line may take before the process is killed and `ready` rejects (default 20 s). */
  readyMs?: number;
}

export interface Launched {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** The folder holding the config file. */
  dir: string;
  /** Resolves with the URL at the ready line, or with null when the process exits first (then see output()). */
  ready: Promise<string | null>;
  /** stdout and stderr interleaved as they came, and each apart. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and both streams are read to their end. */
  done: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * The one way a test starts `dist/hookgate serve --config PATH`: spawns it without waiting (several can start at the
 * same instant) and reads its output; `ready` says whether it got to its ready line or exited first.
 */
export async function launch(configPath: string, options: LaunchOptions = {}): Promise<Launched> {
  await ensureBinary();
  const readyMs = options.readyMs ?? 20_000;
  const proc = spawn([BINARY, "serve", "--config", configPath], {
    cwd: options.cwd, env: { ...process.env, ...options.env }, stdout: "pipe", stderr: "pipe", stdin: "ignore",
  });
  let out = "";
  const apart = { stdout: "", stderr: "" };
  const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) { const text = decoder.decode(chunk); out += text; apart[name] += text; }
  };
  const drained = Promise.all([pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr")]);
  const done = Promise.all([proc.exited, drained]).then(([code]) => code);
  const ready = (async () => {
    const deadline = Date.now() + readyMs;
    for (;;) {
      const match = /hookgate listening on (http:\/\/\S+)/.exec(out);
      if (match) return match[1]!;
      if (proc.exitCode !== null || proc.signalCode !== null) { await done; return null; }
      if (Date.now() > deadline) { proc.kill(); throw new Error(`hookgate not ready in ${readyMs} ms:\n${out}`); }
      await Bun.sleep(10);
    }
  })();
  ready.catch(() => {}); // a caller that never awaits `ready` must not see an unhandled rejection
  return {
    proc, dir: dirname(configPath), ready, done,
    output: () => out,
    stdout: () => apart.stdout,
    stderr: () => apart.stderr,
    async stop(signal = "SIGTERM") { proc.kill(signal); return proc.exited; },
  };
}

/** Launches `serve` and resolves at its ready line; fails when the process exits or is not ready in time. */
export async function startBinary(configPath: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Running> {
  const launched = await launch(configPath, { env, readyMs: timeoutMs });
  const url = await launched.ready;
  if (!url) throw new Error(`hookgate exited ${launched.proc.exitCode} before ready:\n${launched.output()}`);
  return { proc: launched.proc, url, output: launched.output, stop: launched.stop };
}

/** Runs the binary to completion (check, version, pg-setup, ...). */
export async function runBinary(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  await ensureBinary();
  // With a timeout, a process still running then is killed (code 137): its output so far is kept.
  const proc = Bun.spawn([BINARY, ...args], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe", ...(timeoutMs && { timeout: timeoutMs, killSignal: "SIGKILL" }) });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
