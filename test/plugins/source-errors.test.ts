import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { runBinary, writeConfig } from "../support/binary.ts";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const NOWHERE = "postgres://postgres@127.0.0.1:1/nowhere"; // nothing listens on port 1

let app: TestApp | null = null;
let receiver: Receiver | null = null;
let db: TestDatabase | null = null;
afterEach(async () => {
  await app?.close();
  receiver?.stop();
  await db?.drop();
  app = receiver = db = null;
});

const states = async (a: TestApp) => Object.fromEntries(
  (await dbOf(a.store).selectFrom("source_state").selectAll().execute()).map((r) => [r.id, r]),
);

describe("bad source config", () => {
  test("check names each problem with its path and exits 1", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  sources: [
    { type: "poll", id: "a", schedule: "61 * * * *", url: "https://crm.example.com/changes" },
    { type: "plugin", id: "b", module: "./plugins/missing.ts", options: {} },
    { type: "postgres", id: "c", url: "postgres://db/app", channel: "Bad-Channel" },
    { type: "postgres", id: "d", url: "postgres://db/app", channel: "ok", table: "outbox", map: (p) => p },
    { type: "poll", id: "e", schedule: "*/5 * * * *", url: "https://crm.example.com", query: "SELECT 1" },
    { type: "poll", id: "f", schedule: "every minute", url: "https://crm.example.com" },
    { type: "postgres", id: "g", url: "mysql://db/app", channel: "ok", sweep: "soon" },
  ],
});
`);
    const { code, stderr } = await runBinary(["check", "--config", path]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/sources\[0\]\.schedule: is not a valid cron pattern \(.*minute.*\)/);
    expect(stderr).toMatch(/sources\[1\]\.module: .*missing\.ts does not exist/);
    expect(stderr).toMatch(/sources\[2\]\.channel: must be a lowercase SQL name/);
    expect(stderr).toMatch(/sources\[3\]\.map: map applies to notify mode only/);
    expect(stderr).toMatch(/sources\[4\]\.url: must be a postgres:\/\/ URL when query is set/);
    expect(stderr).toMatch(/sources\[5\]\.schedule: is not a valid cron pattern/);
    expect(stderr).toMatch(/sources\[6\]\.url: must be a connection URL/);
    expect(stderr).toMatch(/sources\[6\]\.sweep: must be a duration/);
  }, 60_000);

  test("an unreachable database shows as an error on its sources while the http source serves", async () => {
    receiver = startReceiver();
    app = await startTestApp(baseConfig({
      sources: [
        ...baseConfig().sources!,
        { type: "postgres", id: "outbox", url: NOWHERE, channel: "hookgate", table: "hookgate_outbox" },
        { type: "postgres", id: "signals", url: NOWHERE, channel: "hookgate" },
        { type: "poll", id: "rows", schedule: "* * * * * *", url: NOWHERE, query: "SELECT 1" },
      ],
      endpoints: [{ id: "r", url: receiver.url, events: ["*"], signing: { scheme: "none" } }],
    }));
    await waitFor(async () => {
      const s = await states(app!);
      return ["outbox", "signals", "rows"].every((id) => s[id]?.status === "error");
    }, { timeoutMs: 10_000, what: "three sources in error" });
    const s = await states(app);
    for (const id of ["outbox", "signals", "rows"]) expect(s[id]!.last_error).toContain("ECONNREFUSED");

    const listed = await fetch(`${app.url}/api/v1/sources`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { data } = await listed.json() as { data: { id: string; type: string; status: string; lastError: string | null }[] };
    expect(data.find((x) => x.id === "outbox")).toMatchObject({ type: "postgres", status: "error", lastError: expect.stringContaining("ECONNREFUSED") });
    expect(data.find((x) => x.id === "rows")).toMatchObject({ type: "poll", status: "error" });

    const response = await app.post({ type: "job.completed", data: { ok: true } });
    expect(response.status).toBe(202);
    await waitFor(() => receiver!.requests.length === 1, { timeoutMs: 5_000, what: "the http event's delivery" });
    expect(s.app?.status).toBe("running");
  }, 30_000);

  test.skipIf(skipPg)("a missing outbox table is an error that says to run pg-setup", async () => {
    db = await createDatabase();
    app = await startTestApp(baseConfig({
      sources: [{ type: "postgres", id: "db", url: db.url, channel: "hookgate", table: "hookgate_outbox" }],
    }));
    await waitFor(async () => (await states(app!)).db?.status === "error", { timeoutMs: 10_000, what: "the error status" });
    expect((await states(app)).db!.last_error).toBe('table hookgate_outbox does not exist: run "hookgate pg-setup" and apply the SQL it prints to this database');
  }, 30_000);
});
