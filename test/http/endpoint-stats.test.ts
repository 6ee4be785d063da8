import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CompiledQuery } from "kysely";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { waitFor } from "../support/wait.ts";
import { expectProblem, READ_TOKEN, sessionOf, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

const DAY_MS = 86_400_000;

/**
 * GET /endpoints/{id}/stats on both stores, with real deliveries to a real receiver: one path answers 200, the
 * other 500 (retried on the schedule until failed).
 */
for (const kind of ["sqlite", "postgres"] as const) {
  describe.skipIf(kind === "postgres" && skipPg)(`endpoint stats (${kind})`, () => {
    let app: AdminApp;
    let receiver: Receiver;
    let pg: TestDatabase | undefined;
    /** Added to the app's clock: the default `since` is read from it. */
    let offset = 0;
    let started = 0;
    let ok = "";
    let bad = "";
    let idle = "";

    const stats = async (id: string, query = "", token?: string | null) => app.api("GET", `/endpoints/${id}/stats${query}`, undefined, token);
    const create = async (body: Record<string, unknown>) => {
      const created = await app.api("POST", "/endpoints", { verify: false, ...body });
      expect(created.status).toBe(201);
      return created.body.id as string;
    };
    const post = async (type: string) => expect((await app.post({ type, data: {} })).status).toBeLessThan(300);

    beforeAll(async () => {
      receiver = startReceiver((req) => new Response(req.path.endsWith("/bad") ? "receiver broke" : "ok", { status: req.path.endsWith("/bad") ? 500 : 200 }));
      if (kind === "postgres") pg = await createDatabase();
      app = await startAdminApp(pg ? { store: { postgres: pg.url } } : {}, { now: () => Date.now() + offset });
      started = Date.now();
      ok = await create({ url: `${receiver.url}/ok`, events: ["stats.ok"] });
      bad = await create({ url: `${receiver.url}/bad`, events: ["stats.bad"] });
      idle = await create({ url: `${receiver.url}/ok`, events: ["stats.never"] });
      for (const type of ["stats.ok", "stats.ok", "stats.ok", "stats.bad", "stats.bad"]) await post(type);
      await waitFor(async () => (await stats(ok)).body.succeeded === 3 && (await stats(bad)).body.failed === 2, { timeoutMs: 20_000, what: "3 succeeded and 2 failed deliveries" });
    });
    afterAll(async () => {
      await app?.close();
      receiver?.stop();
      await pg?.drop();
    });

    test("a verified create records its ping as the endpoint's last attempt (not \"none yet\")", async () => {
      const before = Date.now();
      const created = await app.api("POST", "/endpoints", { url: `${receiver.url}/ok`, events: ["stats.pinged"] });
      expect(created.status).toBe(201);
      const pinged = (await stats(created.body.id)).body;
      expect(pinged.lastStatusCode).toBe(200);
      expect(Date.parse(pinged.lastAttemptAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(pinged).toMatchObject({ succeeded: 0, failed: 0, pending: 0, retrying: 0 });
      expect((await app.api("DELETE", `/endpoints/${created.body.id}`)).status).toBe(204);
    });

    test("counts the endpoint's deliveries by status, and its last attempt's time and status code", async () => {
      const good = await stats(ok);
      expect(good.status).toBe(200);
      expect(good.body).toEqual({ since: expect.any(String), succeeded: 3, failed: 0, pending: 0, retrying: 0, lastAttemptAt: expect.any(String), lastStatusCode: 200 });
      const failing = (await stats(bad)).body;
      expect(failing).toMatchObject({ succeeded: 0, failed: 2, pending: 0, retrying: 0, lastStatusCode: 500 });
      for (const at of [good.body.lastAttemptAt, failing.lastAttemptAt]) {
        expect(Date.parse(at)).toBeGreaterThanOrEqual(started);
        expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
      }
      // The last attempt is the newest of the three each failing delivery had (schedule: two retries).
      const newest = Math.max(...receiver.requests.filter((r) => r.path.endsWith("/bad")).map((r) => r.at));
      expect(Math.abs(Date.parse(failing.lastAttemptAt) - newest)).toBeLessThan(1_000);
    });

    test("an endpoint never attempted has zero counts and null last attempt", async () => {
      expect((await stats(idle)).body).toMatchObject({ succeeded: 0, failed: 0, pending: 0, retrying: 0, lastAttemptAt: null, lastStatusCode: null });
    });

    test("since counts only deliveries created from then on; the last attempt is whenever it was", async () => {
      const mid = new Date().toISOString();
      await Bun.sleep(5);
      await post("stats.ok");
      await waitFor(async () => (await stats(ok)).body.succeeded === 4, { timeoutMs: 10_000, what: "the fourth delivery" });
      const fromMid = (await stats(ok, `?since=${mid}`)).body;
      expect(fromMid).toMatchObject({ since: mid, succeeded: 1, failed: 0 });
      expect((await stats(ok, `?since=${new Date(started - 1_000).toISOString()}`)).body.succeeded).toBe(4);
      const future = (await stats(ok, `?since=${new Date(Date.now() + DAY_MS).toISOString()}`)).body;
      expect(future).toMatchObject({ succeeded: 0, failed: 0, pending: 0, retrying: 0, lastStatusCode: 200 });
      expect(future.lastAttemptAt).not.toBeNull();
    });

    test("since defaults to 24 hours before the app's clock", async () => {
      const before = Date.now();
      const answer = (await stats(ok)).body;
      expect(Date.parse(answer.since)).toBeGreaterThanOrEqual(before - DAY_MS);
      expect(Date.parse(answer.since)).toBeLessThanOrEqual(Date.now() - DAY_MS);
      offset = 2 * DAY_MS; // two days on: every delivery is older than the default window
      try {
        const later = (await stats(ok)).body;
        expect(Date.parse(later.since)).toBeGreaterThanOrEqual(before + DAY_MS);
        expect(later).toMatchObject({ succeeded: 0, failed: 0, lastStatusCode: 200 });
      } finally { offset = 0; }
    });

    test("a read-only token may read it; a bad since is 422 naming the fix; an unknown id is 404", async () => {
      expect((await stats(ok, "", READ_TOKEN)).status).toBe(200);
      const invalid = expectProblem(await stats(ok, "?since=yesterday"), 422);
      expect(invalid.errors).toEqual([expect.objectContaining({ path: expect.stringContaining("since"), message: expect.stringContaining("ISO-8601") })]);
      expectProblem(await stats("ep_nope"), 404, /no endpoint "ep_nope"/);
      expect((await stats(ok, "", null)).status).toBe(401);
    });

    test("a tenant session sees its own endpoint's stats; another tenant's and a global one are 404 as an unknown id", async () => {
      const own = await create({ url: `${receiver.url}/ok`, events: ["stats.tenant"], tenant: "A" });
      const other = await create({ url: `${receiver.url}/bad`, events: ["stats.tenant"], tenant: "B" });
      expect((await app.api("POST", `/endpoints/${own}/test`, {})).status).toBe(200);
      const session = await sessionOf(app, "A");
      expect((await stats(own, "", session)).body).toMatchObject({ succeeded: 1, lastStatusCode: 200 });
      const unknown = expectProblem(await stats("ep_nope", "", session), 404);
      for (const id of [other, ok]) {
        const answer = await stats(id, "", session);
        expect({ id, status: answer.status, body: answer.body }).toEqual({ id, status: 404, body: unknown });
      }
    });

    test("the count is an id range of deliveries_endpoint, not a scan of the table", async () => {
      const db = dbOf(app.store);
      const { counts } = app.store.admin.endpointStatsQueries(ok, started);
      const plan = await db.transaction().execute(async (trx) => {
        if (kind === "postgres") await trx.executeQuery(CompiledQuery.raw("SET LOCAL enable_seqscan = off"));
        const c = counts.compile();
        const rows = (await trx.executeQuery(CompiledQuery.raw(`${kind === "postgres" ? "EXPLAIN" : "EXPLAIN QUERY PLAN"} ${c.sql}`, [...c.parameters]))).rows;
        return JSON.stringify(rows);
      });
      // SQLite: "SEARCH deliveries USING INDEX deliveries_endpoint (endpoint_id=? AND id>?)"; Postgres: "Index Cond: ((endpoint_id = '…') AND (id >= 'dlv_…'))".
      expect(plan).toMatch(/deliveries_endpoint\b/);
      expect(plan).toMatch(kind === "postgres" ? /Index Cond: \(\(endpoint_id = [^)]+\) AND \(id >= [^)]+\)\)/ : /endpoint_id=\? AND id>\?/);
      expect(plan).not.toMatch(/SCAN deliveries(?! USING)|Seq Scan/);
    });

    test("attempts log no endpoint change: the registry does not rebuild endpoints per attempt", async () => {
      const stamp = await app.store.changes.version();
      const before = (await stats(bad)).body.lastAttemptAt;
      await post("stats.bad");
      await waitFor(async () => (await stats(bad)).body.lastAttemptAt !== before, { timeoutMs: 10_000, what: "a new attempt" });
      expect(await app.store.changes.version()).toBe(stamp);
    });
  });
}
