import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { InvalidEventsError } from "../../src/plugin-api/index.ts";
import { baseConfig, INGEST_TOKEN, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ACME = "acme-token-0123456789abcdef";

let receiver: Receiver;
let app: TestApp;

// Overlapping patterns: tenant endpoints and global ones subscribe to the same types.
const endpoints = [
  { id: "a-orders", tenant: "a", events: ["order.*"] },
  { id: "a-all", tenant: "a", events: ["*"] },
  { id: "b-created", tenant: "b", events: ["order.created"] },
  { id: "g-orders", events: ["order.*"] },
  { id: "g-invoices", events: ["invoice.paid"] },
  { id: "g-audit", events: ["audit.*"], transform: (event: { id: string; tenant: string | null }) => ({ id: event.id, tenant: event.tenant }) },
];

beforeAll(async () => {
  receiver = startReceiver();
  app = await startTestApp(baseConfig({
    sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [
      { name: "t", token: INGEST_TOKEN, events: ["*"] },
      { name: "acme", token: ACME, events: ["*"], tenant: "acme" },
    ] }],
    endpoints: endpoints.map((e) => ({ url: `${receiver.url}/${e.id}`, secret: SECRET, ...e })) as never,
  }));
});
afterAll(async () => { await app.close(); receiver.stop(); });

const post = (body: unknown, token = INGEST_TOKEN) => fetch(`${app.url}/v1/events`, {
  method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body),
});

async function send(event: Record<string, unknown>): Promise<string> {
  const response = await post({ data: { n: 1 }, ...event });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** The event ids each endpoint received, by the path its URL ends with. */
const receivedBy = (id: string) => receiver.requests.filter((r) => r.path === `/hooks/${id}`).map((r) => r.headers["webhook-id"]).sort();

describe("routing by tenant", () => {
  test("each endpoint gets exactly its tenant's events and the global ones, never another tenant's", async () => {
    const ids = {
      aOrder: await send({ type: "order.created", tenant: "a" }),
      aInvoice: await send({ type: "invoice.paid", tenant: "a" }),
      bOrder: await send({ type: "order.created", tenant: "b" }),
      bInvoice: await send({ type: "invoice.paid", tenant: "b" }),
      gOrder: await send({ type: "order.created" }),
      gInvoice: await send({ type: "invoice.paid" }),
      cOrder: await send({ type: "order.created", tenant: "c" }),
    };
    const expected: Record<string, string[]> = {
      "a-orders": [ids.aOrder],
      "a-all": [ids.aOrder, ids.aInvoice],
      "b-created": [ids.bOrder],
      "g-orders": [ids.aOrder, ids.bOrder, ids.gOrder, ids.cOrder],
      "g-invoices": [ids.aInvoice, ids.bInvoice, ids.gInvoice],
    };
    const total = Object.values(expected).reduce((n, l) => n + l.length, 0);
    await waitFor(() => receiver.requests.length >= total, { timeoutMs: 5_000, what: "the deliveries" });
    await Bun.sleep(200); // nothing more may arrive
    for (const [id, events] of Object.entries(expected)) expect({ id, events: receivedBy(id) }).toEqual({ id, events: [...events].sort() });
    expect(receiver.requests.length).toBe(total);

    // The default body has the tenant only when the event has one.
    const body = (event: string, endpoint: string) => JSON.parse(receiver.requests.find((r) => r.headers["webhook-id"] === event && r.path === `/hooks/${endpoint}`)!.body);
    expect(body(ids.aOrder, "g-orders")).toEqual({ id: ids.aOrder, type: "order.created", timestamp: expect.any(String), tenant: "a", data: { n: 1 } });
    expect(Object.keys(body(ids.gOrder, "g-orders"))).toEqual(["id", "type", "timestamp", "data"]);

    // A delivery's tenant is its endpoint's; the event keeps its own; every tenant named is recorded.
    const db = dbOf(app.store);
    const rows = await db.selectFrom("deliveries").innerJoin("events", "events.id", "deliveries.event_id")
      .select(["deliveries.endpoint_id", "deliveries.tenant as dt", "events.tenant as et"]).where("events.id", "=", ids.aOrder).execute();
    expect(Object.fromEntries(rows.map((r) => [r.endpoint_id, [r.dt, r.et]]))).toEqual({ "a-orders": ["a", "a"], "a-all": ["a", "a"], "g-orders": [null, "a"] });
    const tenants = (await db.selectFrom("tenants").select("id").orderBy("id").execute()).map((r) => r.id);
    expect(tenants).toEqual(["a", "b", "c"]);
  });

  test("transform receives the tenant (null for a global event)", async () => {
    receiver.requests.length = 0;
    const ofA = await send({ type: "audit.viewed", tenant: "a" });
    const global = await send({ type: "audit.viewed" });
    await waitFor(() => receivedBy("g-audit").length === 2, { timeoutMs: 5_000, what: "the audit deliveries" });
    const bodies = receiver.requests.filter((r) => r.path === "/hooks/g-audit").map((r) => JSON.parse(r.body));
    expect(bodies).toContainEqual({ id: ofA, tenant: "a" });
    expect(bodies).toContainEqual({ id: global, tenant: null });
  });
});

describe("ingest with tenants", () => {
  const problem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toStartWith("application/problem+json");
    return (await response.json()) as { detail: string; errors: { path: string; message: string }[] };
  };

  test("a bound token's events take its tenant", async () => {
    const response = await post([{ type: "order.created", data: {} }, { type: "order.created", data: {}, tenant: "acme" }], ACME);
    expect(response.status).toBe(202);
    const { events } = (await response.json()) as { events: { id: string }[] };
    const rows = await dbOf(app.store).selectFrom("events").select("tenant").where("id", "in", events.map((e) => e.id)).execute();
    expect(rows.map((r) => r.tenant)).toEqual(["acme", "acme"]);
  });

  test("403 when a bound token names another tenant, with the path; nothing stored", async () => {
    const before = await dbOf(app.store).selectFrom("events").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const single = await problem(await post({ type: "order.created", data: {}, tenant: "b" }, ACME), 403);
    expect(single.detail).toContain('token "acme" is bound to tenant "acme"');
    expect(single.errors).toEqual([{ path: "tenant", message: expect.stringContaining('"b"') }]);
    const batch = await problem(await post([{ type: "order.created", data: {} }, { type: "order.created", data: {}, tenant: "b" }], ACME), 403);
    expect(batch.errors.map((e) => e.path)).toEqual(["[1].tenant"]);
    const after = await dbOf(app.store).selectFrom("events").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  test("422 for a bad tenant id, with its path (single and array)", async () => {
    const single = await problem(await post({ type: "order.created", data: {}, tenant: "no spaces" }), 422);
    expect(single.errors).toEqual([{ path: "tenant", message: expect.stringContaining("must be a tenant id") }]);
    const batch = await problem(await post([{ type: "order.created", data: {} }, { type: "order.created", data: {}, tenant: 42 }]), 422);
    expect(batch.errors).toEqual([{ path: "[1].tenant", message: expect.stringContaining("must be a tenant id") }]);
    await problem(await post({ type: "order.created", data: {}, tenant: "x".repeat(129) }), 422);
  });

  test("ctx.emit refuses a bad tenant with InvalidEventsError", async () => {
    const emitted = app.ingest.emit("app", [{ type: "order.created", data: {}, tenant: "-leading-dash" }]);
    await expect(emitted).rejects.toBeInstanceOf(InvalidEventsError);
    await emitted.catch((e: InvalidEventsError) => expect(e.problems).toEqual([{ path: "tenant", message: expect.stringContaining("tenant id") }]));
  });
});
