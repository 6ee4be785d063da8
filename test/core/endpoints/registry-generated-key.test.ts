import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../../plugins/index.ts";
import { resolveConfig } from "../../../src/config/load.ts";
import { publicKeyText } from "../../../src/core/ed25519.ts";
import { EndpointRegistry } from "../../../src/core/endpoints/registry.ts";
import { openStore } from "../../../src/store/open.ts";
import type { Store } from "../../../src/store/types.ts";
import { createDatabase, skipPg, type TestDatabase } from "../../support/pg.ts";
import { dbOf } from "../../support/store-db.ts";
import { adminConfig } from "../../http/support.ts";

/**
 * A config endpoint with `signing: { scheme: "ed25519" }` and no key gets one generated at its first start (DESIGN
 * §15). Processes that start at once on a new Postgres store each find none: they must end up signing with the one
 * key pair the store keeps (its public key is what receivers are given), not each with its own until a catch-up.
 */
describe.skipIf(skipPg)("a generated ed25519 key, two processes starting at once on one Postgres store", () => {
  let db: TestDatabase;
  let dir: string;
  const stores: Store[] = [];
  beforeAll(async () => { db = await createDatabase(); dir = mkdtempSync(join(tmpdir(), "hookgate-keys-")); });
  afterAll(async () => { for (const s of stores) await s.close(); await db.drop(); rmSync(dir, { recursive: true, force: true }); });

  test("both sign with the key pair the store keeps, for every such endpoint", async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `made-${i}`);
    const config = adminConfig({ endpoints: ids.map((id) => ({ id, url: `https://${id}.example/hooks`, events: ["*"], signing: { scheme: "ed25519" as const } })) });
    const loaded = await resolveConfig({ ...config, store: { postgres: db.url } }, join(dir, "webhooks.config.ts"), builtinPlugins);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const { config: c } = loaded.loaded;
    const registries = [0, 1].map(() => {
      const store = openStore({ postgres: db.url, retention: "30d", synchronous: "full" });
      stores.push(store);
      return new EndpointRegistry(store, { endpoints: c.endpoints, defaults: c.delivery, tenants: c.tenants });
    });
    await stores[0]!.migrate();
    await Promise.all(registries.map((r) => r.reconcile()));

    const rows = await dbOf(stores[0]!).selectFrom("endpoints").select(["id", "public_key"]).where("id", "in", ids).execute();
    expect(rows).toHaveLength(ids.length);
    for (const { id, public_key } of rows) {
      expect(public_key).toMatch(/^whpk_/);
      for (const registry of registries) {
        const keys = registry.get(id)!.signingKeys;
        expect(keys).toHaveLength(1);
        expect(publicKeyText(keys[0]!)).toBe(public_key!);
      }
    }
  });
});
