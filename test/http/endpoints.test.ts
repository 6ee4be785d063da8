import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { verifyBuildWorkPro, verifyCePro } from "../support/verifiers.ts";
import { ADMIN_TOKEN, expectProblem, READ_TOKEN, SECRET, sessionOf, startAdminApp, type AdminApp } from "./support.ts";
import { dbOf } from "../support/store-db.ts";

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
/**
 * Each test's endpoints use a path of its own on the shared receiver (`here`), and the test reads only the requests
 * to it (`mine()`): an endpoint an earlier test made subscribes to "*" and may still be retrying.
 */
let here = "";
let tests = 0;
beforeEach(() => { receiver.requests.length = 0; receiver.respond(() => new Response("ok")); here = `${receiver.url}/t${++tests}`; });
const pathOf = (url: string) => new URL(url).pathname;
const mine = (url = here) => receiver.requests.filter((r) => r.path === pathOf(url));

const create = (body: Record<string, unknown>) => app.api("POST", "/endpoints", { url: here, events: ["*"], ...body });

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
    expect(mine()).toHaveLength(1);
    const ping = mine()[0]!;
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
    expect(problem.attempt).toEqual(expect.objectContaining({ number: 1, statusCode: 503, outcome: "failed", responseBody: "down for maintenance", url: here }));
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
    expect(receiver.requests.filter((r) => r.headers["webhook-event"] === "ping")).toHaveLength(0);
  });

  test("takes headers, auth, signing and per-endpoint delivery options", async () => {
    const result = await create({
      headers: { "X-Team": "sales" }, auth: { type: "basic", username: "hook", password: "pa55" },
      signing: { scheme: "hex", header: "X-CEPro-Signature" }, schedule: ["1m", 300_000], timeoutMs: 5000, rateLimit: 2, maxConcurrency: 4, autoDisableAfter: 5,
    });
    expect(result.status).toBe(201);
    const ping = mine()[0]!;
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
    expect(() => new Webhook(own).verify(mine()[0]!.body, mine()[0]!.headers)).not.toThrow();
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

  test("ordering.maxBlock: not a duration, or not over zero, is 422 at its path (never a 500)", async () => {
    for (const maxBlock of ["soon", "0s", 0, "-1h", 5.5]) {
      const problem = expectProblem(await create({ verify: false, ordering: { maxBlock } }), 422);
      expect({ maxBlock, paths: problem.errors.map((e: { path: string }) => e.path) }).toEqual({ maxBlock, paths: ["ordering.maxBlock"] });
    }
    const patched = await app.api("PATCH", `/endpoints/${(await create({ verify: false })).body.id}`, { ordering: { maxBlock: "soon" } });
    expect(expectProblem(patched, 422).errors.map((e: { path: string }) => e.path)).toEqual(["ordering.maxBlock"]);
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
    // Before the limit, Elysia's validation error pretty-printed the value: seconds for 10 KB. The bound is loose
    // (2 s, not the ~10 ms it takes) so a loaded machine does not fail it; the old behaviour took far longer.
    expect(performance.now() - started).toBeLessThan(2_000);
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

describe("names that can only be refused, at registration (verify: false too)", () => {
  // A strict policy, and a resolver standing in for DNS: the same one the sender would use.
  const dns: Record<string, string[] | "hang"> = {
    "internal.example.test": ["10.0.0.5", "fd00::5"],
    "public.example.test": ["93.184.216.34"],
    "mixed.example.test": ["93.184.216.34", "10.0.0.5"], // refused at connect, but not "only" refused addresses
    "slow.example.test": "hang",
  };
  let strict: AdminApp;
  beforeAll(async () => {
    strict = await startAdminApp({ delivery: { requireHttps: true, allowNetworks: [] } as never }, {
      resolve: async (host) => {
        const answer = dns[host];
        if (answer === "hang") return new Promise<string[]>(() => {});
        if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
        return answer;
      },
    });
  });
  afterAll(() => strict.close());
  const add = (url: string) => strict.api("POST", "/endpoints", { url, events: ["*"], verify: false });

  test.each([
    ["https://localhost:8443/x", "localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["https://LocalHost./x", "localhost. is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["https://api.localhost/x", "api.localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["https://internal.example.test/x", "internal.example.test resolves only to refused addresses: 10.0.0.5 is a private address (add it to delivery.allowNetworks to allow it); fd00::5 is a unique local address (add it to delivery.allowNetworks to allow it)"],
  ])("%s answers 422 on url with the reason", async (url, message) => {
    const problem = expectProblem(await add(url), 422);
    expect(problem.errors).toEqual([{ path: "url", message }]);
  });

  test("a public name, a mixed answer and a failed look-up are saved (each attempt is checked at connect)", async () => {
    for (const url of ["https://public.example.test/x", "https://mixed.example.test/x", "https://nxdomain.example.test/x"]) {
      expect({ url, status: (await add(url)).status }).toEqual({ url, status: 201 });
    }
  });

  test("a look-up that hangs gives up after about 2 s and saves", async () => {
    const started = Date.now();
    expect((await add("https://slow.example.test/x")).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("PATCH url is checked the same way, and nothing is changed", async () => {
    const { body: ep } = await add("https://public.example.test/x");
    for (const url of ["https://localhost/y", "https://internal.example.test/y"]) {
      const problem = expectProblem(await strict.api("PATCH", `/endpoints/${ep.id}`, { url }), 422);
      expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(["url"]);
    }
    expect((await strict.api("GET", `/endpoints/${ep.id}`)).body.url).toBe("https://public.example.test/x");
  });

  test("allowNetworks opts loopback back in: localhost is fine there", async () => {
    const result = await create({ url: "http://localhost:9/later", verify: false });
    expect(result.status).toBe(201);
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
    await Bun.sleep(300); // a fixed wait: the disabled endpoint must NOT be sent the event within it
    expect(crm.requests.filter((r) => r.headers["webhook-id"] === sent.id)).toHaveLength(0);
    const waiting = await app.api("GET", `/deliveries?event=${sent.id}&endpoint=crm`);
    expect(waiting.body.data).toEqual([expect.objectContaining({ endpointId: "crm", status: "pending", attempts: [] })]);

    const on = await app.api("PATCH", "/endpoints/crm", { enabled: true });
    expect(on.body).toEqual(expect.objectContaining({ enabled: true, disabledReason: null }));
    await waitFor(() => crm.requests.some((r) => r.headers["webhook-id"] === sent.id), { timeoutMs: 5_000, what: "the held delivery after enabling" });
    expect(crm.requests.find((r) => r.headers["webhook-id"] === sent.id)!.headers.authorization).toBe("Bearer crm-receiver-token");
  });
});

describe("changing and deleting an API endpoint", () => {
  test("PATCH changes fields; a masked credential sent back keeps the stored one", async () => {
    const { body: ep } = await create({ auth: { type: "bearer", token: "tok-1" } });
    const other = startReceiver();
    try {
      // Same origin (scheme, host, port), another path: the masked credential sent back keeps the stored one.
      const moved = `${here}/moved`;
      const patched = await app.api("PATCH", `/endpoints/${ep.id}`, { url: moved, events: ["job.completed"], description: "moved", headers: { "X-A": "1" }, auth: (await app.api("GET", `/endpoints/${ep.id}`)).body.auth, timeoutMs: 2000 });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual(expect.objectContaining({ url: moved, events: ["job.completed"], description: "moved", headers: { "X-A": "1" }, timeoutMs: 2000 }));
      expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(ep.updatedAt));
      const test = await app.api("POST", `/endpoints/${ep.id}/test`, { type: "job.completed" });
      expect(test.body.statusCode).toBe(200);
      expect(mine(moved)).toHaveLength(1);
      expect(mine(moved)[0]!.path).toBe(`${pathOf(here)}/moved`);
      expect(mine(moved)[0]!.headers.authorization).toBe("Bearer tok-1");
      expect(mine(moved)[0]!.headers["x-a"]).toBe("1");
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
    const db = dbOf(app.store);
    const count = async (table: "deliveries" | "attempts") => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).where("endpoint_id", "=", ep.id).executeTakeFirstOrThrow()).n);
    await waitFor(async () => (await app.api("GET", `/deliveries?endpoint=${ep.id}&status=failed`)).body.data.length === 3, { timeoutMs: 5000, what: "3 failed deliveries" });
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

  test("an attempt in flight at the delete is aborted and leaves no attempt behind", async () => {
    const { body: ep } = await create({ events: ["slow.*"], timeoutMs: 400, verify: false });
    let arrived = false;
    let answered = false;
    receiver.respond(async (req) => {
      if (JSON.parse(req.body).type === "slow.one") { arrived = true; await Bun.sleep(200); answered = true; }
      return new Response("ok");
    });
    await app.post({ type: "slow.one", data: {} });
    await waitFor(() => arrived, { timeoutMs: 5000, what: "the attempt in flight" });
    expect((await app.api("DELETE", `/endpoints/${ep.id}`)).status).toBe(204);
    expect(answered).toBe(false);
    // Past the attempt's timeout and the lease, nothing was recorded for the deleted endpoint (DESIGN §9: the
    // delete aborts its attempts in flight). A fixed wait: it asserts that nothing happens within the window.
    await Bun.sleep(1_000);
    expect(await dbOf(app.store).selectFrom("attempts").select("id").where("endpoint_id", "=", ep.id).execute()).toEqual([]);
    expect(await dbOf(app.store).selectFrom("deliveries").select("id").where("endpoint_id", "=", ep.id).execute()).toEqual([]);
  }, 15_000);
});

describe("receiver credentials in headers", () => {
  const KEY = "api-key-in-clear-4242";

  test("a secret-looking header is masked in reads and attempt logs, sealed at rest, and sent for real", async () => {
    const created = await create({ headers: { "X-Api-Key": KEY, "X-Team": "sales" } });
    expect(created.status).toBe(201);
    expect(created.body.headers).toEqual({ "X-Api-Key": "********", "X-Team": "sales" });
    expect(mine()[0]!.headers["x-api-key"]).toBe(KEY);
    const read = await app.api("GET", `/endpoints/${created.body.id}`, undefined, READ_TOKEN);
    expect(read.body.headers).toEqual({ "X-Api-Key": "********", "X-Team": "sales" });

    const test = await app.api("POST", `/endpoints/${created.body.id}/test`, {});
    expect(test.body.requestHeaders["x-api-key"]).toBe("[redacted]");
    expect(test.body.requestHeaders["x-team"]).toBe("sales");
    expect(mine()[1]!.headers["x-api-key"]).toBe(KEY);
    const delivery = await app.api("GET", `/deliveries/${test.body.deliveryId}`, undefined, READ_TOKEN);
    expect(delivery.body.attempts[0].requestHeaders["x-api-key"]).toBe("[redacted]");
    expect(JSON.stringify([read.body, delivery.body, (await app.api("GET", "/endpoints?limit=100")).body])).not.toContain(KEY);

    const files = readdirSync(app.dir).filter((f) => f.startsWith("hookgate.db"));
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(app.dir, f))));
    expect(bytes.includes(Buffer.from(KEY))).toBe(false);
  });

  test("Authorization, Cookie and Proxy-Authorization in headers answer 422, pointing to auth", async () => {
    const problem = expectProblem(await create({ headers: { Authorization: "Bearer x", Cookie: "s=1", "Proxy-Authorization": "Basic eA==" }, verify: false }), 422);
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(["headers.Authorization", "headers.Cookie", "headers.Proxy-Authorization"]);
    for (const e of problem.errors) expect(e.message).toContain("put them in auth");
    const { body: ep } = await create({ verify: false });
    expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { headers: { authorization: "Bearer x" } }), 422);
  });

  test("PATCH headers replaces the map; a masked value sent back keeps the stored one", async () => {
    const { body: ep } = await create({ headers: { "X-Api-Key": KEY }, verify: false });
    const patched = await app.api("PATCH", `/endpoints/${ep.id}`, { headers: { "x-api-key": "********", "X-Other": "2" } });
    expect(patched.status).toBe(200);
    expect(patched.body.headers).toEqual({ "x-api-key": "********", "X-Other": "2" });
    await app.api("POST", `/endpoints/${ep.id}/test`, {});
    expect(mine().at(-1)!.headers["x-api-key"]).toBe(KEY);
    expect(mine().at(-1)!.headers["x-other"]).toBe("2");
    const unknown = expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { headers: { "X-Client-Secret": "********" } }), 422);
    expect(unknown.errors).toEqual([{ path: "headers.X-Client-Secret", message: expect.stringContaining("send the value itself") }]);
  });
});

