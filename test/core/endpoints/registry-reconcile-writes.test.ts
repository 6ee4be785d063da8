import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../../plugins/index.ts";
import { resolveConfig } from "../../../src/config/load.ts";
import { EndpointRegistry } from "../../../src/core/endpoints/registry.ts";
import { AesGcmCodec } from "../../../src/secrets/codec.ts";
import type { Store } from "../../../src/store/types.ts";
import { adminConfig } from "../../http/support.ts";
import { dbOf } from "../../support/store-db.ts";
import { STORES } from "../../support/stores.ts";

/**
 * Every start (and reload) reconciles the config's endpoints into the store. One the config did not change is not
 * written: its sealed secret, header and credentials stay the texts they were (a fresh encryption differs every
 * time), its updated_at stays, and other processes are told of no change (the store's change log).
 */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`reconciling unchanged config endpoints writes nothing (${kind.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let dir: string;
    const codec = new AesGcmCodec(randomBytes(32));
    beforeAll(async () => { ({ store, cleanup } = await kind.open()); await store.migrate(); dir = mkdtempSync(join(tmpdir(), "hookgate-reconcile-")); });
    afterAll(async () => { await store.close(); await cleanup(); rmSync(dir, { recursive: true, force: true }); });

    const configured = async (url: string) => {
      const config = adminConfig({ endpoints: [
        { id: "keyed", url, events: ["*"], secret: `whsec_${Buffer.from("k".repeat(32)).toString("base64")}`, headers: { "x-api-key": "key-1", "x-team": "core" }, auth: { type: "bearer", token: "tok-1" } },
        { id: "plain", url: "https://plain.example/hooks", events: ["order.*"], signing: { scheme: "none" as const } },
      ] });
      const loaded = await resolveConfig({ ...config, store: { sqlite: join(dir, "unused.db") } }, join(dir, "webhooks.config.ts"), builtinPlugins);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      const c = loaded.loaded.config;
      return { endpoints: c.endpoints, defaults: c.delivery, tenants: c.tenants };
    };
    const rows = async () => Object.fromEntries((await dbOf(store).selectFrom("endpoints").select(["id", "updated_at", "secret", "headers", "auth"]).where("id", "in", ["keyed", "plain"]).execute()).map((r) => [r.id, r]));

    test("a second start with the same config leaves the rows as they were; a changed endpoint alone is written", async () => {
      await new EndpointRegistry(store, await configured("https://keyed.example/hooks"), codec).reconcile();
      const first = await rows();
      const version = await store.changes.version();
      await Bun.sleep(5);
      const restarted = new EndpointRegistry(store, await configured("https://keyed.example/hooks"), codec);
      await restarted.reconcile();
      expect(await rows()).toEqual(first);
      expect(await store.changes.version()).toBe(version);
      expect(restarted.get("keyed")!.secrets).toHaveLength(1); // it signs with the stored (unchanged) secret

      await Bun.sleep(5);
      await new EndpointRegistry(store, await configured("https://moved.example/hooks"), codec).reconcile();
      const after = await rows();
      expect(Number(after.keyed!.updated_at)).toBeGreaterThan(Number(first.keyed!.updated_at));
      expect(after.keyed!.secret).toBe(first.keyed!.secret);
      expect(after.plain).toEqual(first.plain);
      expect(await store.changes.version()).toBeGreaterThan(version);
    });
  });
}
