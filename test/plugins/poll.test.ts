import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { startItemsServer, type ItemsServer } from "./items-server.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: TestApp | null = null;
let receiver: Receiver | null = null;
let api: ItemsServer | null = null;
afterEach(async () => {
  await app?.close();
  receiver?.stop();
  api?.stop();
  app = receiver = api = null;
});

type Item = { id: number; name: string };
const status = async (a: TestApp) => dbOf(a.store).selectFrom("source_state").selectAll().where("id", "=", "crm").executeTakeFirst();

function start(extra: Record<string, unknown> = {}) {
  return startTestApp(baseConfig({
    sources: [{
      type: "poll", id: "crm", schedule: "* * * * * *", url: `${api!.url}?after={cursor}`,
      items: (body: { items: Item[] }) => body.items,
      map: (item: Item) => ({ type: "contact.updated", data: item }),
      cursor: (item: Item) => item.id,
      ...extra,
    }],
    endpoints: [{ id: "r", url: receiver!.url, events: ["*"], signing: { scheme: "none" } }],
  }));
}

const deliveredIds = (r: Receiver) => r.requests.map((q) => (JSON.parse(q.body) as { data: Item }).data.id);

describe("poll source", () => {
  test("pages through items after the cursor, keeps the cursor, and picks up new items on the next run", async () => {
    api = startItemsServer({ count: 25, pageSize: 10 });
    receiver = startReceiver();
    app = await start({ headers: { "x-tenant": "acme" } });
    await waitFor(() => receiver!.requests.length === 25, { timeoutMs: 10_000, what: "25 deliveries" });
    expect(new Set(deliveredIds(receiver))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => i + 1)));
    // The run after the last page asks from the kept cursor at the next tick, which may come after the deliveries.
    await waitFor(() => api!.requests.length >= 4, { timeoutMs: 5_000, what: "the next run's request" });
    expect(api.requests.slice(0, 4).map((r) => r.after)).toEqual(["", "10", "20", "25"]);
    expect(api.requests[0]!.tenant).toBe("acme");
    expect(await app.store.getCursor("crm")).toBe(25);

    api.items.push({ id: 26, name: "late" }, { id: 27, name: "later" });
    await waitFor(() => receiver!.requests.length === 27, { timeoutMs: 5_000, what: "the new items" });
    expect(deliveredIds(receiver).slice(25).sort()).toEqual([26, 27]);
    expect(await dbOf(app.store).selectFrom("events").select("id").execute()).toHaveLength(27);
  }, 30_000);

  test("map may set the tenant: one id under two tenants is two events, each delivered to its tenant", async () => {
    api = startItemsServer({ count: 4, pageSize: 10 });
    receiver = startReceiver();
    // Items 1 and 2 share key "k1", 3 and 4 share "k2"; odd items are acme's, even ones beta's.
    app = await startTestApp(baseConfig({
      sources: [{
        type: "poll", id: "crm", schedule: "* * * * * *", url: `${api.url}?after={cursor}`,
        items: (body: { items: Item[] }) => body.items, cursor: (item: Item) => item.id,
        map: (item: Item) => ({ type: "contact.updated", data: item, id: `k${Math.ceil(item.id / 2)}`, tenant: item.id % 2 ? "acme" : "beta" }),
      }],
      endpoints: ["acme", "beta"].map((tenant) => ({ id: tenant, tenant, url: `${receiver!.url}/${tenant}`, events: ["*"], signing: { scheme: "none" as const } })),
    }));
    await waitFor(() => receiver!.requests.length === 4, { timeoutMs: 10_000, what: "4 deliveries" });
    const delivered = (tenant: string) => receiver!.requests.filter((r) => r.path === `/hooks/${tenant}`).map((r) => (JSON.parse(r.body) as { data: Item }).data.id).sort();
    expect([delivered("acme"), delivered("beta")]).toEqual([[1, 3], [2, 4]]);
    expect(await dbOf(app.store).selectFrom("events").select("id").execute()).toHaveLength(4);
  });

  test("an error shows on the source and is retried with backoff; auth is sent", async () => {
    api = startItemsServer({ count: 3, pageSize: 10 });
    api.token = "right-token";
    receiver = startReceiver();
    app = await start({ auth: { type: "bearer", token: "wrong-token" } });
    await waitFor(async () => (await status(app!))?.status === "error", { timeoutMs: 5_000, what: "the error status" });
    expect((await status(app))!.last_error).toContain("answered 401");
    const failedAt = api.requests.length;
    await Bun.sleep(1_500);
    expect(api.requests.length - failedAt).toBeLessThanOrEqual(2); // backed off, not once a second
    expect(receiver.requests).toHaveLength(0);
    expect(api.requests[0]!.authorization).toBe("Bearer wrong-token");

    api.token = "wrong-token"; // the API is fixed meanwhile
    await waitFor(() => receiver!.requests.length === 3, { timeoutMs: 15_000, what: "the deliveries after recovery" });
    await waitFor(async () => (await status(app!))?.status === "running", { timeoutMs: 5_000, what: "running again" });
    expect((await status(app))!.last_error).toBeNull();
  }, 30_000);

  test("basic auth, no cursor function: the whole answer each run, deduplicated by the id map sets", async () => {
    api = startItemsServer({ count: 4, pageSize: 10 });
    receiver = startReceiver();
    app = await start({
      url: api.url, cursor: undefined,
      auth: { type: "basic", username: "u", password: "p" },
      map: (item: Item) => ({ type: "contact.updated", id: `contact-${item.id}`, data: item }),
    });
    await waitFor(() => api!.requests.length >= 3, { timeoutMs: 5_000, what: "three runs" });
    expect(api.requests[0]!.authorization).toBe(`Basic ${btoa("u:p")}`);
    await waitFor(() => receiver!.requests.length === 4, { timeoutMs: 5_000, what: "four deliveries" });
    await Bun.sleep(300);
    expect(receiver.requests).toHaveLength(4);
  }, 30_000);
  test("map's tenant routes each item to that tenant's endpoints and the global ones, never another tenant's", async () => {
    api = startItemsServer({ count: 6, pageSize: 10 });
    const [even, odd, global] = [startReceiver(), startReceiver(), startReceiver()];
    receiver = global;
    try {
      app = await startTestApp(baseConfig({
        sources: [{
          type: "poll", id: "crm", schedule: "* * * * * *", url: `${api.url}?after={cursor}`,
          items: (body: { items: Item[] }) => body.items,
          map: (item: Item) => ({ type: "contact.updated", tenant: item.id % 2 ? "odd" : "even", data: item }),
          cursor: (item: Item) => item.id,
        }],
        endpoints: [
          { id: "even", tenant: "even", url: even.url, events: ["*"], signing: { scheme: "none" } },
          { id: "odd", tenant: "odd", url: odd.url, events: ["*"], signing: { scheme: "none" } },
          { id: "all", url: global.url, events: ["*"], signing: { scheme: "none" } },
        ],
      }));
      await waitFor(() => global.requests.length === 6 && even.requests.length === 3 && odd.requests.length === 3, { timeoutMs: 10_000, what: "the deliveries" });
      expect(deliveredIds(even).sort()).toEqual([2, 4, 6]);
      expect(deliveredIds(odd).sort()).toEqual([1, 3, 5]);
      expect(global.requests.map((q) => (JSON.parse(q.body) as { tenant: string }).tenant).sort()).toEqual(["even", "even", "even", "odd", "odd", "odd"]);
      const stored = await dbOf(app.store).selectFrom("events").select(["tenant"]).execute();
      expect(stored.map((e) => e.tenant).sort()).toEqual(["even", "even", "even", "odd", "odd", "odd"]);
    } finally {
      even.stop();
      odd.stop();
    }
  }, 30_000);
});
