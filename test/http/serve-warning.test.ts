import { expect, setDefaultTimeout, test } from "bun:test";
import { waitFor } from "../support/wait.ts";
import { startBinary, writeConfig } from "../support/binary.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

test("serve without an admin token warns at start, and the API says how to configure one", async () => {
  const running = await startBinary(writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({ server: { host: "127.0.0.1", port: 0 }, store: { sqlite: "./data/hookgate.db" } });
`));
  try {
    // The warning is written before the ready line, not before "listening on" (what startBinary waits for).
    const warning = (await startLog(running)).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("no admin token configured"));
    expect(warning).toEqual(expect.objectContaining({ level: "warn" }));
    expect(warning.msg).toContain("admin: { tokens:");
    const response = await fetch(`${running.url}/api/v1/endpoints`);
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toStartWith("application/problem+json");
    expect((await response.json() as { detail: string }).detail).toContain('env("HOOKGATE_ADMIN_TOKEN")');
  } finally {
    expect(await running.stop()).toBe(0);
  }
});

/** The JSON log lines of a run whose msg starts with `start`. */
const linesOf = (output: string, start: string) =>
  output.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.msg.startsWith(start));
const PUBLIC_URL = "tenants are in use without server.publicUrl";
/** The start's log lines, once its "ready" line (written after the warnings) is out on stdout. */
async function startLog(running: { output(): string }): Promise<string> {
  await waitFor(() => linesOf(running.output(), "ready").length > 0, { timeoutMs: 5_000, what: "the ready line" });
  return running.output();
}

test("tenants without server.publicUrl: one warning at start saying session urls follow the Host header, and the fix", async () => {
  const config = (server: string) => writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0${server} },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "admin-token-0123456789" }] },
  sources: [{ type: "http", id: "app", tokens: [{ name: "acme", token: "acme-token-0123456789", tenant: "acme" }] }],
});
`);
  const bare = await startBinary(config(""));
  try {
    const warnings = linesOf(await startLog(bare), PUBLIC_URL);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe("warn");
    expect(warnings[0]!.msg).toContain("Host header");
    expect(warnings[0]!.msg).toContain('server: { publicUrl: "https://');
  } finally {
    expect(await bare.stop()).toBe(0);
  }
  const set = await startBinary(config(`, publicUrl: "https://hooks.example.com"`));
  try {
    expect(linesOf(await startLog(set), PUBLIC_URL)).toEqual([]);
  } finally {
    expect(await set.stop()).toBe(0);
  }
});

test("a store that has tenants warns too, though the config names none (the admin API made them)", async () => {
  const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "admin-token-0123456789" }] },
});
`);
  const first = await startBinary(path);
  try {
    expect(linesOf(await startLog(first), PUBLIC_URL)).toEqual([]);
    const put = await fetch(`${first.url}/api/v1/tenants/acme`, {
      method: "PUT", headers: { authorization: "Bearer admin-token-0123456789", "content-type": "application/json" }, body: JSON.stringify({ name: "Acme" }),
    });
    expect(put.status).toBeLessThan(300);
  } finally {
    expect(await first.stop()).toBe(0);
  }
  const second = await startBinary(path);
  try {
    expect(linesOf(await startLog(second), PUBLIC_URL)).toHaveLength(1);
  } finally {
    expect(await second.stop()).toBe(0);
  }
});
