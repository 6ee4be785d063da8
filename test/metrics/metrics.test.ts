import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { METRICS_TOKEN, scrape } from "./scrape.ts";
import { adminClient } from "../http/support.ts";
import type { ConfigInput } from "../../src/config/schema.ts";

setDefaultTimeout(30_000);

const READ_ONLY = "test-read-only-token-0123456789";
const WRITE_ONLY = "test-write-only-token-0123456789";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let ok: Receiver;
let failing: Receiver;
let app: TestApp | null = null;

beforeAll(() => {
  ok = startReceiver(() => new Response("ok"));
  failing = startReceiver(() => new Response("boom", { status: 500 }));
});
afterAll(() => { ok.stop(); failing.stop(); });
afterEach(async () => { await app?.close(); app = null; });

function config(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return baseConfig({
    server: { host: "127.0.0.1", port: 0, metricsToken: METRICS_TOKEN },
    admin: { tokens: [
      { name: "test", token: ADMIN_TOKEN, scopes: ["read", "write"] },
      { name: "reader", token: READ_ONLY, scopes: ["read"] },
      { name: "writer", token: WRITE_ONLY, scopes: ["write"] },
    ] },
    endpoints: [
      { id: "ok", url: ok.url, events: ["*"], secret: SECRET },
      { id: "failing", url: failing.url, events: ["*"], secret: SECRET, schedule: ["1h"] } as never,
    ],
    delivery: { jitter: 0 } as never,
    ...overrides,
  });
}

describe("GET /metrics: who may scrape", () => {
  test("server.metricsToken or an admin token with read; 401 without or with a wrong token, 403 without the read scope, never a tenant session", async () => {
    app = await startTestApp(config({ endpoints: [] }));
    expect((await scrape(app.url, METRICS_TOKEN)).status).toBe(200);
    expect((await scrape(app.url, READ_ONLY)).status).toBe(200);
    expect((await scrape(app.url, ADMIN_TOKEN)).status).toBe(200);

    const none = await fetch(`${app.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    expect((await none.json() as { detail: string }).detail).toContain("server.metricsToken");
    expect((await scrape(app.url, "not-the-token-0123456789")).status).toBe(401);

    const writer = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${WRITE_ONLY}` } });
    expect(writer.status).toBe(403);
    expect((await writer.json() as { detail: string }).detail).toContain('lacks the "read" scope');

    const session = await fetch(`${app.url}/api/v1/tenants/acme/sessions`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ scopes: ["read"] }) });
    const { token } = await session.json() as { token: string };
    expect((await scrape(app.url, token)).status).toBe(401);
  });

  test("with no admin token and no metricsToken: 403 naming the setting", async () => {
    app = await startTestApp(baseConfig({ admin: { tokens: [] } }));
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(403);
    expect((await response.json() as { detail: string }).detail).toContain("server.metricsToken");
  });
});

