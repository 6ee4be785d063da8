import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import * as v from "valibot";
import { waitFor } from "../support/wait.ts";
import { toEventRow } from "../../src/core/events.ts";
import { newId } from "../../src/core/ids.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { expectProblem, sessionOf, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: AdminApp;
let receiver: Receiver;

beforeAll(async () => {
  receiver = startReceiver((req) => new Response(JSON.stringify(req.method === "GET" && !req.path.includes("after") ? [{ n: 1 }, { n: 2 }] : []), { headers: { "content-type": "application/json" } }));
  app = await startAdminApp({
    sources: [
      { type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "test-ingest-token-0123456789", events: ["*"] }] },
      // A source that moves a cursor, and one that cannot reach its server.
      { type: "poll", id: "crm", schedule: "* * * * * *", url: `${receiver.url.replace("/hooks", "")}/{cursor}`, cursor: (item: { n: number }) => `after-${item.n}`, map: (item: { n: number }) => ({ type: "contact.updated", data: item, id: String(item.n) }) },
      { type: "poll", id: "broken", schedule: "* * * * * *", url: "http://127.0.0.1:9/changes" },
    ] as never,
  });
});
afterAll(async () => { await app.close(); receiver.stop(); });

/** Walks every page of a list, inserting rows between the pages. */
async function walk(path: string, between: (page: number) => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const result: { status: number; body: any } = await app.api("GET", `${path}${cursor ? `${sep}cursor=${cursor}` : ""}`);
    expect(result.status).toBe(200);
    ids.push(...result.body.data.map((row: { id: string }) => row.id));
    cursor = result.body.nextCursor;
    if (!cursor) return ids;
    await between(page);
  }
  throw new Error("too many pages");
}

describe("lists are newest first, with cursor pages that hold while rows arrive", () => {
  test("events", async () => {
    const sent: string[] = [];
    for (let i = 0; i < 23; i++) sent.push((await (await app.post({ type: "page.event", data: { i } })).json() as { id: string }).id);
    const seen = await walk("/events?type=page.event&limit=5", async (page) => {
      for (let k = 0; k < 3; k++) await app.post({ type: "page.event", data: { page, k } });
    });
    expect(seen).toEqual([...sent].reverse());
  });

  test("deliveries, filtered by endpoint and status", async () => {
    const { body: ep } = await app.api("POST", "/endpoints", { url: receiver.url, events: ["page.delivery"], verify: false });
    for (let i = 0; i < 12; i++) await app.post({ type: "page.delivery", data: { i } });
    await waitFor(async () => (await app.api("GET", `/deliveries?endpoint=${ep.id}&status=succeeded&limit=100`)).body.data.length === 12, { timeoutMs: 5000, what: "12 delivered" });
    const all = (await app.api("GET", `/deliveries?endpoint=${ep.id}&limit=100`)).body.data.map((d: { id: string }) => d.id);
    const seen = await walk(`/deliveries?endpoint=${ep.id}&limit=5`, async () => { await app.post({ type: "page.delivery", data: {} }); });
    expect(seen).toEqual(all);
    expect([...all].sort().reverse()).toEqual(all);
    expect((await app.api("GET", `/deliveries?endpoint=${ep.id}&status=failed`)).body.data).toEqual([]);
  });

  test("endpoints", async () => {
    for (let i = 0; i < 6; i++) await app.api("POST", "/endpoints", { url: receiver.url, events: ["x"], verify: false, description: `before ${i}` });
    const before = (await app.api("GET", "/endpoints?limit=100")).body.data.map((e: { id: string }) => e.id);
    const seen = await walk("/endpoints?limit=4", async () => {
      await app.api("POST", "/endpoints", { url: receiver.url, events: ["x"], verify: false, description: "during" });
    });
    expect(seen).toEqual(before);
  });

  test("events since a time", async () => {
    // The poll sources above add events of their own whenever they run; the type keeps this list to the test's.
    await app.post({ type: "since.test", data: { before: true } });
    await Bun.sleep(5);
    const since = new Date().toISOString();
    await Bun.sleep(5);
    const id = (await (await app.post({ type: "since.test", data: {} })).json() as { id: string }).id;
    const result = await app.api("GET", `/events?since=${since}&type=since.test`);
    expect(result.body.data.map((e: { id: string }) => e.id)).toEqual([id]);
    expect(result.body.nextCursor).toBeNull();
    expect(result.body.data[0]).toEqual(expect.objectContaining({ type: "since.test", source: "app", data: {}, idempotencyKey: null }));
  });

  test("a cursor that was not given out, and limits out of range, answer 422", async () => {
    expect(expectProblem(await app.api("GET", "/events?cursor=garbage"), 422).errors[0].path).toBe("query.cursor");
    expect(expectProblem(await app.api("GET", "/deliveries?limit=0"), 422).errors[0].path).toBe("query.limit");
    expect(expectProblem(await app.api("GET", "/endpoints?limit=101"), 422).errors[0].path).toBe("query.limit");
    expect(expectProblem(await app.api("GET", "/deliveries?status=lost"), 422).errors[0].path).toBe("query.status");
    expect(expectProblem(await app.api("GET", "/events?since=monday"), 422).errors[0].path).toBe("query.since");
  });
});

