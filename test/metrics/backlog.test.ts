import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { BACKLOG_REFRESH_MS } from "../../src/metrics/backlog.ts";
import { baseConfig, startTestApp, waitFor } from "../support/app.ts";
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
      // Disabled: its deliveries wait, due and unattempted, so the lag grows.
      { id: "off", url: ok.url, events: ["*"], secret: SECRET, enabled: false },
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
        expect(first.value("hookgate_endpoints", { state: "enabled" })).toBe(1);
        expect(first.value("hookgate_endpoints", { state: "disabled" })).toBe(1);

        for (let i = 0; i < 3; i++) expect((await app.post({ type: "job.done", data: { i } })).status).toBe(202);
        await waitFor(() => ok.requests.length >= 3, 10_000, "the enabled endpoint's deliveries");
        const cached = await scrape(app.url);
        expect(Date.now() - readAt).toBeLessThan(BACKLOG_REFRESH_MS);
        expect(cached.value("hookgate_deliveries", { status: "pending" })).toBe(0); // the figures of the first read

        await Bun.sleep(BACKLOG_REFRESH_MS - (Date.now() - readAt) + 50);
        const fresh = await scrape(app.url);
        expect(fresh.value("hookgate_deliveries", { status: "pending" })).toBe(3);
        const lag = fresh.value("hookgate_delivery_lag_seconds")!;
        expect(lag).toBeGreaterThan(1);
        expect(lag).toBeLessThan(BACKLOG_REFRESH_MS / 1000 + 5);
        expect(fresh.samples.filter((l) => l.includes("endpoint="))).toEqual([]);
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
        expect(m.value("hookgate_delivery_lag_seconds", { endpoint: "off" })).toBeGreaterThanOrEqual(0);
        expect(m.value("hookgate_deliveries", { endpoint: "ok", status: "retrying" })).toBeUndefined();
      } finally {
        await app.close();
        await drop();
      }
    });
  });
}
