import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { expectProblem, startAdminApp, type AdminApp } from "./support.ts";

setDefaultTimeout(30_000);

let receiver: Receiver;
// The verification ping sits between the cap's first check and the insert: a slow receiver lets both creates pass it.
beforeAll(() => { receiver = startReceiver(async () => { await Bun.sleep(300); return new Response("ok"); }); });
afterAll(() => receiver.stop());

const KINDS: { name: string; skip: boolean; store(): Promise<{ store: object; drop(): Promise<void> }> }[] = [
  { name: "sqlite", skip: false, store: async () => ({ store: {}, drop: async () => {} }) },
  {
    name: "postgres", skip: skipPg,
    async store() {
      const db: TestDatabase = await createDatabase();
      return { store: { store: { postgres: db.url } }, drop: () => db.drop() };
    },
  },
];

for (const kind of KINDS) {
  describe.skipIf(kind.skip)(`tenants.maxEndpoints under concurrent creates (${kind.name})`, () => {
    let app: AdminApp;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const { store, drop: d } = await kind.store();
      drop = d;
      app = await startAdminApp({ ...store, tenants: { maxEndpoints: 3 } } as never);
    });
    afterAll(async () => { await app.close(); await drop(); });

    test("two creates at maxEndpoints - 1: one 201, one 409", async () => {
      const make = () => app.api("POST", "/endpoints", { url: receiver.url, events: ["*"], tenant: "acme", verify: true });
      for (let i = 0; i < 2; i++) expect((await make()).status).toBe(201);
      const results = await Promise.all([make(), make()]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(results.find((r) => r.status === 409)!, 409, /tenant "acme" already has 3 endpoints.*tenants\.maxEndpoints/);
      expect((await app.api("GET", "/endpoints?tenant=acme")).body.data).toHaveLength(3);
    });
  });
}
