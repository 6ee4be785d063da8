import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ensureBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { createDatabase, skipPg } from "../support/pg.ts";

// Thirty starts of the compiled binary on a shared 2-core machine.
setDefaultTimeout(180_000);

const MASTER_KEY = "11".repeat(32);
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** Config endpoints (one a tenant's) reconciled by every process at its start, onto the same rows. */
const config = (databaseUrl: string) => `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { postgres: "${databaseUrl}" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "cluster-start-token-0123456789", events: ["*"] }] }],
  endpoints: [
    { id: "crm", url: "http://127.0.0.1:9/a", events: ["*"], secret: "${SECRET}" },
    { id: "billing", url: "http://127.0.0.1:9/b", events: ["*"], secret: "${SECRET}", tenant: "acme" },
    { id: "audit", url: "http://127.0.0.1:9/c", events: ["*"], secret: "${SECRET}", tenant: "globex" },
  ],
});
`;

describe.skipIf(skipPg)("three processes started at the same instant on an empty Postgres database", () => {
  beforeAll(() => ensureBinary());
  const running: Running[] = [];
  afterAll(async () => { await Promise.all(running.map((r) => r.stop())); });

  test("ten times: every start succeeds, and the config's endpoints are there once", async () => {
    const failures: string[] = [];
    for (let round = 0; round < 10; round++) {
      const db = await createDatabase();
      try {
        const path = writeConfig(config(db.url));
        const starts = await Promise.allSettled([0, 1, 2].map(() => startBinary(path, { HOOKGATE_MASTER_KEY: MASTER_KEY }, 60_000)));
        for (const s of starts) {
          if (s.status === "fulfilled") running.push(s.value);
          else failures.push(`round ${round + 1}: ${String(s.reason).slice(0, 400)}`);
        }
        const { rows } = await db.client.query("SELECT id, managed_by, tenant FROM endpoints ORDER BY id");
        expect(rows).toEqual([
          { id: "audit", managed_by: "config", tenant: "globex" },
          { id: "billing", managed_by: "config", tenant: "acme" },
          { id: "crm", managed_by: "config", tenant: null },
        ]);
        await Promise.all(running.splice(0).map((r) => r.stop()));
      } finally {
        await db.drop();
      }
    }
    expect(failures).toEqual([]);
  });
});
