import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { runBinary, writeConfig } from "../support/binary.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

describe("hookgate pg-setup", () => {
  test("prints the table, trigger function and trigger for each postgres source in table mode", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  sources: [
    { type: "postgres", id: "orders", url: "postgres://db/app", channel: "hookgate", table: "app.order_events" },
    { type: "postgres", id: "signals", url: "postgres://db/app", channel: "signals" },
  ],
});
`);
    const { code, stdout } = await runBinary(["pg-setup", "--config", path]);
    expect(code).toBe(0);
    expect(stdout).toContain('-- hookgate source "orders"');
    expect(stdout).not.toContain("signals");
    expect(stdout).toContain('CREATE TABLE IF NOT EXISTS "app"."order_events" (\n  id bigserial PRIMARY KEY,\n  type text NOT NULL,\n  data jsonb NOT NULL,');
    expect(stdout).toContain("  tenant text,\n");
    expect(stdout).toContain('ALTER TABLE "app"."order_events" ADD COLUMN IF NOT EXISTS tenant text;');
    expect(stdout).toContain("  ordering_key text,\n");
    expect(stdout).toContain('ALTER TABLE "app"."order_events" ADD COLUMN IF NOT EXISTS ordering_key text;');
    expect(stdout).toContain("PERFORM pg_notify('hookgate', '');");
    expect(stdout).toContain('CREATE TRIGGER "order_events_notify" AFTER INSERT ON "app"."order_events" FOR EACH STATEMENT');
  }, 60_000);

  test("says so when no source is in table mode", async () => {
    const path = writeConfig(`export default { sources: [] };\n`);
    const { code, stdout } = await runBinary(["pg-setup", "--config", path]);
    expect(code).toBe(0);
    expect(stdout).toContain("no postgres source in table mode");
  }, 60_000);
});