describe("a URL moved to another origin", () => {
  test("needs auth again in the same PATCH; the stored credential is never sent to the new receiver", async () => {
    const { body: ep } = await create({ auth: { type: "basic", username: "u", password: "old-password" }, verify: false });
    const other = startReceiver();
    try {
      const refused = expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url }), 422);
      expect(refused.errors).toEqual([{ path: "auth", message: expect.stringContaining("another origin") }]);
      const masked = expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url, auth: { type: "basic", username: "u", password: "********" } }), 422);
      expect(masked.errors[0].path).toBe("auth.password");
      const unchanged = (await app.api("GET", `/endpoints/${ep.id}`)).body;
      expect(unchanged).toEqual(expect.objectContaining({ url: here, auth: { type: "basic", username: "u", password: "********" } }));
      await app.api("POST", `/endpoints/${ep.id}/test`, {});
      expect(mine().at(-1)!.headers.authorization).toBe(`Basic ${btoa("u:old-password")}`);
      expect(other.requests).toHaveLength(0);

      const moved = await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url, auth: { type: "bearer", token: "new-token" } });
      expect(moved.status).toBe(200);
      await app.api("POST", `/endpoints/${ep.id}/test`, {});
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBe("Bearer new-token");
      expect(JSON.stringify(other.requests)).not.toContain(btoa("u:old-password"));

      // auth: null drops the credential, which is fine too.
      const back = await app.api("PATCH", `/endpoints/${ep.id}`, { url: here, auth: null });
      expect(back.status).toBe(200);
      expect(back.body.auth).toBeNull();
    } finally {
      other.stop();
    }
  });

  test("secret-looking headers must be re-sent or dropped", async () => {
    const { body: ep } = await create({ headers: { "X-Api-Key": "old-key-1234", "X-Team": "a" }, verify: false });
    const other = startReceiver();
    try {
      const refused = expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url }), 422);
      expect(refused.errors).toEqual([{ path: "headers", message: expect.stringContaining("X-Api-Key") }]);
      const masked = expectProblem(await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url, headers: { "X-Api-Key": "********" } }), 422);
      expect(masked.errors[0].path).toBe("headers.X-Api-Key");
      expect((await app.api("PATCH", `/endpoints/${ep.id}`, { url: other.url, headers: { "X-Api-Key": "new-key-5678", "X-Team": "a" } })).status).toBe(200);
      await app.api("POST", `/endpoints/${ep.id}/test`, {});
      expect(other.requests[0]!.headers["x-api-key"]).toBe("new-key-5678");
    } finally {
      other.stop();
    }
  });
});

