import { expect, setDefaultTimeout, test } from "bun:test";
import { startBinary, writeConfig } from "../support/binary.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

test("serve without an admin token warns at start, and the API says how to configure one", async () => {
  const running = await startBinary(writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({ server: { host: "127.0.0.1", port: 0 }, store: { sqlite: "./data/hookgate.db" } });
`));
  try {
    const warning = running.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("no admin token configured"));
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
