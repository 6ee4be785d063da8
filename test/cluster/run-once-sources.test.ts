import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";

setDefaultTimeout(30_000);

let db: TestDatabase | null = null;
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  await db?.drop();
  db = null;
});

async function sources(app: TestApp): Promise<Record<string, string | null>> {
  const res = await fetch(`${app.url}/api/v1/sources`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await res.json()) as { data: { id: string; runningOn: string | null }[] };
  return Object.fromEntries(body.data.map((s) => [s.id, s.runningOn]));
}

const listeners = async (d: TestDatabase) => (await d.client.query(
  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'hookgate:db' AND query ILIKE 'LISTEN%'",
)).rows[0].n as number;

test.skipIf(skipPg)("a notify-mode postgres source listens on one of two processes: each notification is one event; the http source runs on all", async () => {
  db = await createDatabase();
  const dir = mkdtempSync(join(tmpdir(), "hookgate-once-")); // one master key for both
  const config = baseConfig({
    store: { postgres: db.url },
    sources: [
      { type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "cluster-ingest-token-0123456789", events: ["*"] }] },
      { type: "postgres", id: "db", url: db.url, channel: "changes" },
    ],
  });
  apps.push(await startTestApp(config, { dir }));
  apps.push(await startTestApp(config, { dir }));
  await waitFor(async () => (await listeners(db!)) === 1, { timeoutMs: 10_000, what: "one LISTEN" });
  await Bun.sleep(1_000);
  expect(await listeners(db)).toBe(1);

  for (let i = 0; i < 3; i++) await db.client.query("SELECT pg_notify('changes', $1)", [JSON.stringify({ type: "row.changed", data: { i } })]);
  await waitFor(async () => (await db!.client.query("SELECT count(*)::int AS n FROM events WHERE source = 'db'")).rows[0].n >= 3, { timeoutMs: 5_000, what: "3 events" });
  await Bun.sleep(500);
  expect((await db.client.query("SELECT count(*)::int AS n FROM events WHERE source = 'db'")).rows[0].n).toBe(3);

  const me = `${hostname()}:${process.pid}`;
  for (const app of apps) expect(await sources(app)).toEqual({ app: "all", db: me });
});

test("on SQLite every source runs in this process, with no lock", async () => {
  apps.push(await startTestApp(baseConfig()));
  expect(await sources(apps[0]!)).toEqual({ app: `${hostname()}:${process.pid}` });
});
