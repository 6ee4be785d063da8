import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { generateKeyPair } from "../../src/core/ed25519.ts";
import { verifiesWith } from "../support/ed25519-receiver.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { waitFor } from "../support/wait.ts";
import { startAdminApp, type AdminApp } from "../http/support.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

/**
 * Ed25519 private keys at rest (DESIGN §15): sealed like secrets in the store's own rows, on both stores; a restart
 * with the same secrets key signs with the same keys, and the public keys read the same.
 */
const KINDS = [
  { name: "sqlite", skip: false, open: async () => ({ store: undefined, drop: async () => {} }) },
  { name: "postgres", skip: skipPg, open: async () => { const db: TestDatabase = await createDatabase(); return { store: { postgres: db.url }, drop: () => db.drop() }; } },
];

const receiver = startReceiver();
afterAll(() => receiver.stop());

for (const kind of KINDS) {
  describe.skipIf(kind.skip)(`ed25519 keys at rest: ${kind.name}`, () => {
    test("the row holds the private keys sealed and the public keys in clear; a restart signs with the same keys", async () => {
      const dir = mkdtempSync(join(tmpdir(), "hookgate-keys-at-rest-"));
      const { store, drop } = await kind.open();
      // Set here, so a Postgres store's key file is not written into the working folder.
      const saved = process.env.HOOKGATE_MASTER_KEY;
      process.env.HOOKGATE_MASTER_KEY = randomBytes(32).toString("base64");
      const start = () => startAdminApp(store ? { store } : {}, { dir });
      let app: AdminApp | null = null;
      try {
        app = await start();
        const first = generateKeyPair();
        const second = generateKeyPair();
        const url = `${receiver.url}/${kind.name}`;
        const created = await app.api("POST", "/endpoints", { url, events: ["k.*"], signing: { scheme: "ed25519" }, secret: first.privateKey, verify: false });
        expect(created.status).toBe(201);
        const rotated = await app.api("POST", `/endpoints/${created.body.id}/rotate-secret`, { secret: second.privateKey, graceSeconds: 3600 });
        expect(rotated.body.publicKey).toBe(second.publicKey);

        const row = await dbOf(app.store).selectFrom("endpoints").selectAll().where("id", "=", created.body.id).executeTakeFirstOrThrow();
        expect(row.secret).toStartWith("enc:v1:");
        expect(row.previous_secret).toStartWith("enc:v1:");
        expect(row.public_key).toBe(second.publicKey);
        expect(row.previous_public_key).toBe(first.publicKey);
        const text = JSON.stringify(row);
        for (const key of [first, second]) {
          expect(text).not.toContain(key.privateKey);
          expect(text).not.toContain(key.privateKey.slice(5));
          expect(text).not.toContain(Buffer.from(key.privateKey.slice(5), "base64").toString("hex"));
        }
        // Sealed, and it opens to the key given: the store round-trips it.
        expect(app.registry.codec.decrypt(row.secret!)).toBe(second.privateKey);
        expect(app.registry.codec.decrypt(row.previous_secret!)).toBe(first.privateKey);
        await app.close();
        app = null;

        app = await start();
        expect((await app.api("GET", `/endpoints/${created.body.id}`)).body.signing.publicKey).toBe(second.publicKey);
        expect((await app.api("GET", `/endpoints/${created.body.id}/public-keys`)).body.data.map((k: { publicKey: string }) => k.publicKey)).toEqual([second.publicKey, first.publicKey]);
        expect((await app.post({ type: "k.after-restart", data: { store: kind.name } })).status).toBe(202);
        const path = new URL(url).pathname;
        await waitFor(() => receiver.requests.some((r) => r.path === path), { what: "the delivery after the restart" });
        const delivery = receiver.requests.find((r) => r.path === path)!;
        const signed = { id: delivery.headers["webhook-id"]!, timestamp: delivery.headers["webhook-timestamp"]!, signature: delivery.headers["webhook-signature"]!, body: delivery.body };
        expect(signed.signature.split(" ")).toHaveLength(2);
        expect(await verifiesWith(second.publicKey, signed)).toBe(true);
        expect(await verifiesWith(first.publicKey, signed)).toBe(true);
      } finally {
        await app?.close();
        if (saved === undefined) delete process.env.HOOKGATE_MASTER_KEY; else process.env.HOOKGATE_MASTER_KEY = saved;
        await drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
