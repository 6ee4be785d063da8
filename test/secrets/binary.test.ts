import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { dirname, join } from "node:path";
import { existsSync, rmSync } from "node:fs";
import { ensureBinary, runBinary, startBinary, writeConfig } from "../support/binary.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const ADMIN = "binary-admin-token-0123456789";
const CONFIG = `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  endpoints: [{ id: "rx", url: "http://127.0.0.1:9/hooks", events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
});
`;
const KEY_A = Buffer.alloc(32, 0xa).toString("base64");
const KEY_B = Buffer.alloc(32, 0xb).toString("base64");

beforeAll(() => ensureBinary());

/** `serve` until ready, create an endpoint through the API, stop. */
async function serveOnce(config: string, env: Record<string, string>) {
  const running = await startBinary(config, env);
  const created = await fetch(`${running.url}/api/v1/endpoints`, {
    method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ url: "http://127.0.0.1:9/other", events: ["*"], verify: false }),
  });
  expect(created.status).toBe(201);
  expect(await running.stop()).toBe(0);
}

describe("the compiled binary and the secrets key", () => {
  test("a wrong HOOKGATE_MASTER_KEY fails the start with one line, exit 1", async () => {
    const config = writeConfig(CONFIG);
    await serveOnce(config, { HOOKGATE_MASTER_KEY: KEY_A });
    const { code, stdout, stderr } = await runBinary(["serve", "--config", config], { HOOKGATE_MASTER_KEY: KEY_B });
    expect(code).toBe(1);
    expect(stdout).not.toContain("listening");
    expect(stderr.trim().split("\n")).toEqual([
      "hookgate: cannot start: the secrets key from HOOKGATE_MASTER_KEY does not open this store's endpoint secrets: set HOOKGATE_MASTER_KEY to the key the store was set up with",
    ]);
    // The right key still works.
    await serveOnce(config, { HOOKGATE_MASTER_KEY: KEY_A });
  });

  test("a malformed key says how to make one", async () => {
    const { code, stderr } = await runBinary(["serve", "--config", writeConfig(CONFIG)], { HOOKGATE_MASTER_KEY: "hunter2" });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("hookgate: cannot start: HOOKGATE_MASTER_KEY must be 32 random bytes as base64 or hex (make one: openssl rand -base64 32)");
  });

  test("without the variable the key file in the data folder is made, and losing it fails the start", async () => {
    const config = writeConfig(CONFIG);
    const env = { HOOKGATE_MASTER_KEY: "" };
    await serveOnce(config, env);
    const keyFile = join(dirname(config), "data", "master.key");
    expect(existsSync(keyFile)).toBe(true);
    rmSync(keyFile);
    const { code, stderr } = await runBinary(["serve", "--config", config], env);
    expect(code).toBe(1);
    expect(stderr.trim()).toStartWith(`hookgate: cannot start: the secrets key from ${keyFile} does not open this store's endpoint secrets: restore the original`);
  });
});
