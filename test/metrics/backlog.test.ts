import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CompiledQuery, type Compilable } from "kysely";
import { breakerHolds } from "../../src/core/delivery/breaker.ts";
import { BACKLOG_REFRESH_MS } from "../../src/metrics/backlog.ts";
import { breakerHoldsSql } from "../../src/store/breaker-sql.ts";
import { dbOf } from "../support/store-db.ts";
import { baseConfig, startTestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { METRICS_TOKEN, scrape } from "./scrape.ts";

setDefaultTimeout(40_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
let ok: Receiver;
beforeAll(() => { ok = startReceiver(() => new Response("ok")); });
afterAll(() => ok.stop());

/** Each store: SQLite in a temp folder, a fresh Postgres database. */
const STORES = [
  { name: "sqlite", skip: false, open: async () => ({ store: undefined, drop: async () => {} }) },
  { name: "postgres", skip: skipPg, open: async () => { const db: TestDatabase = await createDatabase(); return { store: { postgres: db.url }, drop: () => db.drop() }; } },
];

async function startOn(store: { postgres: string } | undefined, perEndpoint = false) {
  return startTestApp(baseConfig({
    server: { host: "127.0.0.1", port: 0, metricsToken: METRICS_TOKEN },
    ...(store && { store }),
    metrics: { perEndpoint },
    endpoints: [
      { id: "ok", url: ok.url, events: ["*"], secret: SECRET },
      // Disabled: its deliveries wait, due and unattempted, counted as pending but not as lag.
      { id: "off", url: ok.url, events: ["*"], secret: SECRET, enabled: false },
      // One send per 10 s: after the first, its deliveries wait due in the store, so the lag grows.
      { id: "slow", url: `${ok.url}/slow`, events: ["*"], secret: SECRET, rateLimit: 0.1 },
    ] as never,
  }));
}

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`backlog gauges on ${kind.name}`, () => {
    test("read from the store at most every 5 s, not per scrape: deliveries by status, the lag, endpoints by state", async () => {
      const { store, drop } = await kind.open();
      const app = await startOn(store);
      try {
        const first = await scrape(app.url);
        const readAt = Date.now();
        expect(first.value("hookgate_deliveries", { status: "pending" })).toBe(0);
        expect(first.value("hookgate_deliveries", { status: "retrying" })).toBe(0);
        expect(first.value("hookgate_delivery_lag_seconds")).toBe(0);
        expect(first.value("hookgate_deliveries", { status: "held" })).toBe(0);
        expect(first.value("hookgate_endpoints", { state: "enabled" })).toBe(2);
        expect(first.value("hookgate_endpoints", { state: "disabled" })).toBe(1);

        const before = ok.requests.length;
        for (let i = 0; i < 3; i++) expect((await app.post({ type: "job.done", data: { i } })).status).toBe(202);
        const sent = () => ok.requests.slice(before);
        await waitFor(() => sent().filter((r) => r.path === "/hooks").length >= 3 && sent().some((r) => r.path === "/hooks/slow"), { timeoutMs: 10_000, what: "the enabled endpoints' first deliveries" });
        const cached = await scrape(app.url);
        expect(Date.now() - readAt).toBeLessThan(BACKLOG_REFRESH_MS);
        expect(cached.value("hookgate_deliveries", { status: "pending" })).toBe(0); // the figures of the first read

        await Bun.sleep(BACKLOG_REFRESH_MS - (Date.now() - readAt) + 50);
        const fresh = await scrape(app.url);
        // The disabled endpoint's three and the slow one's two left: pending, never held (no breaker is open).
        expect(fresh.value("hookgate_deliveries", { status: "pending" })).toBe(5);
        expect(fresh.value("hookgate_deliveries", { status: "held" })).toBe(0);
        // The slow endpoint's third, due since it was accepted; the disabled endpoint's do not count.
        const lag = fresh.value("hookgate_delivery_lag_seconds")!;
        expect(lag).toBeGreaterThan(1);
        expect(lag).toBeLessThan(BACKLOG_REFRESH_MS / 1000 + 5);
        expect(fresh.samples.filter((l) => l.includes("endpoint="))).toEqual([]);
      } finally {
        await app.close();
        await drop();
      }
    });

    test("held is the dispatcher's rule (breakerHolds) on the stored streak; the lag reads deliveries_due, never the whole table; the held endpoints only the endpoints", async () => {
      const { store, drop } = await kind.open();
      const app = await startOn(store);
      try {
        const db = dbOf(app.store);
        for (const failures of [0, 1, 4, 5, 6, 40]) {
          await db.updateTable("endpoints").set({ consecutive_failures: failures }).where("id", "=", "off").execute();
          for (const threshold of [0, 1, 5]) {
            for (const held of [true, false]) {
              const rows = await db.selectFrom("endpoints").select("id").where("id", "=", "off").where(breakerHoldsSql(threshold, held)).execute();
              expect([failures, threshold, held, rows.length === 1]).toEqual([failures, threshold, held, breakerHolds(failures, threshold) === held]);
            }
          }
        }
        const q = app.store.admin.backlogQueries(Date.now(), 5);
        const plan = (query: Compilable) => db.transaction().execute(async (trx) => {
          if (kind.name === "postgres") await trx.executeQuery(CompiledQuery.raw("SET LOCAL enable_seqscan = off"));
          const c = query.compile();
          const rows = (await trx.executeQuery(CompiledQuery.raw(`${kind.name === "postgres" ? "EXPLAIN" : "EXPLAIN QUERY PLAN"} ${c.sql}`, [...c.parameters]))).rows;
          return JSON.stringify(rows);
        });
        expect(await plan(q.heldEndpoints)).not.toMatch(/deliveries/);
        for (const query of [q.lag, q.lagByEndpoint]) {
          const text = await plan(query);
          expect(text).toMatch(/deliveries_due/);
          expect(text).not.toMatch(/SCAN deliveries(?! USING)|Seq Scan on deliveries/);
        }
        // The lag: a range of one endpoint's due entries (SQLite: "endpoint_id=? AND next_attempt_at<?").
        expect(await plan(q.lag)).toMatch(kind.name === "postgres" ? /Index Cond: \(\(endpoint_id = endpoints\.id\) AND [^"]*next_attempt_at <= / : /deliveries_due \(endpoint_id=\? AND next_attempt_at<\?\)/);
      } finally {
        await app.close();
        await drop();
      }
    });

    test("with metrics.perEndpoint, deliveries and the lag by endpoint", async () => {
      const { store, drop } = await kind.open();
      const app = await startOn(store, true);
      try {
        for (let i = 0; i < 2; i++) await app.post({ type: "job.done", data: { i } });
        const m = await scrape(app.url);
        expect(m.value("hookgate_deliveries", { endpoint: "off", status: "pending" })).toBe(2);
        expect(m.value("hookgate_delivery_lag_seconds", { endpoint: "off" })).toBeUndefined(); // disabled: not lag
        expect(m.value("hookgate_deliveries", { endpoint: "ok", status: "retrying" })).toBeUndefined();
      } finally {
        await app.close();
        await drop();
      }
    });
  });
}
