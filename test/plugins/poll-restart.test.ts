import { Database } from "bun:sqlite";
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { dirname, join } from "node:path";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { startItemsServer, type ItemsServer } from "./items-server.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const COUNT = 300;

let bin: Running | null = null;
let receiver: Receiver | null = null;
let api: ItemsServer | null = null;
let db: TestDatabase | null = null;
afterEach(async () => {
  await bin?.stop("SIGKILL");
  receiver?.stop();
  api?.stop();
  await db?.drop();
  bin = receiver = api = db = null;
});

/** Item number → the webhook-ids it was delivered with: one event per item, however often delivered. */
function byItem(r: Receiver, type: string): Map<number, Set<string>> {
  const map = new Map<number, Set<string>>();
  for (const q of r.requests) {
    const body = JSON.parse(q.body) as { type: string; data: { n: number } };
    if (body.type !== type) continue;
    map.set(body.data.n, (map.get(body.data.n) ?? new Set()).add(q.headers["webhook-id"]!));
  }
  return map;
}

function config(sources: string, receiverUrl: string): string {
  return `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [${sources}],
  endpoints: [{ id: "r", url: "${receiverUrl}", events: ["*"], signing: { scheme: "none" } }],
});
`;
}

/** Starts the binary, kills it (-9) once `killAt` items of `type` arrived, starts it again on the same data. */
async function crashMidway(path: string, type: string, killAt: number): Promise<void> {
  bin = await startBinary(path);
  await waitFor(() => byItem(receiver!, type).size >= killAt, { timeoutMs: 30_000, what: `${killAt} items before the crash` });
  expect(byItem(receiver!, type).size).toBeLessThan(COUNT);
  await bin.stop("SIGKILL");
  bin = await startBinary(path);
  await waitFor(() => byItem(receiver!, type).size === COUNT, { timeoutMs: 60_000, what: `all ${COUNT} items` });
}

function expectEachItemOnce(path: string, type: string, source: string): void {
  const items = byItem(receiver!, type);
  expect([...items.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
  for (const [n, ids] of items) expect({ n, events: ids.size }).toEqual({ n, events: 1 });
  const store = new Database(join(dirname(path), "data/hookgate.db"), { readonly: true });
  try {
    const row = store.query("SELECT count(*) AS n FROM events WHERE source = ?").get(source) as { n: number };
    expect(row.n).toBe(COUNT); // a crash neither skipped an item nor stored one twice
  } finally {
    store.close();
  }
}

describe("poll source across a kill -9 of the binary", () => {
  test("http: every item becomes exactly one event", async () => {
    api = startItemsServer({ count: COUNT, pageSize: 5, delayMs: 15 });
    receiver = startReceiver();
    const path = writeConfig(config(`{
      type: "poll", id: "crm", schedule: "* * * * * *", url: "${api.url}?after={cursor}",
      items: (body) => body.items,
      map: (item) => ({ type: "item.polled", data: { n: item.id } }),
      cursor: (item) => item.id,
    }`, receiver.url));
    await crashMidway(path, "item.polled", 80);
    expectEachItemOnce(path, "item.polled", "crm");
  }, 120_000);

  test.skipIf(skipPg)("sql: every row becomes exactly one event", async () => {
    db = await createDatabase();
    await db.client.query("CREATE TABLE items (id bigserial PRIMARY KEY, payload jsonb NOT NULL)");
    await db.client.query(`INSERT INTO items (payload) SELECT jsonb_build_object('n', g) FROM generate_series(1, ${COUNT}) g`);
    receiver = startReceiver();
    const path = writeConfig(config(`{
      type: "poll", id: "rows", schedule: "* * * * * *", url: "${db.url}",
      query: "SELECT id, payload, pg_sleep(0.003) FROM items WHERE id > COALESCE($1::bigint, 0) ORDER BY id LIMIT 5",
      map: (row) => ({ type: "row.polled", data: row.payload }),
      cursor: (row) => row.id,
    }`, receiver.url));
    await crashMidway(path, "row.polled", 80);
    expectEachItemOnce(path, "row.polled", "rows");
  }, 120_000);
});
