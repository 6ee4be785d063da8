import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const BENCH = join(import.meta.dir, "..");
export const ROOT = join(BENCH, "..");

/** Spawns `bun bench/procs/<name>.ts <json>` and resolves with its first stdout line parsed (its ready line). */
export async function startProc<T>(name: string, arg: unknown = {}, env: Record<string, string> = {}): Promise<{ proc: Subprocess; info: T; stop(): Promise<void> }> {
  const proc = Bun.spawn(["bun", join(BENCH, "procs", `${name}.ts`), JSON.stringify(arg)], {
    env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit", stdin: "ignore",
  });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`bench/procs/${name}.ts exited before its ready line (exit ${await proc.exited})`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  void proc.stdout.pipeTo(new WritableStream()).catch(() => {});
  return { proc, info: JSON.parse(text.split("\n")[0]!) as T, async stop() { proc.kill(); await proc.exited; } };
}

/** Runs `bun bench/procs/<name>.ts <json>` to completion and parses its last stdout line. */
export async function runProc<T>(name: string, arg: unknown, env: Record<string, string> = {}): Promise<T> {
  const proc = Bun.spawn(["bun", join(BENCH, "procs", `${name}.ts`), JSON.stringify(arg)], {
    env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit", stdin: "ignore",
  });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`bench/procs/${name}.ts exited ${code}: ${out.slice(-500)}`);
  return JSON.parse(out.trim().split("\n").pop()!) as T;
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

/** Resident set size of a process in MB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Other processes running a hookgate (a gateway left from an earlier run or a manual start): their CPU is not in a
 * figure, but it is taken from the machine the figures share. Each as "pid command line" (Linux /proc).
 */
export function otherHookgates(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let argv: string[];
    try { argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean); } catch { continue; } // it ended meanwhile
    // The compiled binary, or hookgate from source (`bun …/src/cli.ts serve`).
    const binary = /(^|\/)hookgate$/.test(argv[0] ?? "");
    const source = /(^|\/)bun$/.test(argv[0] ?? "") && argv.some((a) => /(^|\/)src\/cli\.ts$/.test(a)) && argv.includes("serve");
    if (binary || source) found.push(`${entry} ${argv.join(" ").slice(0, 120)}`);
  }
  return found;
}

