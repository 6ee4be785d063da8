import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.ts";
import { resolveConfig } from "../../src/config/load.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import type { Resolver } from "../../src/outbound/send.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { adminClient, expectProblem, sessionOf, type AdminApp } from "./support.ts";

// Servers and receivers on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * `tenants:` limits (DESIGN section 9) on API-written tenant endpoints. The gateway allows loopback for global and
 * config endpoints (delivery.allowNetworks) and nothing private for tenant endpoints (tenants.allowNetworks: []).
 * `late-<n>.test` names fail their first look-up (registration lets that pass) and then resolve to 127.0.0.1:
 * a name that moves to an internal address after it was registered.
 */
const looked = new Map<string, number>();
const resolve: Resolver = async (host) => {
  const n = (looked.get(host) ?? 0) + 1;
  looked.set(host, n);
  if (/^late-\d+\.test$/.test(host) && n > 1) return ["127.0.0.1"];
  if (host === "receiver.test") return ["127.0.0.1"];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
};

const config = (tenants: Record<string, unknown>, extra: Partial<ConfigInput> = {}): ConfigInput => baseConfig({
  ...extra,
  tenants: tenants as never,
  delivery: { schedule: ["100ms", "100ms"], jitter: 0 } as never,
});

async function start(input: ConfigInput): Promise<AdminApp> {
  const app = await startTestApp(input, { resolve });
  return Object.assign(app, { api: adminClient(app.url) });
}

const paths = (problem: { errors?: { path: string }[] }) => (problem.errors ?? []).map((e) => e.path);
let rx: Receiver;
let n = 0;
const late = () => `http://late-${++n}.test:${rx.port}/hooks`;
beforeAll(() => { rx = startReceiver(() => new Response("internal answer", { status: 200 })); });
afterAll(() => rx.stop());

describe("tenants.maxTimeoutMs, minRetryDelay and maxAttempts on API tenant endpoints", () => {
  let app: AdminApp;
  let session: string;
  beforeAll(async () => {
    app = await start(config({ allowNetworks: [] }));
    session = await sessionOf(app, "acme");
  });
  afterAll(() => app.close());

  const PAST: { name: string; options: Record<string, unknown>; path: string; limit: RegExp }[] = [
    { name: "timeoutMs past maxTimeoutMs", options: { timeoutMs: 15_001 }, path: "timeoutMs", limit: /tenants\.maxTimeoutMs/ },
    { name: "a delay below minRetryDelay", options: { schedule: ["5s", "1s", "10s"] }, path: "schedule[1]", limit: /tenants\.minRetryDelay/ },
    { name: "a delay of 0 ms", options: { schedule: [0] }, path: "schedule[0]", limit: /tenants\.minRetryDelay/ },
    { name: "more attempts than maxAttempts", options: { schedule: Array(10).fill("5s") }, path: "schedule", limit: /tenants\.maxAttempts/ },
  ];
  const url = "https://hooks.example.test/x";

  for (const { name, options, path, limit } of PAST) {
    test(`${name}: 422 naming the field and the limit on POST (session and admin naming the tenant), accepted on a global endpoint`, async () => {
      for (const [body, token] of [[{ url, events: ["*"], verify: false, ...options }, session], [{ url, events: ["*"], verify: false, tenant: "acme", ...options }, undefined]] as const) {
        const problem = expectProblem(await app.api("POST", "/endpoints", body, token), 422, limit);
        expect(paths(problem)).toEqual([path]);
        expect(problem.errors[0].message).toMatch(limit);
      }
      const global = await app.api("POST", "/endpoints", { url, events: ["*"], verify: false, ...options });
      expect(global.status).toBe(201);
    });

    test(`${name}: 422 on PATCH of a tenant endpoint (session and admin), accepted on a global endpoint`, async () => {
      const own = await app.api("POST", "/endpoints", { url, events: ["*"], verify: false }, session);
      expect(own.status).toBe(201);
      for (const token of [session, undefined]) {
        const problem = expectProblem(await app.api("PATCH", `/endpoints/${own.body.id}`, options, token), 422, limit);
        expect(paths(problem)).toEqual([path]);
      }
      const global = await app.api("POST", "/endpoints", { url, events: ["*"], verify: false });
      expect((await app.api("PATCH", `/endpoints/${global.body.id}`, options)).status).toBe(200);
    });
  }

  test("values at the limits are accepted", async () => {
    const created = await app.api("POST", "/endpoints", { url, events: ["*"], verify: false, timeoutMs: 15_000, schedule: Array(9).fill("5s") }, session);
    expect(created.status).toBe(201);
    expect((await app.api("PATCH", `/endpoints/${created.body.id}`, { timeoutMs: null, schedule: [5000, "5s"] }, session)).status).toBe(200);
  });
});

