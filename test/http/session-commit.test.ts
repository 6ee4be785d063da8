import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver } from "../support/receiver.ts";
import { adminClient } from "./support.ts";

// DESIGN §9: "A write through a session re-checks the session when it commits: a session revoked (or a tenant
// deleted) while its request waits, e.g. on a verify ping, saves nothing." Before, such a create answered 201
// with a secret, and the deleted tenant's record came back.
setDefaultTimeout(60_000);

/** A receiver that holds each request until released: the verify ping waits there while the test acts. */
function heldReceiver() {
  let arrived: () => void = () => {};
  let release: () => void = () => {};
  const ping = new Promise<void>((resolve) => { arrived = resolve; });
  const released = new Promise<void>((resolve) => { release = resolve; });
  const receiver = startReceiver(async () => { arrived(); await released; return new Response("ok"); });
  return { receiver, ping, release: () => release() };
}

const STORES = [{ name: "sqlite", skip: false }, { name: "postgres", skip: skipPg }];

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`a session's write re-checks the session when it commits (${kind.name})`, () => {
    let app: TestApp;
    let db: TestDatabase | null = null;
    afterEach(async () => { await app?.close(); await db?.drop(); db = null; });
    afterAll(async () => { await db?.drop(); });

    async function start() {
      db = kind.name === "postgres" ? await createDatabase() : null;
      app = await startTestApp(baseConfig(db ? { store: { postgres: db.url } } : {}));
      const api = adminClient(app.url);
      const { token } = (await api("POST", "/tenants/acme/sessions", {})).body as { token: string };
      return { api, token };
    }

    test("revoked while the verify ping waits: 401, and no endpoint is saved", async () => {
      const { api, token } = await start();
      const held = heldReceiver();
      const creating = api("POST", "/endpoints", { url: held.receiver.url, events: ["*"] }, token);
      await held.ping;
      expect((await api("DELETE", "/tenants/acme/sessions")).status).toBe(200);
      held.release();
      const created = await creating;
      expect(created.status).toBe(401);
      expect(created.body.signingSecret).toBeUndefined();
      expect(created.body.detail).toContain("nothing was saved");
      expect((await api("GET", "/endpoints?tenant=acme")).body.data).toEqual([]);
      held.receiver.stop();
    });

    test("its tenant deleted while the verify ping waits: nothing saved, and the tenant stays deleted", async () => {
      const { api, token } = await start();
      const held = heldReceiver();
      const creating = api("POST", "/endpoints", { url: held.receiver.url, events: ["*"] }, token);
      await held.ping;
      expect((await api("DELETE", "/tenants/acme")).status).toBe(200);
      held.release();
      expect((await creating).status).toBe(401);
      expect((await api("GET", "/endpoints?tenant=acme")).body.data).toEqual([]);
      expect((await api("GET", "/tenants/acme")).status).toBe(404);
      held.receiver.stop();
    });

    test("a live session's create, change and delete still go through; after a revoke each is refused and changes nothing", async () => {
      const { api, token } = await start();
      const receiver = startReceiver();
      const created = await api("POST", "/endpoints", { url: receiver.url, events: ["*"], verify: false }, token);
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect((await api("PATCH", `/endpoints/${id}`, { description: "mine" }, token)).status).toBe(200);
      expect((await api("DELETE", "/tenants/acme/sessions")).status).toBe(200);
      for (const [method, path, body] of [["PATCH", `/endpoints/${id}`, { description: "theirs" }], ["DELETE", `/endpoints/${id}`, undefined], ["POST", `/endpoints/${id}/rotate-secret`, {}]] as const) {
        expect((await api(method, path, body, token)).status).toBe(401);
      }
      const still = await api("GET", `/endpoints/${id}`);
      expect(still.status).toBe(200);
      expect(still.body.description).toBe("mine");
      receiver.stop();
    });
  });
}
