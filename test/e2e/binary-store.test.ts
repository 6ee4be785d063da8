import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, launch, ROOT, runBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { LATEST_MIGRATION } from "../../src/store/migrations/index.ts";

// The compiled binary, several at once, on a shared 2-core machine: far more room than bun's 5 s default.
setDefaultTimeout(120_000);

const TOKEN = "store-ingest-token-0123456789";
const ADMIN = "store-admin-token-0123456789";
const ENV = { INGEST_TOKEN: TOKEN };

const config = (receiverUrl: string) => `import { defineConfig, env } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 1000, schedule: ["200ms", "1s"], jitter: 0 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: env("INGEST_TOKEN"), events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiverUrl}", events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
});
`;

let receiver: Receiver;
beforeAll(async () => { receiver = startReceiver(); await ensureBinary(); });
afterAll(() => receiver.stop());

const storeOf = (configPath: string) => join(configPath, "..", "data", "hookgate.db");
const post = (url: string, n: number) => fetch(`${url}/v1/events`, {
  method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ type: "a.b", data: { n } }),
});

/** `serve` that either becomes ready or exits (the one refused): whichever comes first. */
async function serveOrExit(configPath: string): Promise<{ pid: number; running?: Running; code?: number; stderr: string }> {
  const launched = await launch(configPath, { env: ENV, readyMs: 60_000 });
  const url = await launched.ready;
  if (url) return { pid: launched.proc.pid, running: { proc: launched.proc, url, output: launched.stderr, stop: launched.stop }, stderr: launched.stderr() };
  return { pid: launched.proc.pid, code: await launched.done, stderr: launched.stderr() };
}

/** The one line a refused start exits with: the store and the pid that holds it. */
function expectRefused(result: { code?: number; stderr: string }, store: string, holder: number): void {
  expect(result.code).toBeDefined();
  expect(result.code).not.toBe(0);
  expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^hookgate: cannot start: the store ${store.replace(/[.]/g, "\\.")} is in use by another hookgate process \\(pid ${holder};`))]);
}

describe("one SQLite store, one process", () => {
  test("two serves started at once on a new store: one serves, the other exits with one line naming the store and the pid (no race of migrations)", async () => {
    const path = writeConfig(config(receiver.url));
    const [a, b] = await Promise.all([serveOrExit(path), serveOrExit(path)]);
    const winner = a.running ? a : b;
    const loser = a.running ? b : a;
    try {
      expect(winner.running).toBeDefined();
      expectRefused(loser, storeOf(path), winner.pid);
      expect((await post(winner.running!.url, 1)).status).toBe(202);
    } finally {
      await a.running?.stop();
      await b.running?.stop();
    }
  });

  test("a second serve or a migrate on a store in use is refused; after kill -9 of the holder the next serve starts and has the events", async () => {
    const path = writeConfig(config(receiver.url));
    const first = await startBinary(path, ENV);
    const accepted = await post(first.url, 1);
    expect(accepted.status).toBe(202);
    const { id } = await accepted.json() as { id: string };

    expectRefused(await serveOrExit(path), storeOf(path), first.proc.pid);
    const migrate = await runBinary(["migrate", "--config", path], ENV);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain(`hookgate migrate: the store ${storeOf(path)} is in use by another hookgate process (pid ${first.proc.pid};`);

    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const next = await startBinary(path, ENV);
    try {
      const read = await fetch(`${next.url}/api/v1/events/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(read.status).toBe(200);
      expectRefused(await serveOrExit(path), storeOf(path), next.proc.pid);
    } finally {
      expect(await next.stop()).toBe(0);
    }
    // A clean stop gives the store back: migrate runs.
    expect((await runBinary(["migrate", "--config", path], ENV)).code).toBe(0);
  });
});

describe("a binary older than the store", () => {
  test("serve and migrate refuse a store migrated further, naming both versions and the way back", async () => {
    const path = writeConfig(config(receiver.url));
    expect((await runBinary(["migrate", "--config", path], ENV)).code).toBe(0);
    const db = new Database(storeOf(path));
    db.run("INSERT INTO kysely_migration (name, timestamp) VALUES ('999-from-the-future', ?)", [new Date().toISOString()]);
    db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('hookgate.migrated_by', '0.2.0 (commit 0123456789ab, built 2027-01-01T00:00:00.000Z)')");
    db.close();
    const version = (await runBinary(["version"])).stdout.trim().replace(/^hookgate /, "").replace(/, bun .*$/, "");

    const serve = await runBinary(["serve", "--config", path], ENV);
    expect(serve.code).not.toBe(0);
    const lines = serve.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`hookgate: cannot start: cannot open the store ${storeOf(path)}: it was migrated by hookgate 0.2.0 (commit 0123456789ab, built 2027-01-01T00:00:00.000Z) up to migration 999-from-the-future, and this binary is hookgate ${version}, which knows migrations up to ${LATEST_MIGRATION} — run hookgate 0.2.0 or newer, or restore a backup taken before the upgrade`);
    expect(serve.stderr).not.toContain("corrupted migrations");

    const migrate = await runBinary(["migrate", "--config", path], ENV);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain("up to migration 999-from-the-future, and this binary is hookgate");
  });
});

