/**
 * The peer's Redis: the one on 127.0.0.1:6379. If none answers, one is started (daemonized, AOF everysec,
 * data in a temp folder) and shut down afterwards. A running one is switched to AOF everysec for the run and
 * restored after.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const cli = async (...args: string[]): Promise<string> => {
  const proc = Bun.spawn(["redis-cli", "-h", "127.0.0.1", "-p", "6379", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`redis-cli ${args.join(" ")} failed`);
  return out.trim();
};
const has = (cmd: string) => Bun.which(cmd) !== null;

export interface RedisSession { how: string; restore(): Promise<void> }

/** Null when no Redis can be had (the peer is then skipped, and the report says why). */
export async function prepareRedis(): Promise<RedisSession | null> {
  if (!has("redis-cli")) return null;
  const alive = await cli("ping").then((p) => p === "PONG", () => false);
  if (!alive) {
    if (!has("redis-server")) return null;
    const dir = mkdtempSync(join(tmpdir(), "hookgate-bench-redis-"));
    const proc = Bun.spawn(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir]);
    await proc.exited;
    for (let i = 0; i < 50 && !(await cli("ping").then((p) => p === "PONG", () => false)); i++) await Bun.sleep(100);
    return {
      how: `started by the bench: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly yes --appendfsync everysec --dir ${dir}`,
      restore: async () => { await cli("shutdown", "nosave").catch(() => {}); },
    };
  }
  const appendonly = (await cli("config", "get", "appendonly")).split("\n")[1] ?? "no";
  const appendfsync = (await cli("config", "get", "appendfsync")).split("\n")[1] ?? "everysec";
  await cli("config", "set", "appendfsync", "everysec");
  if (appendonly !== "yes") await cli("config", "set", "appendonly", "yes");
  // Turning AOF on rewrites the log in the background; wait for it so the peer runs in its steady state.
  for (let i = 0; i < 300; i++) {
    const info = await cli("info", "persistence");
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_enabled:1/.test(info)) break;
    await Bun.sleep(100);
  }
  return {
    how: `the running redis on 127.0.0.1:6379, set to appendonly yes + appendfsync everysec for the run (was appendonly ${appendonly}, appendfsync ${appendfsync}; restored after)`,
    restore: async () => {
      await cli("config", "set", "appendfsync", appendfsync).catch(() => {});
      if (appendonly !== "yes") await cli("config", "set", "appendonly", appendonly).catch(() => {});
    },
  };
}

export async function redisVersion(): Promise<string> {
  const info = await cli("info", "server").catch(() => "");
  return /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
}
