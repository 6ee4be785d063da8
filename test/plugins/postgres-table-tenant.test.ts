import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pgSetup } from "../../src/cli/pg-setup.ts";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let db: TestDatabase | null = null;
let app: TestApp | null = null;
let receiver: Receiver | null = null;
let dir: string | null = null;
afterEach(async () => {
  await app?.close();
  receiver?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = db = receiver = dir = null;
});

/** Two endpoints of tenants a and b on one receiver, told apart by path. */
function config(url: string, receiverUrl: string): ConfigInput {
  return baseConfig({
    sources: [{ type: "postgres", id: "db", url, channel: "hookgate_events", table: "hookgate_outbox", sweep: "1s" }],
    endpoints: ["a", "b"].map((tenant) => ({ id: tenant, tenant, url: `${receiverUrl}/${tenant}`, events: ["*"], signing: { scheme: "none" as const } })),
  });
}

async function setUp(createTable: string | null) {
  db = await createDatabase();
  receiver = startReceiver();
  dir = mkdtempSync(join(tmpdir(), "hookgate-pg-"));
  const cfg = config(db.url, receiver.url);
  if (createTable) await db.client.query(createTable);
  else {
    const loaded = await resolveConfig({ ...cfg, store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const sql = pgSetup(loaded.loaded);
    expect(sql).toContain("  tenant text,\n");
    await db.client.query(sql);
  }
  app = await startTestApp(cfg, { dir });
  return { db, receiver, app };
}

describe.skipIf(skipPg)("postgres source, table mode, tenants", () => {
  test("a row's tenant column routes its event to that tenant's endpoints only", async () => {
    const { db, receiver, app } = await setUp(null);
    await db.client.query(`INSERT INTO hookgate_outbox (type, data, tenant) VALUES ('job.done', '{"n": 1}', 'a'), ('job.done', '{"n": 2}', 'b'), ('job.done', '{"n": 3}', NULL)`);
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 5_000, what: "the deliveries" });
    await Bun.sleep(200); // a fixed wait: nothing more may happen within it
    expect(receiver.requests.map((r) => [r.path, JSON.parse(r.body).data.n, JSON.parse(r.body).tenant]).sort()).toEqual([["/hooks/a", 1, "a"], ["/hooks/b", 2, "b"]]);
    const events = await dbOf(app.store).selectFrom("events").select(["idempotency_key", "tenant"]).orderBy("idempotency_key").execute();
    expect(events).toEqual([{ idempotency_key: "1", tenant: "a" }, { idempotency_key: "2", tenant: "b" }, { idempotency_key: "3", tenant: null }]);
  });

  test("a row id is the key within its tenant: the same id under another tenant is another event", async () => {
    const { db, receiver, app } = await setUp(null);
    const events = () => dbOf(app.store).selectFrom("events").select(["idempotency_key", "tenant"]).orderBy("tenant").execute();
    const empty = async () => (await db.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n === 0;
    await db.client.query(`INSERT INTO hookgate_outbox (id, type, data, tenant) VALUES (7, 'job.done', '{"n": 1}', 'a')`);
    await waitFor(async () => (await events()).length === 1 && await empty(), { timeoutMs: 5_000, what: "row 7 of a taken" });
    // The app reuses id 7 (a restored table, a reset sequence) for tenant b: not a's duplicate.
    await db.client.query(`INSERT INTO hookgate_outbox (id, type, data, tenant) VALUES (7, 'job.done', '{"n": 2}', 'b')`);
    await waitFor(async () => (await events()).length === 2, { timeoutMs: 5_000, what: "row 7 of b stored as its own event" });
    expect(await events()).toEqual([{ idempotency_key: "7", tenant: "a" }, { idempotency_key: "7", tenant: "b" }]);
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 5_000, what: "the deliveries" });
    expect(receiver.requests.map((r) => [r.path, JSON.parse(r.body).data.n]).sort()).toEqual([["/hooks/a", 1], ["/hooks/b", 2]]);
  });

  test("a table from before tenants (no tenant column) still works: its rows are global events", async () => {
    const { db, app } = await setUp(`CREATE TABLE hookgate_outbox (id bigserial PRIMARY KEY, type text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    await db.client.query(`INSERT INTO hookgate_outbox (type, data) VALUES ('job.done', '{"n": 1}')`);
    await waitFor(async () => (await dbOf(app.store).selectFrom("events").selectAll().execute()).length === 1, { timeoutMs: 5_000, what: "the event" });
    expect((await dbOf(app.store).selectFrom("events").select("tenant").executeTakeFirstOrThrow()).tenant).toBeNull();
    await waitFor(async () => (await db.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n === 0, { timeoutMs: 5_000, what: "an empty table" });
  });
});