describe("hookgate backup", () => {
  test("a copy taken while serve ingests holds every event acknowledged before it, and serves them with the key beside it", async () => {
    const path = writeConfig(config(receiver.url));
    const running = await startBinary(path, ENV);
    const acked: string[] = [];
    let loading = true;
    const worker = async (w: number) => {
      for (let n = 0; loading; n++) {
        const response = await post(running.url, w * 1_000_000 + n);
        if (response.status === 202) acked.push(((await response.json()) as { id: string }).id);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    try {
      await waitFor(() => acked.length >= 300, { timeoutMs: 60_000, what: "300 events acknowledged under load" });
      const before = [...acked];
      const restored = mkdtempSync(join(tmpdir(), "hookgate-restore-"));
      const copy = join(restored, "data", "hookgate.db");
      const result = await runBinary(["backup", "--to", copy, "--config", path], ENV);
      const after = acked.length;
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(acked.length).toBeGreaterThan(before.length); // ingest went on while the copy was taken
      expect(result.stdout).toContain(`backed up ${storeOf(path)} to ${copy}`);
      expect(result.stdout).toContain(join(path, "..", "data", "master.key"));
      expect(statSync(copy).mode & 0o777).toBe(0o600);

      const db = new Database(copy, { readonly: true });
      const ids = new Set(db.query<{ id: string }, []>("SELECT id FROM events").all().map((r) => r.id));
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      db.close();
      expect(before.filter((id) => !ids.has(id))).toEqual([]);
      expect(ids.size).toBeLessThanOrEqual(after);

      // Restore: the copy and the key, side by side; serve starts on them and reads the events back.
      loading = false;
      await load;
      copyFileSync(join(path, "..", "data", "master.key"), join(restored, "data", "master.key"));
      const again = await startBinary(writeConfig(config(receiver.url), restored), ENV);
      try {
        for (const id of [before[0]!, before.at(-1)!]) {
          expect((await fetch(`${again.url}/api/v1/events/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
        }
      } finally {
        expect(await again.stop()).toBe(0);
      }
    } finally {
      loading = false;
      await load;
      await running.stop();
    }
  });

  test("never overwrites; a Postgres store is pg_dump's; --to is required", async () => {
    const path = writeConfig(config(receiver.url));
    expect((await runBinary(["migrate", "--config", path], ENV)).code).toBe(0);
    const taken = join(path, "..", "taken.db");
    expect((await runBinary(["backup", "--to", taken, "--config", path], ENV)).code).toBe(0);
    const again = await runBinary(["backup", "--to", taken, "--config", path], ENV);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${taken} exists: hookgate backup never overwrites`);

    const pg = writeConfig(config(receiver.url).replace(`sqlite: "./data/hookgate.db"`, `postgres: "postgres://postgres@127.0.0.1:5432/postgres"`));
    const dump = await runBinary(["backup", "--to", join(pg, "..", "x.db"), "--config", pg], ENV);
    expect(dump.code).toBe(1);
    expect(dump.stderr).toContain("pg_dump");
    expect(existsSync(join(pg, "..", "x.db"))).toBe(false);

    const usage = await runBinary(["backup", "--config", path], ENV);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--to FILE is required");
  });
});

describe("hookgate version", () => {
  const head = () => Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: ROOT }).stdout.toString().trim();

  test("names the version, the commit and the build time; two builds never print the same line; from source it says so", async () => {
    const first = await runBinary(["version"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^hookgate 0\\.1\\.0 \\(commit ${head()}(-dirty)?, built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\), bun \\d`));

    const other = join(mkdtempSync(join(tmpdir(), "hookgate-build-")), "hookgate");
    const build = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, env: { ...process.env, HOOKGATE_OUT: other }, stdout: "pipe", stderr: "pipe" });
    expect(await build.exited).toBe(0);
    const second = Bun.spawnSync([other, "version"]).stdout.toString();
    expect(second).toStartWith("hookgate 0.1.0 (commit ");
    expect(second).not.toBe(first.stdout);

    const source = Bun.spawnSync(["bun", "src/cli.ts", "version"], { cwd: ROOT }).stdout.toString();
    expect(source).toStartWith("hookgate 0.1.0 (source), bun ");
  });
});