describe("tenants.allowNetworks: tenant endpoints never reach what only delivery.allowNetworks opens", () => {
  let app: AdminApp;
  let session: string;
  beforeAll(async () => {
    // The delivery schedule's 100 ms delays would be raised to the default minRetryDelay (5 s) for tenant endpoints.
    app = await start(config({ allowNetworks: [], minRetryDelay: "100ms" }, {
      endpoints: [{ id: "ops-acme", tenant: "acme", url: rx.url, events: ["order.*"], signing: { scheme: "none" } }],
    }));
    session = await sessionOf(app, "acme");
  });
  afterAll(() => app.close());

  test("registration: a loopback URL is 422 on url naming tenants.allowNetworks, on POST and PATCH; a global endpoint takes it", async () => {
    for (const [body, token] of [[{ url: rx.url, events: ["*"], verify: false }, session], [{ url: rx.url, events: ["*"], verify: false, tenant: "acme" }, undefined]] as const) {
      const problem = expectProblem(await app.api("POST", "/endpoints", body, token), 422);
      expect(paths(problem)).toEqual(["url"]);
      expect(problem.errors[0].message).toMatch(/tenants\.allowNetworks/);
    }
    // A name that resolves only to loopback is refused at registration too.
    const named = expectProblem(await app.api("POST", "/endpoints", { url: `http://receiver.test:${rx.port}/hooks`, events: ["*"], verify: false }, session), 422);
    expect(paths(named)).toEqual(["url"]);
    const own = await app.api("POST", "/endpoints", { url: "https://hooks.example.test/x", events: ["*"], verify: false }, session);
    expect(own.status).toBe(201);
    expect(paths(expectProblem(await app.api("PATCH", `/endpoints/${own.body.id}`, { url: rx.url }, session), 422))).toEqual(["url"]);
    expect((await app.api("POST", "/endpoints", { url: rx.url, events: ["*"], verify: false })).status).toBe(201);
    expect(rx.requests).toHaveLength(0);
  });

  test("the verification ping to a name that now resolves to loopback is refused: 422 with the refused attempt, nothing sent", async () => {
    const before = rx.requests.length;
    const problem = expectProblem(await app.api("POST", "/endpoints", { url: late(), events: ["*"] }, session), 422);
    expect(problem.attempt.error).toMatch(/^refused: .*127\.0\.0\.1.*tenants\.allowNetworks/);
    expect(problem.attempt.statusCode).toBeNull();
    expect(problem.attempt.responseBody).toBe("");
    expect(rx.requests.length).toBe(before);
  });

  test("/test and scheduled attempts are refused and recorded; the internal answer is never shown", async () => {
    const before = rx.requests.length;
    const created = await app.api("POST", "/endpoints", { url: late(), events: ["*"], verify: false }, session);
    expect(created.status).toBe(201);
    const tested = await app.api("POST", `/endpoints/${created.body.id}/test`, {}, session);
    expect(tested.status).toBe(200);
    expect(tested.body.error).toMatch(/^refused: .*tenants\.allowNetworks/);
    expect(tested.body.statusCode).toBeNull();
    expect(tested.body.responseBody).toBe("");
    // The retries on the schedule (100 ms apart) are refused too.
    await waitFor(async () => (await app.api("GET", `/deliveries/${tested.body.deliveryId}`, undefined, session)).body.status === "failed", { timeoutMs: 10_000, what: "the test delivery to fail" });
    const delivery = (await app.api("GET", `/deliveries/${tested.body.deliveryId}`, undefined, session)).body;
    expect(delivery.attempts).toHaveLength(3);
    for (const attempt of delivery.attempts) expect(attempt).toMatchObject({ statusCode: null, responseBody: "", error: expect.stringMatching(/^refused: /) });
    expect(rx.requests.length).toBe(before);
  });

  test("a config endpoint of the tenant and a global endpoint keep using delivery.allowNetworks", async () => {
    const global = await app.api("POST", "/endpoints", { url: late(), events: ["*"], verify: false });
    expect(global.status).toBe(201);
    const tested = await app.api("POST", `/endpoints/${global.body.id}/test`, {});
    expect(tested.body).toMatchObject({ statusCode: 200, responseBody: "internal answer", error: null });
    const ops = await app.api("POST", "/endpoints/ops-acme/test", {}, session);
    expect(ops.body).toMatchObject({ statusCode: 200, error: null });
  });
});

