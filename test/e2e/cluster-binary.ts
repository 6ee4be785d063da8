/** Processes of the compiled binary on one Postgres store, each in a folder of its own (its cwd, so its own ./data). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "../support/binary.ts";

export interface Launched {
  proc: ReturnType<typeof Bun.spawn>;
  dir: string;
  /** Resolves with the URL at the ready line, or with null when the process exits first (then see output()). */
  ready: Promise<string | null>;
  output(): string;
}

/** A folder holding `source` as webhooks.config.ts. */
export function folderWith(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-cluster-"));
  writeFileSync(join(dir, "webhooks.config.ts"), source);
  return dir;
}

/** Spawns `hookgate serve` in `dir` without waiting: several can start at the same instant. */
export async function launch(dir: string, env: Record<string, string>): Promise<Launched> {
  await ensureBinary();
  const proc = Bun.spawn([BINARY, "serve", "--config", join(dir, "webhooks.config.ts")], {
    cwd: dir, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe", stdin: "ignore",
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk);
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>); void pump(proc.stderr as ReadableStream<Uint8Array>);
  const ready = (async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const match = /hookgate listening on (http:\/\/\S+)/.exec(out);
      if (match) return match[1]!;
      if (proc.exitCode !== null) { await Bun.sleep(50); return null; } // let the pumps take the last lines
      if (Date.now() > deadline) { proc.kill(); throw new Error(`hookgate not ready in 20 s:\n${out}`); }
      await Bun.sleep(10);
    }
  })();
  return { proc, dir, ready, output: () => out };
}

/** Stops what is still running (SIGTERM), waits for it and removes the folders (their key files with them). */
export async function stopAll(launched: Launched[]): Promise<void> {
  for (const l of launched) if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill("SIGTERM");
  await Promise.all(launched.map((l) => l.proc.exited));
  for (const l of launched) rmSync(l.dir, { recursive: true, force: true });
}
