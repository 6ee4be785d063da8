/** Processes of the compiled binary on one Postgres store, each in a folder of its own (its cwd, so its own ./data). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, writeConfig, type Launched } from "../support/binary.ts";

export type { Launched };

/** `hookgate serve` in a folder of its own holding `source` as its config, without waiting for it to be ready. */
export function launchIn(source: string, env: Record<string, string>): Promise<Launched> {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-cluster-"));
  return launch(writeConfig(source, dir), { cwd: dir, env });
}

/** Stops what is still running (SIGTERM), waits for it and removes the folders (their key files with them). */
export async function stopAll(launched: Launched[]): Promise<void> {
  for (const l of launched) if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill("SIGTERM");
  await Promise.all(launched.map((l) => l.proc.exited));
  for (const l of launched) rmSync(l.dir, { recursive: true, force: true });
}
