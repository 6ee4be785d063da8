import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { waitFor } from "../support/wait.ts";
import { expectProblem, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and Postgres on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

/**
 * Payload filters (DESIGN §14) on the server on loopback, with a real receiver, on both stores: a config endpoint's
 * and an API endpoint's filter decide which events of their types reach them, and an event that does not match
 * creates no delivery at all for that endpoint.
 */
for (const kind of ["sqlite", "postgres"] as const) {
  describe.skipIf(kind === "postgres" && skipPg)(`payload filters (${kind})`, () => {
    let app: AdminApp;
    let receiver: Receiver;
    let pg: TestDatabase | undefined;
    let sent = 0;

    /** The `n` of every event the receiver got at this path (its own label in data). */
    const got = (path: string) => receiver.requests.filter((r) => r.path === `/hooks/${path}`).map((r) => JSON.parse(r.body).data.n as number).sort((a, b) => a - b);
    const post = async (type: string, data: Record<string, unknown>) => {
      const n = ++sent;
      expect((await app.post({ type, data: { n, ...data } })).status).toBeLessThan(300);
      return n;
    };
    const deliveriesOf = async (endpointId: string) =>
      (await dbOf(app.store).selectFrom("deliveries").select("id").where("endpoint_id", "=", endpointId).execute()).length;

    beforeAll(async () => {
      receiver = startReceiver();
      if (kind === "postgres") pg = await createDatabase();
      app = await startAdminApp({
        ...(pg && { store: { postgres: pg.url } }),
        endpoints: [{ id: "big", url: `${receiver.url}/big`, events: ["invoice.*"], signing: { scheme: "none" }, filter: { data: { amount: { $gte: 1000 } } } }] as never,
      });
    });
    afterAll(async () => {
      await app?.close();
      receiver?.stop();
      await pg?.drop();
    });

    test("a config endpoint and an API endpoint get only the events their filters match; the others create no delivery", async () => {
      const created = await app.api("POST", "/endpoints", {
        url: `${receiver.url}/eu`, events: ["invoice.*"], verify: false,
        filter: { $or: [{ data: { region: "eu" } }, { data: { tags: { $in: ["eu-vat"] } } }], type: { $neq: "invoice.voided" } },
      });
      expect(created.status).toBe(201);
      expect(created.body.filter).toEqual({ $or: [{ data: { region: "eu" } }, { data: { tags: { $in: ["eu-vat"] } } }], type: { $neq: "invoice.voided" } });
      const eu = created.body.id as string;
      const all = (await app.api("POST", "/endpoints", { url: `${receiver.url}/all`, events: ["invoice.*"], verify: false })).body.id as string;

      const bigUs = await post("invoice.paid", { amount: 1500, region: "us" });
      const smallEu = await post("invoice.paid", { amount: 10, region: "eu" });
      const bigEu = await post("invoice.paid", { amount: 5000, region: "eu" });
      const taggedUs = await post("invoice.paid", { amount: 20, region: "us", tags: ["b2b", "eu-vat"] });
      const voidedEu = await post("invoice.voided", { amount: 20, region: "eu" });
      const stringAmount = await post("invoice.paid", { amount: "9999", region: "us" });

      await waitFor(() => got("all").length === 6, { timeoutMs: 20_000, what: "the unfiltered endpoint to get all six events" });
      await waitFor(() => got("big").length === 2 && got("eu").length === 3, { timeoutMs: 20_000, what: "the filtered endpoints' events" });
      expect(got("big")).toEqual([bigUs, bigEu]);
      expect(got("eu")).toEqual([smallEu, bigEu, taggedUs]);
      expect(got("all")).toEqual([bigUs, smallEu, bigEu, taggedUs, voidedEu, stringAmount]);
      // Not held back or failed: never created.
      expect(await deliveriesOf("big")).toBe(2);
      expect(await deliveriesOf(eu)).toBe(3);
      expect(await deliveriesOf(all)).toBe(6);
    });

    test("GET shows the filter; a PATCH changes it for the next events, and null removes it", async () => {
      const created = await app.api("POST", "/endpoints", { url: `${receiver.url}/patched`, events: ["order.*"], verify: false, filter: { data: { shop: "eu" } } });
      const id = created.body.id as string;
      expect((await app.api("GET", `/endpoints/${id}`)).body.filter).toEqual({ data: { shop: "eu" } });
      expect((await app.api("GET", `/endpoints/${(await app.api("POST", "/endpoints", { url: `${receiver.url}/x`, events: ["none.x"], verify: false })).body.id}`)).body.filter).toBeNull();

      const eu1 = await post("order.created", { shop: "eu" });
      await post("order.created", { shop: "us" });
      await waitFor(() => got("patched").length === 1, { timeoutMs: 20_000, what: "the eu order" });

      const patched = await app.api("PATCH", `/endpoints/${id}`, { filter: { data: { shop: { $startsWith: "u" } } } });
      expect(patched.status).toBe(200);
      expect(patched.body.filter).toEqual({ data: { shop: { $startsWith: "u" } } });
      await post("order.created", { shop: "eu" });
      const us2 = await post("order.created", { shop: "us" });
      await waitFor(() => got("patched").length === 2, { timeoutMs: 20_000, what: "the us order after the change" });

      expect((await app.api("PATCH", `/endpoints/${id}`, { filter: null })).body.filter).toBeNull();
      const any = await post("order.created", { shop: "jp" });
      await waitFor(() => got("patched").length === 3, { timeoutMs: 20_000, what: "any order once the filter is removed" });
      expect(got("patched")).toEqual([eu1, us2, any]);
      expect(await deliveriesOf(id)).toBe(3);
    });

    test("60 endpoints filtered each on its own account (fan-out looks them up by it), global and a tenant's: each event reaches its account's, and a tenant's PATCH moves one for the next events", async () => {
      const make = (i: number, tenant?: string) => app.api("POST", "/endpoints", {
        url: `${receiver.url}/acct-${tenant ?? "g"}-${i}`, events: ["usage.*"], verify: false, ...(tenant && { tenant }),
        filter: { data: { account: `a${i}`, units: { $gt: 0 } } },
      }).then((r) => { expect(r.status).toBe(201); return r.body.id as string; });
      const globals = await Promise.all(Array.from({ length: 30 }, (_, i) => make(i)));
      const own = await Promise.all(Array.from({ length: 30 }, (_, i) => make(i, "acme")));
      const usage = async (account: unknown, tenant?: string, units = 1) => {
        const n = ++sent;
        expect((await app.post({ type: "usage.recorded", ...(tenant && { tenant }), data: { n, account, units } })).status).toBeLessThan(300);
        return n;
      };
      const g7 = await usage("a7");
      const acme7 = await usage("a7", "acme");
      const both = await usage(["a3", "a29"], "acme");
      await usage("a7", "acme", 0); // the account matches, the rest of the filter does not
      await usage("nobody", "acme");
      await waitFor(() => got("acct-g-7").length === 2 && got("acct-acme-7").length === 1 && got("acct-acme-29").length === 1,
        { timeoutMs: 20_000, what: "the accounts' events" });
      expect(got("acct-g-7")).toEqual([g7, acme7]);
      expect(got("acct-acme-7")).toEqual([acme7]);
      expect([got("acct-g-3"), got("acct-g-29"), got("acct-acme-3"), got("acct-acme-29")]).toEqual([[both], [both], [both], [both]]);
      expect(await deliveriesOf(globals[5]!)).toBe(0);
      expect(await deliveriesOf(own[7]!)).toBe(1);

      const moved = await app.api("PATCH", `/endpoints/${own[7]}`, { filter: { data: { account: "a8" } } });
      expect(moved.status).toBe(200);
      const later7 = await usage("a7", "acme");
      const acme8 = await usage("a8", "acme");
      await waitFor(() => got("acct-acme-7").length === 2 && got("acct-acme-8").length === 1 && got("acct-g-7").length === 3,
        { timeoutMs: 20_000, what: "the events after the change" });
      expect(got("acct-acme-7")).toEqual([acme7, acme8]);
      expect(got("acct-acme-8")).toEqual([acme8]);
      expect(got("acct-g-7")).toEqual([g7, acme7, later7]);
      expect(await deliveriesOf(own[7]!)).toBe(2);
    });

    test("a bad filter is a 422 naming the path of the bad operator, and nothing is saved or changed", async () => {
      const before = (await app.api("GET", "/endpoints?limit=100")).body.data.length;
      const bad = await app.api("POST", "/endpoints", { url: `${receiver.url}/bad`, events: ["*"], verify: false, filter: { data: { amount: { $gtx: 5 }, tags: { $in: "eu" } } } });
      const problem = expectProblem(bad, 422);
      expect(problem.errors).toEqual([
        { path: "filter.data.amount.$gtx", message: expect.stringContaining('unknown operator "$gtx"') },
        { path: "filter.data.tags.$in", message: "takes an array of values" },
      ]);
      const hostile = await app.api("POST", "/endpoints", { url: `${receiver.url}/bad`, events: ["*"], verify: false, filter: { data: { s: { $regex: "(a+)+$" } } } });
      expect(expectProblem(hostile, 422).errors).toEqual([{ path: "filter.data.s.$regex", message: expect.stringContaining("backtrack catastrophically") }]);
      const big = await app.api("POST", "/endpoints", { url: `${receiver.url}/bad`, events: ["*"], verify: false, filter: { data: { id: { $in: Array.from({ length: 600 }, (_, i) => `id-${i}`) } } } });
      expect(expectProblem(big, 422).errors).toEqual([{ path: "filter", message: expect.stringContaining("at most 4096") }]);
      expect((await app.api("GET", "/endpoints?limit=100")).body.data.length).toBe(before);

      const id = (await app.api("POST", "/endpoints", { url: `${receiver.url}/kept`, events: ["*"], verify: false, filter: { type: "a.b" } })).body.id as string;
      const patch = await app.api("PATCH", `/endpoints/${id}`, { filter: { $and: [{ data: { x: { $lt: [] } } }] } });
      expect(expectProblem(patch, 422).errors).toEqual([{ path: "filter.$and.0.data.x.$lt", message: "takes a number or a string" }]);
      expect((await app.api("GET", `/endpoints/${id}`)).body.filter).toEqual({ type: "a.b" });
    });
  });
}

test("a config endpoint's bad filter is a config error naming its path", async () => {
  const result = await resolveConfig({
    server: { port: 0 }, store: { sqlite: ":memory:" }, delivery: { requireHttps: false },
    endpoints: [
      { id: "ok", url: "https://example.com/a", events: ["*"], signing: { scheme: "none" }, filter: { data: { amount: { $gte: 1 } } } },
      { id: "a", url: "https://example.com/b", events: ["*"], signing: { scheme: "none" }, filter: { data: { amount: { $gtx: 1000 } } } },
      { id: "b", url: "https://example.com/c", events: ["*"], signing: { scheme: "none" }, filter: { data: { name: { $regex: "(\\w+\\s?)*$" } } } },
    ],
  }, "/tmp/webhooks.config.ts", builtinPlugins);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.problems).toEqual([
    { path: "endpoints[1].filter.data.amount.$gtx", message: expect.stringContaining('unknown operator "$gtx" (one of $eq') },
    { path: "endpoints[2].filter.data.name.$regex", message: expect.stringContaining("repeats a group") },
  ]);
});

test("OpenAPI shows filter on the endpoint create, change and read", async () => {
  const app = await startAdminApp();
  try {
    const doc = await (await fetch(`${app.url}/docs/json`)).json() as any;
    const text = JSON.stringify(doc);
    const op = (id: string) => Object.values(doc.paths).flatMap((p: any) => Object.values(p)).find((o: any) => o.operationId === id) as any;
    const bodyOf = (id: string) => JSON.stringify(op(id).requestBody);
    expect(bodyOf("createEndpoint")).toContain("\"filter\"");
    expect(bodyOf("updateEndpoint")).toContain("\"filter\"");
    expect(text).toContain("$startsWith $endsWith $not $and $or");
    expect(JSON.stringify(op("getEndpoint")?.responses ?? {})).toContain("filter");
  } finally {
    await app.close();
  }
});
