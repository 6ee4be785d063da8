import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startApp, type App } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { silentLogger } from "../../src/log.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { verifyBuildWorkPro, verifyCePro, verifyGithub } from "../support/verifiers.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * Each reference product's behaviour, reached by configuring hookgate: the example configs in config/examples
 * load as they are, and deliver what the product documents when pointed at a loopback receiver.
 */
const SECRETS = {
  HOOKGATE_ADMIN_TOKEN: "example-admin-token-0123456789", INGEST_TOKEN: "example-ingest-token-0123456789",
  BWP_WEBHOOK_SECRET: "whsec_5f3c1b2a-bwp", CEPRO_SECRET: "cepro-secret-value", EMAIL_INBOUND_WEBHOOK_SECRET: "email-inbound-secret-0123",
  CEP_WEBHOOK_SECRET: "cep-secret-value", SF_USER: "sf-user", SF_PASSWORD: "sf-pass", WORKESTRA_SECRET: "your_webhook_secret",
};
Object.assign(process.env, SECRETS);

let receiver: Receiver;
beforeAll(() => { receiver = startReceiver(); });
afterAll(() => receiver.stop());

async function run(name: string, type: string, data: unknown, path = "/v1/events") {
  const dir = mkdtempSync(join(tmpdir(), `hookgate-${name}-`));
  const result = await loadConfig(resolve(import.meta.dir, `../../config/examples/${name}.config.ts`), builtinPlugins);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join("; "));
  const { config } = result.loaded;
  config.server = { ...config.server, host: "127.0.0.1", port: 0 };
  config.store = { ...config.store, sqlite: join(dir, "h.db") };
  config.delivery = { ...config.delivery, requireHttps: false, allowNetworks: ["127.0.0.0/8"] };
  for (const e of config.endpoints) { e.url = receiver.url; e.enabled = true; }
  const app: App = await startApp(result.loaded, { log: { ...silentLogger, child: () => silentLogger } });
  receiver.requests.length = 0;
  const response = await fetch(`${app.url}${path}`, {
    method: "POST", headers: { authorization: `Bearer ${process.env.INGEST_TOKEN === undefined ? "" : path === "/v1/events" ? SECRETS.INGEST_TOKEN : SECRETS.EMAIL_INBOUND_WEBHOOK_SECRET}`, "content-type": "application/json" },
    body: JSON.stringify({ type, data }),
  });
  expect(response.status).toBe(202);
  const { id } = await response.json() as { id: string };
  await waitFor(() => receiver.requests.length === 1, { timeoutMs: 3_000, what: `${name} delivery` });
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
  return { id, req: receiver.requests[0]!, config };
}

describe("reference products, configured", () => {
  test("BuildWorkPro: BuildWorkPro-Signature verifies with its own verifier; 7 attempts, 10 s, disable after 20", async () => {
    const { req, config } = await run("buildworkpro", "bid.accepted", { id: 17 });
    expect(verifyBuildWorkPro(req.headers["buildworkpro-signature"]!, req.body, SECRETS.BWP_WEBHOOK_SECRET)).toBe(true);
    expect(config.delivery.schedule).toHaveLength(6);
    expect(config.delivery.timeoutMs).toBe(10_000);
    expect(config.delivery.autoDisableAfter).toBe(20);
  });

  test("CE Pro: X-CEPro-Signature verifies; X-CEPro-Event and -Delivery; its payload shape", async () => {
    const { id, req } = await run("cepro", "proposal_accepted", { id: "prop_xyz789", total: 2500 });
    expect(verifyCePro(req.body, req.headers["x-cepro-signature"]!, SECRETS.CEPRO_SECRET)).toBe(true);
    expect(req.headers["x-cepro-event"]).toBe("proposal_accepted");
    expect(req.headers["x-cepro-delivery"]).toMatch(/^dlv_/);
    expect(JSON.parse(req.body)).toEqual({ event: "proposal_accepted", timestamp: expect.any(String), webhook_id: id, data: { id: "prop_xyz789", total: 2500 } });
  });

  test("CleanEstimatePro: X-Webhook-* headers and signature; inbound bearer on its own path", async () => {
    const { req } = await run("cleanestimatepro", "job.completed", { job_id: "2d74", status: "complete" }, "/api/webhooks/email-inbound");
    expect(verifyCePro(req.body, req.headers["x-webhook-signature"]!, SECRETS.CEP_WEBHOOK_SECRET)).toBe(true);
    expect(req.headers["x-webhook-id"]).toMatch(/^dlv_/);
    expect(req.headers["x-webhook-event"]).toBe("job.completed");
    expect(req.headers["x-webhook-attempt"]).toBe("1");
    expect(Math.abs(Number(req.headers["x-webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(10);
    expect(JSON.parse(req.body)).toEqual({ event: "job.completed", timestamp: expect.any(String), data: { job_id: "2d74", status: "complete" } });
  });

  test("field service: Basic auth, no signature, created disabled", async () => {
    const loaded = await loadConfig(resolve(import.meta.dir, "../../config/examples/field-service.config.ts"), builtinPlugins);
    expect(loaded.ok && loaded.loaded.config.endpoints[0]!.enabled).toBe(false);
    const { req } = await run("field-service", "job.created", { id: 1 });
    expect(req.headers.authorization).toBe(`Basic ${btoa("sf-user:sf-pass")}`);
    expect(req.headers["webhook-signature"]).toBeUndefined();
  });

  test("Workestra: X-Workestra-Signature sha256=<hex>; its payload shape; disable after 5", async () => {
    const { id, req, config } = await run("workestra", "contact.created", { id: "con_def456" });
    expect(verifyGithub(req.body, req.headers["x-workestra-signature"]!, SECRETS.WORKESTRA_SECRET)).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({ id, type: "contact.created", workspace_id: "ws_abc123", data: { id: "con_def456" } });
    expect(config.delivery.autoDisableAfter).toBe(5);
    expect(config.delivery.autoDisableWindow).toBe("0s");
  });
});
