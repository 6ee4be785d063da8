import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ensureBinary, runBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { freePort } from "../support/port.ts";
import { startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// The compiled binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

const TOKEN = "health-ingest-token-0123456789";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("/readyz and hookgate health", () => {
  let release: () => void = () => {};
  const receiver = startReceiver(() => new Promise<Response>((resolve) => { release = () => resolve(new Response("ok")); }));
  let gateway: Running | null = null;
  afterAll(async () => { release(); receiver.stop(); await gateway?.stop("SIGKILL"); });

  test("ready once serving, health exits 0 (address from the config or --url); while draining 503 and 1; after exit 1", async () => {
    await ensureBinary();
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "0.0.0.0", port: ${freePort()} },
  store: { sqlite: "./data/hookgate.db" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 20_000 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiver.url}", events: ["*"], secret: "${SECRET}" }],
});
`);
    gateway = await startBinary(path);
    const running = gateway;
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    const fromConfig = await runBinary(["health", "--config", path]);
    expect(fromConfig.stderr).toBe("");
    expect(fromConfig.code).toBe(0);
    expect((await runBinary(["health"], { HOOKGATE_CONFIG: path })).code).toBe(0);
    expect((await runBinary(["health", "--url", running.url])).code).toBe(0);

    // An attempt the receiver holds keeps the drain going: ingest is closed, /readyz answers 503 meanwhile.
    const accepted = await fetch(`${running.url}/v1/events`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "job.done", data: {} }),
    });
    expect(accepted.status).toBe(202);
    await waitFor(() => receiver.requests.length === 1, { timeoutMs: 5_000, what: "the held attempt" });
    running.proc.kill("SIGTERM");
    let draining: Response | null = null;
    await waitFor(async () => { draining = await fetch(`${running.url}/readyz`); return draining.status === 503; }, { timeoutMs: 5_000, what: "/readyz to answer 503" });
    expect(draining!.headers.get("content-type")).toBe("application/problem+json");
    expect(((await draining!.json()) as { detail: string }).detail).toBe("not ready: draining");
    const whileDraining = await runBinary(["health", "--url", running.url]);
    expect(whileDraining.code).toBe(1);
    expect(whileDraining.stderr).toContain("answered 503: not ready: draining");

    release();
    expect(await running.proc.exited).toBe(0);
    gateway = null;
    const gone = await runBinary(["health", "--config", path]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("/readyz");
  });

  test("health: a config it cannot read or a port 0 asks for --url, exit 1", async () => {
    const noFile = await runBinary(["health", "--config", "/nonexistent/webhooks.config.ts"]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain("or pass --url");
    const random = writeConfig(`import { defineConfig } from "hookgate";\nexport default defineConfig({ server: { port: 0 } });\n`);
    const zero = await runBinary(["health", "--config", random]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain("server.port is 0");
  });
});