describe("list filters take one value, as sent", () => {
  test("a comma, brackets or braces are part of the value: no match, not a 422", async () => {
    for (const path of ["/deliveries?endpoint=a,b", "/deliveries?event=a,b", "/deliveries?endpoint=[a]", "/deliveries?endpoint=%7B%22a%22%3A1%7D"]) {
      const result = await app.api("GET", path);
      expect({ path, status: result.status, data: result.body.data }).toEqual({ path, status: 200, data: [] });
    }
    // Values with a format of their own are checked as one value.
    for (const [path, name] of [["/deliveries?status=failed,pending", "status"], ["/events?type=a,b", "type"]]) {
      const error = expectProblem(await app.api("GET", path!), 422).errors[0];
      expect({ path: error.path, array: error.message.includes("Array") }).toEqual({ path: `query.${name}`, array: false });
    }
  });

  test("a parameter given twice answers 422 naming it", async () => {
    for (const [path, name] of [["/deliveries?endpoint=a&endpoint=b", "endpoint"], ["/deliveries?status=failed&status=pending", "status"],
      ["/deliveries?event=a&event=b", "event"], ["/events?type=a&type=b", "type"], ["/events?since=2020-01-01T00:00:00Z&since=2021-01-01T00:00:00Z", "since"],
      ["/endpoints?cursor=a&cursor=b", "cursor"], ["/deliveries?limit=1&limit=2", "limit"]]) {
      const body = expectProblem(await app.api("GET", path!), 422);
      expect({ path, errors: body.errors }).toEqual({ path, errors: [{ path: `query.${name}`, message: expect.stringContaining("once") }] });
    }
  });
});

describe("event types and sources", () => {
  test("without a catalog, the types seen so far", async () => {
    const types = (await app.api("GET", "/event-types")).body.data;
    expect(types).toEqual(expect.arrayContaining([{ type: "page.event", description: "", schema: null, inCatalog: false, example: null, forTenants: true }]));
  });

  test("each source with its state, last error and cursor", async () => {
    await waitFor(async () => {
      const sources = (await app.api("GET", "/sources")).body.data as { id: string; status: string; cursor: unknown }[];
      return sources.find((s) => s.id === "broken")?.status === "error" && sources.find((s) => s.id === "crm")?.cursor === "after-2";
    }, { timeoutMs: 10_000, what: "the poll sources to report" });
    const sources = (await app.api("GET", "/sources")).body.data;
    expect(sources.map((s: { id: string; type: string }) => [s.id, s.type])).toEqual([["app", "http"], ["crm", "poll"], ["broken", "poll"]]);
    expect(sources[0]).toEqual(expect.objectContaining({ status: "running", lastError: null }));
    expect(sources[1]).toEqual(expect.objectContaining({ status: "running", cursor: "after-2" }));
    expect(sources[2].lastError).toContain("poll failed");
    expect(Number.isNaN(Date.parse(sources[2].updatedAt))).toBe(false);
  });
});

describe("with an event catalog", () => {
  let cataloged: AdminApp;
  beforeAll(async () => {
    cataloged = await startAdminApp({ events: { "job.completed": { description: "A job is done", schema: v.object({ jobId: v.string() }) }, "job.started": {} } });
  });
  afterAll(() => cataloged.close());

  test("event types come from the catalog, schemas as JSON Schema", async () => {
    const types = (await cataloged.api("GET", "/event-types")).body.data;
    expect(types.slice(0, 2)).toEqual([
      { type: "job.completed", description: "A job is done", schema: expect.objectContaining({ type: "object", required: ["jobId"] }), inCatalog: true, example: { jobId: "job_123" }, forTenants: true },
      { type: "job.started", description: "", schema: null, inCatalog: true, example: null, forTenants: true },
    ]);
    // Then hookgate's own operational events (test/http/operational-catalog.test.ts).
    expect(types.slice(2).every((t: { type: string }) => t.type.startsWith("hookgate."))).toBe(true);
  });

  test("an endpoint may subscribe only to listed types (patterns are free)", async () => {
    const problem = expectProblem(await cataloged.api("POST", "/endpoints", { url: receiver.url, events: ["job.*", "job.deleted"], verify: false }), 422);
    expect(problem.errors).toEqual([{ path: "events[1]", message: expect.stringContaining("job.deleted") }]);
  });
});

