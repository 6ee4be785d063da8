import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { pgSetup } from "../../src/cli/pg-setup.ts";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { createDatabase, skipPg, terminateSource, type TestDatabase } from "../support/pg.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const ROWS = 2_000;

let db: TestDatabase | null = null;
let app: TestApp | null = null;
let receiver: Receiver | null = null;
let dir: string | null = null;
const logs: string[] = [];
afterEach(async () => {
  logs.length = 0;
  await app?.close();
  receiver?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = db = receiver = dir = null;
});

function config(url: string, endpointUrl: string): ConfigInput {
  return baseConfig({
    sources: [
      ...baseConfig().sources!,
      { type: "postgres", id: "db", url, channel: "hookgate_events", table: "hookgate_outbox", sweep: "2s" },
    ],
    endpoints: [{ id: "r", url: endpointUrl, events: ["*"], signing: { scheme: "none" } }],
  });
}

/** The row numbers (data.n) the receiver got, each once however often it was delivered. */
const receivedRows = (r: Receiver) => new Set(r.requests.map((q) => (JSON.parse(q.body) as { data: { n: number } }).data.n));

describe.skipIf(skipPg)("postgres source, table mode", () => {
  test("pg-setup's SQL makes the table and trigger; a row becomes an event and leaves the table", async () => {
    db = await createDatabase();
    receiver = startReceiver();
    dir = mkdtempSync(join(tmpdir(), "hookgate-pg-"));
    const cfg = config(db.url, receiver.url);
    const loaded = await resolveConfig({ ...cfg, store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const sql = pgSetup(loaded.loaded);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "hookgate_outbox"');
    expect(sql).toContain("pg_notify('hookgate_events', '')");
    await db.client.query(sql);
    await db.client.query(sql); // re-running it is harmless

    app = await startTestApp(cfg, { dir, logs });
    await db.client.query(`INSERT INTO hookgate_outbox (type, data) VALUES ('job.completed', '{"n": 1}')`);
    await waitFor(() => receiver!.requests.length === 1, { timeoutMs: 5_000, what: "the row's delivery" });
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: "job.completed", data: { n: 1 } });
    await waitFor(async () => (await db!.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n === 0, { timeoutMs: 5_000, what: "an empty table" });
    const events = await dbOf(app.store).selectFrom("events").selectAll().execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: "db", idempotency_key: "1" });
  }, 30_000);

  test(`${ROWS} rows through five killed connections and a stop: every row delivered, none left`, async () => {
    db = await createDatabase();
    receiver = startReceiver();
    dir = mkdtempSync(join(tmpdir(), "hookgate-pg-"));
    const cfg = config(db.url, receiver.url);
    const loaded = await resolveConfig({ ...cfg, store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    await db.client.query(pgSetup(loaded.loaded));
    app = await startTestApp(cfg, { dir, logs });
    await waitFor(async () => (await app!.store.getCursor("db")) === undefined && (await sourceStatus(app!)) === "running", { timeoutMs: 5_000, what: "the source running" });

    // The app writes rows in small transactions (1-10 rows each), paced so the chaos below lands mid-stream.
    const writer = (async () => {
      for (let n = 1; n <= ROWS;) {
        const k = Math.min(1 + (n % 10), ROWS - n + 1);
        await db!.client.query("BEGIN");
        await db!.client.query(
          "INSERT INTO hookgate_outbox (type, data) SELECT 'row.created', jsonb_build_object('n', g) FROM generate_series($1::int, $2::int) g",
          [n, n + k - 1],
        );
        await db!.client.query("COMMIT");
        n += k;
        await Bun.sleep(12);
      }
    })();

    const chaos = new pg.Client({ connectionString: db.url });
    await chaos.connect();
    let killed = 0;
    const kill = async () => {
      // Wait for hookgate to be running (connected and listening) again, then cut it off.
      await waitFor(async () => (await sourceStatus(app!)) === "running" && (await terminateSource(chaos, "db")) > 0, { timeoutMs: 10_000, what: "a running connection to terminate" });
      killed++;
      await Bun.sleep(400);
    };
    await Bun.sleep(300);
    await kill();
    await kill();
    // hookgate stopped for a while: rows pile up in the table meanwhile.
    await app.close();
    await Bun.sleep(800);
    const piledUp = (await db.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n;
    app = await startTestApp(cfg, { dir, logs });
    await kill();
    await kill();
    await kill();
    await chaos.end();
    await writer;
    expect(killed).toBe(5);
    expect(piledUp).toBeGreaterThan(0);

    await waitFor(() => receivedRows(receiver!).size === ROWS, { timeoutMs: 30_000, what: `all ${ROWS} rows delivered` });
    await waitFor(async () => (await db!.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n === 0, { timeoutMs: 10_000, what: "an empty table" });
    // The killed connections also stored hookgate.source.error events (source "hookgate"): only the rows count here.
    const events = await dbOf(app.store).selectFrom("events").select(["idempotency_key"]).where("source", "!=", "hookgate").execute();
    expect(events).toHaveLength(ROWS); // a row taken twice is a duplicate, never a second event
    expect(new Set(events.map((e) => e.idempotency_key)).size).toBe(ROWS);
    expect(await sourceStatus(app)).toBe("running");
    // Each kill shows: a lost connection, or a failed (re)connect when it landed while connecting.
    const seen = logs.filter((l) => /lost the connection to Postgres|cannot reconnect to Postgres|source failed to start/.test(l));
    expect(seen.length).toBeGreaterThanOrEqual(5);
  }, 90_000);
});

describe.skipIf(skipPg)("postgres source, table mode, a bad row", () => {
  test("a row that is not a valid event stays in the table, is logged, and does not hold up the others", async () => {
    db = await createDatabase();
    receiver = startReceiver();
    dir = mkdtempSync(join(tmpdir(), "hookgate-pg-"));
    const cfg = { ...config(db.url, receiver.url), events: { "row.created": {} } };
    const loaded = await resolveConfig({ ...cfg, store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    await db.client.query(pgSetup(loaded.loaded));
    await db.client.query(`INSERT INTO hookgate_outbox (type, data) VALUES ('row.created', '{"n": 1}'), ('row.unknown', '{"n": 2}'), ('row.created', '{"n": 3}')`);
    app = await startTestApp(cfg, { dir, logs });
    await waitFor(() => receivedRows(receiver!).size === 2, { timeoutMs: 5_000, what: "the two good rows" });
    expect([...receivedRows(receiver)].sort()).toEqual([1, 3]);
    // Rows are deleted just after their events commit, so deliveries may arrive a moment before.
    const left = async () => (await db!.client.query("SELECT id, type FROM hookgate_outbox")).rows;
    await waitFor(async () => (await left()).length === 1, { timeoutMs: 5_000, what: "the good rows deleted" });
    expect(await left()).toEqual([{ id: 2, type: "row.unknown" }]);
    const lastError = async () => (await dbOf(app!.store).selectFrom("source_state").select("last_error").where("id", "=", "db").executeTakeFirst())?.last_error;
    await waitFor(async () => Boolean(await lastError()), { timeoutMs: 5_000, what: "the source's last error" });
    expect(await lastError()).toContain('row 2 of hookgate_outbox is not a valid event and stays in the table: type: unknown event type "row.unknown"');
    expect(logs.some((l) => l.includes('"level":"error"') && l.includes("row 2 of hookgate_outbox"))).toBe(true);
  }, 30_000);
});

async function sourceStatus(a: TestApp): Promise<string | undefined> {
  const row = await dbOf(a.store).selectFrom("source_state").select("status").where("id", "=", "db").executeTakeFirst();
  return row?.status;
}
