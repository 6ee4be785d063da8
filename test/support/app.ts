import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, type App, type AppOptions } from "../../src/app.ts";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { createLogger } from "../../src/log.ts";

export const INGEST_TOKEN = "test-ingest-token-0123456789";
export const ADMIN_TOKEN = "test-admin-token-0123456789";

/**
 * A config with an http source, loopback delivery allowed (for tenant endpoints too: tenants.allowNetworks, unless
 * the test sets its own), sessions not held to tenants.requestsPerSecond (tests poll with them; the rate's own test
 * sets it), port 0, and a fresh SQLite file.
 */
export function baseConfig(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return {
    server: { host: "127.0.0.1", port: 0 },
    admin: { tokens: [{ name: "test", token: ADMIN_TOKEN, scopes: ["read", "write"] }] },
    sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: INGEST_TOKEN, events: ["*"] }] }],
    ...overrides,
    delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8", "::1/128"], ...overrides.delivery },
    tenants: { allowNetworks: ["127.0.0.0/8", "::1/128"], requestsPerSecond: 100_000, ...overrides.tenants },
  };
}

export interface TestApp extends App {
  dir: string;
  /** POSTs to the ingest path with the test token. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the gateway in this process on loopback with real SQLite in a temp folder. */
/** The test hooks of AppOptions a test may set (the compiled binary takes them from HOOKGATE_TEST_* in cli.ts). */
type Hooks = Pick<AppOptions, "resolve" | "now" | "maxProbeDelayMs" | "recordWindowMs" | "listenForChanges">;

export async function startTestApp(config: ConfigInput, options: Hooks & { dir?: string; logs?: string[]; logLevel?: string } = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "hookgate-test-"));
  const input = { ...config, store: config.store?.postgres ? config.store : { sqlite: join(dir, "hookgate.db"), ...config.store } };
  const result = await resolveConfig(input, join(dir, "webhooks.config.ts"), builtinPlugins);
  if (!result.ok) throw new Error(`test config invalid: ${result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  const logs = options.logs;
  const log = createLogger({}, (line) => { logs?.push(line); }, options.logLevel);
  const { resolve, now, maxProbeDelayMs, recordWindowMs, listenForChanges } = options;
  const app = await startApp(result.loaded, { log, resolve, now, maxProbeDelayMs, recordWindowMs, listenForChanges });
  return {
    ...app,
    dir,
    post: (body, headers = {}) => fetch(`${app.url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    async close() {
      await app.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
