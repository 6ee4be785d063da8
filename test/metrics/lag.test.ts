import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { TenantScope } from "../../src/core/scope.ts";
import { METRICS_TOKEN } from "./scrape.ts";

// Debian's prometheus beside the gateway on a shared 2-core machine.
setDefaultTimeout(90_000);

const PROMETHEUS = "/usr/bin/prometheus";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TEN_MINUTES = 600_000;
// Under CI nothing skips: a missing prometheus fails here (.ci/run installs it).
const missing = !existsSync(PROMETHEUS) && !process.env.CI;

/**
 * The incident of issue 22: one customer endpoint broken (its breaker open) and one disabled, both with deliveries
 * due for ten minutes, while a healthy endpoint gets everything at once. Only the healthy one may count as lag.
 */
describe.skipIf(missing)("hookgate_delivery_lag_seconds is what an operator can act on", () => {
  let ok: Receiver;
  let broken: Receiver;
  let app: TestApp;

  beforeAll(async () => {
    ok = startReceiver();
    broken = startReceiver(() => new Response("down", { status: 503 }));
    app = await startTestApp(baseConfig({
      server: { host: "127.0.0.1", port: 0, metricsToken: METRICS_TOKEN },
      endpoints: [
        { id: "ok", url: ok.url, events: ["*"], secret: SECRET },
        // One at a time, so its breaker opens after exactly two failures and holds the rest.
        { id: "broken", url: broken.url, events: ["*"], secret: SECRET, maxConcurrency: 1, schedule: ["1h"] },
        { id: "off", url: ok.url, events: ["*"], secret: SECRET, enabled: false },
      ] as never,
      delivery: { jitter: 0, circuitBreakerAfter: 2 } as never,
    }));
    for (let i = 0; i < 6; i++) expect((await app.post({ type: "job.done", data: { i } })).status).toBe(202);
    const db = dbOf(app.store);
    await waitFor(() => ok.requests.length === 6, { timeoutMs: 10_000, what: "the healthy endpoint's deliveries" });
    await waitFor(async () => (await app.store.admin.endpoint("broken", TenantScope.everyTenant()))!.consecutiveFailures >= 2, { timeoutMs: 10_000, what: "the broken endpoint's streak" });
    // Its breaker opened: the four it had queued went back to the store (their lease undone), due at the probe.
    await waitFor(async () => (await db.selectFrom("deliveries").select("leases").where("endpoint_id", "=", "broken").where("status", "=", "pending").execute())
      .filter((d) => d.leases === 0).length === 4, { timeoutMs: 10_000, what: "the held deliveries handed back" });
    // Ten minutes pass for the waiting deliveries: due since then (the breaker's next probe is still 30 s away).
    await db.updateTable("deliveries").set({ next_attempt_at: Date.now() - TEN_MINUTES })
      .where("endpoint_id", "in", ["broken", "off"]).where("status", "=", "pending").execute();
  });
  afterAll(async () => { await app?.close(); ok?.stop(); broken?.stop(); });

  test("a real Prometheus scrape reads lag 0 and the broken endpoint's deliveries as held", async () => {
    const db = dbOf(app.store);
    const open = await db.selectFrom("deliveries").select(["endpoint_id", "status"]).where("status", "in", ["pending", "retrying"]).execute();
    const heldCount = open.filter((d) => d.endpoint_id === "broken").length;
    expect(heldCount).toBe(6); // two retrying in an hour, four waiting for the probe
    expect(open.filter((d) => d.endpoint_id === "off").length).toBe(6);

    const dir = mkdtempSync(join(tmpdir(), "hookgate-lag-"));
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = probe.port!;
    probe.stop(true);
    writeFileSync(join(dir, "prometheus.yml"), `global:
  scrape_interval: 1s
scrape_configs:
  - job_name: hookgate
    authorization: { credentials: "${METRICS_TOKEN}" }
    static_configs: [{ targets: ["${new URL(app.url).host}"] }]
`);
    const prometheus = Bun.spawn([PROMETHEUS, `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`], { stdout: "ignore", stderr: "pipe" });
    const query = async (promql: string): Promise<number | undefined> => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`).catch(() => null);
      const body = await response?.json().catch(() => null) as { data?: { result: { value: [number, string] }[] } } | null;
      const value = body?.data?.result[0]?.value[1];
      return value === undefined ? undefined : Number(value);
    };
    try {
      // Every scrape reads the store after the ten minutes passed: the first one is as good as any.
      await waitFor(async () => (await query('hookgate_delivery_lag_seconds{job="hookgate"}')) !== undefined, { timeoutMs: 60_000, what: "the first scrape in Prometheus" });
      expect(await query('hookgate_delivery_lag_seconds{job="hookgate"}')).toBeLessThan(1); // 600 before issue 22
      expect(await query('hookgate_deliveries{job="hookgate", status="held"}')).toBe(heldCount);
      // The disabled endpoint's wait where they were: not held by a breaker, not lag either.
      expect(await query('hookgate_deliveries{job="hookgate", status="pending"}')).toBe(6);
      expect(await query('hookgate_deliveries{job="hookgate", status="retrying"}')).toBe(0);
    } finally {
      prometheus.kill();
      await prometheus.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
