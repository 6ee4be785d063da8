import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import type { App } from "../app.ts";
import { changeSummary } from "../config/changes.ts";
import { loadConfig, resolveConfigPath, type LoadedConfig } from "../config/load.ts";
import type { Logger } from "../plugin-api/index.ts";

/** Where `serve` writes its pid: beside the SQLite file, or beside the config with a Postgres store. */
export function pidFilePath(loaded: LoadedConfig): string {
  const sqlite = loaded.config.store.postgres ? null : loaded.config.store.sqlite;
  return join(sqlite && sqlite !== ":memory:" ? dirname(sqlite) : loaded.dir, "hookgate.pid");
}

/** Writes this process's pid file; it is removed at exit (when it still names this process). */
export function writePidFile(path: string, log: Logger): void {
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (e) {
    log.warn("pid file not written: `hookgate reload` cannot find this process (send SIGHUP yourself)", { path, error: (e as Error).message });
    return;
  }
  process.on("exit", () => {
    try { if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path); } catch { /* already gone */ }
  });
}

/**
 * On SIGHUP: re-read and check the config; a good one is applied, a bad one changes nothing. One reload at a time
 * (a SIGHUP during one runs another after it). Returns the handler, for a SIGHUP that came while starting.
 */
export function reloadOnSighup(app: App, path: string, log: Logger, isStopping: () => boolean): () => void {
  let running: Promise<void> | null = null;
  let again = false;
  const reload = async () => {
    const result = await loadConfig(path, builtinPlugins);
    if (!result.ok) {
      log.error("config reload failed: the running config stays", { config: path, problems: result.problems.map((p) => `${p.path}: ${p.message}`) });
      return;
    }
    const changes = await app.reload(result.loaded);
    if (changes.needRestart.length) {
      log.warn("config reload: these settings need a restart and keep their running values until then", { keys: changes.needRestart });
    }
    log.info("config reloaded", { config: path, ...changeSummary(changes) });
  };
  const run = () => {
    running = reload()
      .catch((e) => log.error("config reload failed", { config: path, error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        running = null;
        if (again && !isStopping()) { again = false; run(); }
      });
  };
  const onSighup = () => {
    if (isStopping()) return;
    log.info("SIGHUP: reloading the config", { config: path });
    if (running) again = true;
    else run();
  };
  process.on("SIGHUP", onSighup);
  return onSighup;
}

/** `hookgate reload [--config PATH]`: the exit code. The config is checked first: a bad one is not worth a signal. */
export async function reloadCommand(flag: string | undefined): Promise<number> {
  const path = resolveConfigPath(flag);
  const result = await loadConfig(path, builtinPlugins);
  if (!result.ok) {
    process.stderr.write(`hookgate: ${path} has ${result.problems.length} problem(s), so no reload was sent (the running gateway would refuse it too):\n`
      + `${result.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}\n`
      + "(run hookgate reload with the gateway's environment, or use systemctl reload hookgate)\n");
    return 1;
  }
  try {
    console.log(sendReload(result.loaded));
    return 0;
  } catch (e) {
    process.stderr.write(`hookgate: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `hookgate reload`: sends SIGHUP to the `serve` named by the pid file; returns the line to print, or throws the reason. */
export function sendReload(loaded: LoadedConfig): string {
  const path = pidFilePath(loaded);
  if (!existsSync(path)) throw new Error(`no pid file at ${path}: is hookgate serve running with this config (${loaded.path})?`);
  const pid = Number(readFileSync(path, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${path} does not hold a process id: remove it and restart hookgate serve`);
  const stale = `${path} names process ${pid}, which is not running: the pid file is stale (remove it; start hookgate serve)`;
  try { process.kill(pid, 0); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") throw new Error(stale);
    throw new Error(`cannot signal process ${pid} (${(e as Error).message}): run hookgate reload as the user hookgate runs as`);
  }
  // The pid may have been reused by another program since: SIGHUP would end it.
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") : null;
  if (cmdline && !cmdline.some((arg) => arg === "serve" || arg.includes("hookgate") || arg.endsWith("cli.ts"))) throw new Error(stale);
  process.kill(pid, "SIGHUP");
  return `sent SIGHUP to hookgate (pid ${pid}); its log says "config reloaded", or why the running config stays`;
}
