import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { resolveConfig } from "../../src/config/load.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { ADMIN_TOKEN, baseConfig, INGEST_TOKEN, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { METRICS_TOKEN, scrape } from "./scrape.ts";

setDefaultTimeout(30_000);

const READER = "test-reader-token-0123456789";
let app: TestApp | null = null;
afterEach(async () => { await app?.close(); app = null; });

const config = (sources: ConfigInput["sources"], readers: string[]): ConfigInput => baseConfig({
  server: { host: "127.0.0.1", port: 0, metricsToken: METRICS_TOKEN },
  admin: { tokens: [{ name: "test", token: ADMIN_TOKEN, scopes: ["read", "write"] }, ...readers.map((token) => ({ name: "reader", token, scopes: ["read" as const] }))] },
  sources,
});
const app1 = { type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: INGEST_TOKEN, events: ["*"] }] } as const;
const two = { type: "http", id: "two", path: "/v1/two", tokens: [{ name: "t", token: INGEST_TOKEN, events: ["*"] }] } as const;

test("a reload keeps counting a restarted source's requests, drops a removed source's up series, and /metrics takes the new admin tokens", async () => {
  app = await startTestApp(config([app1, two], [READER]));
  const running = app;
  expect((await running.post({ type: "x", data: {} })).status).toBe(202);
  await waitFor(async () => (await scrape(running.url)).value("hookgate_source_up", { source: "two" }) === 1, { timeoutMs: 10_000, what: "source two up" });
  expect((await scrape(running.url, READER)).status).toBe(200);

  // "app" gets another token (it restarts), "two" is gone, the reader token too.
  const next = await resolveConfig({ ...config([{ ...app1, tokens: [...app1.tokens, { name: "t2", token: `${INGEST_TOKEN}-2`, events: ["*"] }] }], []),
    store: { sqlite: join(running.dir, "hookgate.db") } }, join(running.dir, "webhooks.config.ts"), builtinPlugins);
  if (!next.ok) throw new Error(next.problems.map((p) => p.message).join("; "));
  const changes = await running.reload(next.loaded);
  expect(changes.sources).toEqual({ restarted: ["app"], added: [], removed: ["two"] });

  expect((await running.post({ type: "x", data: {} }, { authorization: `Bearer ${INGEST_TOKEN}-2` })).status).toBe(202);
  expect((await fetch(`${running.url}/v1/two`, { method: "POST", headers: { authorization: `Bearer ${INGEST_TOKEN}` }, body: "{}" })).status).toBe(404);
  await waitFor(async () => (await scrape(running.url)).value("hookgate_source_up", { source: "app" }) === 1, { timeoutMs: 10_000, what: "source app up again" });
  const m = await scrape(running.url);
  // Counted through the routes server.reload mounted: the requests before and after the reload.
  expect(m.value("hookgate_ingest_requests_total", { source: "app", status: "202" })).toBe(2);
  expect(m.value("hookgate_events_ingested_total", { source: "app" })).toBe(2);
  expect(m.value("hookgate_source_up", { source: "two" })).toBeUndefined();
  expect((await scrape(running.url, READER)).status).toBe(401);
  expect((await scrape(running.url, ADMIN_TOKEN)).status).toBe(200);
  // /readyz is still served by the handlers the reload installed.
  expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
});
