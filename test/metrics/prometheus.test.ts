import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, startBinary, writeConfig, ensureBinary, type Running } from "../support/binary.ts";
import { freePort } from "../support/port.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { METRICS_TOKEN, scrape } from "./scrape.ts";

// Debian's prometheus and the compiled binary on a shared 2-core machine.
setDefaultTimeout(90_000);

const PROMETHEUS = "/usr/bin/prometheus";
const PROMTOOL = "/usr/bin/promtool";
const ALERTS = join(ROOT, "config/prometheus/alerts.yml");
const TOKEN = "prom-ingest-token-0123456789";
// Under CI nothing skips: a missing prometheus fails here (.ci/run installs it).
const missing = !existsSync(PROMETHEUS) && !process.env.CI;
if (missing) console.log("prometheus tests skipped: no /usr/bin/prometheus (apt-get install prometheus; set CI=1 to make them fail)");

let receiver: Receiver;
beforeAll(async () => { receiver = startReceiver(); await ensureBinary(); });
afterAll(() => receiver.stop());

async function query(base: string, promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = await response.json() as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.status === "success" ? body.data.result : [];
}

describe.skipIf(missing)("Prometheus scrapes the compiled binary", () => {
  test("promtool: the shipped rules are valid and their unit tests pass", async () => {
    const check = Bun.spawnSync([PROMTOOL, "check", "rules", ALERTS]);
    expect(check.stdout.toString() + check.stderr.toString()).toContain("SUCCESS: 5 rules found");
    expect(check.exitCode).toBe(0);
    const unit = Bun.spawnSync([PROMTOOL, "test", "rules", "alerts.test.yml"], { cwd: join(ROOT, "config/prometheus") });
    expect(unit.stdout.toString()).toContain("SUCCESS");
    expect(unit.exitCode).toBe(0);
  });

  test("up is 1 and hookgate_events_ingested_total is read back through /api/v1/query; the alerts file loads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-prom-"));
    let gateway: Running | null = null;
    let prometheus: ReturnType<typeof Bun.spawn> | null = null;
    try {
      gateway = await startBinary(writeConfig(`import { defineConfig, env } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0, metricsToken: env("METRICS_TOKEN") },
  store: { sqlite: "./data/hookgate.db" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: env("INGEST_TOKEN"), events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiver.url}", events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
});
`), { METRICS_TOKEN, INGEST_TOKEN: TOKEN });
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${gateway.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ type: "job.done", data: { i } }) });
        expect(r.status).toBe(202);
      }
      // The compiled binary serves prom-client's text, default process_* metrics included.
      const direct = await scrape(gateway.url);
      expect(direct.status).toBe(200);
      expect(direct.value("hookgate_events_ingested_total", { source: "app" })).toBe(3);
      expect(direct.value("process_resident_memory_bytes")).toBeGreaterThan(0);

      const target = new URL(gateway.url).host;
      const port = freePort();
      writeFileSync(join(dir, "prometheus.yml"), `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["${ALERTS}"]
scrape_configs:
  - job_name: hookgate
    authorization: { credentials: "${METRICS_TOKEN}" }
    static_configs: [{ targets: ["${target}"] }]
`);
      prometheus = Bun.spawn([PROMETHEUS, `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${port}`], { stdout: "ignore", stderr: "pipe" });
      const base = `http://127.0.0.1:${port}`;

      let up: Awaited<ReturnType<typeof query>> = [];
      await waitFor(async () => { up = await query(base, 'up{job="hookgate"}').catch(() => []); return up.length === 1; }, { timeoutMs: 60_000, what: "the first scrape" });
      expect(up[0]!.metric.instance).toBe(target);
      expect(up[0]!.value[1]).toBe("1");
      const events = await query(base, 'hookgate_events_ingested_total{job="hookgate"}');
      expect(events.map((r) => [r.metric.source, r.value[1]])).toEqual([["app", "3"]]);

      const rules = await (await fetch(`${base}/api/v1/rules`)).json() as { data: { groups: { name: string; rules: { name: string; health: string }[] }[] } };
      const loaded = rules.data.groups.find((g) => g.name === "hookgate")!.rules;
      expect(loaded.map((r) => r.name).sort()).toEqual(["HookgateDeliveryLag", "HookgateDown", "HookgateEndpointDisabled", "HookgateIngest5xx", "HookgateSourceDown"]);
    } finally {
      prometheus?.kill();
      await prometheus?.exited;
      await gateway?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
