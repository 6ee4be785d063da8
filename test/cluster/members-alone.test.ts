import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { HEARTBEAT_MS } from "../../src/cluster/members.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { dbOf } from "../support/store-db.ts";

setDefaultTimeout(30_000);

/**
 * A SQLite store is one process's alone (its lock, DESIGN §7): the heartbeat that lets processes on one Postgres
 * share the endpoints' limits has nobody to tell there. Before, every gateway on SQLite wrote a `processes` row at
 * start (a commit and its fsync before the server listened) and again every 2 s for as long as it ran, idle or not.
 */
describe("a gateway on SQLite", () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp(baseConfig()); });
  afterAll(async () => { await app.stop(); });

  test("writes no heartbeat: no processes row at start, and its WAL untouched while idle for two heartbeats' time", async () => {
    expect(await dbOf(app.store).selectFrom("processes").selectAll().execute()).toEqual([]);
    expect(app.members.ids).toEqual([app.members.self.id]);
    const endpoint = { id: "ep_x", rateLimit: 20, maxConcurrency: 4 };
    expect(app.members.limits(endpoint)).toBe(endpoint);

    const wal = join(app.dir, "hookgate.db-wal");
    const before = statSync(wal);
    await Bun.sleep(2 * HEARTBEAT_MS + 500);
    const after = statSync(wal);
    expect({ size: after.size, mtime: after.mtimeMs }).toEqual({ size: before.size, mtime: before.mtimeMs });
    expect(await dbOf(app.store).selectFrom("processes").selectAll().execute()).toEqual([]);
  });
});