for (const kind of ["sqlite", "postgres"] as const) {
  describe.skipIf(kind === "postgres" && skipPg)(`?tenant= on every list (${kind})`, () => {
    let tenanted: AdminApp;
    let pg: TestDatabase | undefined;
    const made: Record<string, { endpoints: string[]; events: string[]; deliveries: string[] }> = {};

    beforeAll(async () => {
      if (kind === "postgres") pg = await createDatabase();
      tenanted = await startAdminApp(pg ? { store: { postgres: pg.url } } : {});
      const db = dbOf(tenanted.store);
      for (const tenant of ["acme", "globex", null]) {
        const own = made[tenant ?? "global"] = { endpoints: [] as string[], events: [] as string[], deliveries: [] as string[] };
        for (let i = 0; i < 3; i++) {
          const { body } = await tenanted.api("POST", "/endpoints", { url: "http://127.0.0.1:9/x", events: ["*"], verify: false, enabled: false, ...(tenant && { tenant }) });
          own.endpoints.push(body.id);
          // Stored as ingest would (the tenant columns set here until ingest writes them): one event, one delivery.
          const now = Date.now();
          const event = { ...toEventRow(newId("evt", now), "app", { type: "tenant.list", data: { i } }, now), tenant };
          const delivery = { id: newId("dlv", now), endpoint_id: body.id, next_attempt_at: now };
          await tenanted.store.ingest([{ event, deliveries: [delivery] }]);
          await db.updateTable("events").set({ tenant }).where("id", "=", event.id).execute();
          await db.updateTable("deliveries").set({ tenant }).where("id", "=", delivery.id).execute();
          own.events.push(event.id);
          own.deliveries.push(delivery.id);
        }
      }
    });
    afterAll(async () => { await tenanted?.close(); await pg?.drop(); });

    const ids = async (path: string, token?: string) => {
      const result = await tenanted.api("GET", path, undefined, token);
      expect({ path, status: result.status }).toEqual({ path, status: 200 });
      return (result.body.data as { id: string; tenant: string | null }[]);
    };

    test("an admin token filters endpoints, events and deliveries by tenant, newest first, in pages", async () => {
      for (const tenant of ["acme", "globex"]) {
        const mine = made[tenant]!;
        const endpoints = await ids(`/endpoints?tenant=${tenant}`);
        expect(endpoints.map((e) => e.id)).toEqual([...mine.endpoints].reverse());
        expect(endpoints.every((e) => e.tenant === tenant)).toBe(true);
        const events = await ids(`/events?tenant=${tenant}`);
        expect(events.map((e) => e.id)).toEqual([...mine.events].reverse());
        expect(events.every((e) => e.tenant === tenant)).toBe(true);
        const deliveries = await ids(`/deliveries?tenant=${tenant}`);
        expect(deliveries.map((d) => d.id)).toEqual([...mine.deliveries].reverse());
        expect(deliveries.every((d) => d.tenant === tenant)).toBe(true);
        const first = await tenanted.api("GET", `/events?tenant=${tenant}&limit=2`);
        const second = await tenanted.api("GET", `/events?tenant=${tenant}&limit=2&cursor=${first.body.nextCursor}`);
        expect([...first.body.data, ...second.body.data].map((e: { id: string }) => e.id)).toEqual([...mine.events].reverse());
      }
      expect(await ids("/endpoints?tenant=nobody")).toEqual([]);
      // Without the filter, everything, global rows included (tenant null).
      expect((await ids("/deliveries?limit=100")).map((d) => d.tenant)).toContain(null);
    });

    test("a session's lists are its tenant's; naming another tenant is 403; a bad tenant id is 422 with its path", async () => {
      const acme = await sessionOf(tenanted, "acme", ["read"]);
      expect((await ids("/events", acme)).map((e) => e.id)).toEqual([...made.acme!.events].reverse());
      expect((await ids("/deliveries?tenant=acme", acme)).map((e) => e.id)).toEqual([...made.acme!.deliveries].reverse());
      for (const list of ["/endpoints", "/events", "/deliveries"]) {
        expectProblem(await tenanted.api("GET", `${list}?tenant=globex`, undefined, acme), 403, /tenant "acme" only/);
        const bad = expectProblem(await tenanted.api("GET", `${list}?tenant=-x`), 422);
        expect(bad.errors.map((e: { path: string }) => e.path)).toEqual(["query.tenant"]);
      }
    });
  });
}
