import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startItemsServer, type ItemsServer } from "../plugins/items-server.ts";

// Three processes of the binary on a shared 2-core machine, a kill -9 and a handover.
setDefaultTimeout(120_000);

const ADMIN = "cluster-sources-admin-token-0123456789";
const MASTER_KEY = randomBytes(32).toString("base64");

let db: TestDatabase;
let api: ItemsServer;
const procs: Running[] = [];
beforeAll(async () => {
  if (skipPg) return;
  db = await createDatabase();
  api = startItemsServer({ count: 20, pageSize: 100 });
});
afterAll(async () => {
  for (const p of procs) await p.stop("SIGKILL");
  api?.stop();
  await db?.drop();
});

const config = () => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${db.url}" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{
    type: "poll", id: "items", schedule: "* * * * * *", url: "${api.url}?after={cursor}",
    items: (body) => body.items,
    // No event id: only the cursor keeps an item from becoming two events.
    map: (item) => ({ type: "item.added", data: { n: item.id } }),
    cursor: (item) => item.id,
  }],
});
`;

async function runningOn(p: Running): Promise<string | null> {
  const res = await fetch(`${p.url}/api/v1/sources`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const body = (await res.json()) as { data: { id: string; runningOn: string | null }[] };
  return body.data.find((s) => s.id === "items")!.runningOn;
}

/** Item number → how many events the store holds for it. */
async function eventsByItem(): Promise<Map<number, number>> {
  const { rows } = await db.client.query<{ data: string }>("SELECT data FROM events WHERE source = 'items'");
  const map = new Map<number, number>();
  for (const r of rows) { const n = (JSON.parse(r.data) as { n: number }).n; map.set(n, (map.get(n) ?? 0) + 1); }
  return map;
}

async function expectEachItemOnce(count: number): Promise<void> {
  await waitFor(async () => (await eventsByItem()).size === count, { timeoutMs: 30_000, what: `${count} items stored` });
  const items = await eventsByItem();
  expect([...items.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect([...items.values()].every((n) => n === 1)).toBe(true);
}

test.skipIf(skipPg)("three processes: one polls per tick, all name the holder; kill -9 of the holder moves polling within 30 s, no item skipped or repeated", async () => {
  const env = { HOOKGATE_MASTER_KEY: MASTER_KEY };
  procs.push(await startBinary(writeConfig(config()), env)); // the first migrates the empty database
  procs.push(...await Promise.all([startBinary(writeConfig(config()), env), startBinary(writeConfig(config()), env)]));
  await expectEachItemOnce(20);

  // Quiet: no new items, so each tick is one request. One poll per tick across the three processes.
  await Bun.sleep(1_000);
  const before = api.requests.length;
  await Bun.sleep(6_000);
  const polls = api.requests.length - before;
  console.log(`polls in 6 s with 3 processes: ${polls}`);
  expect(polls).toBeGreaterThanOrEqual(4);
  expect(polls).toBeLessThanOrEqual(7);

  const named = await Promise.all(procs.map(runningOn));
  expect(new Set(named).size).toBe(1);
  const holder = procs.find((p) => named[0] === `${named[0]!.split(":")[0]}:${p.proc.pid}`)!;
  expect(holder).toBeDefined();

  // kill -9 the holder, and add items during the handover and after it.
  await holder.stop("SIGKILL");
  const killedAt = Date.now();
  const requestsAtKill = api.requests.length;
  const add = (n: number) => { const from = api.items.length; for (let i = 1; i <= n; i++) api.items.push({ id: from + i, name: `item ${from + i}` }); };
  add(5);
  await waitFor(() => api.requests.length > requestsAtKill, { timeoutMs: 30_000, what: "polling to resume on another process" });
  const handoverMs = Date.now() - killedAt;
  console.log(`polling resumed ${handoverMs} ms after kill -9 of the holder`);
  expect(handoverMs).toBeLessThan(30_000);
  add(5);

  const alive = procs.filter((p) => p !== holder);
  await expectEachItemOnce(30);
  const after = await Promise.all(alive.map(runningOn));
  expect(new Set(after).size).toBe(1);
  expect(after[0]).not.toBe(named[0]);
  expect(alive.some((p) => after[0]!.endsWith(`:${p.proc.pid}`))).toBe(true);

  // Still one poll per tick with two processes.
  await Bun.sleep(500);
  const again = api.requests.length;
  await Bun.sleep(4_000);
  expect(api.requests.length - again).toBeLessThanOrEqual(5);
});
