import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { skipPg } from "./pg.ts";
import { freePort } from "./port.ts";

/**
 * A private Postgres cluster on its own port, for tests that stop and start Postgres (a restart must not touch the
 * machine's shared Postgres at :5432, which other tests use). Needs the server binaries (initdb, pg_ctl) under
 * /usr/lib/postgresql/<version>/bin; gate on `skipPgCluster`.
 */
export interface PgCluster {
  url: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the cluster and removes its folder. */
  remove(): Promise<void>;
}

function binDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin/pg_ctl"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, "bin") : null;
}

const bin = binDir();

/**
 * The gate of a test that needs its own cluster: `test.skipIf(skipPgCluster)`. Skips as the Postgres tests do
 * (skipPg), and also when the server binaries are missing, with one line, unless CI is set: then the test fails.
 */
export const skipPgCluster = skipPg || (!bin && !process.env.CI);
if (!skipPg && skipPgCluster) console.log("postgres cluster tests skipped: no server binaries (initdb, pg_ctl) under /usr/lib/postgresql (set CI=1 to make them fail instead)");

/** `fsync`: commits wait for the disk, as in production (default off: faster, for tests where durability is not the point). */
export async function startPgCluster(options: { fsync?: boolean } = {}): Promise<PgCluster> {
  if (!bin) throw new Error("no Postgres server binaries (initdb, pg_ctl) under /usr/lib/postgresql, and CI is set: the cluster tests must run");
  // initdb refuses to run as root: run the server binaries as the postgres user, in a folder it owns.
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "hookgate-pgcluster-"));
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  const run = async (args: string[]) => {
    const argv = asRoot ? ["runuser", "-u", "postgres", "--", ...args] : args;
    const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", cwd: dir });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`${args.slice(0, 2).join(" ")} failed (exit ${code}): ${err || out}`);
  };
  const port = freePort();
  const data = join(dir, "data");
  await run([join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const flags = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${options.fsync ? "on" : "off"}`;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port, dir,
    start: () => run([join(bin, "pg_ctl"), "-D", data, "-o", flags, "-l", join(dir, "server.log"), "-w", "start"]),
    stop: () => run([join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]),
    async remove() {
      await cluster.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("running as root, the private Postgres cluster needs a postgres user (initdb refuses root)");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