describe("signing scheme changes and rotation", () => {
  test("a secret the new scheme cannot use is re-issued and shown once in the PATCH answer", async () => {
    const { body: ep } = await create({ signing: { scheme: "github" }, secret: "github-style-secret", verify: false });
    const patched = await app.api("PATCH", `/endpoints/${ep.id}`, { signing: { scheme: "standard" } });
    expect(patched.status).toBe(200);
    const fresh = patched.body.signingSecret;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe("github-style-secret");
    expect((await app.api("GET", `/endpoints/${ep.id}`)).body.signingSecret).toBeUndefined();
    await app.api("POST", `/endpoints/${ep.id}/test`, {});
    const sent = mine().at(-1)!;
    expect(() => new Webhook(fresh).verify(sent.body, sent.headers)).not.toThrow();

    // A secret that fits the new scheme is kept: no new secret in the answer.
    const kept = await app.api("PATCH", `/endpoints/${ep.id}`, { signing: { scheme: "stripe" } });
    expect(kept.status).toBe(200);
    expect(kept.body.signingSecret).toBeUndefined();
    await app.api("POST", `/endpoints/${ep.id}/test`, {});
    expect(verifyBuildWorkPro(mine().at(-1)!.headers["webhook-signature"]!, mine().at(-1)!.body, fresh)).toBe(true);
  });

  test("github rotation switches at once: the answer says so, and @octokit/webhooks-methods verifies the next delivery", async () => {
    const { body: ep } = await create({ signing: { scheme: "github" }, verify: false });
    const rotated = await app.api("POST", `/endpoints/${ep.id}/rotate-secret`, { graceSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ signingSecret: expect.stringMatching(/^whsec_/), graceSeconds: 0, previousSecretExpiresAt: null, note: expect.stringContaining("immediate") });
    await app.api("POST", `/endpoints/${ep.id}/test`, {});
    const sent = mine().at(-1)!;
    expect(sent.headers["x-hub-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await octokitVerify(rotated.body.signingSecret, sent.body, sent.headers["x-hub-signature-256"]!)).toBe(true);
    expect(await octokitVerify(ep.signingSecret, sent.body, sent.headers["x-hub-signature-256"]!)).toBe(false);

    // The two-step way: the receiver accepts a secret of one's own first, then the rotation installs it.
    const own = "receiver-ready-secret-0001";
    const installed = await app.api("POST", `/endpoints/${ep.id}/rotate-secret`, { secret: own });
    expect(installed.body.signingSecret).toBe(own);
    await app.api("POST", `/endpoints/${ep.id}/test`, {});
    expect(await octokitVerify(own, mine().at(-1)!.body, mine().at(-1)!.headers["x-hub-signature-256"]!)).toBe(true);

    // hex the same way: CE Pro's documented verifier takes the delivery right after a rotation.
    const { body: hex } = await create({ signing: { scheme: "hex" }, verify: false });
    const hexRotated = await app.api("POST", `/endpoints/${hex.id}/rotate-secret`, {});
    expect(hexRotated.body.graceSeconds).toBe(0);
    await app.api("POST", `/endpoints/${hex.id}/test`, {});
    expect(verifyCePro(mine().at(-1)!.body, mine().at(-1)!.headers["x-webhook-signature"]!, hexRotated.body.signingSecret)).toBe(true);

    const standard = await create({ verify: false });
    const graced = await app.api("POST", `/endpoints/${standard.body.id}/rotate-secret`, {});
    expect(graced.body).toEqual(expect.objectContaining({ graceSeconds: 86_400, previousSecretExpiresAt: expect.any(String) }));
    expect(graced.body.note).toBeUndefined();
    expectProblem(await app.api("POST", `/endpoints/${standard.body.id}/rotate-secret`, { secret: "not-a-standard-secret" }), 422);
  });
});

describe("with an event catalog", () => {
  test("an API endpoint may not subscribe to names every object has (constructor, toString, __proto__)", async () => {
    const cataloged = await startAdminApp({ events: { "job.completed": {} } });
    try {
      const result = await cataloged.api("POST", "/endpoints", { url: here, verify: false, events: ["job.completed", "constructor", "toString", "__proto__", "job.*"] });
      const problem = expectProblem(result, 422);
      expect(problem.errors).toEqual([1, 2, 3].map((i) => ({ path: `events[${i}]`, message: expect.stringContaining("unknown event type") })));
      const ok = await cataloged.api("POST", "/endpoints", { url: here, verify: false, events: ["job.completed", "job.*"] });
      expect(ok.status).toBe(201);
      expectProblem(await cataloged.api("PATCH", `/endpoints/${ok.body.id}`, { events: ["hasOwnProperty"] }), 422);
    } finally {
      await cataloged.close();
    }
  });
});

describe("tenants: an endpoint's tenant, sessions and tenants.maxEndpoints", () => {
  let capped: AdminApp;
  beforeAll(async () => {
    capped = await startAdminApp({
      tenants: { maxEndpoints: 2 },
      endpoints: [{ id: "acme-crm", url: here, events: ["*"], secret: SECRET }] as never,
    });
    // A config endpoint of tenant acme (the config's tenant field is read by the registry; here the row is set).
    await dbOf(capped.store).updateTable("endpoints").set({ tenant: "acme" }).where("id", "=", "acme-crm").execute();
  });
  afterAll(() => capped.close());
  const make = (body: Record<string, unknown>, token?: string) => capped.api("POST", "/endpoints", { url: here, events: ["*"], verify: false, ...body }, token);

  test("tenant is set on create, shown on reads, noted as a tenant, and fixed afterwards", async () => {
    const created = await make({ tenant: "globex" });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toBe("globex");
    expect((await capped.api("GET", `/endpoints/${created.body.id}`)).body.tenant).toBe("globex");
    expect(await capped.store.tenants.get("globex")).toEqual(expect.objectContaining({ id: "globex", endpoints: 1 }));
    expect((await make({})).body.tenant).toBeNull();
    const patched = expectProblem(await capped.api("PATCH", `/endpoints/${created.body.id}`, { tenant: "initech" }), 422);
    expect(patched.errors.map((e: { path: string }) => e.path)).toEqual(["tenant"]);
  });

  test("a bad tenant id is 422 with its path", async () => {
    for (const tenant of ["-acme", "a b", "x".repeat(129), ""]) {
      const problem = expectProblem(await make({ tenant }), 422);
      expect({ tenant, paths: problem.errors.map((e: { path: string }) => e.path) }).toEqual({ tenant, paths: ["tenant"] });
    }
  });

  test("past tenants.maxEndpoints: 409 saying the limit and where it is set; global endpoints and other tenants are not counted", async () => {
    expect((await make({ tenant: "acme" })).status).toBe(201); // acme-crm (config) + this one = 2
    const refused = expectProblem(await make({ tenant: "acme" }), 409, /2 endpoints.*tenants\.maxEndpoints in the config/);
    expect(refused.detail).toContain('tenant "acme"');
    expect((await make({})).status).toBe(201);
    expect((await make({ tenant: "umbrella" })).status).toBe(201);
    expect((await capped.api("GET", "/endpoints?tenant=acme")).body.data).toHaveLength(2);
  });

  test("a session creates in its own tenant (naming another is 422), and reads and toggles its config endpoint", async () => {
    const session = await sessionOf(capped, "initech");
    const created = await make({}, session);
    expect(created.status).toBe(201);
    expect(created.body.tenant).toBe("initech");
    expect((await make({ tenant: "initech" }, session)).status).toBe(201);
    const other = expectProblem(await make({ tenant: "globex" }, session), 422);
    expect(other.errors.map((e: { path: string }) => e.path)).toEqual(["tenant"]);
    expectProblem(await make({}, session), 409, /tenants\.maxEndpoints/);

    const acme = await sessionOf(capped, "acme");
    expect((await capped.api("GET", "/endpoints/acme-crm", undefined, acme)).body).toEqual(expect.objectContaining({ id: "acme-crm", tenant: "acme", managedBy: "config" }));
    expect((await capped.api("PATCH", "/endpoints/acme-crm", { enabled: false }, acme)).body.enabled).toBe(false);
    expect((await capped.api("PATCH", "/endpoints/acme-crm", { enabled: true }, acme)).body.enabled).toBe(true);
    expectProblem(await capped.api("PATCH", "/endpoints/acme-crm", { description: "x" }, acme), 409, /config file/);
    expectProblem(await capped.api("GET", "/endpoints/acme-crm", undefined, session), 404, /^tenant "initech" has no endpoint with this id$/);
  });
});
