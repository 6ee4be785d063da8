import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { waitFor } from "../support/app.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { ADMIN_TOKEN, expectProblem, READ_TOKEN, SECRET, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: AdminApp;
let receiver: Receiver;
/** The config endpoint's own receiver: API endpoints made by the tests subscribe to "*" on the other one. */
let crm: Receiver;

beforeAll(async () => {
  receiver = startReceiver();
  crm = startReceiver();
  app = await startAdminApp({
    endpoints: [{ id: "crm", url: crm.url, events: ["job.*"], secret: SECRET, auth: { type: "bearer", token: "crm-receiver-token" } }] as never,
  });
});
afterAll(async () => { await app.close(); receiver.stop(); crm.stop(); });
beforeEach(() => { receiver.requests.length = 0; receiver.respond(() => new Response("ok")); });

const create = (body: Record<string, unknown>) => app.api("POST", "/endpoints", { url: receiver.url, events: ["*"], ...body });

describe("creating an endpoint", () => {
  test("pings first, saves on a 2xx, and shows the signing secret this once", async () => {
    const created = await create({ description: "sales", events: ["job.completed"] });
    expect(created.status).toBe(201);
    const endpoint = created.body;
    expect(endpoint.id).toStartWith("ep_");
    expect(endpoint.managedBy).toBe("api");
    expect(endpoint.signingSecret).toStartWith("whsec_");
    expect(Buffer.from(endpoint.signingSecret.slice(6), "base64").length).toBe(32);
    // The ping was a real signed delivery, verifiable with the secret just shown.
    expect(receiver.requests).toHaveLength(1);
    const ping = receiver.requests[0]!;
    expect(JSON.parse(ping.body).type).toBe("ping");
    expect(ping.headers["webhook-event"]).toBe("ping");
    expect(() => new Webhook(endpoint.signingSecret).verify(ping.body, ping.headers)).not.toThrow();

    const read = await app.api("GET", `/endpoints/${endpoint.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...endpoint, signingSecret: undefined });
    const list = await app.api("GET", "/endpoints?limit=100");
    for (const text of [JSON.stringify(read.body), JSON.stringify(list.body)]) {
      expect(text).not.toContain(endpoint.signingSecret);
      expect(text).not.toContain(endpoint.signingSecret.slice(6));
      expect(text).not.toMatch(/"(signingSecret|secret|previousSecret)"/);
    }
  });

  test("a failed ping answers 422 with the attempt, and nothing is saved", async () => {
    receiver.respond(() => new Response("down for maintenance", { status: 503, headers: { "x-why": "maintenance" } }));
    const before = (await app.api("GET", "/endpoints?limit=100")).body.data.length;
    const result = await create({});
    const problem = expectProblem(result, 422, /verification ping/);
    expect(problem.attempt).toEqual(expect.objectContaining({ number: 1, statusCode: 503, outcome: "failed", responseBody: "down for maintenance", url: receiver.url }));
    expect(problem.attempt.responseHeaders["x-why"]).toBe("maintenance");
    expect(problem.attempt.requestHeaders["webhook-event"]).toBe("ping");
    expect((await app.api("GET", "/endpoints?limit=100")).body.data.length).toBe(before);
  });

  test("a receiver that cannot be reached fails the ping too", async () => {
    const result = await create({ url: "http://127.0.0.1:9/nothing-listens" });
    const problem = expectProblem(result, 422);
    expect(problem.attempt.statusCode).toBeNull();
    expect(problem.attempt.error).toBeString();
  });

  test("verify: false saves without a ping", async () => {
    const result = await create({ verify: false, url: "http://127.0.0.1:9/later" });
    expect(result.status).toBe(201);
    expect(receiver.requests).toHaveLength(0);
  });

  test("takes headers, auth, signing and per-endpoint delivery options", async () => {
    const result = await create({
      headers: { "X-Team": "sales" }, auth: { type: "basic", username: "hook", password: "pa55" },
      signing: { scheme: "hex", header: "X-CEPro-Signature" }, schedule: ["1m", 300_000], timeoutMs: 5000, rateLimit: 2, maxConcurrency: 4, autoDisableAfter: 5,
    });
    expect(result.status).toBe(201);
    const ping = receiver.requests[0]!;
    expect(ping.headers["x-team"]).toBe("sales");
    expect(ping.headers.authorization).toBe(`Basic ${btoa("hook:pa55")}`);
    expect(ping.headers["x-cepro-signature"]).toMatch(/^[0-9a-f]{64}$/);
    const read = (await app.api("GET", `/endpoints/${result.body.id}`)).body;
    expect(read).toEqual(expect.objectContaining({ schedule: ["1m", 300_000], timeoutMs: 5000, rateLimit: 2, maxConcurrency: 4, autoDisableAfter: 5, signing: { scheme: "hex", header: "X-CEPro-Signature" } }));
    // Receiver credentials are write-only.
    expect(read.auth).toEqual({ type: "basic", username: "hook", password: "********" });
    expect(JSON.stringify(read)).not.toContain("pa55");
  });

  test("a secret of one's own is used and checked", async () => {
    const own = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    const result = await create({ secret: own });
    expect(result.body.signingSecret).toBe(own);
    expect(() => new Webhook(own).verify(receiver.requests[0]!.body, receiver.requests[0]!.headers)).not.toThrow();
    const bad = expectProblem(await create({ secret: "not-base64-!!" }), 422);
    expect(bad.errors).toEqual([{ path: "secret", message: expect.stringContaining("whsec_") }]);
  });
});

describe("422 with errors[] for bad input", () => {
  test("schema problems, each with its path", async () => {
    const result = await app.api("POST", "/endpoints", {
      url: "not a url", events: [], headers: { Host: "evil", "X-Ok": "a\r\nInjected: 1", "Bad Name": "x", "Webhook-Id": "mine" }, auth: { type: "digest" }, colour: "red",
    });
    const problem = expectProblem(result, 422);
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["url", "events", "headers.Host", "headers.X-Ok", "headers.Bad Name", "headers.Webhook-Id", "auth.type", "colour"]));
    for (const e of problem.errors) expect(e.message).toBeString();
  });

  test("the URL policy: forbidden addresses and schemes", async () => {
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://10.1.2.3/hook", "ftp://example.com/x", "http://user:pw@example.com/"]) {
      const problem = expectProblem(await create({ url, verify: false }), 422);
      expect({ url, paths: problem.errors.map((e: { path: string }) => e.path) }).toEqual({ url, paths: ["url"] });
    }
  });

  test("event patterns", async () => {
    const problem = expectProblem(await create({ events: ["ok", "bad pattern", "a.*.b"] }), 422);
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(["events.1", "events.2"]);
  });

  test("a body nested deeper than 64 levels is 422 at once with its field (after the token check)", async () => {
    const deep = `{"url":"http://127.0.0.1:9/x","events":["*"],"verify":false,"colour":${"[".repeat(5_000)}${"]".repeat(5_000)}}`;
    const post = (token: string | null) => fetch(`${app.url}/api/v1/endpoints`, {
      method: "POST", body: deep, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const started = performance.now();
    const response = await post(ADMIN_TOKEN);
    // Before the limit, Elysia's validation error pretty-printed the value: seconds for 10 KB.
    expect(performance.now() - started).toBeLessThan(500);
    const problem = expectProblem({ status: response.status, headers: response.headers, body: await response.json() }, 422);
    expect(problem.errors).toEqual([{ path: "colour", message: expect.stringContaining("64") }]);
    expect((await post(null)).status).toBe(401);
    expect((await post(READ_TOKEN)).status).toBe(403);
  });

  test("a body that is not JSON is 400", async () => {
    const response = await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { authorization: `Bearer ${(await import("./support.ts")).ADMIN_TOKEN}`, "content-type": "application/json" }, body: "{nope" });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toStartWith("application/problem+json");
  });
});

describe("404 for an unknown id", () => {
  test.each([
    ["GET", "/endpoints/ep_nope"], ["PATCH", "/endpoints/ep_nope"], ["DELETE", "/endpoints/ep_nope"],
    ["POST", "/endpoints/ep_nope/rotate-secret"], ["POST", "/endpoints/ep_nope/test"], ["POST", "/endpoints/ep_nope/recover"],
    ["GET", "/deliveries/dlv_nope"], ["POST", "/deliveries/dlv_nope/retry"], ["GET", "/events/evt_nope"],
  ])("%s %s", async (method, path) => {
    const body = path.endsWith("/recover") ? { since: "2026-01-01T00:00:00Z" } : method === "GET" || method === "DELETE" ? undefined : {};
    expectProblem(await app.api(method, path, body), 404);
  });
});

describe("config-managed endpoints", () => {
  test("are readable, and other changes than enabled answer 409", async () => {
    const read = await app.api("GET", "/endpoints/crm");
    expect(read.body).toEqual(expect.objectContaining({ id: "crm", managedBy: "config", events: ["job.*"], auth: { type: "bearer", token: "********" } }));
    expectProblem(await app.api("PATCH", "/endpoints/crm", { url: "http://127.0.0.1:9/x" }), 409, /config file/);
    expectProblem(await app.api("PATCH", "/endpoints/crm", { enabled: true, description: "x" }), 409);
    expectProblem(await app.api("DELETE", "/endpoints/crm"), 409);
    expectProblem(await app.api("POST", "/endpoints/crm/rotate-secret", {}), 409);
    expect((await app.api("GET", "/endpoints/crm")).body).toEqual(read.body);
  });

  test("disable holds deliveries; enable resumes them", async () => {
    const off = await app.api("PATCH", "/endpoints/crm", { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toEqual(expect.objectContaining({ enabled: false, disabledReason: "disabled by an admin" }));
    const sent = await (await app.post({ type: "job.completed", data: { n: 1 } })).json() as { id: string };
    await Bun.sleep(300);
    expect(crm.requests.filter((r) => r.headers["webhook-id"] === sent.id)).toHaveLength(0);
    const waiting = await app.api("GET", `/deliveries?event=${sent.id}&endpoint=crm`);
    expect(waiting.body.data).toEqual([expect.objectContaining({ endpointId: "crm", status: "pending", attempts: [] })]);

    const on = await app.api("PATCH", "/endpoints/crm", { enabled: true });
    expect(on.body).toEqual(expect.objectContaining({ enabled: true, disabledReason: null }));
    await waitFor(() => crm.requests.some((r) => r.headers["webhook-id"] === sent.id), 5_000, "the held delivery after enabling");
    expect(crm.requests.find((r) => r.headers["webhook-id"] === sent.id)!.headers.authorization).toBe("Bearer crm-receiver-token");
  });
});

describe("changing and deleting an API endpoint", () => {
  test("PATCH changes fields; a masked credential sent back keeps the stored one", async () => {
    const { body: ep } = await create({ auth: { type: "bearer", token: "tok-1" } });
    const other = startReceiver();
    try {
      const patched = await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url, events: ["job.completed"], description: "moved", headers: { "X-A": "1" }, auth: (await app.api("GET", `/endpoints/${ep.id}`)).body.auth, timeoutMs: 2000 });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual(expect.objectContaining({ url: other.url, events: ["job.completed"], description: "moved", headers: { "X-A": "1" }, timeoutMs: 2000 }));
      expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(ep.updatedAt));
      const test = await app.api("POST", `/endpoints/${ep.id}/test`, { type: "job.completed" });
      expect(test.body.statusCode).toBe(200);
      expect(other.requests[0]!.headers.authorization).toBe("Bearer tok-1");
      expect(other.requests[0]!.headers["x-a"]).toBe("1");
      const reset = await app.api("PATCH", `/endpoints/${ep.id}`, { timeoutMs: null, auth: null });
      expect(reset.body).toEqual(expect.objectContaining({ timeoutMs: null, auth: null }));
      expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { url: "http://169.254.169.254/" }), 422);
      expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { secret: "whsec_x" }), 422);
    } finally {
      other.stop();
    }
  });

  test("DELETE removes the endpoint with its deliveries and their attempts", async () => {
    const { body: ep } = await create({ events: ["order.*"] });
    receiver.respond(() => new Response("no", { status: 400 })); // failed for good: nothing in flight at the delete
    for (let i = 0; i < 3; i++) await app.post({ type: "order.placed", data: { i } });
    const db = app.store.db;
    const count = async (table: "deliveries" | "attempts") => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).where("endpoint_id", "=", ep.id).executeTakeFirstOrThrow()).n);
    await waitFor(async () => (await app.api("GET", `/deliveries?endpoint=${ep.id}&status=failed`)).body.data.length === 3, 5000, "3 failed deliveries");
    expect(await count("deliveries")).toBe(3);
    expect(await count("attempts")).toBe(3);

    const deleted = await fetch(`${app.url}/api/v1/endpoints/${ep.id}`, { method: "DELETE", headers: { authorization: `Bearer ${(await import("./support.ts")).ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect(await count("deliveries")).toBe(0);
    expect(await count("attempts")).toBe(0);
    expectProblem(await app.api("GET", `/endpoints/${ep.id}`), 404);
    expect((await app.api("GET", `/deliveries?endpoint=${ep.id}`)).body.data).toEqual([]);
  });

  test("an attempt in flight at the delete leaves no attempt behind", async () => {
    const { body: ep } = await create({ events: ["slow.*"], timeoutMs: 400, verify: false });
    let arrived = false;
    receiver.respond(async (req) => {
      if (JSON.parse(req.body).type === "slow.one") { arrived = true; await Bun.sleep(200); }
      return new Response("ok");
    });
    await app.post({ type: "slow.one", data: {} });
    await waitFor(() => arrived, 5000, "the attempt in flight");
    expect((await app.api("DELETE", `/endpoints/${ep.id}`)).status).toBe(204);
    const attempts = () => app.store.db.selectFrom("attempts").select("id").where("endpoint_id", "=", ep.id).execute();
    await waitFor(async () => (await attempts()).length === 1, 5000, "the late attempt recorded after the delete");
    await waitFor(async () => (await attempts()).length === 0, 8000, "the late attempt swept up");
    expect(await app.store.db.selectFrom("deliveries").select("id").where("endpoint_id", "=", ep.id).execute()).toEqual([]);
  }, 15_000);
});

describe("with an event catalog", () => {
  test("an API endpoint may not subscribe to names every object has (constructor, toString, __proto__)", async () => {
    const cataloged = await startAdminApp({ events: { "job.completed": {} } });
    try {
      const result = await cataloged.api("POST", "/endpoints", { url: receiver.url, verify: false, events: ["job.completed", "constructor", "toString", "__proto__", "job.*"] });
      const problem = expectProblem(result, 422);
      expect(problem.errors).toEqual([1, 2, 3].map((i) => ({ path: `events[${i}]`, message: expect.stringContaining("unknown event type") })));
      const ok = await cataloged.api("POST", "/endpoints", { url: receiver.url, verify: false, events: ["job.completed", "job.*"] });
      expect(ok.status).toBe(201);
      expectProblem(await cataloged.api("PATCH", `/endpoints/${ok.body.id}`, { events: ["hasOwnProperty"] }), 422);
    } finally {
      await cataloged.close();
    }
  });
});