describe("GET /metrics: the families after real ingest and real attempts", () => {
  test("requests by status, events, attempts by outcome, durations, backlog, endpoints, source up, process_*; no endpoint label", async () => {
    app = await startTestApp(config());
    for (let i = 0; i < 3; i++) expect((await app.post({ type: "job.done", data: { i } })).status).toBe(202);
    expect((await app.post({ type: "job.done", data: {} }, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    expect((await app.post({ type: "job.done", data: {}, id: "same" })).status).toBe(202);
    expect((await app.post({ type: "job.done", data: {}, id: "same" })).status).toBe(200); // a duplicate: not an event
    // 4 events × 2 endpoints: the ok receiver's attempts succeed, the failing one's wait an hour for their retry.
    await waitFor(() => ok.requests.length >= 4 && failing.requests.length >= 4, { timeoutMs: 10_000, what: "the attempts" });
    const m = await (async () => {
      let s = await scrape(app!.url);
      for (let i = 0; i < 100 && (s.value("hookgate_attempts_total", { outcome: "retry" }) ?? 0) < 4; i++) { await Bun.sleep(20); s = await scrape(app!.url); }
      return s;
    })();
    expect(m.status).toBe(200);
    expect(m.value("hookgate_ingest_requests_total", { source: "app", status: "202" })).toBe(4);
    expect(m.value("hookgate_ingest_requests_total", { source: "app", status: "200" })).toBe(1);
    expect(m.value("hookgate_ingest_requests_total", { source: "app", status: "401" })).toBe(1);
    expect(m.value("hookgate_events_ingested_total", { source: "app" })).toBe(4);
    expect(m.value("hookgate_attempts_total", { outcome: "success" })).toBe(4);
    expect(m.value("hookgate_attempts_total", { outcome: "retry" })).toBe(4);
    expect(m.value("hookgate_attempts_total", { outcome: "failed" })).toBe(0);
    expect(m.value("hookgate_attempts_total", { outcome: "refused" })).toBe(0);
    expect(m.value("hookgate_attempt_duration_seconds_count")).toBe(8);
    expect(m.value("hookgate_attempt_duration_seconds_bucket", { le: "+Inf" })).toBe(8);
    expect(m.value("hookgate_attempt_duration_seconds_sum")).toBeGreaterThan(0);
    expect(m.value("hookgate_endpoints", { state: "enabled" })).toBe(2);
    expect(m.value("hookgate_endpoints", { state: "disabled" })).toBe(0);
    expect(m.value("hookgate_source_up", { source: "app" })).toBe(1);
    expect(m.value("hookgate_delivery_lag_seconds")).toBe(0);
    expect(m.value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(m.text).toContain("# TYPE hookgate_attempt_duration_seconds histogram");
    expect(m.samples.filter((l) => /endpoint=|tenant=/.test(l))).toEqual([]);
  });

  test("promtool check metrics passes on a scrape: prom-client's nodejs_*_total gauges are dropped, process_* stay", async () => {
    app = await startTestApp(config());
    await app.post({ type: "job.done", data: {} });
    await waitFor(() => ok.requests.length > 0 && failing.requests.length > 0, { timeoutMs: 10_000, what: "the attempts" });
    const m = await scrape(app.url);
    expect(m.value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(m.text).toContain("# TYPE hookgate_attempt_duration_seconds histogram");
    const check = Bun.spawnSync(["/usr/bin/promtool", "check", "metrics"], { stdin: new TextEncoder().encode(m.text) });
    expect(check.stdout.toString() + check.stderr.toString()).toBe("");
    expect(check.exitCode).toBe(0);
  });

  test("an attempt the address policy refuses counts as refused; a delivery with no retry left as failed", async () => {
    app = await startTestApp(config({
      endpoints: [
        { id: "private", url: `http://intranet.test:${ok.port}/hooks`, events: ["*"], secret: SECRET, schedule: ["1h"] } as never,
        { id: "last", url: failing.url, events: ["*"], secret: SECRET, schedule: [] } as never,
      ],
    }), { resolve: async (host) => (host === "intranet.test" ? ["10.1.2.3"] : [host]) });
    await app.post({ type: "job.done", data: {} });
    let m = await scrape(app.url);
    await waitFor(async () => { m = await scrape(app!.url); return m.value("hookgate_attempt_duration_seconds_count") === 2; }, { timeoutMs: 10_000, what: "two attempts" });
    expect(m.value("hookgate_attempts_total", { outcome: "refused" })).toBe(1);
    expect(m.value("hookgate_attempts_total", { outcome: "failed" })).toBe(1);
  });

  test("metrics.perEndpoint: attempts and deliveries carry the endpoint", async () => {
    app = await startTestApp(config({ metrics: { perEndpoint: true } }));
    await app.post({ type: "job.done", data: {} });
    let m = await scrape(app.url);
    await waitFor(async () => { m = await scrape(app!.url); return (m.value("hookgate_attempts_total", { endpoint: "failing", outcome: "retry" }) ?? 0) === 1; }, { timeoutMs: 10_000, what: "the retry" });
    expect(m.value("hookgate_attempts_total", { endpoint: "ok", outcome: "success" })).toBe(1);
    expect(m.value("hookgate_attempt_duration_seconds_count", { endpoint: "ok" })).toBe(1);
  });
});

describe("hookgate_source_up", () => {
  test("1 for a running source, 0 for one that cannot start (nothing listens on its database's port)", async () => {
    app = await startTestApp(config({
      endpoints: [],
      sources: [
        { type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "test-ingest-token-0123456789", events: ["*"] }] },
        { type: "postgres", id: "signals", url: "postgres://postgres@127.0.0.1:1/nowhere", channel: "hookgate" },
      ] as never,
    }));
    let m = await scrape(app.url);
    await waitFor(async () => { m = await scrape(app!.url); return m.value("hookgate_source_up", { source: "app" }) === 1; }, { timeoutMs: 10_000, what: "the http source up" });
    const api = adminClient(app.url);
    await waitFor(async () => ((await api("GET", "/sources")).body.data as { id: string; status: string }[]).some((x) => x.id === "signals" && x.status === "error"), { timeoutMs: 10_000, what: "the failed start" });
    expect((await scrape(app.url)).value("hookgate_source_up", { source: "signals" })).toBe(0);
  });
});

describe("the shipped Grafana dashboard and Prometheus alerts", () => {
  test("name only families that /metrics serves", async () => {
    app = await startTestApp(config({ endpoints: [] }));
    const served = new Set([...(await scrape(app.url)).text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const dashboard = JSON.parse(await Bun.file(`${import.meta.dir}/../../config/grafana/hookgate.json`).text()) as { panels: { title: string; targets: { expr: string }[] }[] };
    const alerts = await Bun.file(`${import.meta.dir}/../../config/prometheus/alerts.yml`).text();
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...alerts.split("\n").filter((l) => /expr:|\(|hookgate_/.test(l) && !/summary|description/.test(l))];
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:hookgate|process)_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ""))));
    expect(named.size).toBeGreaterThanOrEqual(9);
    expect([...named].filter((n) => !served.has(n))).toEqual([]);
    for (const family of ["hookgate_ingest_requests_total", "hookgate_events_ingested_total", "hookgate_attempts_total", "hookgate_attempt_duration_seconds",
      "hookgate_deliveries", "hookgate_delivery_lag_seconds", "hookgate_endpoints", "hookgate_source_up"]) {
      expect(served.has(family.replace(/_total$/, "")) || served.has(family)).toBe(true);
      expect(dashboard.panels.some((p) => p.targets.some((t) => t.expr.includes(family)))).toBe(true);
    }
  });
});
