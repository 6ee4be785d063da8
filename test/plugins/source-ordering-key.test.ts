import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pgSetup } from "../../src/cli/pg-setup.ts";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { ROOT } from "../support/binary.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startItemsServer, type ItemsServer } from "./items-server.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let db: TestDatabase | null = null;
let app: TestApp | null = null;
let receiver: Receiver | null = null;
let items: ItemsServer | null = null;
let dir: string | null = null;
afterEach(async () => {
  await app?.close();
  receiver?.stop();
  items?.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = db = receiver = items = dir = null;
});

/** One endpoint with ordering on the receiver, fed by `source`. */
const config = (source: NonNullable<ConfigInput["sources"]>[number], receiverUrl: string): ConfigInput => baseConfig({
  sources: [source],
  endpoints: [{ id: "ordered", url: receiverUrl, events: ["*"], signing: { scheme: "none" }, ordering: { maxBlock: "1h" } }],
});

/** What the receiver got, in arrival order: the body's n and the ordering-key header. */
const arrivals = (r: Receiver) => r.requests.map((q) => [(JSON.parse(q.body) as { data: { n: number } }).data.n, q.headers["webhook-ordering-key"] ?? null]);

/** The admin API's deliveries: n → orderingKey. */
async function deliveryKeys(a: TestApp): Promise<Record<number, string | null>> {
  const answer = await fetch(`${a.url}/api/v1/deliveries?limit=100`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await answer.json()) as { data: { eventId: string; orderingKey: string | null }[] };
  const out: Record<number, string | null> = {};
  for (const d of body.data) {
    const event = (await (await fetch(`${a.url}/api/v1/events/${d.eventId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: { n: number }; orderingKey: string | null };
    expect(event.orderingKey).toBe(d.orderingKey);
    out[event.data.n] = d.orderingKey;
  }
  return out;
}

describe.skipIf(skipPg)("postgres source, table mode: the ordering_key column", () => {
  async function setUp(createTable: string | null) {
    db = await createDatabase();
    receiver = startReceiver();
    dir = mkdtempSync(join(tmpdir(), "hookgate-pg-"));
    const cfg = config({ type: "postgres", id: "db", url: db.url, channel: "hookgate_events", table: "hookgate_outbox", sweep: "1s" }, receiver.url);
    if (createTable) await db.client.query(createTable);
    else {
      const loaded = await resolveConfig({ ...cfg, store: { sqlite: join(dir, "hookgate.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const sql = pgSetup(loaded.loaded);
      expect(sql).toContain("  ordering_key text,\n");
      await db.client.query(sql);
    }
    app = await startTestApp(cfg, { dir });
    return { db, receiver, app };
  }

  test("a row's ordering_key is its event's orderingKey: the header and the delivery carry it; a row without one has none", async () => {
    const { db, receiver, app } = await setUp(null);
    await db.client.query(`INSERT INTO hookgate_outbox (type, data, ordering_key) VALUES
      ('order.updated', '{"n": 1}', 'order-7'), ('order.updated', '{"n": 2}', NULL), ('order.updated', '{"n": 3}', 'order-7'),
      ('order.updated', '{"n": 4}', 'bestellung-ä')`);
    await waitFor(() => receiver.requests.length === 4, { timeoutMs: 10_000, what: "four deliveries" });
    const got = arrivals(receiver);
    expect(got.filter(([, key]) => key === "order-7").map(([n]) => n)).toEqual([1, 3]); // one key, in row order
    expect(Object.fromEntries(got)).toEqual({ 1: "order-7", 2: null, 3: "order-7", 4: "bestellung-%C3%A4" });
    expect(await deliveryKeys(app)).toEqual({ 1: "order-7", 2: null, 3: "order-7", 4: "bestellung-ä" });
    await waitFor(async () => (await db.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n === 0, { timeoutMs: 5_000, what: "an empty table" });
  });

  test("a row whose ordering_key is not a valid key stays in the table (logged); the rows beside it go", async () => {
    const { db, receiver } = await setUp(null);
    await db.client.query(`INSERT INTO hookgate_outbox (type, data, ordering_key) VALUES ('order.updated', '{"n": 1}', 'ok'), ('order.updated', '{"n": 2}', repeat('x', 257)), ('order.updated', '{"n": 3}', '')`);
    await waitFor(() => receiver.requests.length === 1, { timeoutMs: 10_000, what: "the valid row's delivery" });
    await waitFor(async () => (await db.client.query("SELECT count(*)::int AS n FROM hookgate_outbox")).rows[0].n === 2, { timeoutMs: 5_000, what: "the valid row taken" });
    expect((await db.client.query("SELECT data->>'n' AS n FROM hookgate_outbox ORDER BY id")).rows.map((r) => r.n)).toEqual(["2", "3"]);
    expect(arrivals(receiver)).toEqual([[1, "ok"]]);
  });

  test("a table from before ordering keys (no ordering_key column) still works: its events have no key", async () => {
    const { db, receiver, app } = await setUp(`CREATE TABLE hookgate_outbox (id bigserial PRIMARY KEY, type text NOT NULL, data jsonb NOT NULL, tenant text, created_at timestamptz NOT NULL DEFAULT now())`);
    await db.client.query(`INSERT INTO hookgate_outbox (type, data) VALUES ('order.updated', '{"n": 1}'), ('order.updated', '{"n": 2}')`);
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 10_000, what: "two deliveries" });
    expect(arrivals(receiver)).toEqual([[1, null], [2, null]]);
    expect(await deliveryKeys(app)).toEqual({ 1: null, 2: null });
  });
});

describe.skipIf(skipPg)("postgres source, notify mode: map", () => {
  test("map's orderingKey reaches the endpoint", async () => {
    db = await createDatabase();
    receiver = startReceiver();
    app = await startTestApp(config({
      type: "postgres", id: "db", url: db.url, channel: "order_changes",
      map: (p: { n: number; order: string }) => ({ type: "order.updated", data: { n: p.n }, orderingKey: p.order }),
    }, receiver.url));
    const d = db;
    await waitFor(async () => (await d.client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'hookgate:db' AND query ILIKE 'LISTEN%'")).rows[0].n > 0,
      { timeoutMs: 10_000, what: "hookgate listening" });
    await d.client.query("SELECT pg_notify('order_changes', $1)", [JSON.stringify({ n: 1, order: "o-1" })]);
    await waitFor(() => receiver!.requests.length === 1, { timeoutMs: 5_000, what: "the delivery" });
    expect(arrivals(receiver)).toEqual([[1, "o-1"]]);
    expect(await deliveryKeys(app)).toEqual({ 1: "o-1" });
  });
});

describe("poll source and a plugin's ctx.emit", () => {
  test("poll: map's orderingKey reaches the endpoint", async () => {
    items = startItemsServer({ count: 3, pageSize: 10 });
    receiver = startReceiver();
    app = await startTestApp(config({
      type: "poll", id: "crm", schedule: "* * * * * *", url: `${items.url}?after={cursor}`,
      items: (body: { items: { id: number }[] }) => body.items,
      map: (item: { id: number }) => ({ type: "contact.updated", data: { n: item.id }, ...(item.id !== 2 && { orderingKey: `contact-${item.id % 2}` }) }),
      cursor: (item: { id: number }) => item.id,
    }, receiver.url));
    await waitFor(() => receiver!.requests.length === 3, { timeoutMs: 10_000, what: "three deliveries" });
    expect(Object.fromEntries(arrivals(receiver))).toEqual({ 1: "contact-1", 2: null, 3: "contact-1" });
    expect(arrivals(receiver).filter(([, key]) => key === "contact-1").map(([n]) => n)).toEqual([1, 3]);
    expect(await deliveryKeys(app)).toEqual({ 1: "contact-1", 2: null, 3: "contact-1" });
  });

  test("a plugin file's ctx.emit passes orderingKey (the guide's jsonl-file example)", async () => {
    receiver = startReceiver();
    dir = mkdtempSync(join(tmpdir(), "hookgate-plugin-"));
    mkdirSync(join(dir, "plugins"));
    copyFileSync(join(ROOT, "plugins/examples/jsonl-file.ts"), join(dir, "plugins/jsonl-file.ts"));
    const lines = [
      { type: "job.completed", data: { n: 1 }, orderingKey: "job-a" },
      { type: "job.completed", data: { n: 2 } },
      { type: "job.completed", data: { n: 3 }, orderingKey: "job-a" },
    ];
    writeFileSync(join(dir, "events.jsonl"), lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    app = await startTestApp(config({ type: "plugin", id: "log", module: "./plugins/jsonl-file.ts", options: { path: "./events.jsonl", every: 50 } }, receiver.url), { dir });
    await waitFor(() => receiver!.requests.length === 3, { timeoutMs: 10_000, what: "three deliveries" });
    expect(Object.fromEntries(arrivals(receiver))).toEqual({ 1: "job-a", 2: null, 3: "job-a" });
    expect(await deliveryKeys(app)).toEqual({ 1: "job-a", 2: null, 3: "job-a" });
  });
});