describe("limits after a config reload, and the attempts actually made", () => {
  let app: AdminApp;
  let failing: Receiver;
  beforeAll(async () => {
    failing = startReceiver(() => new Response("down", { status: 503 }));
    app = await start(config({ allowNetworks: ["127.0.0.0/8"], maxAttempts: 31, minRetryDelay: "0s", maxTimeoutMs: 60_000 }));
  });
  afterAll(async () => { await app.close(); failing.stop(); });

  async function reload(tenants: Record<string, unknown>) {
    const next = await resolveConfig({ ...config(tenants), store: { sqlite: join(app.dir, "hookgate.db") } }, join(app.dir, "webhooks.config.ts"), builtinPlugins);
    if (!next.ok) throw new Error(next.problems.map((p) => p.message).join("; "));
    await (app as TestApp).reload(next.loaded);
  }

  test("an endpoint saved under looser limits sends no more than the new ones: attempts, delays and timeout; new writes get 422", async () => {
    const schedule = Array(30).fill("0s");
    const created = await app.api("POST", "/endpoints", { url: failing.url, events: ["*"], verify: false, tenant: "acme", schedule, timeoutMs: 60_000 });
    expect(created.status).toBe(201);
    await reload({ allowNetworks: ["127.0.0.0/8"], maxAttempts: 3, minRetryDelay: "200ms", maxTimeoutMs: 1_000 });

    expectProblem(await app.api("POST", "/endpoints", { url: failing.url, events: ["*"], verify: false, tenant: "acme", schedule }), 422, /tenants\.maxAttempts/);
    expectProblem(await app.api("PATCH", `/endpoints/${created.body.id}`, { timeoutMs: 2_000 }), 422, /tenants\.maxTimeoutMs/);
    expect(app.registry.get(created.body.id)!.timeoutMs).toBe(1_000);

    const tested = await app.api("POST", `/endpoints/${created.body.id}/test`, {});
    expect(tested.status).toBe(200);
    await waitFor(async () => (await app.api("GET", `/deliveries/${tested.body.deliveryId}`)).body.status === "failed", { timeoutMs: 10_000, what: "the test delivery to fail" });
    await Bun.sleep(500);
    expect(failing.requests).toHaveLength(3);
    const at = failing.requests.map((r) => r.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(190);
    const attempts = await dbOf(app.store).selectFrom("attempts").select("number").where("endpoint_id", "=", created.body.id).execute();
    expect(attempts).toHaveLength(3);
  });

  test("tenants.allowNetworks after a reload: loopback closed for tenant endpoints at once", async () => {
    const created = await app.api("POST", "/endpoints", { url: late(), events: ["*"], verify: false, tenant: "acme" });
    expect(created.status).toBe(201);
    const literal = await app.api("POST", "/endpoints", { url: failing.url, events: ["*"], verify: false, tenant: "acme", schedule: [] });
    expect((await app.api("POST", `/endpoints/${literal.body.id}/test`, {})).body.statusCode).toBe(503);
    await reload({ allowNetworks: [] });
    for (const id of [created.body.id, literal.body.id]) {
      const tested = await app.api("POST", `/endpoints/${id}/test`, {});
      expect(tested.body.error).toMatch(/^refused: .*tenants\.allowNetworks/);
    }
    expect(paths(expectProblem(await app.api("POST", "/endpoints", { url: failing.url, events: ["*"], verify: false, tenant: "acme" }), 422))).toEqual(["url"]);
    await reload({ allowNetworks: ["127.0.0.0/8"] });
    expect((await app.api("POST", "/endpoints", { url: failing.url, events: ["*"], verify: false, tenant: "acme" })).status).toBe(201);
  });
});

describe("server-side caps on text fields", () => {
  let app: AdminApp;
  let id: string;
  beforeAll(async () => {
    app = await start(config({}));
    id = (await app.api("POST", "/endpoints", { url: rx.url, events: ["*"], verify: false })).body.id;
  });
  afterAll(() => app.close());

  const TOO_LONG: { name: string; body: Record<string, unknown>; path: string }[] = [
    { name: "description over 1,000 characters", body: { description: "d".repeat(1001) }, path: "description" },
    { name: "headers over 8 KiB in all", body: { headers: { "x-a": "a".repeat(4000), "x-b": "b".repeat(4000), "x-c": "c".repeat(200) } }, path: "headers" },
    { name: "an auth username over 256 characters", body: { auth: { type: "basic", username: "u".repeat(257), password: "p" } }, path: "auth.username" },
    { name: "an auth password over 1,024 characters", body: { auth: { type: "basic", username: "u", password: "p".repeat(1025) } }, path: "auth.password" },
    { name: "a bearer token over 4,096 characters", body: { auth: { type: "bearer", token: "t".repeat(4097) } }, path: "auth.token" },
    { name: "a signing header name over 100 characters", body: { signing: { scheme: "standard", header: `x-${"s".repeat(100)}` } }, path: "signing.header" },
  ];
  for (const { name, body, path } of TOO_LONG) {
    test(`${name}: 422 with its path on POST and PATCH`, async () => {
      expect(paths(expectProblem(await app.api("POST", "/endpoints", { url: rx.url, events: ["*"], verify: false, ...body }), 422))).toEqual([path]);
      expect(paths(expectProblem(await app.api("PATCH", `/endpoints/${id}`, body), 422))).toEqual([path]);
    });
  }

  test("at the caps: accepted", async () => {
    const headers = { "x-a": "a".repeat(4000), "x-b": "b".repeat(4000 - 6) }; // 8,192 bytes of names and values
    const created = await app.api("POST", "/endpoints", { url: rx.url, events: ["*"], verify: false, description: "d".repeat(1000), headers });
    expect(created.status).toBe(201);
  });

  test("the OpenAPI document shows the caps", async () => {
    const doc = await (await fetch(`${app.url}/docs/json`)).json() as any;
    const schema = doc.paths["/api/v1/endpoints"].post.requestBody.content["application/json"].schema;
    expect(schema.properties.description.maxLength).toBe(1000);
    expect(JSON.stringify(schema.properties.headers)).toContain("8 KiB");
  });
});
